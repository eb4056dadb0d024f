//! `LabSpec`: every answer the wizard collects, one section per lecture step, with the
//! lecture's defaults; the one place that knows AWS's naming rules and limits.
//!
//! - `model`: the struct and its defaults (what the TOML file and the UI hold).
//! - `names`: every resource name, derived from the lab's name unless overridden.
//! - `rules`: AWS's rules for single values, each answering in English and Korean, built from
//!   the rule kit (`checks`), Korean particles (`korean`), trigger globs (`glob`) and
//!   Fargate's sizes (`fargate`).
//! - `validate`: the rules applied to a whole spec, every error at once, plus the
//!   cross-field checks (architecture, trigger versus branch, choices the app refuses).
//! - `pricing`: what a running lab costs per hour.
//! - `check`: the problems, names and cost the wizard shows, in one answer.
//! - `edit`: the edits other fields follow (the branch, the architecture).
//!
//! Stored as TOML with snake_case keys; unknown keys are refused so a typo never silently
//! falls back to a default.

mod check;
mod checks;
pub mod class;
pub mod class_file;
mod edit;
pub mod expiry;
mod fargate;
pub(crate) mod glob;
pub(crate) mod korean;
mod model;
mod names;
pub mod pricing;
mod rules;
mod validate;

pub use check::SpecCheck;
pub use class::{CLASS_TAG_KEY, ClassSpec};
pub use class_file::{ClassFile, LockedField};
pub use edit::SpecEdit;
pub use expiry::ExpirySpec;
pub use fargate::{TaskSize, fargate_sizes};
pub use model::*;
pub use names::{LAB_TAG_KEY, ResourceNames};
pub use validate::{FieldError, Lang};

use crate::error::Error;

/// How many availability zones the lab uses: the least a load balancer accepts. Each zone
/// costs one public IPv4 address for the load balancer, so two keeps the bill (and the
/// estimate, `pricing`) exact.
pub const LAB_ZONES: usize = 2;

/// The largest spec file read. The lecture's spec is about 2 KB; every list in it is bounded
/// (patterns, build variables), so a larger file is a mistake or an attack, never a lab.
pub const MAX_SPEC_BYTES: usize = 64 * 1024;

impl LabSpec {
    /// The spec as TOML, the form it is stored and edited in.
    pub fn to_toml(&self) -> Result<String, Error> {
        toml::to_string(self).map_err(|e| Error::Internal(format!("cannot write the spec as TOML: {e}")))
    }

