//! The lab's class: which instructor's class it belongs to, if any. Its own section of the
//! spec, `[class]`, filled from the instructor's class file; empty for a lab of one's own.
//!
//! The class name is the value of the `pipewright:class` tag every resource of the lab
//! carries, which is how `pipewright class status` and `class sweep` find a class's labs in
//! the students' accounts without any student's ledger.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::checks::{Noun, Rule, chars, length, noun, range};
use super::expiry::MAX_EXPIRY_HOURS;

/// The tag key of a class lab's resources; its value is [`ClassSpec::name`].
pub const CLASS_TAG_KEY: &str = "pipewright:class";

/// `[class]`: set from a class file, not chosen by the student.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
pub struct ClassSpec {
    /// The class's name, e.g. `ktb-2026-fall`: the `pipewright:class` tag's value.
    pub name: Option<String>,
    /// How many hours a lab of the class is expected to run; past it the app tells the
    /// student (the expiry still decides when AWS stops the billing).
    pub limit_hours: Option<u32>,
}

const CLASS_NAME: Noun = noun("The class name", "클래스 이름");

/// A tag value AWS accepts in every service the lab uses (the tagging API's common subset)
/// and short enough to read in a table.
pub(crate) fn class_name(s: &str) -> Rule {
    length(s, 1, 64, CLASS_NAME)?;
    chars(
        s,
        CLASS_NAME,
        |c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'),
        noun("letters, digits, '-', '_' and '.'", "영문자, 숫자, '-', '_', '.'"),
    )
}

impl ClassSpec {
    /// Each field's rule, for `LabSpec::validate`.
    pub(super) fn rules(&self) -> Vec<(&'static str, Rule)> {
        let mut rules = Vec::new();
        if let Some(name) = &self.name {
            rules.push(("class.name", class_name(name)));
        }
        if let Some(hours) = self.limit_hours {
            rules.push((
                "class.limit_hours",
                range(
                    hours,
                    1,
                    MAX_EXPIRY_HOURS,
                    noun("The class's limit", "클래스 제한 시간"),
                    noun(" hours", "시간"),
                ),
            ));
        }
        rules
    }

    /// The `pipewright:class` tag, for a lab of a class.
    pub fn tag(&self) -> Option<(String, String)> {
        self.name.as_ref().map(|n| (CLASS_TAG_KEY.to_owned(), n.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::LabSpec;

    #[test]
    fn a_lab_of_ones_own_has_no_class_and_a_class_name_is_a_safe_tag_value() {
        let mut spec = LabSpec::new("ktb", "octo/app");
        assert_eq!(spec.class, ClassSpec::default());
        assert_eq!(spec.class.tag(), None);
        spec.class.name = Some("ktb 2026".into());
        let errors = spec.validate();
        let e = errors.iter().find(|e| e.field == "class.name").expect("refused");
        assert_eq!(e.code, "invalid_chars");
        assert!(e.ko.contains("클래스 이름"), "{}", e.ko);
        spec.class.name = Some("ktb-2026.fall".into());
        spec.class.limit_hours = Some(0);
        let errors = spec.validate();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(
            (errors[0].field.as_str(), errors[0].code.as_str()),
            ("class.limit_hours", "out_of_range")
        );
        spec.class.limit_hours = Some(3);
        assert!(spec.validate().is_empty());
        assert_eq!(
            spec.class.tag(),
            Some(("pipewright:class".to_owned(), "ktb-2026.fall".to_owned()))
        );
        let parsed = LabSpec::from_toml(
            "name = \"ktb\"\n[source]\nrepository = \"o/a\"\n[class]\nname = \"c1\"\nlimit_hours = 2\n",
        )
        .unwrap();
        assert_eq!(parsed.class.name.as_deref(), Some("c1"));
        assert_eq!(parsed.class.limit_hours, Some(2));
    }
}
