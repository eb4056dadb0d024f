//! What Apply and Teardown tell the UI and the CLI while they work: one typed event per
//! resource state change, delivered through a handle the caller passes in, never a global;
//! and how a running operation is cancelled ([`Cancel`], and [`Runs`] for the app's commands).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use ts_rs::TS;

use crate::error::{Error, Result, RunFailure};

/// Where a resource of the plan is, as the Progress screen shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum NodeState {
    /// In the plan, not started (its dependencies are not ready yet).
    Pending,
    /// A create call is being made.
    Creating,
    /// Created or found; AWS is still finishing it (or a person must act: see `detail.url`).
    Waiting,
    Created,
    /// It existed already and was taken over (ours by tag), or reused (see `message`).
    Adopted,
    Failed,
    /// Not attempted because something it depends on failed, or the run was cancelled.
    /// Teardown: left alone on purpose (reused, shared, or not ours; see `message`).
    Skipped,
    /// Teardown: delete calls are being made (or AWS is draining it: `waiting` follows).
    Deleting,
    /// Teardown: gone (deleted now, or already gone: see `message`).
    Deleted,
}

/// Extra facts about an event that the UI can act on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProgressDetail {
    /// A page the student must open, e.g. the console page that completes the GitHub handshake.
    pub url: Option<String>,
    /// The ARN or id AWS gave the resource.
    pub physical_id: Option<String>,
    /// The stable error code (see `ErrorCode`) when `state` is `failed`.
    pub error_code: Option<String>,
    /// How long what is being waited for usually takes on AWS, in seconds.
    pub typical_secs: Option<u32>,
    /// How long it should take here, at the endpoint's pace (the sandbox may run faster).
    pub expected_secs: Option<u32>,
    /// The lab's first pipeline run, stage by stage (the `first_run` node).
    pub run: Option<RunProgress>,
    /// Teardown: what `message` says, named for the UI to word in the student's language.
    pub note: Option<ProgressNote>,
    /// Teardown: why a `skipped` resource is left alone (`message` words it in English).
    pub reason_kind: Option<crate::teardown::LeftoverReason>,
}

/// A teardown row's message, named (the message itself is English, for the CLI).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ProgressNote {
    /// The ledger's resource was no longer in the account.
    AlreadyGone,
    /// The tag sweep found it: the ledger had no row for it.
    FoundByTag,
}

/// Where the lab's first pipeline run is: the last part of creating a lab.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RunProgress {
    pub execution_id: String,
    /// Every stage of the pipeline in order, with CodePipeline's status for this run
    /// (`InProgress`, `Succeeded`, `Failed`, ...), or `None` before the run reaches it.
    pub stages: Vec<StageProgress>,
    /// The build's current (or failed) CodeBuild phase, e.g. `BUILD`.
    pub build_phase: Option<String>,
    /// What ECS says about the service while it scales up (its latest event).
    pub service_event: Option<String>,
    /// When the run failed: the stage, AWS's message and the build log's last lines.
    pub failure: Option<RunFailure>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StageProgress {
    pub name: String,
    pub status: Option<String>,
}

/// One resource's state change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProgressEvent {
    pub lab: String,
    /// The lecture step: "source", "pipeline", "build", "registry" or "deploy".
    pub step: String,
    /// The resource kind, as the ledger names it ("ecr_repository", "iam_role", ...).
    pub kind: String,
    pub name: String,
    pub state: NodeState,
    pub message: Option<String>,
    /// Milliseconds since the operation started.
    pub elapsed_ms: u32,
    pub detail: Option<ProgressDetail>,
}

/// The caller's event sink. Cheap to clone; called from several tasks at once.
#[derive(Clone)]
pub struct Progress(Arc<dyn Fn(ProgressEvent) + Send + Sync>);

impl Progress {
    pub fn new(f: impl Fn(ProgressEvent) + Send + Sync + 'static) -> Self {
        Progress(Arc::new(f))
    }

    /// Drops every event.
    pub fn none() -> Self {
        Progress::new(|_| {})
    }

    pub fn send(&self, event: ProgressEvent) {
        (self.0)(event)
    }
}

/// Asks a running operation to stop. It stops between AWS calls (never mid-call), so the
/// ledger always matches what was sent.
pub struct CancelHandle(watch::Sender<bool>);

/// The operation's side of a [`CancelHandle`].
#[derive(Clone)]
pub struct Cancel(watch::Receiver<bool>);

impl CancelHandle {
    pub fn cancel(&self) {
        let _ = self.0.send(true);
    }
}

impl Cancel {
    pub fn new() -> (CancelHandle, Cancel) {
        let (tx, rx) = watch::channel(false);
        (CancelHandle(tx), Cancel(rx))
    }

    /// A token nobody can cancel.
    pub fn never() -> Cancel {
        Cancel(watch::channel(false).1)
    }

    pub fn is_cancelled(&self) -> bool {
        *self.0.borrow()
    }

    pub fn check(&self) -> Result<()> {
        if self.is_cancelled() {
            Err(Error::Cancelled)
        } else {
            Ok(())
        }
    }

