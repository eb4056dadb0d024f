//! CodePipeline's trigger globs (branch, tag and file-path patterns): their syntax, checked in
//! both languages, and matching, so validation can tell when a filter would never start the
//! pipeline for the source branch.

use super::checks::{Noun, Rule, problem};

/// Brackets and braces must close, and a comma only separates alternatives inside braces:
/// "main,dev" typed as one entry is two patterns, as the console's comma-separated box has it.
pub(crate) fn syntax(s: &str, what: Noun) -> Rule {
    let unbalanced = || {
        problem(
            "unbalanced_brackets",
            format!("{} has an unclosed '[' or '{{', or a stray ']' or '}}'.", what.en),
            format!(
                "{}에 닫히지 않은 '['나 '{{', 또는 짝이 없는 ']'나 '}}'가 있습니다.",
                what.ko
            ),
        )
    };
    let mut in_class = false;
    let mut braces = 0usize;
    for c in s.chars() {
        match c {
            _ if in_class => in_class = c != ']',
            '[' => in_class = true,
            ']' => return Err(unbalanced()),
            '{' => braces += 1,
            '}' => braces = braces.checked_sub(1).ok_or_else(unbalanced)?,
            ',' if braces == 0 => {
                return Err(problem(
                    "comma_separated",
                    format!(
                        "{} holds one pattern: put each comma-separated pattern in its own entry.",
                        what.en
                    ),
                    format!(
                        "{}에는 패턴 하나만 씁니다. 쉼표로 나눈 패턴은 각각 따로 입력하세요.",
                        what.ko
                    ),
                ));
            }
            _ => {}
        }
    }
    if in_class || braces > 0 {
        Err(unbalanced())
    } else {
        Ok(())
    }
}

/// Whether `text` matches the trigger glob `pattern`: `*` within one path segment, `**`
/// across segments, `?` one character, `[a-z]`/`[!x]` classes, `{a,b}` alternatives.
pub(crate) fn matches(pattern: &str, text: &str) -> bool {
    expand_braces(pattern).iter().any(|p| {
        let p: Vec<char> = p.chars().collect();
        let t: Vec<char> = text.chars().collect();
        match_here(&p, &t)
    })
}

fn expand_braces(pattern: &str) -> Vec<String> {
    let Some(open) = pattern.find('{') else {
        return vec![pattern.to_owned()];
    };
    let mut depth = 0;
    let mut close = None;
    for (i, c) in pattern[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(open + i);
                    break;
                }
            }
            _ => {}
        }
    }
    let Some(close) = close else {
        return vec![pattern.to_owned()];
    };
    let (head, body, tail) = (&pattern[..open], &pattern[open + 1..close], &pattern[close + 1..]);
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in body.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&body[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&body[start..]);
    parts
        .iter()
        .flat_map(|part| expand_braces(&format!("{head}{part}{tail}")))
        .collect()
}

fn match_here(p: &[char], t: &[char]) -> bool {
    match p.first() {
        None => t.is_empty(),
        Some('*') if p.get(1) == Some(&'*') => (0..=t.len()).any(|i| match_here(&p[2..], &t[i..])),
        Some('*') => {
            let segment = t.iter().position(|&c| c == '/').unwrap_or(t.len());
            (0..=segment).any(|i| match_here(&p[1..], &t[i..]))
        }
        Some('?') => t.first().is_some_and(|&c| c != '/') && match_here(&p[1..], &t[1..]),
        Some('[') => {
            let Some(end) = p.iter().skip(1).position(|&c| c == ']').map(|i| i + 1) else {
                return false;
            };
            let Some(&c) = t.first() else { return false };
            let class = &p[1..end];
            let (negate, class) = match class.first() {
                Some('!' | '^') => (true, &class[1..]),
                _ => (false, class),
            };
            let mut hit = false;
            let mut i = 0;
            while i < class.len() {
                if i + 2 < class.len() && class[i + 1] == '-' {
                    hit |= class[i] <= c && c <= class[i + 2];
                    i += 3;
                } else {
                    hit |= class[i] == c;
                    i += 1;
                }
            }
            hit != negate && match_here(&p[end + 1..], &t[1..])
        }
        Some(&c) => t.first() == Some(&c) && match_here(&p[1..], &t[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matching() {
        assert!(matches("main", "main"));
        assert!(!matches("main", "master"));
        assert!(matches("feature/*", "feature/login"));
        assert!(!matches("feature/*", "feature/a/b"));
        assert!(matches("feature/**", "feature/a/b"));
        assert!(matches("release-**", "release-1.2"));
        assert!(matches("hotfix-?", "hotfix-1"));
        assert!(!matches("hotfix-?", "hotfix-12"));
        assert!(matches("v[0-9]*", "v1.0"));
        assert!(!matches("v[!0-9]*", "v1.0"));
        assert!(matches("{main,master}", "master"));
        assert!(matches("*", "main"));
    }
}
