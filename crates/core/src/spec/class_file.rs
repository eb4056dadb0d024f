//! The instructor's class file: what every lab of a class shares, and which fields students
//! may not change. TOML, three sections:
//!
//! ```toml
//! [class]
//! name = "ktb-2026-fall"      # the pipewright:class tag on every resource
//! prefix = "ktb-"             # every lab's name starts with it
//! limit_hours = 3             # the app tells a student whose lab runs longer
//!
//! [lab]                       # the spec every lab starts from (a spec file's keys, no name)
//! region = "ap-northeast-2"
//! source.repository = "instructor/ktb-sample"
//! source.branch = "master"
//! expiry.hours = 4
//!
//! [locked]                    # field = the reason students see next to it
//! region = "The class accounts' quotas were raised in Seoul only."
//! "source.repository" = "Everyone deploys the same sample."
//! ```
//!
//! Locked fields are spec field paths, as `LabSpec::validate` names them, so a refusal lands
//! on the same field in the wizard and the CLI. The class section of a class lab's spec is
//! always locked.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use super::checks::{Rule, chars, length, noun};
use super::class::{ClassSpec, class_name};
use super::korean::toward;
use super::{FieldError, LabSpec, MAX_SPEC_BYTES};
use crate::error::{Error, Result};

/// A class file, read and checked: the app shows it (locked fields with their reasons), the
/// CLI starts specs from it and refuses specs that break it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ClassFile {
    /// The class's name: the `pipewright:class` tag's value.
    pub name: String,
    /// Every lab's name starts with it (empty: any name).
    pub prefix: String,
    /// Hours a lab is expected to run; past it the student is told.
    pub limit_hours: Option<u32>,
    /// The spec every lab of the class starts from; its name is empty and its `[class]`
    /// section names the class.
    pub lab: LabSpec,
    /// The fields students may not change, in the file's order of paths, with the reason.
    pub locked: Vec<LockedField>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LockedField {
    /// A spec field path (`region`, `source.repository`, `deploy.cpu`).
    pub field: String,
    /// The instructor's reason, shown next to the field.
    pub reason: String,
    /// The value the class fixes, as the student would type it.
    pub value: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    class: RawClass,
    #[serde(default)]
    lab: toml::Table,
    #[serde(default)]
    locked: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClass {
    name: String,
    #[serde(default)]
    prefix: String,
    #[serde(default)]
    limit_hours: Option<u32>,
}

fn invalid(field: impl Into<String>, en: impl AsRef<str>, ko: impl AsRef<str>) -> Error {
    Error::Invalid {
        field: field.into(),
        message: format!("{} ({})", en.as_ref(), ko.as_ref()),
    }
}

fn rule_error(field: &str, rule: Rule) -> Result<()> {
    rule.map_err(|p| invalid(field, p.en, p.ko))
}

/// A name prefix: the start of a lab name, so the lab name's own characters.
fn prefix_rule(s: &str) -> Rule {
    let what = noun("The name prefix", "이름 접두사");
    length(s, 1, 12, what)?;
    chars(
        s,
        what,
        |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-',
        noun("lowercase letters, digits and hyphens", "영문 소문자, 숫자, 하이픈"),
    )
}

/// The value at a dotted field path of a spec's JSON form.
fn at<'a>(spec: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(spec, |v, key| v.get(key))
}

/// A value as a student types it: strings bare, the rest as JSON.
fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

