//! Generates `ui/src/lib/bindings.ts` from the Rust types that cross IPC.
//!
//! One file, so the UI imports types from one place (and the data its pickers list: the
//! regions and build images). A test compares it with the checked-in copy and fails when
//! stale; `PIPEWRIGHT_UPDATE_BINDINGS=1 cargo test -p pipewright-core` rewrites it (and the
//! fake backend's fixtures, `fixtures.rs`).

use ts_rs::{Config, TS};

use crate::api::{
    AppInfo, CredentialSet, CredentialSource, CredentialSummary, Identity, ProfileKind, ProfileSummary, SandboxStatus,
};
use crate::error::{ErrorCode, ErrorPayload};
use crate::spec::{self, pricing};
use crate::{apply, ledger, progress, teardown, watch};

/// The generated TypeScript, as it should be checked in.
pub fn typescript() -> String {
    let cfg = Config::default();
    let decls = [
        ErrorCode::decl(&cfg),
        ErrorPayload::decl(&cfg),
        Identity::decl(&cfg),
        CredentialSource::decl(&cfg),
        CredentialSet::decl(&cfg),
        CredentialSummary::decl(&cfg),
        ProfileKind::decl(&cfg),
        ProfileSummary::decl(&cfg),
        SandboxStatus::decl(&cfg),
        AppInfo::decl(&cfg),
        crate::practice::StartedRun::decl(&cfg),
        spec::LabSpec::decl(&cfg),
        spec::SourceSpec::decl(&cfg),
        spec::ConnectionChoice::decl(&cfg),
        spec::OutputArtifactFormat::decl(&cfg),
        spec::PipelineSpec::decl(&cfg),
        spec::ExecutionMode::decl(&cfg),
        spec::RoleChoice::decl(&cfg),
        spec::Trigger::decl(&cfg),
        spec::TriggerFilter::decl(&cfg),
        spec::TriggerEvent::decl(&cfg),
        spec::PullRequestEvent::decl(&cfg),
        spec::FilterType::decl(&cfg),
        spec::BuildSpec::decl(&cfg),
        spec::Provisioning::decl(&cfg),
        spec::ComputeType::decl(&cfg),
        spec::EnvironmentType::decl(&cfg),
        spec::BuildspecMode::decl(&cfg),
        spec::EnvVar::decl(&cfg),
        spec::RegistrySpec::decl(&cfg),
        spec::Visibility::decl(&cfg),
        spec::Encryption::decl(&cfg),
        spec::DeploySpec::decl(&cfg),
        spec::LaunchType::decl(&cfg),
        spec::CpuArchitecture::decl(&cfg),
        spec::AppProtocol::decl(&cfg),
        spec::LoadBalancerSpec::decl(&cfg),
        spec::TargetGroupSpec::decl(&cfg),
        spec::ExpirySpec::decl(&cfg),
        spec::ClassSpec::decl(&cfg),
        spec::ClassFile::decl(&cfg),
        spec::LockedField::decl(&cfg),
        crate::expiry::ExpiryState::decl(&cfg),
        crate::expiry::ExpiryView::decl(&cfg),
        crate::meter::CostMeter::decl(&cfg),
        crate::class::status::ClassLabState::decl(&cfg),
        crate::class::status::ClassLab::decl(&cfg),
        crate::class::status::ClassPlace::decl(&cfg),
        crate::class::status::ClassTotals::decl(&cfg),
        crate::class::status::ClassStatus::decl(&cfg),
        crate::class::sweep::ClassSweep::decl(&cfg),
        spec::ResourceNames::decl(&cfg),
        spec::FieldError::decl(&cfg),
        spec::SpecCheck::decl(&cfg),
        spec::SpecEdit::decl(&cfg),
        crate::plan::Step::decl(&cfg),
        crate::plan::Kind::decl(&cfg),
        crate::plan::PlanView::decl(&cfg),
        crate::plan::PlanNode::decl(&cfg),
        crate::regions::Region::decl(&cfg),
        spec::TaskSize::decl(&cfg),
        pricing::Per::decl(&cfg),
        pricing::CostLine::decl(&cfg),
        pricing::CostEstimate::decl(&cfg),
        progress::NodeState::decl(&cfg),
        progress::ProgressDetail::decl(&cfg),
        progress::ProgressNote::decl(&cfg),
        progress::RunProgress::decl(&cfg),
        progress::StageProgress::decl(&cfg),
        crate::error::RunFailure::decl(&cfg),
        progress::ProgressEvent::decl(&cfg),
        ledger::ResourceState::decl(&cfg),
        ledger::LedgerResource::decl(&cfg),
        ledger::LabSummary::decl(&cfg),
        apply::ApplyReport::decl(&cfg),
        apply::LabStatus::decl(&cfg),
        apply::ResourceStatus::decl(&cfg),
        teardown::TeardownItem::decl(&cfg),
        teardown::TeardownFailure::decl(&cfg),
        teardown::TeardownHint::decl(&cfg),
        teardown::Leftover::decl(&cfg),
        teardown::LeftoverReason::decl(&cfg),
        teardown::TeardownReport::decl(&cfg),
        watch::WatchEvent::decl(&cfg),
        watch::PipelineSnapshot::decl(&cfg),
        watch::RunStatus::decl(&cfg),
        watch::ExecutionSummary::decl(&cfg),
        watch::SourceRevision::decl(&cfg),
        watch::ExecutionTrigger::decl(&cfg),
        watch::StageView::decl(&cfg),
        watch::ActionView::decl(&cfg),
        watch::ActionError::decl(&cfg),
        watch::BuildView::decl(&cfg),
        watch::BuildPhaseView::decl(&cfg),
        watch::LogLine::decl(&cfg),
        watch::RolloutView::decl(&cfg),
        watch::DeploymentView::decl(&cfg),
        watch::ServiceEvent::decl(&cfg),
        watch::StoppedTask::decl(&cfg),
        watch::HealthView::decl(&cfg),
        watch::HealthState::decl(&cfg),
        watch::Polling::decl(&cfg),
        watch::Change::decl(&cfg),
        watch::ChangeOp::decl(&cfg),
        watch::RetryOutcome::decl(&cfg),
        crate::github::RequestCount::decl(&cfg),
        crate::preflight::Severity::decl(&cfg),
        crate::preflight::Finding::decl(&cfg),
        crate::preflight::PreflightReport::decl(&cfg),
        crate::doctor::DoctorReport::decl(&cfg),
        crate::export::Format::decl(&cfg),
        crate::export::ExportText::decl(&cfg),
    ];
    let mut out = String::from(
        "// Generated from crates/core by `PIPEWRIGHT_UPDATE_BINDINGS=1 cargo test -p pipewright-core bindings`.\n// Do not edit by hand.\n\n",
    );
    for d in decls {
        out.push_str("export ");
        out.push_str(&d);
        out.push_str("\n\n");
    }
    out.push_str(&picker_data());
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

/// Data the UI's pickers list: the region table (`crate::regions`), in the console's order,
/// and the build images.
fn picker_data() -> String {
    let rows: Vec<String> = crate::regions::regions()
        .iter()
        .map(|r| format!("  {},", serde_json::to_string(r).expect("a region serializes")))
        .collect();
    let regions = format!("[\n{}\n]", rows.join("\n"));
    format!(
        "/** The regions a lab may use, in the console's order (`crate::regions`). */\n\
         export const REGIONS: readonly Region[] = {regions};\n\n\
         /** A new lab's region, and practice mode's. */\n\
         export const DEFAULT_REGION = {:?};\n\n\
         /** The build images the wizard offers (`spec::BUILD_IMAGES`). */\n\
         export const BUILD_IMAGES: readonly string[] = {:?};\n",
        crate::regions::DEFAULT_REGION,
        crate::spec::BUILD_IMAGES,
    )
}

/// Checks that the file at `path` (from the repository's root) holds `want`, or with
/// `PIPEWRIGHT_UPDATE_BINDINGS` set writes it: every file generated for the UI is kept fresh
/// this way.
#[cfg(test)]
pub(crate) fn check_fresh(path: &str, want: &str) {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path);
    if std::env::var_os("PIPEWRIGHT_UPDATE_BINDINGS").is_some() {
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, want).unwrap();
        return;
    }
    let have = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(
        have == want,
        "{path} is stale: run `PIPEWRIGHT_UPDATE_BINDINGS=1 cargo test -p pipewright-core` and commit it"
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn bindings_are_fresh() {
        super::check_fresh("ui/src/lib/bindings.ts", &super::typescript());
    }
}
