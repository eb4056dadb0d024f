//! Shared harness for the cross-cutting tests: starts the sandbox (`sandbox/run`) on a free
//! 127.0.0.1 port and hands out contexts and control calls pointed at it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use pipewright_core::aws::SANDBOX_KEY_HEADER;
use pipewright_core::practice::SandboxProcess;
use pipewright_core::progress::{NodeState, Progress, ProgressEvent};
use pipewright_core::{AwsContext, AwsSettings, SandboxAccess};
use serde_json::{Value, json};

pub const REGION: &str = pipewright_core::practice::PRACTICE_REGION;

/// A running sandbox, stopped on drop.
pub struct Sandbox {
    process: SandboxProcess,
    pub url: String,
    /// This start's key: the access key id to sign with (see [`Sandbox::cli_env`]) and the
    /// header of control requests; without it the sandbox refuses.
    pub key: String,
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
        let key = process.access().key.expose().to_owned();
        Sandbox { process, url, key }
    }

    /// Its URL and key, as the product's practice mode holds them.
    pub fn access(&self) -> SandboxAccess {
        self.process.access().clone()
    }

    pub fn settings(&self) -> AwsSettings {
        AwsSettings::sandbox(&self.access(), REGION)
    }

    /// The environment a `pipewright` CLI run needs to act on this sandbox.
    pub fn cli_env(&self) -> [(&'static str, String); 3] {
        [
            ("AWS_ENDPOINT_URL", self.url.clone()),
            ("AWS_ACCESS_KEY_ID", self.key.clone()),
            ("AWS_SECRET_ACCESS_KEY", "sandbox".into()),
        ]
    }

    /// The `Authorization` header of a hand-made AWS request to `service` (the sandbox checks
    /// the key, not the signature).
    pub fn authorization(&self, service: &str) -> String {
        format!(
            "AWS4-HMAC-SHA256 Credential={}/20240101/{REGION}/{service}/aws4_request, SignedHeaders=host, Signature=0",
            self.key
        )
    }

    pub async fn aws(&self) -> AwsContext {
        AwsContext::load(&self.settings()).await.expect("load sandbox context")
    }

    /// POSTs JSON to one of the sandbox's `/_sandbox/...` control endpoints.
    pub fn control(&self, path: &str, body: Value) -> Value {
        control(&self.access(), path, body)
    }

    /// Holds every run of `pipeline` that enters `stage` there, InProgress, until
    /// [`Sandbox::release_stage`] (the sandbox's `/_sandbox/hold-run`): an in-between state a
    /// test can wait for instead of polling fast enough to catch it.
    pub fn hold_stage(&self, pipeline: &str, stage: &str) {
        self.control(
            "/_sandbox/hold-run",
            json!({ "pipelineName": pipeline, "stageName": stage }),
        );
    }

    pub fn release_stage(&self, pipeline: &str, stage: &str) {
        self.delete(&format!("/_sandbox/hold-run?pipelineName={pipeline}&stageName={stage}"));
    }

    /// Keeps every build of `project` in `phase` (`BUILD`, ...) until [`Sandbox::release_phase`].
    pub fn hold_phase(&self, project: &str, phase: &str) {
        self.control("/_sandbox/hold-run", json!({ "projectName": project, "phase": phase }));
    }

    pub fn release_phase(&self, project: &str, phase: &str) {
        self.delete(&format!("/_sandbox/hold-run?projectName={project}&phase={phase}"));
    }

    /// Keeps ECS service `service`'s rollout IN_PROGRESS (its tasks still start and become
    /// healthy) until [`Sandbox::release_rollout`].
    pub fn hold_rollout(&self, service: &str) {
        self.control("/_sandbox/hold-run", json!({ "serviceName": service }));
    }

    pub fn release_rollout(&self, service: &str) {
        self.delete(&format!("/_sandbox/hold-run?serviceName={service}"));
    }

    /// DELETEs one of the control endpoints (`/_sandbox/calls`, `/_sandbox/faults`).
    pub fn delete(&self, path: &str) {
        reqwest::blocking::Client::new()
            .delete(format!("{}{path}", self.url))
            .header(SANDBOX_KEY_HEADER, &self.key)
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
        complete_connection(&self.access(), arn);
    }

    /// Runs `up`, a `pipewright up --json ...` command, completing each GitHub handshake it
    /// waits for as the student would; panics unless it succeeds.
    pub fn up_with_handshakes(&self, up: &mut Command) {
        let mut child = up.stdout(std::process::Stdio::piped()).spawn().unwrap();
        for line in std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap())) {
            let e: Value = serde_json::from_str(&line.unwrap()).unwrap();
            if e["kind"] == "connection" && e["state"] == "waiting" {
                self.complete_connection(e["detail"]["physicalId"].as_str().unwrap());
            }
        }
        let status = child.wait().unwrap();
        assert!(status.success(), "{up:?} failed: {status}");
    }

    pub fn get(&self, path: &str) -> serde_json::Value {
        reqwest::blocking::get(format!("{}{}", self.url, path))
            .and_then(|r| r.error_for_status())
            .and_then(|r| r.json())
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// A GET of one of the sandbox's text answers (a practice GitHub raw file, ...).
    pub fn get_text(&self, path: &str) -> String {
        reqwest::blocking::get(format!("{}{}", self.url, path))
            .and_then(|r| r.error_for_status())
            .and_then(|r| r.text())
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// Every AWS call received since the last clear, whole: service, operation, outcome,
    /// status, and `start`/`end` (seconds since the epoch, when it arrived and when its answer
    /// was ready).
    pub fn call_log(&self) -> Vec<Value> {
        self.get("/_sandbox/calls")["calls"].as_array().unwrap().clone()
    }

    /// Waits until `n` answers are held by a `"hold": true` fault rule (AWS has acted, the
    /// client has not heard back). Panics after `timeout`.
    pub fn wait_held(&self, n: u64, timeout: Duration) {
        wait_until(&format!("{n} held answer(s)"), timeout, || {
            self.get("/_sandbox/holds")["held"].as_u64() == Some(n)
        });
    }

    /// Lets every held answer go.
    pub fn release_holds(&self) {
        self.delete("/_sandbox/holds");
    }

    /// The `pipewright` CLI pointed at this sandbox with its key and `home` as its data
    /// folder.
    pub fn cli(&self, home: &Path) -> Command {
        let mut c = Command::new(cli_bin());
        c.envs(self.cli_env())
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_PROFILE")
            .env("AWS_REGION", REGION)
            .env("PIPEWRIGHT_HOME", home);
        c
    }

    pub fn stop(mut self) {
        self.process.stop();
    }
}

fn control(sandbox: &SandboxAccess, path: &str, body: Value) -> Value {
    reqwest::blocking::Client::new()
        .post(format!("{}{path}", sandbox.url))
        .header(SANDBOX_KEY_HEADER, sandbox.key.expose())
        .json(&body)
        .send()
        .and_then(|r| r.error_for_status())
        .and_then(|r| r.json())
        .unwrap_or_else(|e| panic!("POST {path}: {e}"))
}

/// Completes a pending connection as the handshake page would.
pub fn complete_connection(sandbox: &SandboxAccess, arn: &str) {
    control(
        sandbox,
        "/_sandbox/connections/complete",
        json!({ "connectionArn": arn, "status": "AVAILABLE" }),
    );
}

/// A child's output lines, read on a thread so that every wait for the next one has a
/// deadline: a child that goes silent fails the test instead of hanging it.
pub struct TimedLines(mpsc::Receiver<String>);

impl TimedLines {
    pub fn new(out: impl std::io::Read + Send + 'static) -> TimedLines {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufRead::lines(std::io::BufReader::new(out)) {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        TimedLines(rx)
    }

    /// The next line (Ok(None) at the end of the output), or Err when none came in `timeout`.
    pub fn next_within(&self, timeout: Duration) -> Result<Option<String>, Duration> {
        match self.0.recv_timeout(timeout) {
            Ok(line) => Ok(Some(line)),
            Err(mpsc::RecvTimeoutError::Disconnected) => Ok(None),
            Err(mpsc::RecvTimeoutError::Timeout) => Err(timeout),
        }
    }
}

/// Polls `done` every 50 ms until it holds; panics naming `what` after `timeout`.
pub fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(
            Instant::now() < deadline,
            "gave up waiting for {what} after {timeout:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Progress for an Apply on the sandbox that completes each GitHub handshake Apply waits for,
/// from a plain thread (sandbox control calls block, Apply's runtime must not). `also` sees
/// every event first. The thread ends when Apply drops the Progress: join it afterwards.
pub fn handshaking_progress(
    sb: &Sandbox,
    also: impl Fn(&ProgressEvent) + Send + Sync + 'static,
) -> (Progress, JoinHandle<()>) {
    let (tx, rx) = mpsc::channel::<String>();
    let access = sb.access();
    let completer = std::thread::spawn(move || rx.into_iter().for_each(|arn| complete_connection(&access, &arn)));
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

/// `up` of `spec` in practice mode, in the spec's region, with a fresh in-memory ledger; the
/// connection's handshake is completed as the student would.
pub fn practice_up(
    sb: &Sandbox,
    spec: &pipewright_core::spec::LabSpec,
) -> Result<pipewright_core::apply::ApplyReport, pipewright_core::Error> {
    practice_up_in(sb, spec, pipewright_core::ledger::Ledger::in_memory().unwrap())
}

/// [`practice_up`] recording in `ledger` (a file one, for a CLI run afterwards).
pub fn practice_up_in(
    sb: &Sandbox,
    spec: &pipewright_core::spec::LabSpec,
    ledger: pipewright_core::ledger::Ledger,
) -> Result<pipewright_core::apply::ApplyReport, pipewright_core::Error> {
    use pipewright_core::apply::{self, ApplyOptions};
    let (progress, completer) = handshaking_progress(sb, |_| {});
    let result = runtime().block_on(async {
        let source = pipewright_core::api::CredentialSource::Practice;
        let aws =
            pipewright_core::credentials::context_for(Some(&source), Some(&sb.access()), Some(&spec.region)).await?;
        let ledger = std::sync::Arc::new(ledger);
        let options = ApplyOptions::for_context(&aws);
        apply::apply(
            &aws,
            ledger,
            spec,
            options,
            progress,
            pipewright_core::progress::Cancel::never(),
        )
        .await
    });
    completer.join().unwrap();
    result
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

/// Checks the runs a lab made before anything was pushed (newest first) and returns how many.
/// CreatePipeline starts the first. While IAM has not propagated the pipeline role's new
/// policy, AWS fails a run at Source; apply then starts another. So every run but the newest
/// failed at Source with AWS's refusal, and the newest succeeded. Two seconds pass before a
/// restart, longer than the sandbox's IAM window, so there are at most three.
pub async fn first_runs(aws: &AwsContext, pipeline: &str) -> usize {
    use aws_sdk_codepipeline::types::ActionExecutionFilter;
    let cp = aws.codepipeline();
    let declared = cp.get_pipeline().name(pipeline).send().await.unwrap();
    let source = &declared.pipeline().unwrap().stages()[0].actions()[0];
    let connection = &source.configuration().unwrap()["ConnectionArn"];
    let refusal =
        format!("Unable to use Connection: {connection}. The provided role does not have sufficient permissions.");
    let out = cp
        .list_pipeline_executions()
        .pipeline_name(pipeline)
        .send()
        .await
        .unwrap();
    let runs = out.pipeline_execution_summaries();
    let seen: Vec<(&str, &str)> = runs
        .iter()
        .map(|r| {
            let trigger = r.trigger().and_then(|t| t.trigger_type()).unwrap();
            (trigger.as_str(), r.status().unwrap().as_str())
        })
        .collect();
    let n = runs.len();
    assert!((1..=3).contains(&n), "{seen:?}");
    for (i, run) in seen.iter().enumerate() {
        let trigger = if i == n - 1 {
            "CreatePipeline"
        } else {
            "StartPipelineExecution"
        };
        let status = if i == 0 { "Succeeded" } else { "Failed" };
        assert_eq!(*run, (trigger, status), "run {i} of {seen:?}");
    }
    for run in &runs[1..] {
        let id = run.pipeline_execution_id().unwrap();
        let filter = ActionExecutionFilter::builder().pipeline_execution_id(id).build();
        let actions = cp
            .list_action_executions()
            .pipeline_name(pipeline)
            .filter(filter)
            .send()
            .await
            .unwrap();
        let failed: Vec<(&str, &str)> = actions
            .action_execution_details()
            .iter()
            .map(|a| {
                let result = a.output().and_then(|o| o.execution_result());
                let error = result.and_then(|r| r.error_details()).and_then(|e| e.message());
                (a.stage_name().unwrap(), error.unwrap_or_default())
            })
            .collect();
        assert_eq!(failed, [("Source", refusal.as_str())], "run {id}");
    }
    n
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

pub mod inventory;
pub mod watching;

/// A preflight's or the doctor's finding names the cause and the fix in both languages: each
/// text holds every one of `words`, and the Korean text is Korean.
pub fn says(f: &pipewright_core::preflight::Finding, words: &[&str]) {
    for w in words {
        assert!(f.en.contains(w), "{w:?} not in the English text: {}", f.en);
        assert!(f.ko.contains(w), "{w:?} not in the Korean text: {}", f.ko);
    }
    assert!(f.ko.chars().any(|c| ('가'..='힣').contains(&c)), "{}", f.ko);
}

/// The lecture's buildspec in `repo` (a fork of the sample) with its account id, region and
/// repository URI replaced by the build's variables, and its container name (`ktb-repo`) kept.
pub fn lecture_buildspec_fixed(sb: &Sandbox, repo: &str) -> String {
    sb.get_text(&format!("/_github/raw/{repo}/master/buildspec.yml"))
        .replace("    AWS_DEFAULT_REGION: ap-northeast-1\n", "    STAGE: lab\n")
        .replace("--region ap-northeast-1", "--region $AWS_DEFAULT_REGION")
        .replace(
            "111122223333.dkr.ecr.ap-northeast-1.amazonaws.com/ktb-repo",
            "$REPOSITORY_URI",
        )
        .replace(
            "111122223333.dkr.ecr.ap-northeast-1.amazonaws.com",
            "$ACCOUNT_ID.dkr.ecr.$AWS_DEFAULT_REGION.amazonaws.com",
        )
        .replace("REPOSITORY_URI=$REPOSITORY_URI", "echo $REPOSITORY_URI")
}
