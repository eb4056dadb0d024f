//! Practice mode's sandbox: a local AWS emulator run as a child process: the frozen sandbox
//! an installed app ships (`sandbox/packaging/`), or `sandbox/run` in a source checkout.
//!
//! The app, the CLI and the tests all start it the same way: run it with `--time-scale`, read
//! the `PIPEWRIGHT_SANDBOX_KEY=...` and `PIPEWRIGHT_SANDBOX_URL=...` lines it prints once it
//! answers, and kill it when done. The key (made anew at each start) is what the sandbox asks
//! of every client ([`crate::SandboxAccess`]), so no web page on the machine can drive it.
//! It also ends by itself when the process that started it ends in any way (crash, kill -9):
//! its standard input is a pipe only that process holds, and it is told that process's id
//! (`sandbox/pipewright_sandbox/watchdog.py`).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};

use crate::aws::SandboxAccess;
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
pub async fn set_speedup(sandbox: &SandboxAccess, speedup: u32) -> Result<()> {
    if !SPEEDUPS.contains(&speedup) {
        return Err(Error::Invalid {
            field: "pace".into(),
            message: format!("practice mode runs at AWS's pace (1) or ten times faster (10), not {speedup}"),
        });
    }
    sandbox
        .control(reqwest::Method::POST, "/_sandbox/clock")
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
const KEY_PREFIX: &str = "PIPEWRIGHT_SANDBOX_KEY=";

/// Names the process whose end also ends the sandbox (`sandbox/pipewright_sandbox/watchdog.py`).
pub const PARENT_PID_ENV: &str = "PIPEWRIGHT_SANDBOX_PARENT_PID";

/// A running sandbox. Dropping it stops the emulator.
pub struct SandboxProcess {
    child: Child,
    access: SandboxAccess,
    /// Never written: the sandbox exits when this end closes, with or without us.
    stdin: Option<ChildStdin>,
}

impl SandboxProcess {
    /// Runs `script` (the frozen sandbox, or `sandbox/run`: see [`default_script`]) and waits
    /// until it prints its URL. In a source checkout the first start also creates the
    /// sandbox's Python venv, which can take a minute.
    pub fn start(script: &Path, time_scale: f64) -> Result<SandboxProcess> {
        let mut command = Command::new(script);
        command
            .arg("--time-scale")
            .arg(time_scale.to_string())
            .env(PARENT_PID_ENV, std::process::id().to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        #[cfg(windows)]
        {
            // A console program started from the windowed app would open a console window.
            use std::os::windows::process::CommandExt;
            const CREATE_NO_WINDOW: u32 = 0x0800_0000;
            command.creation_flags(CREATE_NO_WINDOW);
        }
        let mut child = command
            .spawn()
            .map_err(|e| Error::Internal(format!("cannot start the sandbox at {}: {e}", script.display())))?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut lines = BufReader::new(stdout).lines();
        let mut key = None;
        let url = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(k) = line.strip_prefix(KEY_PREFIX) {
                        key = Some(k.trim().to_owned());
                    } else if let Some(url) = line.strip_prefix(URL_PREFIX) {
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
        let Some(key) = key else {
            let _ = child.kill();
            return Err(Error::Internal(format!(
                "the sandbox at {} printed no key: it is older than this app",
                script.display()
            )));
        };
        // Keep draining its stdout so the sandbox never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Ok(SandboxProcess {
            child,
            access: SandboxAccess::new(url, key),
            stdin,
        })
    }

    pub fn url(&self) -> &str {
        &self.access.url
    }

    /// Its URL and key, as every client needs them.
    pub fn access(&self) -> &SandboxAccess {
        &self.access
    }

    /// Stops the emulator. `sandbox/run` execs into the Python server and the frozen sandbox
    /// is one process (a one-folder build), so the child is the server itself and killing it
    /// leaves nothing listening.
    pub fn stop(&mut self) {
        drop(self.stdin.take());
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

/// The frozen sandbox's executable, inside the `sandbox/` folder of the app's resources.
pub const FROZEN_SANDBOX: &str = if cfg!(windows) {
    "pipewright-sandbox.exe"
} else {
    "pipewright-sandbox"
};

/// `productName` in `src-tauri/tauri.conf.json`: Linux packages keep the app's resources in
/// `/usr/lib/<productName>` (a test checks the two agree).
pub const PRODUCT_NAME: &str = "Pipewright";

/// Where an installed app's frozen sandbox can be, for the app's executable at `exe`: the
/// places Tauri puts `bundle.resources` (`src-tauri/tauri.package.conf.json` maps the frozen
/// folder to `sandbox/`). Windows (MSI, NSIS): beside the executable. Linux (`.deb`, `.rpm`):
/// `/usr/bin/<app>` and `/usr/lib/<productName>/`. macOS: `Contents/MacOS/<app>` and
/// `Contents/Resources/`.
pub fn frozen_sandbox_candidates(exe: &Path) -> Vec<PathBuf> {
    let Some(dir) = exe.parent() else {
        return Vec::new();
    };
    let in_resources = |resources: PathBuf| resources.join("sandbox").join(FROZEN_SANDBOX);
    vec![
        in_resources(dir.to_path_buf()),
        in_resources(dir.join("..").join("lib").join(PRODUCT_NAME)),
        in_resources(dir.join("..").join("Resources")),
    ]
}

/// What practice mode starts: `PIPEWRIGHT_SANDBOX_RUN` if set; else the frozen sandbox
/// installed with this app; else `sandbox/run` in the source tree this binary was built from
/// (development builds).
pub fn default_script() -> PathBuf {
    if let Some(path) = std::env::var_os("PIPEWRIGHT_SANDBOX_RUN").filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    let frozen = std::env::current_exe()
        .ok()
        .and_then(|exe| frozen_sandbox_candidates(&exe).into_iter().find(|p| p.is_file()));
    frozen.unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sandbox/run"))
}

/// A pipeline run a simulated push started.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct StartedRun {
    pub pipeline_name: String,
    pub pipeline_execution_id: String,
}

/// File changes for a practice push: path → new content, or `None` to delete the file.
pub type FileChanges = std::collections::BTreeMap<String, Option<String>>;

/// Practice mode's stand-in for `git push`: tells the sandbox that `repository`'s `branch`
/// got a commit, which starts every pipeline whose trigger matches (as GitHub's webhook does).
/// With `files`, the practice GitHub makes that commit first (the repository must be one it
/// holds), so the build runs what the student changed.
pub async fn simulate_push(
    sandbox: &SandboxAccess,
    repository: &str,
    branch: &str,
    message: &str,
    paths: &[String],
    files: Option<&FileChanges>,
) -> Result<Vec<StartedRun>> {
    #[derive(serde::Deserialize)]
    struct Answer {
        started: Vec<StartedRun>,
    }
    let commit_id = format!("{:032x}{:08x}", fastrand_u128(), fastrand_u128() as u32);
    let body = match files {
        None => serde_json::json!({
            "repository": repository,
            "branch": branch,
            "commitId": commit_id,
            "message": message,
            "paths": paths,
        }),
        Some(files) => serde_json::json!({
            "repository": repository,
            "branch": branch,
            "message": message,
            "files": files,
        }),
    };
    let response = sandbox
        .control(reqwest::Method::POST, "/_sandbox/push")
        .json(&body)
        .send()
        .await
        .map_err(|e| Error::Internal(format!("the sandbox refused the push: {e}")))?;
    if !response.status().is_success() {
        // The sandbox answers as git would ("src refspec main does not match any", ...).
        let text = response.text().await.unwrap_or_default();
        let message = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v["message"].as_str().map(str::to_owned))
            .unwrap_or(text);
        return Err(Error::Invalid {
            field: "push".into(),
            message: format!("the push was refused: {message}"),
        });
    }
    let answer: Answer = response
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

    #[test]
    fn the_frozen_sandbox_is_looked_for_where_each_bundle_puts_resources() {
        let exe = |p: &str| PathBuf::from(p);
        let found = |exe: PathBuf| frozen_sandbox_candidates(&exe);
        let sandbox = Path::new("sandbox").join(FROZEN_SANDBOX);
        // Linux .deb/.rpm: /usr/bin/pipewright-app, resources in /usr/lib/Pipewright.
        assert!(found(exe("/usr/bin/pipewright-app")).contains(&exe("/usr/bin/../lib/Pipewright").join(&sandbox)));
        // macOS: Pipewright.app/Contents/MacOS/pipewright-app, resources in Contents/Resources.
        let mac = exe("/Applications/Pipewright.app/Contents/MacOS/pipewright-app");
        assert!(found(mac).contains(&exe("/Applications/Pipewright.app/Contents/MacOS/../Resources").join(&sandbox)));
        // Windows: resources beside the executable.
        let win = exe("/Program Files/Pipewright/pipewright-app.exe");
        assert!(found(win).contains(&exe("/Program Files/Pipewright").join(&sandbox)));
    }

    /// Linux packages put resources under /usr/lib/<productName>.
    #[test]
    fn the_product_name_is_the_bundles() {
        let conf = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../src-tauri/tauri.conf.json"),
        )
        .unwrap();
        let conf: serde_json::Value = serde_json::from_str(&conf).unwrap();
        assert_eq!(conf["productName"], PRODUCT_NAME);
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
