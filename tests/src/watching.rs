//! Helpers for the watch tests and benchmark: build a lab on the sandbox, run a watch on a
//! thread of its own (so the test's thread stays free for blocking sandbox control calls),
//! and rebuild the snapshot from its events as a consumer does.

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use pipewright_core::AwsContext;
use pipewright_core::apply::{self, ApplyOptions};
use pipewright_core::ledger::Ledger;
use pipewright_core::progress::{Cancel, CancelHandle};
use pipewright_core::spec::LabSpec;
use pipewright_core::watch::{
    self, PipelineSnapshot, RunStatus, WatchEvent, WatchOptions, WatchStats, WatchTarget, apply_changes,
};
use serde_json::{Value, json};
use tokio::sync::Notify;

use crate::Sandbox;

pub use crate::runtime;

pub fn now_ms() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as f64
}

/// Builds a lab (its own GitHub owner `owner`) with core's apply, completing the connection
/// handshake from a plain thread, then waits until the pipeline's first run (the one AWS starts
/// on creation) is over.
pub fn build_lab(sb: &Sandbox, lab: &str, owner: &str, ledger: Arc<Ledger>) -> LabSpec {
    let spec = LabSpec::new(lab, &format!("{owner}/app"));
    let (progress, completer) = crate::handshaking_progress(sb, |_| {});
    runtime().block_on(async {
        let aws = sb.aws().await;
        let options = ApplyOptions::for_context(&aws);
        apply::apply(&aws, ledger, &spec, options, progress, Cancel::never())
            .await
            .expect("up");
        wait_idle(&aws, &spec.names().pipeline).await;
    });
    completer.join().unwrap();
    spec
}

