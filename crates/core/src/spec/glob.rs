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
        return Err(unbalanced());
    }
    bounded(s, what)
}

/// Most alternatives one pattern's braces may spell out (`{a,b}{c,d}` spells four). CodePipeline
/// expands braces, so a pattern of thirty `{a,b}` groups would be a billion patterns there.
pub(crate) const MAX_ALTERNATIVES: u64 = 64;

/// How many patterns `s`'s braces spell out, counted without expanding them; saturates.
fn alternatives(s: &str) -> u64 {
    // One frame per open brace: (product so far in this alternative, sum over finished ones).
    let mut stack: Vec<(u64, u64)> = vec![(1, 0)];
    for c in s.chars() {
        match c {
            '{' => stack.push((1, 0)),
            ',' if stack.len() > 1 => {
                let top = stack.last_mut().expect("a frame");
                *top = (1, top.1.saturating_add(top.0));
            }
            '}' if stack.len() > 1 => {
                let (product, sum) = stack.pop().expect("a frame");
                let n = sum.saturating_add(product);
                let outer = stack.last_mut().expect("the outer frame");
                outer.0 = outer.0.saturating_mul(n);
            }
            _ => {}
        }
    }
    stack.iter().fold(1u64, |n, (product, _)| n.saturating_mul(*product))
}

/// Refuses a pattern whose braces spell out more than [`MAX_ALTERNATIVES`] patterns.
pub(crate) fn bounded(s: &str, what: Noun) -> Rule {
    let n = alternatives(s);
    if n > MAX_ALTERNATIVES {
        let shown = if n == u64::MAX {
            "too many".to_owned()
        } else {
            n.to_string()
        };
        return Err(problem(
            "too_many_alternatives",
            format!(
                "{}'s braces spell out {shown} patterns; at most {MAX_ALTERNATIVES}: use fewer {{a,b}} groups.",
                what.en
            ),
            format!(
                "{}의 중괄호가 패턴 {shown}개를 만듭니다. 최대 {MAX_ALTERNATIVES}개이니 {{a,b}} 묶음을 줄이세요.",
                what.ko
            ),
        ));
    }
    Ok(())
}

/// Whether `text` matches the trigger glob `pattern`: `*` within one path segment, `**`
/// across segments, `?` one character, `[a-z]`/`[!x]` classes, `{a,b}` alternatives.
///
/// The pattern is compiled to a small automaton and run over the text once, so the time is
/// at most the pattern's length times the text's, whatever the pattern: no backtracking, and
/// braces are never expanded. A pattern that does not parse matches nothing (validation
/// refuses it with a message).
pub(crate) fn matches(pattern: &str, text: &str) -> bool {
    let Some(nfa) = Nfa::compile(pattern) else {
        return false;
    };
    nfa.run(text)
}

/// What one step of the automaton consumes.
#[derive(Debug)]
enum Step {
    Char(char),
    /// `?`, and each character of a `*`: anything but '/'.
    NotSlash,
    /// Each character of a `**`.
    Anything,
    Class {
        negate: bool,
        ranges: Vec<(char, char)>,
    },
}

impl Step {
    fn accepts(&self, c: char) -> bool {
        match self {
            Step::Char(want) => *want == c,
            Step::NotSlash => c != '/',
            Step::Anything => true,
            Step::Class { negate, ranges } => ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negate,
        }
    }
}

#[derive(Debug)]
enum State {
    Consume(Step, usize),
    /// Moves to any of these without consuming (alternatives, the two ways out of a star).
    Split(Vec<usize>),
    Accept,
}

struct Nfa {
    states: Vec<State>,
    start: usize,
}

/// A parsed pattern: a sequence of items, alternatives nested in braces.
enum Item {
    Step(Step),
    /// `*` or `**`: any number of this step.
    Repeat(Step),
    Alternatives(Vec<Vec<Item>>),
}

/// Braces nested deeper than this make a pattern that matches nothing (and is refused by
/// [`bounded`] long before): parsing recurses once per level.
const MAX_DEPTH: usize = 32;

fn parse(chars: &[char], i: &mut usize, depth: usize) -> Option<Vec<Vec<Item>>> {
    if depth > MAX_DEPTH {
        return None;
    }
    let mut alternatives = Vec::new();
    let mut seq = Vec::new();
    while let Some(&c) = chars.get(*i) {
        *i += 1;
        match c {
            '*' if chars.get(*i) == Some(&'*') => {
                *i += 1;
                seq.push(Item::Repeat(Step::Anything));
            }
            '*' => seq.push(Item::Repeat(Step::NotSlash)),
            '?' => seq.push(Item::Step(Step::NotSlash)),
            '[' => {
                let end = chars[*i..].iter().skip(1).position(|&c| c == ']')? + *i + 1;
                let mut class = &chars[*i..end];
                *i = end + 1;
                let negate = matches!(class.first(), Some('!' | '^'));
                if negate {
                    class = &class[1..];
                }
                let mut ranges = Vec::new();
                let mut k = 0;
                while k < class.len() {
                    if k + 2 < class.len() && class[k + 1] == '-' {
                        ranges.push((class[k], class[k + 2]));
                        k += 3;
                    } else {
                        ranges.push((class[k], class[k]));
                        k += 1;
                    }
                }
                seq.push(Item::Step(Step::Class { negate, ranges }));
            }
            '{' => seq.push(Item::Alternatives(parse(chars, i, depth + 1)?)),
            ',' if depth > 0 => alternatives.push(std::mem::take(&mut seq)),
            '}' if depth > 0 => {
                alternatives.push(seq);
                return Some(alternatives);
            }
            c => seq.push(Item::Step(Step::Char(c))),
        }
    }
    // Only the outermost level may end with the text; an open brace is an error.
    (depth == 0).then(|| vec![seq])
}

