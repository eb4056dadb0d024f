//! Credential documents too long for one keyring entry, split across several.
//!
//! The Windows Credential Manager holds at most 2560 bytes of credential blob per entry
//! (`CRED_MAX_CREDENTIAL_BLOB_SIZE`), and keyring stores a password there as UTF-16: 1280
//! UTF-16 units. A set with an STS session token (often 1000 characters and more) does not
//! fit. So a document longer than [`MAX_ENTRY_UNITS`] is written as parts, each in its own
//! entry named [`part_name`], and the set's own entry holds only a small [`Header`] saying how
//! many parts there are. Every OS gets the same layout, so the Linux tests (with a real
//! Secret Service) exercise the path Windows needs.
//!
//! Set names are letters, digits, `_`, `.` and `-` (`validate::name`), so a part's name, with
//! its `#`, never collides with a set's.

use serde::{Deserialize, Serialize};

/// The most UTF-16 units one entry holds: Windows' 2560-byte blob limit, halved, less a margin.
pub const MAX_ENTRY_UNITS: usize = 1200;

/// What the set's own entry holds when the document is split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Header {
    /// Always 2 (a whole document is version 1).
    pub version: u32,
    pub parts: usize,
}

/// The entry holding part `index` (1-based) of set `name`'s document.
pub fn part_name(name: &str, index: usize) -> String {
    format!("{name}#{index}")
}

/// Splits `document` into pieces of at most `max_units` UTF-16 units each, on character
/// boundaries. A document that fits is one piece. `max_units` must be at least 2 (the widest
/// character).
pub fn split(document: &str, max_units: usize) -> Vec<&str> {
    assert!(max_units >= 2, "a piece must hold any one character");
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut units = 0;
    for (at, c) in document.char_indices() {
        if units + c.len_utf16() > max_units {
            pieces.push(&document[start..at]);
            start = at;
            units = 0;
        }
        units += c.len_utf16();
    }
    if start < document.len() || pieces.is_empty() {
        pieces.push(&document[start..]);
    }
    pieces
}

/// The set's own entry for a split document: `None` when the document is whole (one piece).
pub fn header_for(pieces: usize) -> Option<String> {
    (pieces > 1).then(|| {
        serde_json::to_string(&Header {
            version: 2,
            parts: pieces,
        })
        .expect("a header always encodes")
    })
}

/// The header in a set's own entry, or `None` when the entry is a whole document.
pub fn parse_header(entry: &str) -> Option<Header> {
    serde_json::from_str::<Header>(entry)
        .ok()
        .filter(|h| h.version == 2 && h.parts > 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units(s: &str) -> usize {
        s.encode_utf16().count()
    }

    #[test]
    fn a_short_document_stays_whole() {
        assert_eq!(split("{\"version\":1}", MAX_ENTRY_UNITS), vec!["{\"version\":1}"]);
        assert_eq!(split("", MAX_ENTRY_UNITS), vec![""]);
        assert_eq!(header_for(1), None);
    }

    /// A set with a long STS session token: each piece fits in a Windows credential blob and
    /// the pieces join back to the document.
    #[test]
    fn a_long_session_token_is_split_into_pieces_that_fit_windows() {
        let token = "IQoJb3JpZ2luX2VjEJr//////////wEaDmFwLW5vcnRoZWFzdC0y".repeat(60);
        let document = serde_json::json!({
            "version": 1,
            "accessKeyId": "ASIAPIPEWRIGHTTEST01",
            "secretAccessKey": "x".repeat(40),
            "sessionToken": token,
            "region": "ap-northeast-2",
        })
        .to_string();
        assert!(
            units(&document) * 2 > 2560,
            "the test's document must not fit one entry"
        );
        let pieces = split(&document, MAX_ENTRY_UNITS);
        assert_eq!(pieces.len(), units(&document).div_ceil(MAX_ENTRY_UNITS));
        for piece in &pieces {
            assert!(units(piece) * 2 <= 2560, "a piece of {} bytes", units(piece) * 2);
        }
        assert_eq!(pieces.concat(), document);
    }

    #[test]
    fn pieces_never_cut_a_character() {
        // 'é' is one UTF-16 unit, '𝄞' two (a surrogate pair), '한' one.
        let document = "é𝄞한".repeat(7);
        for max in 2..10 {
            let pieces = split(&document, max);
            assert_eq!(pieces.concat(), document, "max {max}");
            assert!(pieces.iter().all(|p| units(p) <= max && !p.is_empty()), "max {max}");
        }
    }

    #[test]
    fn the_header_round_trips_and_whole_documents_are_not_headers() {
        let header = header_for(3).unwrap();
        assert_eq!(parse_header(&header), Some(Header { version: 2, parts: 3 }));
        let whole = r#"{"version":1,"accessKeyId":"AKIA","secretAccessKey":"s","sessionToken":null,"region":"r"}"#;
        assert_eq!(parse_header(whole), None);
        assert_eq!(parse_header(r#"{"version":2,"parts":1}"#), None);
        assert_eq!(parse_header("not json"), None);
    }

    #[test]
    fn parts_are_named_apart_from_sets() {
        assert_eq!(part_name("lab", 1), "lab#1");
        assert!(crate::credentials::validate::name(&part_name("lab", 1)).is_err());
    }
}