/// Waits until no execution of the pipeline is in progress.
pub async fn wait_idle(aws: &AwsContext, pipeline: &str) {
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        let out = aws
            .codepipeline()
            .list_pipeline_executions()
            .pipeline_name(pipeline)
            .send()
            .await
            .unwrap();
        let busy = out.pipeline_execution_summaries().iter().any(|s| {
            s.status()
                .is_some_and(|s| s.as_str() == "InProgress" || s.as_str() == "Stopping")
        });
        if !busy {
            return;
        }
        assert!(Instant::now() < until, "the pipeline never went idle");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A push to the lab's repository; returns the execution it started.
pub fn push(sb: &Sandbox, spec: &LabSpec, commit: &str, message: &str) -> String {
    let out = sb.control(
        "/_sandbox/push",
        json!({ "repository": spec.source.repository, "branch": spec.source.branch,
                "commitId": commit, "message": message, "paths": ["src/app.js"] }),
    );
    out["started"][0]["pipelineExecutionId"]
        .as_str()
        .expect("the push started the pipeline")
        .to_owned()
}

/// A watch running on its own thread and runtime.
pub struct Watching {
    pub events: Receiver<(f64, WatchEvent)>,
    pub wake: Arc<Notify>,
    cancel: Option<CancelHandle>,
    thread: Option<std::thread::JoinHandle<WatchStats>>,
}

impl Watching {
    pub fn start(sb: &Sandbox, spec: &LabSpec, tweak: impl FnOnce(&mut WatchOptions) + Send + 'static) -> Watching {
        let (tx, events) = mpsc::channel();
        let (handle, cancel) = Cancel::new();
        let wake = Arc::new(Notify::new());
        let settings = sb.settings();
        let target = WatchTarget::for_spec(spec);
        let bell = wake.clone();
        let thread = std::thread::spawn(move || {
            runtime().block_on(async move {
                let aws = AwsContext::load(&settings).await.unwrap();
                let mut options = WatchOptions::for_context(&aws);
                options.wake = bell;
                tweak(&mut options);
                let sink = move |e: WatchEvent| tx.send((now_ms(), e)).is_ok();
                watch::watch(&aws, target, options, cancel, sink).await.expect("watch")
            })
        });
        Watching {
            events,
            wake,
            cancel: Some(handle),
            thread: Some(thread),
        }
    }

    /// Stops the watch and returns what it did.
    pub fn stop(mut self) -> WatchStats {
        self.cancel.take().unwrap().cancel();
        self.thread.take().unwrap().join().unwrap()
    }

    /// Drops the receiving end only; returns the thread to join.
    pub fn drop_sink(mut self) -> std::thread::JoinHandle<WatchStats> {
        // Dropping the handle cancels nothing: only the sink can end this watch now.
        drop(self.cancel.take());
        let (_, dead) = mpsc::channel();
        drop(std::mem::replace(&mut self.events, dead));
        self.thread.take().unwrap()
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        if let Some(c) = self.cancel.take() {
            c.cancel();
        }
    }
}

/// The consumer's side: the snapshot rebuilt from the events, and every state it went through.
#[derive(Default)]
pub struct Consumer {
    pub doc: Value,
    pub history: Vec<(f64, PipelineSnapshot)>,
    pub changes: usize,
}

impl Consumer {
    pub fn apply(&mut self, at: f64, event: &WatchEvent) {
        match event {
            WatchEvent::Snapshot { snapshot } => {
                assert!(self.history.is_empty(), "a second snapshot");
                self.doc = watch::change::to_value(snapshot);
            }
            WatchEvent::Changes { changes } => {
                assert!(!self.history.is_empty(), "changes before the snapshot");
                assert!(!changes.is_empty(), "an empty change list");
                self.changes += changes.len();
                apply_changes(&mut self.doc, changes).expect("changes apply");
            }
            WatchEvent::Heartbeat => return,
        }
        let snap: PipelineSnapshot = serde_json::from_value(self.doc.clone()).expect("a snapshot");
        self.history.push((at, snap));
    }

    pub fn last(&self) -> &PipelineSnapshot {
        &self.history.last().expect("a snapshot").1
    }

    /// Reads events until `done` says so about the latest snapshot, or panics after `secs`.
    pub fn until(&mut self, w: &Watching, secs: u64, what: &str, done: impl Fn(&PipelineSnapshot) -> bool) {
        let until = Instant::now() + Duration::from_secs(secs);
        loop {
            if self.history.last().is_some_and(|(_, s)| done(s)) {
                return;
            }
            let left = until.saturating_duration_since(Instant::now());
            match w.events.recv_timeout(left) {
                Ok((at, e)) => self.apply(at, &e),
                Err(_) => panic!(
                    "timed out waiting for {what}; last snapshot: {:#?}",
                    self.history.last()
                ),
            }
        }
    }
}

pub fn execution_status(s: &PipelineSnapshot, id: &str) -> Option<RunStatus> {
    s.executions.iter().find(|e| e.id == id).map(|e| e.status)
}

/// `Stage:Status` labels of the selected execution `id`, and `execution:Status`, in the order
/// the consumer first saw each.
pub fn timeline(history: &[(f64, PipelineSnapshot)], id: &str) -> Vec<(f64, String)> {
    let mut seen: Vec<(f64, String)> = Vec::new();
    let mut add = |at: f64, label: String| {
        if !seen.iter().any(|(_, l)| *l == label) {
            seen.push((at, label));
        }
    };
    for (at, s) in history {
        if s.selected_execution_id.as_deref() == Some(id) {
            for st in &s.stages {
                for a in &st.actions {
                    if let Some(status) = a.status {
                        add(*at, format!("{}:{status:?}", a.name));
                    }
                }
            }
        }
        if let Some(status) = execution_status(s, id) {
            add(*at, format!("execution:{status:?}"));
        }
    }
    seen
}

/// A 127.0.0.1 listener answering every request with `200 OK`, standing in for the app
/// behind the load balancer.
pub fn local_app() -> std::net::SocketAddr {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut buf = [0u8; 1024];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
        }
    });
    addr
}
