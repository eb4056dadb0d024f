//! Teardown against the sandbox: after a full `up` nothing is left (checked by an independent
//! inventory through the SDK); after `pipewright up` was killed at many points `pipewright
//! down` leaves nothing; resources deleted by hand are fine; look-alikes without our tag
//! survive; failing deletions are retried, or reported with the rest still deleted; a dry
//! run makes no delete call.
//!
//! Sandbox control calls use blocking reqwest, so every test is a plain #[test] that builds
//! its own runtime for the async parts.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pipewright_core::apply::{self, ApplyOptions};
use pipewright_core::ledger::{Ledger, ResourceState};
use pipewright_core::progress::{Cancel, NodeState, Progress, ProgressEvent, ProgressNote};
use pipewright_core::spec::LabSpec;
use pipewright_core::teardown::{self, LeftoverReason, TeardownOptions, TeardownReport};
use pipewright_tests::inventory::sdk_inventory;
use pipewright_tests::{Sandbox, handshaking_progress, runtime};
use serde_json::{Value, json};

const TIME_SCALE: f64 = 0.01;

fn spec(lab: &str) -> LabSpec {
    // Each lab its own GitHub owner, so no lab reuses another's connection.
    LabSpec::new(lab, &format!("owner-{lab}/app"))
}

/// A full `up` through the core, completing the GitHub handshake from a plain thread.
fn up(sb: &Sandbox, spec: &LabSpec, ledger: Arc<Ledger>) {
    let (progress, completer) = handshaking_progress(sb, |_| {});
    runtime()
        .block_on(async {
            let aws = sb.aws().await;
            apply::apply(
                &aws,
                ledger,
                spec,
                ApplyOptions::for_context(&aws),
                progress,
                Cancel::never(),
            )
            .await
        })
        .expect("up");
    completer.join().unwrap();
}

fn down(
    sb: &Sandbox,
    ledger: Arc<Ledger>,
    lab: &str,
    adjust: impl FnOnce(&mut TeardownOptions),
) -> (TeardownReport, Vec<ProgressEvent>) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let progress = Progress::new(move |e| sink.lock().unwrap().push(e));
    let report = runtime()
        .block_on(async {
            let aws = sb.aws().await;
            let mut options = TeardownOptions::for_context(&aws);
            adjust(&mut options);
            teardown::teardown(&aws, ledger, lab, options, progress, Cancel::never()).await
        })
        .expect("teardown runs");
    let events = events.lock().unwrap().clone();
    (report, events)
}

fn is_delete(op: &str) -> bool {
    ["Delete", "Deregister", "Detach", "Remove", "UpdateService"]
        .iter()
        .any(|p| op.starts_with(p))
}

#[test]
fn teardown_after_a_full_up_leaves_nothing_and_a_dry_run_deletes_nothing() {
    let sb = Sandbox::start(TIME_SCALE);
    let spec = spec("full");
    let ledger = Arc::new(Ledger::in_memory().unwrap());
    up(&sb, &spec, ledger.clone());
    let before = sdk_inventory(&sb, &spec);
    // 4 roles, the bucket, the repository, 2 log groups, the project, the pipeline, the
    // connection, 2 security groups, the load balancer, the target group, the cluster, the
    // service, 2 task definition revisions (Apply's and the first deploy's), and the expiry's
    // schedule group and 2 schedules.
    assert_eq!(before.len(), 22, "{before:#?}");

    sb.delete("/_sandbox/calls");
    let (dry, _) = down(&sb, ledger.clone(), "full", |o| o.dry_run = true);
    let deletes: Vec<_> = sb.calls().into_iter().filter(|(op, _)| is_delete(op)).collect();
    assert!(deletes.is_empty(), "a dry run called {deletes:?}");
    let order: Vec<&str> = dry.would_delete.iter().map(|d| d.kind.as_str()).collect();
    let pos = |k: &str| {
        order
            .iter()
            .position(|x| *x == k)
            .unwrap_or_else(|| panic!("{k} in {order:?}"))
    };
    assert!(
        pos("ecs_service") < pos("ecs_cluster") && pos("listener") < pos("load_balancer"),
        "{order:?}"
    );
    assert!(pos("load_balancer") < pos("security_group"), "{order:?}");
    let at = |name: &str| dry.would_delete.iter().position(|d| d.name == name).unwrap();
    let n = spec.names();
    assert!(at(&n.pipeline) < at(n.pipeline_role.as_deref().unwrap()), "{order:?}");
    assert!(at(&n.build_project) < at(&n.build_log_group), "{order:?}");
    assert_eq!(order.len(), 22, "{order:?}");
    assert_eq!(sdk_inventory(&sb, &spec), before, "a dry run changed nothing");

    let (report, events) = down(&sb, ledger.clone(), "full", |_| {});
    assert!(report.is_clean(), "{report:#?}");
    assert_eq!(report.deleted.len(), 22, "{:?}", report.deleted);
    assert!(events.iter().any(|e| e.state == NodeState::Deleting));
    assert!(
        events
            .iter()
            .any(|e| e.kind == "ecs_service" && e.state == NodeState::Deleted)
    );
    assert_eq!(sdk_inventory(&sb, &spec), Vec::<String>::new());
    let rows = ledger.resources("full").unwrap();
    assert!(rows.iter().all(|r| r.state == ResourceState::Deleted), "{rows:?}");

    // Idempotent: a second run finds nothing and says so.
    let (again, _) = down(&sb, ledger, "full", |_| {});
    assert!(again.is_clean() && again.deleted.is_empty(), "{again:#?}");
    sb.stop();
}

