//! The rule kit: a [`Problem`] in both languages, [`Noun`]s to name values in messages, and
//! the generic checks (required, length, characters, range) every rule in `rules` is built
//! from.

use super::korean::{object, topic};

/// What is wrong with one value, before it is tied to a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub code: &'static str,
    pub en: String,
    pub ko: String,
    /// A corrected value the student can take with one click (and the CLI prints).
    pub suggestion: Option<String>,
}

impl Problem {
    /// This problem with `value` offered as the fix, unless it is no fix at all.
    pub(crate) fn suggest(mut self, value: Option<String>) -> Problem {
        self.suggestion = value.filter(|v| !v.is_empty());
        self
    }
}

pub(crate) type Rule = Result<(), Problem>;

pub(crate) fn problem(code: &'static str, en: impl Into<String>, ko: impl Into<String>) -> Problem {
    Problem {
        code,
        en: en.into(),
        ko: ko.into(),
        suggestion: None,
    }
}

/// How a value is called in messages: English with a capital, Korean as a plain noun.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Noun {
    pub en: &'static str,
    pub ko: &'static str,
}

pub(crate) const fn noun(en: &'static str, ko: &'static str) -> Noun {
    Noun { en, ko }
}

pub(crate) fn quote_char(c: char) -> String {
    if c.is_control() {
        format!("U+{:04X}", c as u32)
    } else {
        format!("'{c}'")
    }
}

/// A character as a message names it, in English and Korean: a space by its name, since a
/// quoted blank is hard to see.
pub(crate) fn char_names(c: char) -> (String, String) {
    match c {
        ' ' => ("a space".into(), "공백".into()),
        '\t' => ("a tab".into(), "탭".into()),
        _ => (quote_char(c), quote_char(c)),
    }
}

/// Every character of `bad`, in order: `'M', a space and '!'` / `'M', 공백, '!'`.
pub(crate) fn char_list(bad: &[char]) -> (String, String) {
    let (en, ko): (Vec<String>, Vec<String>) = bad.iter().map(|&c| char_names(c)).unzip();
    let en = match en.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => en.concat(),
    };
    (en, ko.join(", "))
}

pub(crate) fn required(s: &str, what: Noun) -> Rule {
    if s.trim().is_empty() {
        return Err(problem(
            "required",
            format!("{} is required.", what.en),
            format!("{} 입력해 주세요.", object(what.ko)),
        ));
    }
    Ok(())
}

pub(crate) fn length(s: &str, min: usize, max: usize, what: Noun) -> Rule {
    required(s, what)?;
    let n = s.chars().count();
    if n < min {
        return Err(problem(
            "too_short",
            format!("{} must be at least {min} characters (now {n}).", what.en),
            format!("{} {min}자 이상이어야 합니다 (지금 {n}자).", topic(what.ko)),
        ));
    }
    if n > max {
        return Err(problem(
            "too_long",
            format!("{} must be at most {max} characters (now {n}).", what.en),
            format!("{} {max}자 이하여야 합니다 (지금 {n}자).", topic(what.ko)),
        ));
    }
    Ok(())
}

/// Every character passes `ok`; `allowed` says which ones do, in each language. The message
/// names every offending character at once, so one edit can fix them all.
pub(crate) fn chars(s: &str, what: Noun, ok: impl Fn(char) -> bool, allowed: Noun) -> Rule {
    let mut bad: Vec<char> = Vec::new();
    for c in s.chars().filter(|&c| !ok(c)) {
        if !bad.contains(&c) {
            bad.push(c);
        }
    }
    if bad.is_empty() {
        return Ok(());
    }
    let (list_en, list_ko) = char_list(&bad);
    let verb = if bad.len() == 1 { "is" } else { "are" };
    let mut en = format!(
        "{} may contain only {} ({} {verb} not allowed).",
        what.en, allowed.en, list_en
    );
    let mut ko = format!(
        "{}에는 {}만 쓸 수 있습니다 (쓸 수 없는 문자: {}).",
        what.ko, allowed.ko, list_ko
    );
    if bad
        .iter()
        .any(|&c| c.is_ascii_uppercase() && ok(c.to_ascii_lowercase()))
    {
        en.push_str(" Use lowercase.");
        ko.push_str(" 소문자로 바꿔 주세요.");
    }
    Err(problem("invalid_chars", en, ko))
}

pub(crate) fn range(n: u32, min: u32, max: u32, what: Noun, unit: Noun) -> Rule {
    if n < min || n > max {
        return Err(problem(
            "out_of_range",
            format!("{} must be between {min} and {max}{} (now {n}).", what.en, unit.en),
            format!("{} {min}~{max}{} 사이여야 합니다 (지금 {n}).", topic(what.ko), unit.ko),
        ));
    }
    Ok(())
}

pub(crate) const NO_UNIT: Noun = noun("", "");

pub(crate) const SECONDS: Noun = noun(" seconds", "초");

pub(crate) const MINUTES: Noun = noun(" minutes", "분");

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: Rule) -> &'static str {
        r.err().map_or("ok", |p| p.code)
    }

    #[test]
    fn length_messages_in_both_languages() {
        let p = length(&"a".repeat(40), 1, 32, noun("The name", "이름")).unwrap_err();
        assert_eq!(p.code, "too_long");
        assert_eq!(p.en, "The name must be at most 32 characters (now 40).");
        assert_eq!(p.ko, "이름은 32자 이하여야 합니다 (지금 40자).");
        assert_eq!(code(length("", 1, 3, noun("X", "엑스"))), "required");
        assert_eq!(code(length("a", 2, 3, noun("X", "엑스"))), "too_short");
    }

    #[test]
    fn every_bad_character_is_named_once_and_a_space_by_its_name() {
        let what = noun("The name", "이름");
        let allowed = noun("lowercase letters", "영문 소문자");
        let p = chars("Minsu Lab!", what, |c| c.is_ascii_lowercase(), allowed).unwrap_err();
        assert_eq!(
            p.en,
            "The name may contain only lowercase letters ('M', a space, 'L' and '!' are not allowed). Use lowercase."
        );
        assert_eq!(
            p.ko,
            "이름에는 영문 소문자만 쓸 수 있습니다 (쓸 수 없는 문자: 'M', 공백, 'L', '!'). 소문자로 바꿔 주세요."
        );
        let one = chars("a b", what, |c| c.is_ascii_lowercase(), allowed).unwrap_err();
        assert!(one.en.contains("(a space is not allowed)"), "{}", one.en);
    }

    #[test]
    fn ranges() {
        let t = noun("The timeout", "제한 시간");
        assert_eq!(code(range(60, 5, 2160, t, MINUTES)), "ok");
        let p = range(3, 5, 2160, t, MINUTES).unwrap_err();
        assert_eq!(p.en, "The timeout must be between 5 and 2160 minutes (now 3).");
        assert_eq!(p.ko, "제한 시간은 5~2160분 사이여야 합니다 (지금 3).");
    }
}
