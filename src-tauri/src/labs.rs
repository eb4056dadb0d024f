//! Commands that build and open a lab. Long work streams `ProgressEvent`s through a `Channel`
//! per call; `lab_cancel` trips the run's cancel handle, which core's `Runs` forgets when the
//! run ends, however it ends.

use std::sync::{Arc, OnceLock};

use pipewright_core::api::CredentialSource;
use pipewright_core::apply::{self, ApplyOptions, ApplyReport, LabStatus};
use pipewright_core::expiry::{self, ExpiryView};
use pipewright_core::ledger::{LabSummary, Ledger};
use pipewright_core::meter::{self, CostMeter};
use pipewright_core::practice::Sandbox;
use pipewright_core::progress::{Progress, ProgressEvent, Runs};
use pipewright_core::spec::LabSpec;
use pipewright_core::teardown::{self, TeardownOptions, TeardownReport};
use pipewright_core::{Error, ErrorPayload};
use tauri::State;
use tauri::ipc::Channel;

type Reply<T> = Result<T, ErrorPayload>;

/// The ledger (opened on first use) and the runs in progress.
#[derive(Default)]
pub struct Labs {
    ledger: OnceLock<Arc<Ledger>>,
    runs: Runs,
}

impl Labs {
    pub fn ledger(&self) -> Result<Arc<Ledger>, Error> {
        if let Some(l) = self.ledger.get() {
            return Ok(l.clone());
        }
        let opened = Arc::new(Ledger::open_default()?);
        Ok(self.ledger.get_or_init(|| opened).clone())
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
    on_event: Channel<ProgressEvent>,
) -> Reply<ApplyReport> {
    let aws = sandbox.context(&source, Some(&spec.region)).await?;
    let (_run, cancel) = labs.runs.start(&spec.name);
    let options = ApplyOptions::for_context(&aws);
    Ok(apply::apply(&aws, labs.ledger()?, &spec, options, progress(on_event), cancel).await?)
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
    on_event: Channel<ProgressEvent>,
) -> Reply<TeardownReport> {
    let ledger = labs.ledger()?;
    let aws = sandbox.context(&source, Some(&ledger.region_of(&lab)?)).await?;
    let (_run, cancel) = labs.runs.start(&lab);
    let options = TeardownOptions {
        dry_run,
        ..TeardownOptions::for_context(&aws)
    };
    Ok(teardown::teardown(&aws, ledger, &lab, options, progress(on_event), cancel).await?)
}

#[tauri::command]
pub fn lab_cancel(labs: State<'_, Labs>, lab: String) {
    labs.runs.cancel(&lab);
}

/// The lab the student worked on last, so reopening the app returns to it.
#[tauri::command]
pub fn lab_current(labs: State<'_, Labs>) -> Reply<Option<LabSpec>> {
    Ok(labs.ledger()?.current_spec()?)
}

/// Every lab in the ledger with how many of its resources may still exist, so the app can
/// remind the student, on start, of a lab that is still billing.
#[tauri::command]
pub fn lab_summaries(labs: State<'_, Labs>) -> Reply<Vec<LabSummary>> {
    Ok(labs.ledger()?.lab_summaries()?)
}

#[tauri::command]
pub async fn lab_status(
    sandbox: State<'_, Sandbox>,
    labs: State<'_, Labs>,
    source: CredentialSource,
    lab: String,
) -> Reply<LabStatus> {
    let ledger = labs.ledger()?;
    let aws = sandbox.context(&source, Some(&ledger.region_of(&lab)?)).await?;
    Ok(apply::status(&aws, ledger, &lab).await?)
}

/// When AWS itself stops the lab's billing (its expiry schedules), as AWS says now.
#[tauri::command]
pub async fn lab_expiry(
    sandbox: State<'_, Sandbox>,
    labs: State<'_, Labs>,
    source: CredentialSource,
    lab: String,
) -> Reply<ExpiryView> {
    let ledger = labs.ledger()?;
    let aws = sandbox.context(&source, Some(&ledger.region_of(&lab)?)).await?;
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
    let ledger = labs.ledger()?;
    let aws = sandbox.context(&source, Some(&ledger.region_of(&lab)?)).await?;
    Ok(expiry::extend(&aws, ledger, &lab, hours).await?)
}

/// What the lab has cost since it was created, at the estimate's rates (ledger only).
#[tauri::command]
pub fn lab_meter(labs: State<'_, Labs>, lab: String) -> Reply<CostMeter> {
    Ok(meter::meter(labs.ledger()?.as_ref(), &lab, meter::now_ms())?)
}
