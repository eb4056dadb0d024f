//! The app's own commands: who the student is, practice mode, saved keys, the spec's derived
//! facts, opening pages. Each is a one-liner into core; errors cross IPC as `ErrorPayload`.

use pipewright_core::api::{
    AppInfo, CredentialSet, CredentialSource, CredentialSummary, Identity, ProfileSummary, SandboxStatus,
};
use pipewright_core::credentials::{CredentialStore, profiles};
use pipewright_core::plan::{Plan, PlanView};
use pipewright_core::practice::{Sandbox, StartedRun};
use pipewright_core::spec::{LabSpec, SpecCheck, SpecEdit, TaskSize};
use pipewright_core::{ErrorPayload, buildspec, identity, links};
use tauri::State;

type Reply<T> = Result<T, ErrorPayload>;

#[tauri::command]
pub fn app_info() -> AppInfo {
    AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        locale: sys_locale::get_locale(),
    }
}

#[tauri::command]
pub async fn sandbox_status(sandbox: State<'_, Sandbox>) -> Reply<SandboxStatus> {
    Ok(sandbox.status().await)
}

#[tauri::command]
pub async fn sandbox_start(sandbox: State<'_, Sandbox>) -> Reply<SandboxStatus> {
    sandbox.ensure_started().await?;
    Ok(sandbox.status().await)
}

/// Practice mode's pace: AWS's own (1) or ten times faster (10). Starts the sandbox if needed.
#[tauri::command]
pub async fn sandbox_pace(sandbox: State<'_, Sandbox>, speedup: u32) -> Reply<SandboxStatus> {
    Ok(sandbox.set_pace(speedup).await?)
}

#[tauri::command]
pub async fn whoami(sandbox: State<'_, Sandbox>, source: CredentialSource) -> Reply<Identity> {
    Ok(identity::whoami(&sandbox.context(&source, None).await?).await?)
}

#[tauri::command]
pub fn credentials_list() -> Reply<Vec<CredentialSummary>> {
    Ok(CredentialStore::open()?.list()?)
}

#[tauri::command]
pub fn credentials_save(set: CredentialSet) -> Reply<CredentialSummary> {
    Ok(CredentialStore::open()?.save(&set)?)
}

#[tauri::command]
pub fn credentials_delete(name: String) -> Reply<()> {
    Ok(CredentialStore::open()?.delete(&name)?)
}

#[tauri::command]
pub async fn profiles_list() -> Reply<Vec<ProfileSummary>> {
    Ok(profiles::list_profiles().await?)
}

#[tauri::command]
pub fn spec_default(name: String, repository: String) -> LabSpec {
    LabSpec::new(&name, &repository)
}

/// The spec's problems, names and cost, in one answer.
#[tauri::command]
pub fn spec_check(spec: LabSpec) -> SpecCheck {
    spec.check()
}

/// The spec after `edit` and what follows from it (a branch trigger follows the branch, the
/// build follows the tasks' architecture).
#[tauri::command]
pub fn spec_edit(mut spec: LabSpec, edit: SpecEdit) -> LabSpec {
    spec.edit(edit);
    spec
}

/// What the lab will create, in order; `account` names the artifact bucket when known.
#[tauri::command]
pub fn spec_plan(spec: LabSpec, account: Option<String>) -> PlanView {
    Plan::preview(&spec, account.as_deref()).view(&spec)
}

#[tauri::command]
pub fn fargate_sizes() -> Vec<TaskSize> {
    pipewright_core::spec::fargate_sizes()
}

/// The buildspec Pipewright gives the project for this spec: inline on the project, or the
/// `buildspec.yml` the student commits. Neither names an account or a region.
#[tauri::command]
pub fn spec_buildspec(spec: LabSpec) -> String {
    buildspec::for_spec(&spec)
}

/// Practice mode's `git push`: a commit on the lab's repository and branch, which starts the
/// pipeline through its trigger as GitHub would. Only the sandbox has this.
#[tauri::command]
pub async fn practice_push(sandbox: State<'_, Sandbox>, spec: LabSpec, message: String) -> Reply<Vec<StartedRun>> {
    Ok(sandbox.push(&spec, &message).await?)
}

/// A desktop notification (a run finished). The UI writes the text in the student's language.
#[tauri::command]
pub fn notify(app: tauri::AppHandle, title: String, body: String) -> Reply<()> {
    use tauri_plugin_notification::NotificationExt;
    app.notification()
        .builder()
        .title(title)
        .body(body)
        .show()
        .map_err(|e| pipewright_core::Error::Internal(format!("notification: {e}")).into())
}

/// Opens a page in the student's browser, if `links` allows it (the sandbox's pages in `lang`).
#[tauri::command]
pub fn open_url(sandbox: State<'_, Sandbox>, url: String, lang: Option<String>) -> Reply<()> {
    let base = sandbox.url();
    links::check(&url, base.as_deref())?;
    let url = links::localized(&url, base.as_deref(), lang.as_deref());
    tauri_plugin_opener::open_url(&url, None::<&str>)
        .map_err(|e| pipewright_core::Error::Internal(format!("cannot open {url}: {e}")))?;
    Ok(())
}
