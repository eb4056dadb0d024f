//! Shared harness for the cross-cutting tests: starts the sandbox (`sandbox/run`) on a free
//! 127.0.0.1 port and hands out contexts and control calls pointed at it.

use std::path::PathBuf;
use std::sync::{Mutex, mpsc};
use std::thread::JoinHandle;

use pipewright_core::practice::SandboxProcess;
use pipewright_core::progress::{NodeState, Progress, ProgressEvent};
use pipewright_core::{AwsContext, AwsSettings};
use serde_json::{Value, json};

pub const REGION: &str = pipewright_core::practice::PRACTICE_REGION;

/// A running sandbox, stopped on drop.
pub struct Sandbox {
    process: SandboxProcess,
    pub url: String,
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The `pipewright` CLI binary built alongside these tests (`cargo test --workspace` builds it).
pub fn cli_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(|d| d.parent()).unwrap();
    let bin = dir.join(format!("pipewright{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} is missing: build the workspace first (cargo build --workspace)",
        bin.display()
    );
    bin
}

impl Sandbox {
    /// Starts a fresh sandbox. `time_scale` shrinks simulated AWS waits (0.01 = 100x faster).
    /// `PIPEWRIGHT_SANDBOX_RUN` runs another build of it, e.g. the frozen one
    /// (`scripts/package.sh` and the CI workflow run these tests against it).
    pub fn start(time_scale: f64) -> Sandbox {
        let program = std::env::var_os("PIPEWRIGHT_SANDBOX_RUN")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| repo_root().join("sandbox/run"));
        let process = SandboxProcess::start(&program, time_scale).expect("start the sandbox");
        let url = process.url().to_owned();
        Sandbox { process, url }
    }

    pub fn settings(&self) -> AwsSettings {
        AwsSettings::sandbox(self.url.clone(), REGION)
    }

    pub async fn aws(&self) -> AwsContext {
        AwsContext::load(&self.settings()).await.expect("load sandbox context")
    }

    /// POSTs JSON to one of the sandbox's `/_sandbox/...` control endpoints.
    pub fn control(&self, path: &str, body: Value) -> Value {
        control(&self.url, path, body)
    }

    /// DELETEs one of the control endpoints (`/_sandbox/calls`, `/_sandbox/faults`).
    pub fn delete(&self, path: &str) {
        reqwest::blocking::Client::new()
            .delete(format!("{}{path}", self.url))
            .send()
            .and_then(|r| r.error_for_status())
            .unwrap_or_else(|e| panic!("DELETE {path}: {e}"));
    }

    /// Every AWS call received since the last clear, as (operation, outcome).
    pub fn calls(&self) -> Vec<(String, String)> {
        self.get("/_sandbox/calls")["calls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["operation"].as_str().unwrap().to_owned(),
                    c["outcome"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    /// Plays the console's "complete connection" handshake for one PENDING connection.
    pub fn complete_connection(&self, arn: &str) {
        complete_connection(&self.url, arn);
    }

    pub fn get(&self, path: &str) -> serde_json::Value {
        reqwest::blocking::get(format!("{}{}", self.url, path))
            .and_then(|r| r.error_for_status())
            .and_then(|r| r.json())
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// The `pipewright` CLI pointed at this sandbox, its data folder (ledger) in `home`.
    pub fn cli(&self, home: &std::path::Path) -> std::process::Command {
        let mut c = std::process::Command::new(cli_bin());
        c.env("AWS_ENDPOINT_URL", &self.url)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("PIPEWRIGHT_HOME", home);
        c
    }

    pub fn stop(mut self) {
        self.process.stop();
    }
}

fn control(url: &str, path: &str, body: Value) -> Value {
    reqwest::blocking::Client::new()
        .post(format!("{url}{path}"))
        .json(&body)
        .send()
        .and_then(|r| r.error_for_status())
        .and_then(|r| r.json())
        .unwrap_or_else(|e| panic!("POST {path}: {e}"))
}

fn complete_connection(url: &str, arn: &str) {
    control(
        url,
        "/_sandbox/connections/complete",
        json!({ "connectionArn": arn, "status": "AVAILABLE" }),
    );
}

/// Progress for an Apply on the sandbox that completes each GitHub handshake Apply waits for,
/// from a plain thread (sandbox control calls block, Apply's runtime must not). `also` sees
/// every event first. The thread ends when Apply drops the Progress: join it afterwards.
pub fn handshaking_progress(
    sb: &Sandbox,
    also: impl Fn(&ProgressEvent) + Send + Sync + 'static,
) -> (Progress, JoinHandle<()>) {
    let (tx, rx) = mpsc::channel::<String>();
    let url = sb.url.clone();
    let completer = std::thread::spawn(move || rx.into_iter().for_each(|arn| complete_connection(&url, &arn)));
    let tx = Mutex::new(tx);
    let progress = Progress::new(move |e| {
        also(&e);
        if e.kind == "connection" && e.state == NodeState::Waiting {
            let arn = e
                .detail
                .and_then(|d| d.physical_id)
                .expect("a waiting connection names its ARN");
            tx.lock().unwrap().send(arn).unwrap();
        }
    });
    (progress, completer)
}

/// A runtime for a test's async parts (sandbox control calls block, so tests are plain
/// `#[test]`s that build their own).
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// A policy document as IAM returns it (URL-encoded), decoded.
pub fn decode_policy(doc: &str) -> String {
    if doc.trim_start().starts_with('{') {
        return doc.to_owned();
    }
    let bytes = doc.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                out.push(u8::from_str_radix(&doc[i + 1..i + 3], 16).unwrap());
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

pub mod watching;
