//! Practice mode's sandbox: a local AWS emulator (`sandbox/run`) run as a child process.
//!
//! The app, the CLI and the tests all start it the same way: run the script, read the one
//! `PIPEWRIGHT_SANDBOX_URL=...` line it prints once it answers, and kill it
//! when done.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::error::{Error, Result};

mod session;
pub use session::Sandbox;

/// The region practice mode uses: Seoul, as in the lecture.
pub const PRACTICE_REGION: &str = "ap-northeast-2";

/// How much faster than AWS practice mode runs unless the student chooses AWS's own pace:
/// a lab comes up in about half a minute instead of about five. `scripts/practice-sandbox.sh`
/// (the README's run command) starts the sandbox at the same pace; a test checks they agree.
pub const DEFAULT_SPEEDUP: u32 = 10;

/// The speed-ups practice mode offers: AWS's own pace, or ten times faster.
pub const SPEEDUPS: [u32; 2] = [1, 10];

/// The sandbox's time scale for a speed-up (1 = AWS's pace).
pub fn time_scale_for(speedup: u32) -> f64 {
    1.0 / f64::from(speedup.max(1))
}

/// The speed-up a time scale means, rounded (0.1 → 10).
pub fn speedup_for(time_scale: f64) -> u32 {
    if time_scale.is_finite() && time_scale > 0.0 {
        (1.0 / time_scale).round().clamp(1.0, 10_000.0) as u32
    } else {
        1
    }
}

/// Changes the pace of a running sandbox (`POST /_sandbox/clock`): waits already under way
/// keep theirs, new ones follow.
pub async fn set_speedup(sandbox_url: &str, speedup: u32) -> Result<()> {
    if !SPEEDUPS.contains(&speedup) {
        return Err(Error::Invalid {
            field: "pace".into(),
            message: format!("practice mode runs at AWS's pace (1) or ten times faster (10), not {speedup}"),
        });
    }
    reqwest::Client::new()
        .post(format!("{sandbox_url}/_sandbox/clock"))
        .json(&serde_json::json!({ "timeScale": time_scale_for(speedup) }))
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|e| Error::Internal(format!("the sandbox refused the pace: {e}")))?;
    Ok(())
}

/// The running sandbox's speed-up, or `None` when it does not answer.
pub async fn speedup(sandbox_url: &str) -> Option<u32> {
    crate::aws::sandbox_time_scale(sandbox_url).await.map(speedup_for)
}

const URL_PREFIX: &str = "PIPEWRIGHT_SANDBOX_URL=";

/// A running sandbox. Dropping it stops the emulator.
pub struct SandboxProcess {
    child: Child,
    url: String,
}

impl SandboxProcess {
    /// Runs `script` (normally `sandbox/run`) and waits until it prints its URL. The first start
    /// on a machine also creates the sandbox's Python venv, which can take a minute.
    pub fn start(script: &Path, time_scale: f64) -> Result<SandboxProcess> {
        let mut command = Command::new(script);
        command
            .arg("--time-scale")
            .arg(time_scale.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = command
            .spawn()
            .map_err(|e| Error::Internal(format!("cannot start the sandbox at {}: {e}", script.display())))?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut lines = BufReader::new(stdout).lines();
        let url = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(url) = line.strip_prefix(URL_PREFIX) {
                        break url.trim().to_owned();
                    }
                }
                Some(Err(e)) => return Err(Error::Internal(format!("reading the sandbox's output: {e}"))),
                None => {
                    let status = child.wait().ok();
                    return Err(Error::Internal(format!(
                        "the sandbox exited before it was ready ({status:?}); see its output above"
                    )));
                }
            }
        };
        // Keep draining its stdout so the sandbox never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Ok(SandboxProcess { child, url })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Stops the emulator. `sandbox/run` execs into the Python server, so the child is the
    /// server itself and killing it leaves nothing listening.
    pub fn stop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Where `sandbox/run` is: `PIPEWRIGHT_SANDBOX_RUN` if set, else the source tree this binary
/// was built from (development builds; packaged apps need the variable).
pub fn default_script() -> PathBuf {
    std::env::var_os("PIPEWRIGHT_SANDBOX_RUN")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sandbox/run"))
}

/// A pipeline run a simulated push started.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct StartedRun {
    pub pipeline_name: String,
    pub pipeline_execution_id: String,
}

/// Practice mode's stand-in for `git push`: tells the sandbox that `repository`'s `branch`
/// got a commit, which starts every pipeline whose trigger matches (as GitHub's webhook does).
pub async fn simulate_push(
    sandbox_url: &str,
    repository: &str,
    branch: &str,
    message: &str,
    paths: &[String],
) -> Result<Vec<StartedRun>> {
    #[derive(serde::Deserialize)]
    struct Answer {
        started: Vec<StartedRun>,
    }
    let commit_id = format!("{:032x}{:08x}", fastrand_u128(), fastrand_u128() as u32);
    let body = serde_json::json!({
        "repository": repository,
        "branch": branch,
        "commitId": commit_id,
        "message": message,
        "paths": paths,
    });
    let answer: Answer = reqwest::Client::new()
        .post(format!("{sandbox_url}/_sandbox/push"))
        .json(&body)
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|e| Error::Internal(format!("the sandbox refused the push: {e}")))?
        .json()
        .await
        .map_err(|e| Error::Internal(format!("the sandbox's push answer: {e}")))?;
    Ok(answer.started)
}

/// A commit-id-looking number; uniqueness is all that matters here.
fn fastrand_u128() -> u128 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    (u128::from(h.finish()) << 64) | u128::from(std::collections::hash_map::RandomState::new().build_hasher().finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speedups_and_scales_agree() {
        assert_eq!(time_scale_for(10), 0.1);
        assert_eq!(time_scale_for(1), 1.0);
        assert_eq!(speedup_for(0.1), 10);
        assert_eq!(speedup_for(1.0), 1);
        assert_eq!(speedup_for(f64::NAN), 1);
    }

    /// The README's run command and the app's own sandbox start at the same pace.
    #[test]
    fn the_run_command_starts_the_sandbox_at_the_default_pace() {
        let script = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/practice-sandbox.sh"),
        )
        .unwrap();
        let want = format!("PIPEWRIGHT_PRACTICE_SPEEDUP:-{DEFAULT_SPEEDUP}");
        assert!(
            script.contains(&want),
            "scripts/practice-sandbox.sh must default to {want}"
        );
    }
}