#[test]
fn resources_deleted_by_hand_and_look_alikes_without_our_tag() {
    let sb = Sandbox::start(TIME_SCALE);
    let spec = spec("hand");
    let n = spec.names();
    let ledger = Arc::new(Ledger::in_memory().unwrap());
    up(&sb, &spec, ledger.clone());
    runtime().block_on(async {
        let aws = sb.aws().await;
        // Deleted by hand: the pipeline, a role (with its policy), the build log group.
        aws.codepipeline()
            .delete_pipeline()
            .name(&n.pipeline)
            .send()
            .await
            .unwrap();
        let role = n.build_role.clone().unwrap();
        aws.iam()
            .delete_role_policy()
            .role_name(&role)
            .policy_name("pipewright")
            .send()
            .await
            .unwrap();
        aws.iam().delete_role().role_name(&role).send().await.unwrap();
        aws.logs()
            .delete_log_group()
            .log_group_name(&n.build_log_group)
            .send()
            .await
            .unwrap();
        // Look-alikes: ours deleted by hand, then the same names made again without our tag.
        aws.ecr()
            .delete_repository()
            .repository_name(&n.repository)
            .force(true)
            .send()
            .await
            .unwrap();
        aws.ecr()
            .create_repository()
            .repository_name(&n.repository)
            .send()
            .await
            .unwrap();
    });
    let (report, events) = down(&sb, ledger, "hand", |_| {});
    assert!(report.is_clean(), "{report:#?}");
    // Each row's message is named for the app to word in the student's language.
    let mut noted: Vec<(&str, NodeState, Option<ProgressNote>, Option<LeftoverReason>)> = events
        .iter()
        .filter_map(|e| {
            let d = e.detail.as_ref()?;
            (d.note.is_some() || d.reason_kind.is_some()).then_some((e.kind.as_str(), e.state, d.note, d.reason_kind))
        })
        .collect();
    noted.sort_by_key(|n| n.0);
    let gone = Some(ProgressNote::AlreadyGone);
    assert_eq!(
        noted,
        [
            (
                "ecr_repository",
                NodeState::Skipped,
                None,
                Some(LeftoverReason::NotOurs)
            ),
            ("iam_role", NodeState::Deleted, gone, None),
            ("log_group", NodeState::Deleted, gone, None),
            ("pipeline", NodeState::Deleted, gone, None),
        ]
    );
    let skipped: Vec<(&str, LeftoverReason)> = report
        .skipped
        .iter()
        .map(|s| (s.kind.as_str(), s.reason_kind))
        .collect();
    assert_eq!(skipped, [("ecr_repository", LeftoverReason::NotOurs)]);
    // The look-alike survives, untouched.
    assert_eq!(sdk_inventory(&sb, &spec), [format!("ecr_repository {}", n.repository)]);
    sb.stop();
}

fn set_faults(sb: &Sandbox, count: Option<u32>) {
    sb.control(
        "/_sandbox/faults",
        json!({ "rules": [{ "service": "ecr", "operation": "DeleteRepository", "error": "ThrottlingException", "count": count }] }),
    );
}

