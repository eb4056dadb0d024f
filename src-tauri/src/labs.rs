//! Commands that build, follow and open a lab. Long work streams `ProgressEvent`s through a
//! `Channel` per call; cancel is a separate command that trips the run's `CancelHandle`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use pipewright_core::api::CredentialSource;
use pipewright_core::apply::{self, ApplyOptions, ApplyReport, LabStatus};
use pipewright_core::ledger::{LabSummary, Ledger};
use pipewright_core::progress::{Cancel, CancelHandle, Progress, ProgressEvent};
use pipewright_core::spec::LabSpec;
use pipewright_core::teardown::{self, TeardownOptions, TeardownReport};
use pipewright_core::{AwsContext, Error, ErrorPayload, credentials};
use tauri::State;
use tauri::ipc::Channel;

use crate::commands::Practice;

type Reply<T> = Result<T, ErrorPayload>;

/// The ledger (opened on first use) and the runs in progress, by lab name.
#[derive(Default)]
pub struct Labs {
    ledger: OnceLock<Arc<Ledger>>,
    running: Mutex<HashMap<String, CancelHandle>>,
}

impl Labs {
    fn ledger(&self) -> Result<Arc<Ledger>, Error> {
        if let Some(l) = self.ledger.get() {
            return Ok(l.clone());
        }
        let opened = Arc::new(Ledger::open_default()?);
        Ok(self.ledger.get_or_init(|| opened).clone())
    }
}

/// A context in `region` (the lab's own), whatever region the credentials carry.
async fn context(practice: &Practice, source: &CredentialSource, region: &str) -> Result<AwsContext, Error> {
    let sandbox = match source {
        CredentialSource::Practice => Some(practice.ensure_started().await?),
        _ => None,
    };
    credentials::context_for(source, sandbox.as_deref(), Some(region)).await
}

/// The region the ledger recorded for `lab` (where it was created).
fn region_of(labs: &Labs, lab: &str) -> Result<String, Error> {
    let ledger = labs.ledger()?;
    match ledger.lab_region(lab)? {
        Some(region) => Ok(region),
        None => Ok(ledger.spec_of(lab)?.region),
    }
}

#[tauri::command]
pub async fn lab_apply(
    practice: State<'_, Practice>,
    labs: State<'_, Labs>,
    source: CredentialSource,
    spec: LabSpec,
    on_event: Channel<ProgressEvent>,
) -> Reply<ApplyReport> {
    let aws = context(&practice, &source, &spec.region).await?;
    let (handle, cancel) = Cancel::new();
    labs.running
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(spec.name.clone(), handle);
    // A closed channel (the window went away) must not stop the run: the ledger keeps the truth.
    let progress = Progress::new(move |event| {
        let _ = on_event.send(event);
    });
    let result = apply::apply(
        &aws,
        labs.ledger()?,
        &spec,
        ApplyOptions::for_context(&aws),
        progress,
        cancel,
    )
    .await;
    labs.running
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&spec.name);
    Ok(result?)
}

/// Removes everything the lab created (or, with `dry_run`, lists it in order), then returns
/// the inventory of anything left as proof. Cancel with `lab_cancel`.
#[tauri::command]
pub async fn lab_teardown(
    practice: State<'_, Practice>,
    labs: State<'_, Labs>,
    source: CredentialSource,
    lab: String,
    dry_run: bool,
    on_event: Channel<ProgressEvent>,
) -> Reply<TeardownReport> {
    let aws = context(&practice, &source, &region_of(&labs, &lab)?).await?;
    let (handle, cancel) = Cancel::new();
    labs.running
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(lab.clone(), handle);
    let progress = Progress::new(move |event| {
        let _ = on_event.send(event);
    });
    let options = TeardownOptions {
        dry_run,
        ..TeardownOptions::for_context(&aws)
    };
    let result = teardown::teardown(&aws, labs.ledger()?, &lab, options, progress, cancel).await;
    labs.running.lock().unwrap_or_else(|e| e.into_inner()).remove(&lab);
    Ok(result?)
}

#[tauri::command]
pub fn lab_cancel(labs: State<'_, Labs>, lab: String) {
    if let Some(handle) = labs.running.lock().unwrap_or_else(|e| e.into_inner()).get(&lab) {
        handle.cancel();
    }
}

