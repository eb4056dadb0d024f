//! The app's commands. Each is a one-liner into core; errors cross IPC as `ErrorPayload`.

use std::sync::Mutex;

use pipewright_core::api::{AppInfo, CredentialSource, Identity, SandboxStatus};
use pipewright_core::practice::{self, PRACTICE_REGION, SandboxProcess};
use pipewright_core::{AwsContext, AwsSettings, Error, ErrorPayload, identity};
use tauri::State;

/// Practice mode's sandbox: either one already running (`PIPEWRIGHT_SANDBOX_URL`, as the
/// README's run command starts it) or one the app starts on demand and stops on exit.
pub struct Practice {
    external_url: Option<String>,
    process: Mutex<Option<SandboxProcess>>,
}

impl Practice {
    pub fn from_env() -> Self {
        Practice {
            external_url: std::env::var("PIPEWRIGHT_SANDBOX_URL").ok().filter(|u| !u.is_empty()),
            process: Mutex::new(None),
        }
    }

    fn url(&self) -> Option<String> {
        self.external_url.clone().or_else(|| {
            let guard = self.process.lock().unwrap_or_else(|e| e.into_inner());
            guard.as_ref().map(|p| p.url().to_owned())
        })
    }

    fn status(&self) -> SandboxStatus {
        let url = self.url();
        SandboxStatus { running: url.is_some(), url }
    }

    fn ensure_started(&self) -> Result<String, Error> {
        if let Some(url) = self.url() {
            return Ok(url);
        }
        let process = SandboxProcess::start(&practice::default_script(), 0.1)?;
        let url = process.url().to_owned();
        *self.process.lock().unwrap_or_else(|e| e.into_inner()) = Some(process);
        Ok(url)
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
pub fn sandbox_status(practice: State<'_, Practice>) -> SandboxStatus {
    practice.status()
}

#[tauri::command]
pub async fn sandbox_start(practice: State<'_, Practice>) -> Result<SandboxStatus, ErrorPayload> {
    practice.ensure_started()?;
    Ok(practice.status())
}

#[tauri::command]
pub async fn whoami(practice: State<'_, Practice>, source: CredentialSource) -> Result<Identity, ErrorPayload> {
    let settings = match source {
        CredentialSource::Practice => AwsSettings::sandbox(practice.ensure_started()?, PRACTICE_REGION),
        CredentialSource::Profile { name } => AwsSettings {
            profile: Some(name),
            ..AwsSettings::default()
        },
        CredentialSource::Keyring { .. } => {
            return Err(Error::Internal("stored keys are not supported yet".into()).into());
        }
    };
    let aws = AwsContext::load(&settings).await?;
    Ok(identity::whoami(&aws).await?)
}
