//! The app's commands. Each is a one-liner into core; errors cross IPC as `ErrorPayload`.

use std::sync::{Arc, Mutex};

use pipewright_core::api::{
    AppInfo, CredentialSet, CredentialSource, CredentialSummary, Identity, ProfileSummary, SandboxStatus,
};
use pipewright_core::credentials::{CredentialStore, profiles};
use pipewright_core::practice::{self, SandboxProcess, StartedRun};
use pipewright_core::regions::Region;
use pipewright_core::spec::pricing::CostEstimate;
use pipewright_core::spec::{BuildspecMode, FieldError, LabSpec, ResourceNames, TaskSize};
use pipewright_core::{AwsContext, Error, ErrorPayload, identity, settings_for};
use tauri::State;

type Reply<T> = Result<T, ErrorPayload>;

/// Practice mode's sandbox: either one already running (`PIPEWRIGHT_SANDBOX_URL`, as the
/// README's run command starts it) or one the app starts on demand and stops on exit.
#[derive(Clone)]
pub struct Practice {
    external_url: Option<String>,
    process: Arc<Mutex<Option<SandboxProcess>>>,
}

impl Practice {
    pub fn from_env() -> Self {
        Practice {
            external_url: std::env::var("PIPEWRIGHT_SANDBOX_URL").ok().filter(|u| !u.is_empty()),
            process: Arc::new(Mutex::new(None)),
        }
    }

    pub fn url(&self) -> Option<String> {
        self.external_url.clone().or_else(|| {
            let guard = self.process.lock().unwrap_or_else(|e| e.into_inner());
            guard.as_ref().map(|p| p.url().to_owned())
        })
    }

    async fn status(&self) -> SandboxStatus {
        let url = self.url();
        let speedup = match &url {
            Some(u) => practice::speedup(u).await,
            None => None,
        };
        SandboxStatus {
            running: url.is_some(),
            url,
            speedup,
        }
    }

    /// Starts the sandbox unless one runs. Blocking (a first start builds its venv), so it
    /// runs off the async runtime's threads.
    pub async fn ensure_started(&self) -> Result<String, Error> {
        if let Some(url) = self.url() {
            return Ok(url);
        }
        let slot = self.process.clone();
        tauri::async_runtime::spawn_blocking(move || {
            let mut guard = slot.lock().unwrap_or_else(|e| e.into_inner());
            if guard.is_none() {
                let scale = practice::time_scale_for(practice::DEFAULT_SPEEDUP);
                *guard = Some(SandboxProcess::start(&practice::default_script(), scale)?);
            }
            Ok(guard.as_ref().map(|p| p.url().to_owned()).unwrap_or_default())
        })
        .await
        .map_err(|e| Error::Internal(format!("sandbox start task: {e}")))?
    }
}

#[tauri::command]
pub fn app_info() -> AppInfo {
    AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        locale: sys_locale::get_locale(),
    }
}

#[tauri::command]
pub async fn sandbox_status(practice: State<'_, Practice>) -> Reply<SandboxStatus> {
    Ok(practice.status().await)
}

#[tauri::command]
pub async fn sandbox_start(practice: State<'_, Practice>) -> Reply<SandboxStatus> {
    practice.ensure_started().await?;
    Ok(practice.status().await)
}

/// Practice mode's pace: AWS's own (1) or ten times faster (10). Starts the sandbox if needed.
#[tauri::command]
pub async fn sandbox_pace(practice: State<'_, Practice>, speedup: u32) -> Reply<SandboxStatus> {
    let url = practice.ensure_started().await?;
    practice::set_speedup(&url, speedup).await?;
    Ok(practice.status().await)
}

#[tauri::command]
pub async fn whoami(practice: State<'_, Practice>, source: CredentialSource) -> Reply<Identity> {
    let sandbox = match source {
        CredentialSource::Practice => Some(practice.ensure_started().await?),
        _ => None,
    };
    let aws = AwsContext::load(&settings_for(&source, sandbox.as_deref()).await?).await?;
    Ok(identity::whoami(&aws).await?)
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
pub fn regions() -> Vec<Region> {
    pipewright_core::regions::regions()
}

#[tauri::command]
pub fn spec_default(name: String, repository: String) -> LabSpec {
    LabSpec::new(&name, &repository)
}

#[tauri::command]
pub fn spec_validate(spec: LabSpec) -> Vec<FieldError> {
    spec.validate()
}

#[tauri::command]
pub fn spec_names(spec: LabSpec) -> ResourceNames {
    spec.names()
}

#[tauri::command]
pub fn spec_cost(spec: LabSpec) -> CostEstimate {
    spec.cost_estimate()
}

#[tauri::command]
pub fn fargate_sizes() -> Vec<TaskSize> {
    pipewright_core::spec::fargate_sizes()
}

/// The buildspec Pipewright gives the project for this spec: inline on the project, or the
/// `buildspec.yml` the student commits. Neither names an account or a region.
#[tauri::command]
pub fn spec_buildspec(spec: LabSpec) -> String {
    match spec.build.buildspec_mode {
        BuildspecMode::Inline => pipewright_core::buildspec::inline(spec.registry.tag_immutability),
        BuildspecMode::File => pipewright_core::buildspec::committed(spec.registry.tag_immutability),
    }
}

/// Practice mode's `git push`: a commit on the lab's repository and branch, which starts the
/// pipeline through its trigger as GitHub would. Only the sandbox has this.
#[tauri::command]
pub async fn practice_push(practice: State<'_, Practice>, spec: LabSpec, message: String) -> Reply<Vec<StartedRun>> {
    let Some(url) = practice.url() else {
        return Err(Error::Invalid {
            field: "source".into(),
            message: "a simulated push needs practice mode's sandbox".into(),
        }
        .into());
    };
    Ok(practice::simulate_push(&url, &spec.source.repository, &spec.source.branch, &message, &[]).await?)
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
        .map_err(|e| Error::Internal(format!("notification: {e}")).into())
}
