//! Commands that build and open a lab. Long work streams `ProgressEvent`s through a `Channel`
//! per call; each run carries the id the UI gave it, and `lab_cancel` trips that run's cancel
//! handle, which core's `Runs` forgets when the run ends, however it ends.

use std::sync::{Arc, Mutex, OnceLock};

use pipewright_core::api::CredentialSource;
use pipewright_core::apply::{self, ApplyOptions, ApplyReport, LabStatus};
use pipewright_core::expiry::{self, ExpiryView};
use pipewright_core::export::{self, ExportText, Format};
use pipewright_core::ledger::{LabSummary, Ledger};
use pipewright_core::meter::{self, CostMeter};
use pipewright_core::practice::Sandbox;
use pipewright_core::progress::{Progress, ProgressEvent, Runs};
use pipewright_core::spec::{LabSpec, Lang};
use pipewright_core::teardown::{self, TeardownOptions, TeardownReport};
use pipewright_core::{AwsContext, Error, ErrorPayload};
use tauri::State;
use tauri::ipc::Channel;

type Reply<T> = Result<T, ErrorPayload>;

/// The ledger (opened on first use), the runs in progress, and the labs' app addresses this
/// app has reported (the only load balancer pages `open_url` opens).
#[derive(Default)]
pub struct Labs {
    ledger: OnceLock<Arc<Ledger>>,
    runs: Runs,
    app_urls: Mutex<Vec<String>>,
}

impl Labs {
    /// The ledger; opening it (and migrating a new one) runs off the window's thread.
    pub async fn ledger(&self) -> Result<Arc<Ledger>, Error> {
        if let Some(l) = self.ledger.get() {
            return Ok(l.clone());
        }
        let opened = tauri::async_runtime::spawn_blocking(Ledger::open_default)
            .await
            .map_err(|e| Error::Internal(format!("opening the ledger: {e}")))??;
        Ok(self.ledger.get_or_init(|| Arc::new(opened)).clone())
    }

    /// The ledger, and a context for the region `lab` was created in (never the credentials'
    /// own region: apply, status and teardown refuse a context for another region).
    pub async fn with_context(
        &self,
        sandbox: &Sandbox,
        source: &CredentialSource,
        lab: &str,
    ) -> Result<(Arc<Ledger>, AwsContext), Error> {
        let ledger = self.ledger().await?;
        let aws = sandbox.context(source, Some(&ledger.region_of(lab)?)).await?;
        Ok((ledger, aws))
    }

