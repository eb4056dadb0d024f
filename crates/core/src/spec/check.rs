//! [`SpecCheck`]: everything the wizard shows about a spec, computed here and sent whole, so
//! the UI derives nothing itself.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::model::{ConnectionChoice, LabSpec, RoleChoice, Trigger, TriggerFilter};
use super::names::ResourceNames;
use super::pricing::CostEstimate;
use super::validate::FieldError;

/// What the UI gets back for every edit of a spec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SpecCheck {
    /// Every problem, each tied to its field (empty: the spec may be applied).
    pub errors: Vec<FieldError>,
    /// The names the resources get: each override if set, else the derived name.
    pub names: ResourceNames,
    /// Every name as derived from the lab's name alone, with the roles and the connection
    /// created: what an override field offers when it is left empty.
    pub derived: ResourceNames,
    /// The derived artifact bucket, its account id left as `<account-id>`.
    pub derived_bucket: String,
    /// The trigger filter the lecture uses for this spec's branch: what choosing "filter"
    /// starts from.
    pub default_filter: TriggerFilter,
    /// What the lab costs per hour while it runs, in the spec's region.
    pub cost: CostEstimate,
}

impl LabSpec {
    /// The spec's problems, names and cost together (see [`SpecCheck`]).
    pub fn check(&self) -> SpecCheck {
        let derived = self.without_overrides().names();
        SpecCheck {
            errors: self.validate(),
            names: self.names(),
            derived_bucket: derived.artifact_bucket("<account-id>"),
            derived,
            default_filter: self.default_filter(),
            cost: self.cost_estimate(),
        }
    }

    /// The spec with every name override cleared and every role and the connection created.
    fn without_overrides(&self) -> LabSpec {
        let mut s = LabSpec::new(&self.name, &self.source.repository);
        s.source.connection = ConnectionChoice::Create { name: None };
        for role in [
            &mut s.pipeline.service_role,
            &mut s.build.service_role,
            &mut s.deploy.task_execution_role,
        ] {
            *role = RoleChoice::Create { name: None };
        }
        s
    }

    /// The lecture's trigger filter: pushes to the source branch.
    pub fn default_filter(&self) -> TriggerFilter {
        let mut spec = LabSpec::new(&self.name, &self.source.repository);
        spec.set_branch(&self.source.branch);
        match spec.pipeline.trigger {
            Trigger::Filter(f) => f,
            _ => TriggerFilter::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_check_carries_errors_names_defaults_and_cost() {
        let mut spec = LabSpec::new("ktb", "");
        spec.build.service_role = RoleChoice::Existing {
            arn: "arn:aws:iam::123456789012:role/b".into(),
        };
        spec.registry.repository_name = Some("team/app".into());
        spec.set_branch("develop");
        let c = spec.check();
        assert!(c.errors.iter().any(|e| e.field == "source.repository"));
        assert_eq!((c.names.build_role, c.names.repository.as_str()), (None, "team/app"));
        assert_eq!(c.derived.build_role.as_deref(), Some("ktb-build-role"));
        assert_eq!(c.derived.repository, "ktb-repo");
        assert_eq!(c.derived_bucket, "pipewright-ktb-artifacts-<account-id>");
        assert_eq!(c.default_filter.include, ["develop"]);
        assert_eq!(c.cost, spec.cost_estimate());
    }
}
