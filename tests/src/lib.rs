//! Shared harness for the cross-cutting tests: starts the sandbox (`sandbox/run`) on a free
//! 127.0.0.1 port and hands out contexts and control calls pointed at it.

use std::path::PathBuf;

use pipewright_core::practice::SandboxProcess;
use pipewright_core::{AwsContext, AwsSettings};

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
    pub fn start(time_scale: f64) -> Sandbox {
        let process = SandboxProcess::start(&repo_root().join("sandbox/run"), time_scale).expect("start the sandbox");
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
    pub fn control(&self, path: &str, body: serde_json::Value) -> serde_json::Value {
        reqwest::blocking::Client::new()
            .post(format!("{}{}", self.url, path))
            .json(&body)
            .send()
            .and_then(|r| r.error_for_status())
            .and_then(|r| r.json())
            .unwrap_or_else(|e| panic!("POST {path}: {e}"))
    }

    pub fn get(&self, path: &str) -> serde_json::Value {
        reqwest::blocking::get(format!("{}{}", self.url, path))
            .and_then(|r| r.error_for_status())
            .and_then(|r| r.json())
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    pub fn stop(mut self) {
        self.process.stop();
    }
}

pub mod watching;