impl Nfa {
    fn compile(pattern: &str) -> Option<Nfa> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut top = parse(&chars, &mut 0, 0)?;
        let mut nfa = Nfa {
            states: vec![State::Accept],
            start: 0,
        };
        nfa.start = nfa.sequence(top.pop().unwrap_or_default(), 0);
        Some(nfa)
    }

    fn push(&mut self, s: State) -> usize {
        self.states.push(s);
        self.states.len() - 1
    }

    /// Builds `items` back to front, each continuing at `next`; returns the first state.
    fn sequence(&mut self, items: Vec<Item>, mut next: usize) -> usize {
        for item in items.into_iter().rev() {
            next = match item {
                Item::Step(step) => self.push(State::Consume(step, next)),
                Item::Repeat(step) => {
                    let split = self.push(State::Split(Vec::new()));
                    let again = self.push(State::Consume(step, split));
                    self.states[split] = State::Split(vec![again, next]);
                    split
                }
                Item::Alternatives(alts) => {
                    let starts = alts.into_iter().map(|a| self.sequence(a, next)).collect();
                    self.push(State::Split(starts))
                }
            };
        }
        next
    }

    /// Adds `s` and every state reachable from it without consuming to `set`.
    fn close(&self, s: usize, set: &mut [bool], list: &mut Vec<usize>) {
        let mut todo = vec![s];
        while let Some(s) = todo.pop() {
            if std::mem::replace(&mut set[s], true) {
                continue;
            }
            list.push(s);
            if let State::Split(to) = &self.states[s] {
                todo.extend(to);
            }
        }
    }

    fn run(&self, text: &str) -> bool {
        let n = self.states.len();
        let mut list = Vec::new();
        self.close(self.start, &mut vec![false; n], &mut list);
        for c in text.chars() {
            let (mut next_set, mut next_list) = (vec![false; n], Vec::new());
            for &s in &list {
                if let State::Consume(step, to) = &self.states[s]
                    && step.accepts(c)
                {
                    self.close(*to, &mut next_set, &mut next_list);
                }
            }
            if next_list.is_empty() {
                return false;
            }
            list = next_list;
        }
        list.iter().any(|&s| matches!(self.states[s], State::Accept))
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
        assert!(matches("{main,release-{1,2}}", "release-2"));
        assert!(!matches("{main,release-{1,2}}", "release-3"));
        assert!(matches("a{,b}c", "ac"));
        assert!(!matches("{a,b", "a"), "an open brace matches nothing");
        assert!(!matches("v[0-9", "v1"), "an open class matches nothing");
    }

    /// Each of these took exponential time with the old backtracking matcher (or brace
    /// expansion); the automaton's work is bounded by pattern length × text length.
    #[test]
    fn hostile_patterns_finish() {
        let long = "a".repeat(10_000);
        assert!(!matches("*a*a*a*a*a*a*a*a*a*a*a*a*b", &long));
        assert!(!matches("**a**a**a**a**a**a**a**a**a**a**a**a**b", &long));
        assert!(matches("*a*a*a*a*a*a*a*a*a*a*a*a*", &long));
        let thirty = "{a,b}".repeat(30);
        assert!(matches(&thirty, &"ab".repeat(15)));
        assert!(!matches(&thirty, &"ab".repeat(16)));
        let nested = format!("{}x{}", "{".repeat(20), "}".repeat(20));
        assert!(matches(&nested, "x"));
        let deep = format!("{}x{}", "{".repeat(100_000), "}".repeat(100_000));
        assert!(
            !matches(&deep, "x"),
            "too deep: matches nothing, and does not overflow the stack"
        );
    }

    #[test]
    fn brace_alternatives_are_counted_not_expanded() {
        assert_eq!(alternatives("main"), 1);
        assert_eq!(alternatives("{a,b}"), 2);
        assert_eq!(alternatives("{a,b}{c,d,e}"), 6);
        assert_eq!(alternatives("{a,{b,c}}"), 3);
        assert_eq!(alternatives(&"{a,b}".repeat(30)), 1 << 30);
        assert_eq!(alternatives(&"{a,b,c,d}".repeat(60)), u64::MAX);
        let what = super::super::checks::noun("The branch pattern", "브랜치 패턴");
        assert!(bounded(&"{a,b}".repeat(6), what).is_ok());
        let p = bounded(&"{a,b}".repeat(30), what).unwrap_err();
        assert_eq!(p.code, "too_many_alternatives");
        assert!(p.en.contains("1073741824") && p.ko.contains("최대 64개"), "{p:?}");
    }
}
