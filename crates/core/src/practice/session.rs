//! Practice mode's sandbox as the app holds it for its whole life: one already running
//! (`PIPEWRIGHT_SANDBOX_URL` and `PIPEWRIGHT_SANDBOX_KEY`, as the README's run command prints
//! them) or one the app starts on first use and stops when it exits (dropping the
//! [`SandboxProcess`] stops it).

use std::sync::{Arc, Mutex};

use crate::api::{CredentialSource, SandboxStatus};
use crate::aws::{AwsContext, SandboxAccess};
use crate::credentials;
use crate::error::{Error, Result};
use crate::spec::LabSpec;

use super::{DEFAULT_SPEEDUP, FileChanges, SandboxProcess, StartedRun};

#[derive(Clone)]
pub struct Sandbox {
    external: Option<SandboxAccess>,
    process: Arc<Mutex<Option<SandboxProcess>>>,
}

impl Sandbox {
    /// The sandbox `PIPEWRIGHT_SANDBOX_URL` and `PIPEWRIGHT_SANDBOX_KEY` name, if set; else
    /// none until one is started.
    pub fn from_env() -> Sandbox {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        Sandbox {
            external: var("PIPEWRIGHT_SANDBOX_URL").map(|url| {
                // Without its key the sandbox refuses every call: say so on the first one.
                SandboxAccess::new(url, var("PIPEWRIGHT_SANDBOX_KEY").unwrap_or_default())
            }),
            process: Arc::new(Mutex::new(None)),
        }
    }

    /// Where the sandbox answers, if one runs.
    pub fn url(&self) -> Option<String> {
        self.access().map(|a| a.url)
    }

    /// Its URL and key, if one runs.
    pub fn access(&self) -> Option<SandboxAccess> {
        self.external.clone().or_else(|| {
            let guard = self.process.lock().unwrap_or_else(|e| e.into_inner());
            guard.as_ref().map(|p| p.access().clone())
        })
    }

    pub async fn status(&self) -> SandboxStatus {
        let url = self.url();
        let speedup = match &url {
            Some(u) => super::speedup(u).await,
            None => None,
        };
        SandboxStatus {
            running: url.is_some(),
            url,
            speedup,
        }
    }

    /// Starts the sandbox unless one runs, at the default pace; returns its URL and key. The
    /// start blocks (a first start builds the sandbox's venv), so it runs off the async threads.
    pub async fn ensure_started(&self) -> Result<SandboxAccess> {
        if let Some(access) = self.access() {
            return Ok(access);
        }
        let slot = self.process.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = slot.lock().unwrap_or_else(|e| e.into_inner());
            if guard.is_none() {
                let scale = super::time_scale_for(DEFAULT_SPEEDUP);
                *guard = Some(SandboxProcess::start(&super::default_script(), scale)?);
            }
            guard
                .as_ref()
                .map(|p| p.access().clone())
                .ok_or_else(|| Error::Internal("the sandbox did not start".into()))
        })
        .await
        .map_err(|e| Error::Internal(format!("sandbox start task: {e}")))?
    }

    /// Practice mode's pace: AWS's own (1) or ten times faster (10). Starts the sandbox first.
    pub async fn set_pace(&self, speedup: u32) -> Result<SandboxStatus> {
        let access = self.ensure_started().await?;
        super::set_speedup(&access, speedup).await?;
        Ok(self.status().await)
    }

    /// A context for `source` acting in `region` (a lab's own; `None`: the credentials'
    /// own). Practice mode starts the sandbox first.
    pub async fn context(&self, source: &CredentialSource, region: Option<&str>) -> Result<AwsContext> {
        let sandbox = match source {
            CredentialSource::Practice => Some(self.ensure_started().await?),
            _ => None,
        };
        credentials::context_for(Some(source), sandbox.as_ref(), region).await
    }

    /// Practice mode's `git push` to the lab's repository and branch (see
    /// [`super::simulate_push`]). Only a running sandbox has one.
    pub async fn push(&self, spec: &LabSpec, message: &str, files: Option<&FileChanges>) -> Result<Vec<StartedRun>> {
        let Some(access) = self.access() else {
            return Err(Error::Invalid {
                field: "source".into(),
                message: "a simulated push needs practice mode's sandbox".into(),
            });
        };
        super::simulate_push(
            &access,
            &spec.source.repository,
            &spec.source.branch,
            message,
            &[],
            files,
        )
        .await
    }
}