#[test]
fn a_failing_deletion_is_retried_or_reported_with_the_rest_deleted() {
    let sb = Sandbox::start(TIME_SCALE);
    let ledger = Arc::new(Ledger::in_memory().unwrap());
    let flaky = spec("flaky");
    up(&sb, &flaky, ledger.clone());
    set_faults(&sb, Some(2));
    sb.delete("/_sandbox/calls");
    let (report, _) = down(&sb, ledger.clone(), "flaky", |_| {});
    assert!(report.is_clean(), "{report:#?}");
    let attempts: Vec<String> = sb
        .calls()
        .into_iter()
        .filter(|(op, _)| op == "DeleteRepository")
        .map(|(_, o)| o)
        .collect();
    assert_eq!(attempts, ["ThrottlingException", "ThrottlingException", "ok"]);
    assert!(sdk_inventory(&sb, &flaky).is_empty());

    let broken = spec("broken");
    up(&sb, &broken, ledger.clone());
    set_faults(&sb, None);
    let (report, events) = down(&sb, ledger.clone(), "broken", |o| {
        o.timing.retry_deadline = Duration::from_secs(1)
    });
    assert_eq!(report.failed.len(), 1, "{report:#?}");
    let f = &report.failed[0];
    assert_eq!(
        (f.kind.as_str(), f.aws_code.as_deref()),
        ("ecr_repository", Some("ThrottlingException"))
    );
    assert!(f.hint.contains("pipewright down --lab broken"), "{}", f.hint);
    assert!(
        events
            .iter()
            .any(|e| e.kind == "ecr_repository" && e.state == NodeState::Failed)
    );
    assert_eq!(report.leftovers.len(), 1, "{:?}", report.leftovers);
    assert_eq!(report.leftovers[0].kind, "ecr_repository");
    assert_eq!(
        sdk_inventory(&sb, &broken),
        [format!("ecr_repository {}", broken.names().repository)]
    );
    assert_eq!(
        report.deleted.len(),
        21,
        "the others are still deleted: {:?}",
        report.deleted
    );
    let row = ledger
        .resources("broken")
        .unwrap()
        .into_iter()
        .find(|r| r.kind == "ecr_repository")
        .unwrap();
    assert_eq!(row.state, ResourceState::Deleting);

    // Resumed once AWS answers again.
    sb.delete("/_sandbox/faults");
    let (report, _) = down(&sb, ledger, "broken", |_| {});
    assert!(report.is_clean(), "{report:#?}");
    assert_eq!(report.deleted.len(), 1);
    assert!(sdk_inventory(&sb, &broken).is_empty());
    sb.stop();
}

fn cli(sb: &Sandbox, home: &std::path::Path) -> Command {
    let mut c = sb.cli(home);
    c.stderr(Stdio::null());
    c
}

/// Runs `pipewright up --yes --json` and kills it after `kill_after` progress lines.
fn up_killed(sb: &Sandbox, home: &std::path::Path, spec_path: &std::path::Path, kill_after: usize) {
    let mut child = cli(sb, home)
        .args(["up", "--yes", "--json", "--spec"])
        .arg(spec_path)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut killed = false;
    for (i, line) in BufReader::new(stdout).lines().enumerate() {
        let e: Value = serde_json::from_str(&line.unwrap()).unwrap();
        if e["kind"] == "connection" && e["state"] == "waiting" {
            sb.complete_connection(e["detail"]["physicalId"].as_str().unwrap());
        }
        if i + 1 == kill_after {
            child.kill().unwrap();
            killed = true;
            break;
        }
    }
    let status = child.wait().unwrap();
    // A point past the end would make this a full run, and the test a plain `down`.
    assert!(killed, "up finished ({status}) before line {kill_after}");
    assert_eq!(status.code(), None, "killed at line {kill_after}, not exited");
}

fn kill_then_down(points: &[usize]) {
    let sb = Sandbox::start(TIME_SCALE);
    for &n in points {
        let dir = tempfile::tempdir().unwrap();
        let spec = spec(&format!("kill{n}"));
        let path = dir.path().join("lab.toml");
        std::fs::write(&path, spec.to_toml().unwrap()).unwrap();
        up_killed(&sb, dir.path(), &path, n);
        let out = cli(&sb, dir.path())
            .args(["down", "--yes", "--json", "--lab", &spec.name])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let last: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
        assert_eq!(out.status.code(), Some(0), "killed at line {n}: {last:#}");
        assert_eq!(last["leftovers"], json!([]), "killed at line {n}");
        assert_eq!(sdk_inventory(&sb, &spec), Vec::<String>::new(), "killed at line {n}");
    }
    sb.stop();
}

// 23 `pending` lines come first; then creating / waiting / created, about 75 in all (76 with the
// report): `up_killed` fails when a point is past the end.
#[test]
fn down_after_up_killed_early() {
    kill_then_down(&[1, 23, 24, 25, 26, 27]);
}

#[test]
fn down_after_up_killed_in_the_middle() {
    kill_then_down(&[28, 29, 30, 32, 34, 36]);
}

#[test]
fn down_after_up_killed_late() {
    kill_then_down(&[38, 42, 46, 50, 56, 62]);
}

#[test]
fn down_after_up_killed_near_the_end() {
    kill_then_down(&[52, 56, 60, 63, 66, 70]);
}