    /// Sleeps for `d`, or returns `Cancelled` as soon as cancel is asked.
    pub async fn sleep(&self, d: std::time::Duration) -> Result<()> {
        let mut rx = self.0.clone();
        let cancelled = async move {
            // A dropped handle can no longer cancel: wait out the sleep instead.
            if rx.wait_for(|c| *c).await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(d) => self.check(),
            _ = cancelled => Err(Error::Cancelled),
        }
    }
}

/// The operations running now (an apply or a teardown), by run id: the UI names each run it
/// starts, and cancels that run, never "whatever runs for this lab now" (which, after a
/// quick restart, could be a later run than the one the student meant to stop).
/// [`Runs::start`] hands out a guard that forgets the run on every exit path.
#[derive(Default)]
pub struct Runs {
    running: Arc<Mutex<HashMap<String, (String, CancelHandle)>>>,
}

/// A run registered in [`Runs`]; dropping it forgets the run.
pub struct RunGuard {
    running: Arc<Mutex<HashMap<String, (String, CancelHandle)>>>,
    id: String,
}

impl Runs {
    /// Registers run `id` of `lab` and returns its guard and the cancel token to pass to the
    /// run. The id is the caller's (1–64 letters, digits, '-' or '_'); one already running is
    /// refused, as is a second run that changes the same lab (see also `Ledger::lock_lab`,
    /// which does the same across processes). `changes: false` (a dry run) holds no lab.
    pub fn start(&self, id: &str, lab: &str, changes: bool) -> Result<(RunGuard, Cancel)> {
        let well_formed =
            (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !well_formed {
            return Err(Error::Invalid {
                field: "run_id".into(),
                message: format!("{id:?} is not a run id: 1-64 letters, digits, '-' or '_'"),
            });
        }
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        if running.contains_key(id) {
            return Err(Error::Invalid {
                field: "run_id".into(),
                message: format!("run {id} is already running"),
            });
        }
        if changes && running.values().any(|(l, _)| l == lab) {
            return Err(Error::Invalid {
                field: "lab".into(),
                message: format!("lab {lab} is busy: another run of it is in progress in this window"),
            });
        }
        let (handle, cancel) = Cancel::new();
        let holds = if changes { lab.to_owned() } else { String::new() };
        running.insert(id.to_owned(), (holds, handle));
        let guard = RunGuard {
            running: self.running.clone(),
            id: id.to_owned(),
        };
        Ok((guard, cancel))
    }

    /// Asks run `id` to stop, if it runs; true if it did.
    pub fn cancel(&self, id: &str) -> bool {
        match self.running.lock().unwrap_or_else(|e| e.into_inner()).get(id) {
            Some((_, handle)) => {
                handle.cancel();
                true
            }
            None => false,
        }
    }

    pub fn is_running(&self, id: &str) -> bool {
        self.running.lock().unwrap_or_else(|e| e.into_inner()).contains_key(id)
    }
}

impl Drop for RunGuard {
    fn drop(&mut self) {
        self.running.lock().unwrap_or_else(|e| e.into_inner()).remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_is_forgotten_however_it_ends() {
        let runs = Runs::default();
        let (guard, cancel) = runs.start("r1", "ktb", true).unwrap();
        assert!(runs.is_running("r1"));
        assert!(runs.cancel("r1"));
        assert!(cancel.is_cancelled());
        drop(guard);
        assert!(!runs.is_running("r1"));
        assert!(!runs.cancel("r1"), "a finished run cannot be cancelled");
        let result = std::panic::catch_unwind(|| {
            let (_guard, _) = runs.start("r2", "panics", true).unwrap();
            panic!("the run failed");
        });
        assert!(result.is_err() && !runs.is_running("r2"));
    }

    #[test]
    fn cancel_reaches_only_the_run_it_names() {
        let runs = Runs::default();
        let (first, first_cancel) = runs.start("apply-1", "ktb", true).unwrap();
        let (_other, other_cancel) = runs.start("apply-2", "lab2", true).unwrap();
        drop(first);
        // The student pressed cancel for apply-1 after it ended and a new run started.
        let (_again, again_cancel) = runs.start("apply-3", "ktb", true).unwrap();
        assert!(!runs.cancel("apply-1"));
        assert!(!again_cancel.is_cancelled() && !other_cancel.is_cancelled());
        assert!(!first_cancel.is_cancelled());
        assert!(runs.cancel("apply-3"));
        assert!(again_cancel.is_cancelled() && !other_cancel.is_cancelled());
    }

    #[test]
    fn hostile_run_ids_and_a_second_run_of_a_lab_are_refused() {
        let runs = Runs::default();
        for bad in ["", "../x", "a b", &"x".repeat(65), "id\n"] {
            let err = runs.start(bad, "ktb", true).err().expect("refused");
            assert_eq!(err.field(), Some("run_id"), "{bad:?}");
        }
        let _held = runs.start("t1", "ktb", true).unwrap();
        assert_eq!(runs.start("t1", "other", true).err().unwrap().field(), Some("run_id"));
        let busy = runs.start("t2", "ktb", true).err().unwrap();
        assert_eq!(busy.field(), Some("lab"));
        assert!(busy.to_string().contains("busy"));
        let _preview = runs.start("t3", "ktb", false).expect("a dry run changes nothing");
    }
}
