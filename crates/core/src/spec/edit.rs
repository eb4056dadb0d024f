//! [`SpecEdit`]: the edits other fields follow, so a spec stays coherent while the student
//! changes it. The rules live here; the UI sends the edit and takes the spec back.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::model::{BuildspecMode, CpuArchitecture, DEFAULT_IMAGE_ARM, DEFAULT_IMAGE_X86, EnvironmentType, LabSpec};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "field", content = "value", rename_all = "snake_case")]
pub enum SpecEdit {
    /// The source branch: a branch trigger that only named the old branch follows it.
    Branch(String),
    /// The tasks' CPU architecture: the build environment (and its default image) follow, so
    /// the build makes images the tasks can run.
    CpuArchitecture(CpuArchitecture),
    /// The build environment: a default image follows its architecture.
    EnvironmentType(EnvironmentType),
    /// The preflight's remedies (`preflight.rs`): one field each.
    Repository(String),
    BuildspecMode(BuildspecMode),
    ContainerPort(u32),
    /// The container's name in the task definition (`None`: the derived name).
    ContainerName(Option<String>),
    HealthCheckPath(String),
}

impl LabSpec {
    /// Applies `edit` and what follows from it.
    pub fn edit(&mut self, edit: SpecEdit) {
        match edit {
            SpecEdit::Branch(branch) => self.set_branch(&branch),
            SpecEdit::CpuArchitecture(arch) => {
                self.deploy.cpu_architecture = arch;
                let b = &self.build.environment_type;
                match (arch, b) {
                    (CpuArchitecture::Arm64, EnvironmentType::LinuxContainer) => {
                        self.edit(SpecEdit::EnvironmentType(EnvironmentType::ArmContainer))
                    }
                    (CpuArchitecture::X86_64, EnvironmentType::ArmContainer) => {
                        self.edit(SpecEdit::EnvironmentType(EnvironmentType::LinuxContainer))
                    }
                    _ => {}
                }
            }
            SpecEdit::EnvironmentType(t) => {
                self.build.environment_type = t;
                let image = &mut self.build.image;
                if t == EnvironmentType::ArmContainer && image == DEFAULT_IMAGE_X86 {
                    *image = DEFAULT_IMAGE_ARM.into();
                } else if t != EnvironmentType::ArmContainer && image == DEFAULT_IMAGE_ARM {
                    *image = DEFAULT_IMAGE_X86.into();
                }
            }
            SpecEdit::Repository(repo) => self.source.repository = repo,
            SpecEdit::BuildspecMode(mode) => self.build.buildspec_mode = mode,
            SpecEdit::ContainerPort(port) => self.deploy.container_port = port,
            SpecEdit::ContainerName(name) => self.deploy.container_name = name,
            SpecEdit::HealthCheckPath(path) => self.deploy.target_group.health_check_path = path,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Trigger, TriggerFilter};

    #[test]
    fn a_branch_trigger_follows_the_branch() {
        let mut spec = LabSpec::new("ktb", "octo/app");
        spec.edit(SpecEdit::Branch("develop".into()));
        let Trigger::Filter(TriggerFilter { include, .. }) = &spec.pipeline.trigger else {
            panic!("a filter")
        };
        assert_eq!(
            (spec.source.branch.as_str(), include.as_slice()),
            ("develop", ["develop".to_owned()].as_slice())
        );
    }

    #[test]
    fn the_build_follows_the_tasks_architecture() {
        let mut spec = LabSpec::new("ktb", "octo/app");
        spec.edit(SpecEdit::CpuArchitecture(CpuArchitecture::Arm64));
        assert_eq!(spec.build.environment_type, EnvironmentType::ArmContainer);
        assert_eq!(spec.build.image, DEFAULT_IMAGE_ARM);
        assert!(spec.validate().iter().all(|e| e.code != "architecture_mismatch"));
        spec.build.image = "my/own:image".into();
        spec.edit(SpecEdit::CpuArchitecture(CpuArchitecture::X86_64));
        assert_eq!(spec.build.environment_type, EnvironmentType::LinuxContainer);
        assert_eq!(spec.build.image, "my/own:image");
        spec.edit(SpecEdit::EnvironmentType(EnvironmentType::LinuxLambdaContainer));
        assert_eq!(spec.deploy.cpu_architecture, CpuArchitecture::X86_64);
    }
}