    /// Reads a spec. Missing keys take their defaults; unknown keys and wrong types are
    /// refused with the line, column and the keys that are allowed there.
    pub fn from_toml(text: &str) -> Result<LabSpec, Error> {
        if text.len() > MAX_SPEC_BYTES {
            return Err(Error::Invalid {
                field: "spec".into(),
                message: format!(
                    "the spec file is {} bytes; a lab spec is a few kilobytes and at most {MAX_SPEC_BYTES} bytes are read (스펙 파일이 너무 큽니다: 최대 {MAX_SPEC_BYTES}바이트)",
                    text.len()
                ),
            });
        }
        toml::from_str(text).map_err(|e| Error::Invalid {
            field: "spec".into(),
            message: e.to_string().trim_end().to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_round_trip_keeps_every_field() {
        let mut spec = LabSpec::new("ktb-rex", "octo/app");
        spec.source.connection = ConnectionChoice::Existing {
            arn: "arn:aws:codeconnections:ap-northeast-2:123456789012:connection/abc".into(),
        };
        spec.registry.repository_name = Some("team/app".into());
        spec.build.environment_variables.push(EnvVar {
            name: "NODE_ENV".into(),
            value: "production".into(),
        });
        spec.pipeline.trigger = Trigger::Manual;
        let text = spec.to_toml().unwrap();
        assert_eq!(LabSpec::from_toml(&text).unwrap(), spec, "{text}");

        let spec = LabSpec::new("ktb-rex", "octo/app");
        let text = spec.to_toml().unwrap();
        assert_eq!(LabSpec::from_toml(&text).unwrap(), spec, "{text}");
    }

    #[test]
    fn toml_uses_aws_spellings_for_aws_enums() {
        let text = LabSpec::new("ktb-rex", "octo/app").to_toml().unwrap();
        for want in [
            "execution_mode = \"QUEUED\"",
            "output_format = \"CODE_ZIP\"",
            "compute_type = \"BUILD_GENERAL1_SMALL\"",
            "environment_type = \"LINUX_CONTAINER\"",
            "encryption = \"AES256\"",
            "cpu_architecture = \"X86_64\"",
            "kind = \"filter\"",
            "mode = \"create\"",
        ] {
            assert!(text.contains(want), "missing {want} in\n{text}");
        }
    }

    #[test]
    fn a_minimal_file_takes_the_defaults() {
        let spec = LabSpec::from_toml("name = \"ktb\"\n[source]\nrepository = \"octo/app\"\n").unwrap();
        assert_eq!(spec, LabSpec::new("ktb", "octo/app"));
        assert!(spec.validate().is_empty(), "{:?}", spec.validate());
    }

    #[test]
    fn unknown_keys_are_refused_by_name() {
        let err = LabSpec::from_toml("name = \"ktb\"\n[deploy]\ncontainer_prot = 3000\n").unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("container_prot") && msg.contains("container_port"),
            "{msg}"
        );
        assert!(LabSpec::from_toml("nmae = \"x\"").is_err());
        assert!(LabSpec::from_toml("[pipeline.trigger]\nkind = \"filter\"\nbranch = [\"x\"]\n").is_err());
        assert!(LabSpec::from_toml("[build.service_role]\nmode = \"existing\"\narn = \"x\"\nname = \"y\"\n").is_err());
    }

    #[test]
    fn fieldless_trigger_kinds_refuse_filter_keys() {
        for kind in ["none", "no_filter"] {
            for extra in [
                "include = [\"main\"]",
                "exclude = [\"dev\"]",
                "file_paths_include = [\"src/**\"]",
            ] {
                let text = format!("[pipeline.trigger]\nkind = \"{kind}\"\n{extra}\n");
                let msg = LabSpec::from_toml(&text).unwrap_err().to_string();
                let key = extra.split(' ').next().unwrap();
                assert!(msg.contains(key), "{kind} with {key}: {msg}");
            }
        }
        assert!(LabSpec::from_toml("[pipeline.trigger]\nkind = \"sometimes\"\n").is_err());
        assert!(
            LabSpec::from_toml("[pipeline.trigger]\ninclude = [\"main\"]\n").is_err(),
            "no kind"
        );
        // JSON from the webview goes through the same path.
        let mut json = serde_json::to_value(LabSpec::new("ktb", "octo/app")).unwrap();
        json["pipeline"]["trigger"] = serde_json::json!({"kind": "none", "include": ["main"]});
        assert!(serde_json::from_value::<LabSpec>(json).is_err());
    }

    #[test]
    fn an_oversized_spec_is_refused_before_parsing() {
        let spec = LabSpec::new("ktb", "octo/app").to_toml().unwrap();
        let padded = format!("{spec}\n{}", "# padding\n".repeat(MAX_SPEC_BYTES / 10));
        let err = LabSpec::from_toml(&padded).unwrap_err();
        assert_eq!(err.field(), Some("spec"));
        assert!(err.to_string().contains("at most 65536 bytes"), "{err}");
        assert!(LabSpec::from_toml(&spec).is_ok());
    }

    #[test]
    fn integers_out_of_range_are_refused_never_wrapped() {
        for (key, value) in [
            ("container_port", "4294967296"),
            ("container_port", "-1"),
            ("desired_count", "99999999999999999999"),
            ("cpu", "1e3"),
            ("memory", "3072.5"),
        ] {
            let text = format!("name = \"ktb\"\n[deploy]\n{key} = {value}\n");
            let err = LabSpec::from_toml(&text).unwrap_err();
            assert_eq!(err.code(), crate::error::ErrorCode::Invalid, "{key} = {value}: {err}");
        }
        let mut spec = LabSpec::new("ktb", "octo/app");
        spec.deploy.desired_count = u32::MAX;
        spec.deploy.cpu = u32::MAX;
        spec.deploy.memory = u32::MAX;
        let est = spec.cost_estimate();
        assert!(est.usd_per_hour.is_finite() && est.usd_per_hour > 0.0);
        assert!(!spec.validate().is_empty());
    }

    #[test]
    fn trigger_kinds_parse() {
        let spec = LabSpec::from_toml("[pipeline.trigger]\nkind = \"none\"\n").unwrap();
        assert_eq!(spec.pipeline.trigger, Trigger::Manual);
        let spec = LabSpec::from_toml("[pipeline.trigger]\nkind = \"no_filter\"\n").unwrap();
        assert_eq!(spec.pipeline.trigger, Trigger::NoFilter);
        let spec =
            LabSpec::from_toml("[pipeline.trigger]\nkind = \"filter\"\nfilter_type = \"tags\"\ninclude = [\"v*\"]\n")
                .unwrap();
        let Trigger::Filter(f) = spec.pipeline.trigger else {
            panic!("not a filter")
        };
        assert_eq!((f.filter_type, f.include), (FilterType::Tags, vec!["v*".to_owned()]));
        assert_eq!(f.event, TriggerEvent::Push);
    }
}