    pub fn app_urls(&self) -> Vec<String> {
        self.app_urls.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn remember_app_url(&self, url: Option<&str>) {
        let Some(url) = url else { return };
        let mut urls = self.app_urls.lock().unwrap_or_else(|e| e.into_inner());
        if !urls.iter().any(|u| u == url) {
            urls.push(url.to_owned());
        }
    }
}

/// Events for the UI. A closed channel (the window went away) must not stop the run: the
/// ledger keeps the truth.
fn progress(channel: Channel<ProgressEvent>) -> Progress {
    Progress::new(move |event| {
        let _ = channel.send(event);
    })
}

#[tauri::command]
pub async fn lab_apply(
    sandbox: State<'_, Sandbox>,
    labs: State<'_, Labs>,
    source: CredentialSource,
    spec: LabSpec,
    run_id: String,
    on_event: Channel<ProgressEvent>,
) -> Reply<ApplyReport> {
    let (_run, cancel) = labs.runs.start(&run_id, &spec.name, true)?;
    let aws = sandbox.context(&source, Some(&spec.region)).await?;
    let options = ApplyOptions::for_context(&aws);
    let report = apply::apply(&aws, labs.ledger().await?, &spec, options, progress(on_event), cancel).await?;
    labs.remember_app_url(report.url.as_deref());
    Ok(report)
}

/// Removes everything the lab created (or, with `dry_run`, lists it in order), then returns
/// the inventory of anything left as proof. Cancel with `lab_cancel`.
#[tauri::command]
pub async fn lab_teardown(
    sandbox: State<'_, Sandbox>,
    labs: State<'_, Labs>,
    source: CredentialSource,
    lab: String,
    dry_run: bool,
    run_id: String,
    on_event: Channel<ProgressEvent>,
) -> Reply<TeardownReport> {
    let (_run, cancel) = labs.runs.start(&run_id, &lab, !dry_run)?;
    let (ledger, aws) = labs.with_context(&sandbox, &source, &lab).await?;
    let options = TeardownOptions {
        dry_run,
        ..TeardownOptions::for_context(&aws)
    };
    Ok(teardown::teardown(&aws, ledger, &lab, options, progress(on_event), cancel).await?)
}

/// Asks run `run_id` (as `lab_apply` or `lab_teardown` was given it) to stop; a run that
/// already ended is left alone, and so is any later run of the same lab.
#[tauri::command]
pub fn lab_cancel(labs: State<'_, Labs>, run_id: String) {
    labs.runs.cancel(&run_id);
}

/// The lab the student worked on last, so reopening the app returns to it.
#[tauri::command]
pub async fn lab_current(labs: State<'_, Labs>) -> Reply<Option<LabSpec>> {
    let ledger = labs.ledger().await?;
    Ok(crate::commands::off_ui(move || ledger.current_spec()).await??)
}

/// Every lab in the ledger with how many of its resources may still exist, so the app can
/// remind the student, on start, of a lab that is still billing.
#[tauri::command]
pub async fn lab_summaries(labs: State<'_, Labs>) -> Reply<Vec<LabSummary>> {
    let ledger = labs.ledger().await?;
    Ok(crate::commands::off_ui(move || ledger.lab_summaries()).await??)
}

#[tauri::command]
pub async fn lab_status(
    sandbox: State<'_, Sandbox>,
    labs: State<'_, Labs>,
    source: CredentialSource,
    lab: String,
) -> Reply<LabStatus> {
    let (ledger, aws) = labs.with_context(&sandbox, &source, &lab).await?;
    let status = apply::status(&aws, ledger, &lab).await?;
    labs.remember_app_url(status.url.as_deref());
    Ok(status)
}

/// When AWS itself stops the lab's billing (its expiry schedules), as AWS says now.
#[tauri::command]
pub async fn lab_expiry(
    sandbox: State<'_, Sandbox>,
    labs: State<'_, Labs>,
    source: CredentialSource,
    lab: String,
) -> Reply<ExpiryView> {
    let (ledger, aws) = labs.with_context(&sandbox, &source, &lab).await?;
    Ok(expiry::read(&aws, ledger, &lab).await?)
}

/// Moves the lab's expiry `hours` later (both schedules).
#[tauri::command]
pub async fn lab_extend(
    sandbox: State<'_, Sandbox>,
    labs: State<'_, Labs>,
    source: CredentialSource,
    lab: String,
    hours: u32,
) -> Reply<ExpiryView> {
    let (ledger, aws) = labs.with_context(&sandbox, &source, &lab).await?;
    Ok(expiry::extend(&aws, ledger, &lab, hours).await?)
}

/// What the lab has cost since it was created, at the estimate's rates (ledger only).
#[tauri::command]
pub async fn lab_meter(labs: State<'_, Labs>, lab: String) -> Reply<CostMeter> {
    let ledger = labs.ledger().await?;
    Ok(crate::commands::off_ui(move || meter::meter(ledger.as_ref(), &lab, meter::now_ms())).await??)
}

/// What the lab built, as an AWS CLI script or a CloudFormation template the student keeps.
/// The ledger only: no AWS call. `lang` ("en" or "ko") is the error's language.
#[tauri::command]
pub async fn lab_export(labs: State<'_, Labs>, lab: String, format: Format, lang: String) -> Reply<ExportText> {
    let ledger = labs.ledger().await?;
    let lang = if lang == "ko" { Lang::Ko } else { Lang::En };
    Ok(crate::commands::off_ui(move || export::for_lab(&ledger, &lab, format, lang)).await??)
}
