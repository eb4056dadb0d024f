//! Commands of the Watch screen: follow a lab's pipeline (a `WatchEvent` stream through a
//! `Channel`: one snapshot, then changes), and start, stop or retry its runs. The watch ends
//! when the channel stops accepting messages (the window went away); starting, stopping or
//! retrying a run wakes the lab's watchers so the graph moves at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use pipewright_core::api::CredentialSource;
use pipewright_core::doctor::{self, DoctorReport};
use pipewright_core::github::{Endpoints, GitHub};
use pipewright_core::practice::Sandbox;
use pipewright_core::progress::Cancel;
use pipewright_core::spec::LabSpec;
use pipewright_core::watch::{self, RetryOutcome, WatchEvent, WatchOptions, WatchTarget};
use pipewright_core::{AwsContext, CredentialStore, Error, ErrorPayload};
use tauri::State;
use tauri::ipc::Channel;
use tokio::sync::Notify;

use crate::labs::Labs;

type Reply<T> = Result<T, ErrorPayload>;

/// The wake-up bell of each lab's running watches.
fn bells() -> &'static Mutex<HashMap<String, Arc<Notify>>> {
    static BELLS: OnceLock<Mutex<HashMap<String, Arc<Notify>>>> = OnceLock::new();
    BELLS.get_or_init(Default::default)
}

fn bell(lab: &str) -> Arc<Notify> {
    bells()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(lab.to_owned())
        .or_insert_with(|| Arc::new(Notify::new()))
        .clone()
}

fn ring(lab: &str) {
    bell(lab).notify_one();
}

/// The lab's spec, as `apply` recorded it, and a context for the region it was created in.
async fn lab(
    sandbox: &Sandbox,
    labs: &Labs,
    source: &CredentialSource,
    lab: &str,
) -> Result<(LabSpec, AwsContext), Error> {
    let (ledger, aws) = labs.with_context(sandbox, source, lab).await?;
    Ok((ledger.spec_of(lab)?, aws))
}

#[tauri::command]
pub async fn lab_watch(
    sandbox: State<'_, Sandbox>,
    labs: State<'_, Labs>,
    source: CredentialSource,
    lab: String,
    execution: Option<String>,
    on_event: Channel<WatchEvent>,
) -> Reply<()> {
    let (spec, aws) = self::lab(&sandbox, &labs, &source, &lab).await?;
    let mut options = WatchOptions::for_context(&aws);
    options.wake = bell(&lab);
    // Pinned to one execution (picked from the list), else the watcher chooses.
    options.execution = execution;
    let labs = labs.inner();
    let sink = move |event: WatchEvent| {
        labs.remember_app_url(app_url_in(&event));
        on_event.send(event).is_ok()
    };
    watch::watch(&aws, WatchTarget::for_spec(&spec), options, Cancel::never(), sink).await?;
    Ok(())
}

/// The app's address, when the watch reports it (in the snapshot, or as a change of it).
fn app_url_in(event: &WatchEvent) -> Option<&str> {
    match event {
        WatchEvent::Snapshot { snapshot } => snapshot.health.url.as_deref(),
        WatchEvent::Changes { changes } => changes.iter().find_map(|c| match c.path.as_str() {
            "/health/url" => c.value.as_str(),
            "/health" => c.value.get("url").and_then(|u| u.as_str()),
            _ => None,
        }),
        WatchEvent::Heartbeat => None,
    }
}

/// Starts a run; returns its execution id.
#[tauri::command]
pub async fn lab_run(
    sandbox: State<'_, Sandbox>,
    labs: State<'_, Labs>,
    source: CredentialSource,
    lab: String,
) -> Reply<String> {
    let (spec, aws) = self::lab(&sandbox, &labs, &source, &lab).await?;
    let id = watch::run(&aws, &spec.names().pipeline).await?;
    ring(&lab);
    Ok(id)
}

/// Stops `execution` (default: the newest in progress); `abandon` does not let running
/// actions finish. Returns the stopped execution's id.
#[tauri::command]
pub async fn lab_stop(
    sandbox: State<'_, Sandbox>,
    labs: State<'_, Labs>,
    source: CredentialSource,
    lab: String,
    execution: Option<String>,
    abandon: bool,
) -> Reply<String> {
    let (spec, aws) = self::lab(&sandbox, &labs, &source, &lab).await?;
    let id = watch::stop(&aws, &spec.names().pipeline, execution.as_deref(), abandon).await?;
    ring(&lab);
    Ok(id)
}

/// Retries the failed actions of the latest failed stage.
#[tauri::command]
pub async fn lab_retry(
    sandbox: State<'_, Sandbox>,
    labs: State<'_, Labs>,
    source: CredentialSource,
    lab: String,
    execution: Option<String>,
) -> Reply<RetryOutcome> {
    let (spec, aws) = self::lab(&sandbox, &labs, &source, &lab).await?;
    let out = watch::retry(&aws, &spec.names().pipeline, execution.as_deref()).await?;
    ring(&lab);
    Ok(out)
}

/// The doctor: reads the lab's state (the newest run, its build and rollout, the connection,
/// the targets' health, the repository's branches) and says what is wrong and what to do.
#[tauri::command]
pub async fn lab_doctor(
    sandbox: State<'_, Sandbox>,
    labs: State<'_, Labs>,
    source: CredentialSource,
    lab: String,
) -> Reply<DoctorReport> {
    let (spec, aws) = self::lab(&sandbox, &labs, &source, &lab).await?;
    let sandbox_url = match source {
        CredentialSource::Practice => sandbox.access().map(|a| a.url),
        _ => None,
    };
    // The repository is best effort: without it, only the pushes that started no run go unchecked.
    let github = Endpoints::for_mode(sandbox_url.as_deref()).await.ok().map(|e| {
        let token = CredentialStore::open()
            .ok()
            .and_then(|s| s.github_token().ok().flatten());
        GitHub::new(e, token)
    });
    Ok(doctor::run(&aws, &spec, github.as_ref()).await?)
}
