//! Every resource name a lab uses, computed from the lab's `name` plus the spec's overrides.
//!
//! Deterministic on purpose: teardown can find a resource by the name it must have had even
//! when the ledger lost it (and then checks its tags before deleting anything).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::model::{ConnectionChoice, LabSpec, RoleChoice};

/// The names of what the app creates for one lab. A role or connection the student brings
/// (`mode = "existing"`) is `None`: the app neither creates nor deletes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ResourceNames {
    pub connection: Option<String>,
    pub pipeline: String,
    pub pipeline_role: Option<String>,
    /// The bucket's name without the account id; see [`ResourceNames::artifact_bucket`].
    pub artifact_bucket_override: Option<String>,
    pub build_project: String,
    pub build_role: Option<String>,
    pub build_log_group: String,
    pub repository: String,
    pub cluster: String,
    pub service: String,
    pub task_family: String,
    pub container: String,
    pub task_execution_role: Option<String>,
    pub task_log_group: String,
    pub load_balancer: String,
    pub target_group: String,
    pub alb_security_group: String,
    pub task_security_group: String,
    /// The value of the `pipewright:lab` tag on every resource.
    pub lab_tag: String,
    /// The role EventBridge Scheduler runs the expiry schedules as.
    pub scheduler_role: String,
    /// The EventBridge Scheduler group of the expiry schedules.
    pub schedule_group: String,
}

/// The tag key every created resource carries; its value is the lab's name.
pub const LAB_TAG_KEY: &str = "pipewright:lab";

impl ResourceNames {
    /// A schedule's node name: `<group>/<schedule>`, as its ARN ends.
    pub fn schedule(&self, schedule: &str) -> String {
        format!("{}/{schedule}", self.schedule_group)
    }

    /// The artifact bucket: the override, or `pipewright-<name>-artifacts-<account-id>`.
    /// Bucket names are global across all accounts, hence the account id.
    pub fn artifact_bucket(&self, account_id: &str) -> String {
        match &self.artifact_bucket_override {
            Some(name) => name.clone(),
            None => derived_bucket(&self.lab_tag, account_id),
        }
    }
}

pub(crate) fn derived_bucket(lab: &str, account_id: &str) -> String {
    format!("pipewright-{lab}-artifacts-{account_id}")
}

fn role_name(choice: &RoleChoice, derived: String) -> Option<String> {
    match choice {
        RoleChoice::Create { name } => Some(name.clone().unwrap_or(derived)),
        RoleChoice::Existing { .. } => None,
    }
}

impl LabSpec {
    /// The names this lab's resources get: each override if set, else the derived name.
    pub fn names(&self) -> ResourceNames {
        let n = &self.name;
        let or = |o: &Option<String>, suffix: &str| o.clone().unwrap_or_else(|| format!("{n}-{suffix}"));
        ResourceNames {
            connection: match &self.source.connection {
                ConnectionChoice::Create { name } => Some(or(name, "github")),
                ConnectionChoice::Existing { .. } => None,
            },
            pipeline: or(&self.pipeline.name, "pipeline"),
            pipeline_role: role_name(&self.pipeline.service_role, format!("{n}-pipeline-role")),
            artifact_bucket_override: self.pipeline.artifact_bucket.clone(),
            build_project: or(&self.build.project_name, "build"),
            build_role: role_name(&self.build.service_role, format!("{n}-build-role")),
            build_log_group: format!("/pipewright/{n}/build"),
            repository: or(&self.registry.repository_name, "repo"),
            cluster: or(&self.deploy.cluster_name, "cluster"),
            service: or(&self.deploy.service_name, "svc"),
            task_family: format!("{n}-task"),
            container: or(&self.deploy.container_name, "app"),
            task_execution_role: role_name(&self.deploy.task_execution_role, format!("{n}-task-exec-role")),
            task_log_group: format!("/pipewright/{n}/app"),
            load_balancer: or(&self.deploy.load_balancer.name, "alb"),
            target_group: or(&self.deploy.target_group.name, "tg"),
            alb_security_group: format!("{n}-alb-sg"),
            task_security_group: format!("{n}-task-sg"),
            lab_tag: n.clone(),
            scheduler_role: format!("{n}-expiry-role"),
            schedule_group: format!("{n}-expiry"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_every_name_from_the_lab_name() {
        let names = LabSpec::new("ktb-rex", "octo/app").names();
        assert_eq!(names.connection.as_deref(), Some("ktb-rex-github"));
        assert_eq!(names.pipeline, "ktb-rex-pipeline");
        assert_eq!(names.pipeline_role.as_deref(), Some("ktb-rex-pipeline-role"));
        assert_eq!(names.build_project, "ktb-rex-build");
        assert_eq!(names.build_role.as_deref(), Some("ktb-rex-build-role"));
        assert_eq!(names.repository, "ktb-rex-repo");
        assert_eq!(names.cluster, "ktb-rex-cluster");
        assert_eq!(names.service, "ktb-rex-svc");
        assert_eq!(names.container, "ktb-rex-app");
        assert_eq!(names.task_execution_role.as_deref(), Some("ktb-rex-task-exec-role"));
        assert_eq!(names.load_balancer, "ktb-rex-alb");
        assert_eq!(names.target_group, "ktb-rex-tg");
        assert_eq!(names.scheduler_role, "ktb-rex-expiry-role");
        assert_eq!(names.schedule("stop-service"), "ktb-rex-expiry/stop-service");
        assert_eq!(
            names.artifact_bucket("123456789012"),
            "pipewright-ktb-rex-artifacts-123456789012"
        );
    }

    #[test]
    fn overrides_win_and_existing_resources_are_not_named() {
        let mut spec = LabSpec::new("ktb-rex", "octo/app");
        spec.registry.repository_name = Some("team/app".into());
        spec.pipeline.artifact_bucket = Some("my-bucket".into());
        spec.build.service_role = RoleChoice::Existing {
            arn: "arn:aws:iam::123456789012:role/b".into(),
        };
        let names = spec.names();
        assert_eq!(names.repository, "team/app");
        assert_eq!(names.artifact_bucket("123456789012"), "my-bucket");
        assert_eq!(names.build_role, None);
        assert_eq!(names.pipeline, "ktb-rex-pipeline");
    }

    #[test]
    fn longest_lab_name_fits_every_limit() {
        let name = "a".repeat(20);
        let names = LabSpec::new(&name, "octo/app").names();
        assert!(names.load_balancer.len() <= 32 && names.target_group.len() <= 32);
        assert!(names.connection.as_ref().unwrap().len() <= 32);
        assert!(names.task_execution_role.as_ref().unwrap().len() <= 64);
        assert!(names.artifact_bucket("123456789012").len() <= 63);
    }
}