/// The lab the student worked on last, so reopening the app returns to it.
#[tauri::command]
pub fn lab_current(labs: State<'_, Labs>) -> Reply<Option<LabSpec>> {
    let ledger = labs.ledger()?;
    let Some(name) = ledger.latest_lab()? else {
        return Ok(None);
    };
    match ledger.lab_spec(&name)? {
        Some(toml) => Ok(Some(LabSpec::from_toml(&toml)?)),
        None => Ok(None),
    }
}

/// Every lab in the ledger with how many of its resources may still exist, so the app can
/// remind the student, on start, of a lab that is still billing.
#[tauri::command]
pub fn lab_summaries(labs: State<'_, Labs>) -> Reply<Vec<LabSummary>> {
    Ok(labs.ledger()?.lab_summaries()?)
}

#[tauri::command]
pub async fn lab_status(
    practice: State<'_, Practice>,
    labs: State<'_, Labs>,
    source: CredentialSource,
    lab: String,
) -> Reply<LabStatus> {
    let aws = context(&practice, &source, &region_of(&labs, &lab)?).await?;
    Ok(apply::status(&aws, labs.ledger()?, &lab).await?)
}

/// Opens a page in the student's browser: only AWS console pages and the local sandbox's
/// connection page, never an arbitrary URL the webview hands us.
#[tauri::command]
pub fn open_url(practice: State<'_, Practice>, url: String) -> Reply<()> {
    if !openable(&url, practice.url().as_deref()) {
        return Err(Error::Invalid {
            field: "url".into(),
            message: "only AWS console pages and the practice sandbox's pages can be opened".into(),
        }
        .into());
    }
    tauri_plugin_opener::open_url(&url, None::<&str>)
        .map_err(|e| Error::Internal(format!("cannot open {url}: {e}")))?;
    Ok(())
}

/// AWS console pages (any region's console host) over https, a load balancer's own address
/// (the student's deployed app, served over plain http on port 80 as the lecture sets it up),
/// or the running sandbox's own `/_sandbox/` pages.
fn openable(url: &str, sandbox_base: Option<&str>) -> bool {
    if let Some(base) = sandbox_base
        && url.starts_with(&format!("{base}/_sandbox/"))
    {
        return true;
    }
    let host_of = |rest: &str| rest.split(['/', '?', '#']).next().unwrap_or_default().to_owned();
    if let Some(rest) = url.strip_prefix("http://") {
        let host = host_of(rest);
        let plain = host
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
        return plain && (host.ends_with(".elb.amazonaws.com") || host.ends_with(".elb.amazonaws.com.cn"));
    }
    let Some(rest) = url.strip_prefix("https://") else {
        return false;
    };
    let host = host_of(rest);
    host == "console.aws.amazon.com" || host.ends_with(".console.aws.amazon.com")
}

#[cfg(test)]
mod tests {
    use super::openable;

    #[test]
    fn only_console_load_balancer_and_sandbox_pages_open() {
        let sandbox = Some("http://127.0.0.1:4566");
        assert!(openable(
            "https://console.aws.amazon.com/codesuite/settings/connections",
            None
        ));
        assert!(openable(
            "https://ap-northeast-2.console.aws.amazon.com/ecs/v2/clusters",
            None
        ));
        assert!(openable("http://127.0.0.1:4566/_sandbox/connections", sandbox));
        assert!(!openable("http://127.0.0.1:4566/_sandbox/connections", None));
        assert!(!openable("https://console.aws.amazon.com.evil.example/", None));
        assert!(!openable("http://console.aws.amazon.com/", None));
        assert!(!openable("https://evil.example/?console.aws.amazon.com/", None));
        assert!(!openable("file:///etc/passwd", sandbox));
        assert!(openable(
            "http://ktb-alb-1234567890.ap-northeast-2.elb.amazonaws.com",
            None
        ));
        assert!(openable(
            "http://ktb-alb-1.ap-northeast-2.elb.amazonaws.com/health",
            None
        ));
        assert!(!openable("http://evil.example/.elb.amazonaws.com", None));
        assert!(!openable("http://user@ktb-alb.elb.amazonaws.com", None));
        assert!(!openable("http://elb.amazonaws.com.evil.example/", None));
    }
}