impl ClassFile {
    /// Reads a class file. Every refusal names its key, in English and Korean.
    pub fn from_toml(text: &str) -> Result<ClassFile> {
        if text.len() > MAX_SPEC_BYTES {
            return Err(invalid(
                "class file",
                format!(
                    "the class file is {} bytes; at most {MAX_SPEC_BYTES} are read",
                    text.len()
                ),
                format!("클래스 파일이 너무 큽니다: 최대 {MAX_SPEC_BYTES}바이트"),
            ));
        }
        let raw: Raw = toml::from_str(text).map_err(|e| Error::Invalid {
            field: "class file".into(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        rule_error("class.name", class_name(&raw.class.name))?;
        if !raw.class.prefix.is_empty() {
            rule_error("class.prefix", prefix_rule(&raw.class.prefix))?;
        }
        for key in ["name", "class"] {
            if raw.lab.contains_key(key) {
                return Err(invalid(
                    format!("lab.{key}"),
                    format!("[lab] may not set `{key}`: each student names their lab, and [class] names the class"),
                    format!(
                        "[lab]에는 `{key}` 키를 쓸 수 없습니다: 랩 이름은 학생이 정하고, 클래스는 [class]가 정합니다"
                    ),
                ));
            }
        }
        let mut lab: LabSpec = toml::Value::Table(raw.lab)
            .try_into()
            .map_err(|e: toml::de::Error| Error::Invalid {
                field: "lab".into(),
                message: e.to_string().trim_end().to_owned(),
            })?;
        // As in the wizard, a branch trigger that names only the default branch follows the
        // class's branch (a spec file written by hand would say both).
        let branch = std::mem::replace(&mut lab.source.branch, LabSpec::default().source.branch);
        lab.set_branch(&branch);
        lab.class = ClassSpec {
            name: Some(raw.class.name.clone()),
            limit_hours: raw.class.limit_hours,
        };
        // The lab part must be a valid spec once a student names it and, when the class
        // leaves it to them (each forks the sample), picks a repository.
        let mut named = lab.clone();
        named.name = format!("{}lab", raw.class.prefix);
        if named.source.repository.is_empty() {
            named.source.repository = "student/fork".into();
        }
        if let Some(e) = named.validate().into_iter().next() {
            return Err(invalid(format!("lab.{}", e.field), e.en, e.ko));
        }
        let json = serde_json::to_value(&lab).map_err(|e| Error::Invalid {
            field: "lab".into(),
            message: e.to_string(),
        })?;
        let mut locked = Vec::new();
        for (field, reason) in raw.locked {
            let value = match at(&json, &field) {
                Some(v) if field != "name" && !field.starts_with("class") => shown(v),
                _ => {
                    return Err(invalid(
                        format!("locked.{field}"),
                        format!(
                            "`{field}` is not a field a class can lock (use a spec field path such as `region` or `source.repository`)"
                        ),
                        format!(
                            "`{field}` 필드는 클래스가 고정할 수 없습니다 (`region`, `source.repository` 같은 스펙 필드 경로를 쓰세요)"
                        ),
                    ));
                }
            };
            locked.push(LockedField { field, reason, value });
        }
        Ok(ClassFile {
            name: raw.class.name,
            prefix: raw.class.prefix,
            limit_hours: raw.class.limit_hours,
            lab,
            locked,
        })
    }

    /// The spec a student of the class starts from, for a lab named `name`.
    pub fn spec_for(&self, name: &str) -> LabSpec {
        LabSpec {
            name: name.to_owned(),
            ..self.lab.clone()
        }
    }

    /// Every way `spec` breaks the class's rules, one error per field, in both languages.
    /// Empty: the spec may be applied as a lab of this class.
    pub fn check(&self, spec: &LabSpec) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if !spec.name.starts_with(&self.prefix) {
            errors.push(FieldError {
                field: "name".into(),
                code: "class_prefix".into(),
                en: format!("Lab names in class {} start with \"{}\".", self.name, self.prefix),
                ko: format!(
                    "{} 클래스의 랩 이름은 {} 시작해야 합니다.",
                    self.name,
                    toward(&format!("\"{}\"", self.prefix))
                ),
                suggestion: Some(format!("{}{}", self.prefix, spec.name)),
            });
        }
        if spec.class != self.lab.class {
            errors.push(FieldError {
                field: "class.name".into(),
                code: "class_locked".into(),
                en: format!(
                    "This lab belongs to class {}: its [class] section comes from the class file.",
                    self.name
                ),
                ko: format!(
                    "이 랩은 {} 클래스의 랩입니다: [class] 섹션은 클래스 파일이 정합니다.",
                    self.name
                ),
                suggestion: Some(self.name.clone()),
            });
        }
        let Ok(json) = serde_json::to_value(spec) else {
            return errors;
        };
        for lock in &self.locked {
            let value = at(&json, &lock.field).map(shown).unwrap_or_default();
            if value != lock.value {
                errors.push(FieldError {
                    field: lock.field.clone(),
                    code: "class_locked".into(),
                    en: format!(
                        "The class fixes this field to \"{}\": {} (now \"{value}\").",
                        lock.value, lock.reason
                    ),
                    ko: format!(
                        "클래스가 이 필드를 {} 정했습니다: {} (지금 \"{value}\").",
                        toward(&format!("\"{}\"", lock.value)),
                        lock.reason
                    ),
                    suggestion: Some(lock.value.clone()),
                });
            }
        }
        errors
    }

    /// The reason `field` is locked, if it is.
    pub fn lock(&self, field: &str) -> Option<&LockedField> {
        self.locked.iter().find(|l| l.field == field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLASS: &str = r#"
[class]
name = "ktb-2026-fall"
prefix = "ktb-"
limit_hours = 3

[lab]
region = "ap-northeast-2"
source.repository = "instructor/ktb-sample"
source.branch = "master"
expiry.hours = 5

[locked]
region = "The class accounts' quotas were raised in Seoul only."
"source.repository" = "Everyone deploys the same sample."
"deploy.cpu" = "Fargate's smallest size keeps the bill small."
"#;

    #[test]
    fn a_class_file_gives_the_starting_spec_and_its_locks() {
        let class = ClassFile::from_toml(CLASS).unwrap();
        let spec = class.spec_for("ktb-minsu");
        assert_eq!(spec.region, "ap-northeast-2");
        assert_eq!(spec.source.repository, "instructor/ktb-sample");
        assert_eq!(spec.source.branch, "master");
        assert_eq!(spec.expiry.hours, 5);
        assert_eq!(spec.class.name.as_deref(), Some("ktb-2026-fall"));
        assert_eq!(spec.class.limit_hours, Some(3));
        assert!(spec.validate().is_empty(), "{:?}", spec.validate());
        assert!(class.check(&spec).is_empty(), "{:?}", class.check(&spec));
        let fields: Vec<(&str, &str)> = class
            .locked
            .iter()
            .map(|l| (l.field.as_str(), l.value.as_str()))
            .collect();
        assert_eq!(
            fields,
            [
                ("deploy.cpu", "1024"),
                ("region", "ap-northeast-2"),
                ("source.repository", "instructor/ktb-sample")
            ]
        );
        assert_eq!(
            class.lock("region").unwrap().reason,
            "The class accounts' quotas were raised in Seoul only."
        );
    }

    #[test]
    fn a_spec_breaking_the_class_is_refused_field_by_field() {
        let class = ClassFile::from_toml(CLASS).unwrap();
        let mut spec = class.spec_for("minsu");
        spec.region = "us-east-1".into();
        spec.source.branch = "main".into(); // not locked: allowed
        spec.class.name = None;
        let errors = class.check(&spec);
        let got: Vec<(&str, &str, Option<&str>)> = errors
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str(), e.suggestion.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("name", "class_prefix", Some("ktb-minsu")),
                ("class.name", "class_locked", Some("ktb-2026-fall")),
                ("region", "class_locked", Some("ap-northeast-2")),
            ]
        );
        assert!(errors[2].en.contains("raised in Seoul only") && errors[2].en.contains("now \"us-east-1\""));
        assert!(errors[2].ko.contains("클래스가 이 필드를"), "{}", errors[2].ko);
    }

    #[test]
    fn the_readme_example_is_a_valid_class_file() {
        let readme = include_str!("../../../../README.md");
        let section = readme
            .split("### The instructor's class file")
            .nth(1)
            .expect("the README's section");
        let example = section
            .split("```toml\n")
            .nth(1)
            .and_then(|s| s.split("```").next())
            .unwrap();
        let class = ClassFile::from_toml(example).unwrap();
        let spec = class.spec_for("ktb-minsu");
        assert_eq!((spec.deploy.cpu, spec.deploy.memory, spec.expiry.hours), (512, 1024, 3));
        assert!(spec.validate().is_empty() && class.check(&spec).is_empty());
        assert_eq!(class.locked.len(), 4);
    }

    #[test]
    fn bad_class_files_are_refused_by_key() {
        let field = |text: &str| match ClassFile::from_toml(text) {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("accepted: {other:?}"),
        };
        assert_eq!(field("[class]\nname = \"a b\"\n"), "class.name");
        assert_eq!(field("[class]\nname = \"c\"\nprefix = \"KTB\"\n"), "class.prefix");
        assert_eq!(field("[class]\nname = \"c\"\n[lab]\nname = \"x\"\n"), "lab.name");
        assert_eq!(
            field("[class]\nname = \"c\"\n[lab]\nregion = \"mars-1\"\n"),
            "lab.region"
        );
        assert_eq!(field("[class]\nname = \"c\"\n[lab]\ncolour = 1\n"), "lab");
        assert_eq!(
            field("[class]\nname = \"c\"\n[locked]\n\"deploy.nope\" = \"x\"\n"),
            "locked.deploy.nope"
        );
        assert_eq!(field("[class]\nname = \"c\"\n[locked]\nname = \"x\"\n"), "locked.name");
        assert_eq!(field("[klass]\nname = \"c\"\n"), "class file");
        assert_eq!(field(&"#".repeat(MAX_SPEC_BYTES + 1)), "class file");
    }
}
