//! The README's promises about the engine, each checked from outside through the sandbox:
//! the ledger is written before AWS is called; teardown deletes only what carries the lab's
//! tag and is in its ledger or has its name (`pipewright sweep` goes by the tag alone); a
//! connection two labs share outlives the second; another account's credentials are refused
//! before anything is changed; cancel leaves a ledger that tells the truth and a lab that
//! resumes; AWS calls in flight never exceed the concurrency bound.
//!
//! The in-between states are made deterministic with the sandbox's held answers (a fault rule
//! with `"hold": true`: AWS has acted, the client has not heard back until the test says so).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use pipewright_core::apply::{self, ApplyOptions, ApplyReport};
use pipewright_core::ledger::{Ledger, LedgerResource, ResourceState};
use pipewright_core::progress::{Cancel, CancelHandle, Progress};
use pipewright_core::spec::{LAB_TAG_KEY, LabSpec};
use pipewright_core::teardown::{self, LeftoverReason, TeardownOptions, TeardownReport};
use pipewright_core::{AwsContext, Error};
use pipewright_tests::{Sandbox, handshaking_progress, runtime};
use serde_json::{Value, json};

const TIME_SCALE: f64 = 0.01;
const WAIT: Duration = Duration::from_secs(120);
/// Every lab of the lecture has 22 resources, the expiry's 4 included (and the first run,
/// which is not one).
const RESOURCES: usize = 22;

fn up_with(
    sb: &Sandbox,
    spec: &LabSpec,
    ledger: Arc<Ledger>,
    concurrency: usize,
    cancel: Cancel,
) -> Result<ApplyReport, Error> {
    let (progress, completer) = handshaking_progress(sb, |_| {});
    let result = runtime().block_on(async {
        let aws = sb.aws().await;
        let mut options = ApplyOptions::for_context(&aws);
        options.concurrency = concurrency;
        apply::apply(&aws, ledger, spec, options, progress, cancel).await
    });
    completer.join().expect("the handshake thread ends cleanly");
    result
}

fn up(sb: &Sandbox, spec: &LabSpec, ledger: Arc<Ledger>) {
    up_with(sb, spec, ledger, 4, Cancel::never()).expect("up");
}

fn down_with(
    sb: &Sandbox,
    ledger: Arc<Ledger>,
    lab: &str,
    concurrency: usize,
    cancel: Cancel,
) -> Result<TeardownReport, Error> {
    runtime().block_on(async {
        let aws = sb.aws().await;
        let mut options = TeardownOptions::for_context(&aws);
        options.concurrency = concurrency;
        teardown::teardown(&aws, ledger, lab, options, Progress::new(|_| {}), cancel).await
    })
}

fn down(sb: &Sandbox, ledger: Arc<Ledger>, lab: &str) -> TeardownReport {
    down_with(sb, ledger, lab, 4, Cancel::never()).expect("teardown runs")
}

fn row<'a>(rows: &'a [LedgerResource], kind: &str) -> &'a LedgerResource {
    rows.iter()
        .find(|r| r.kind == kind)
        .unwrap_or_else(|| panic!("no {kind} row in {rows:?}"))
}

/// Whether an ECR repository exists: "no" only on AWS's not-found answer, never on any error.
fn repository_exists(aws: &AwsContext, name: &str) -> bool {
    runtime().block_on(async {
        match aws.ecr().describe_repositories().repository_names(name).send().await {
            Ok(out) => {
                assert_eq!(out.repositories().len(), 1);
                true
            }
            Err(e) => {
                let e = e.into_service_error();
                assert!(e.is_repository_not_found_exception(), "describe {name}: {e:?}");
                false
            }
        }
    })
}

fn aws_of(sb: &Sandbox) -> AwsContext {
    runtime().block_on(sb.aws())
}

/// Runs `pipewright down|sweep --json` and returns its report (the last line), checked clean:
/// exit 0, nothing failed, nothing left.
fn clean_report(cmd: &mut Command) -> Value {
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: Value = serde_json::from_str(stdout.lines().last().unwrap_or_default()).unwrap();
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert_eq!(report["failed"], json!([]), "{report:#}");
    assert_eq!(report["leftovers"], json!([]), "{report:#}");
    report
}

fn names_of(items: &Value) -> Vec<(String, String)> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["kind"].as_str().unwrap().to_owned(),
                i["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn write_spec(dir: &Path, spec: &LabSpec) -> std::path::PathBuf {
    let path = dir.join("lab.toml");
    std::fs::write(&path, spec.to_toml().unwrap()).unwrap();
    path
}

#[test]
fn the_intent_row_is_written_before_the_create_reaches_aws() {
    let sb = Sandbox::start(TIME_SCALE);
    let dir = tempfile::tempdir().unwrap();
    let spec = LabSpec::new("intent", "owner-intent/app");
    let repo = spec.names().repository;
    let path = write_spec(dir.path(), &spec);
    // AWS creates the repository, then its answer is held: the CLI is killed before it hears.
    sb.control(
        "/_sandbox/faults",
        json!({ "rules": [{ "service": "ecr", "operation": "CreateRepository", "hold": true, "count": 1 }] }),
    );
    let mut child = sb
        .cli(dir.path())
        .args(["up", "--yes", "--json", "--spec"])
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let access = sb.access();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let e: Value = serde_json::from_str(&line).unwrap();
            if e["kind"] == "connection" && e["state"] == "waiting" {
                pipewright_tests::complete_connection(&access, e["detail"]["physicalId"].as_str().unwrap());
            }
        }
    });
    sb.wait_held(1, WAIT);
    let aws = aws_of(&sb);
    assert!(repository_exists(&aws, &repo), "AWS created it before answering");
    let ledger = Ledger::open(&dir.path().join("ledger.sqlite3")).unwrap();
    let rows = ledger.resources("intent").unwrap();
    let r = row(&rows, "ecr_repository");
    assert_eq!((r.state, r.physical_id.as_deref()), (ResourceState::Intent, None));
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), None, "killed by a signal while the answer was held");
    sb.release_holds();
    reader.join().expect("the reader ends with the CLI");
    // The killed run's row is still the intent: nothing heard the ARN.
    let rows = ledger.resources("intent").unwrap();
    assert_eq!(row(&rows, "ecr_repository").state, ResourceState::Intent);

    let report = clean_report(sb.cli(dir.path()).args(["down", "--yes", "--json", "--lab", "intent"]));
    assert!(
        names_of(&report["deleted"]).contains(&("ecr_repository".to_owned(), repo.clone())),
        "{report:#}"
    );
    assert!(!repository_exists(&aws, &repo));
    let rows = ledger.resources("intent").unwrap();
    assert_eq!(row(&rows, "ecr_repository").state, ResourceState::Deleted);
    sb.stop();
}

/// Makes a log group carrying `tags`, as someone else might.
fn make_log_group(aws: &AwsContext, name: &str, tags: &[(&str, &str)]) {
    runtime().block_on(async {
        let mut req = aws.logs().create_log_group().log_group_name(name);
        for (k, v) in tags {
            req = req.tags(*k, *v);
        }
        req.send().await.unwrap();
    });
}

/// Whether a log group of exactly this name exists (listing by prefix: no error to misread).
fn log_group_exists(aws: &AwsContext, name: &str) -> bool {
    runtime().block_on(async {
        let out = aws
            .logs()
            .describe_log_groups()
            .log_group_name_prefix(name)
            .send()
            .await
            .unwrap();
        out.log_groups().iter().any(|g| g.log_group_name() == Some(name))
    })
}

/// Every ARN the tagging API lists with the lab tag key (any lab).
fn tagged_arns(aws: &AwsContext) -> Vec<String> {
    runtime().block_on(async {
        let filter = aws_sdk_resourcegroupstagging::types::TagFilter::builder()
            .key(LAB_TAG_KEY)
            .build();
        let out = aws.tagging().get_resources().tag_filters(filter).send().await.unwrap();
        out.resource_tag_mapping_list()
            .iter()
            .map(|m| m.resource_arn().unwrap().to_owned())
            .collect()
    })
}

#[test]
fn teardown_leaves_a_foreign_name_with_the_lab_tag_and_sweep_removes_every_tagged_thing() {
    let sb = Sandbox::start(TIME_SCALE);
    let aws = aws_of(&sb);
    let ledger = Arc::new(Ledger::in_memory().unwrap());
    let spec = LabSpec::new("stray", "owner-stray/app");
    up(&sb, &spec, ledger.clone());
    // Tagged as the lab's, but neither in its ledger nor named as the lab names things.
    make_log_group(&aws, "not-the-labs-name", &[(LAB_TAG_KEY, "stray")]);
    let report = down(&sb, ledger.clone(), "stray");
    assert!(report.is_clean(), "{report:#?}");
    assert_eq!(report.deleted.len(), RESOURCES, "{:?}", report.deleted);
    let skipped: Vec<(&str, &str, LeftoverReason)> = report
        .skipped
        .iter()
        .map(|s| (s.kind.as_str(), s.name.as_str(), s.reason_kind))
        .collect();
    assert_eq!(
        skipped,
        [("log_group", "not-the-labs-name", LeftoverReason::TaggedNotNamed)]
    );
    assert!(
        report.skipped[0]
            .reason
            .contains("pipewright sweep --tag pipewright:lab=stray"),
        "{}",
        report.skipped[0].reason
    );
    assert!(log_group_exists(&aws, "not-the-labs-name"));

    // The instructor's sweep, from a data folder with no ledger at all, goes by the tag alone:
    // a second lab and the stray go; a log group with no Pipewright tag stays.
    let swept = LabSpec::new("swept", "owner-swept/app");
    up(&sb, &swept, Arc::new(Ledger::in_memory().unwrap()));
    make_log_group(&aws, "someone-elses", &[("team", "web")]);
    // What the tagging API lists, as AWS's does: 17 of the second lab's (two task definition
    // revisions; not the roles, which it never lists), the stray, and the first lab's deleted
    // cluster and service (ECS keeps them INACTIVE for a while, as AWS does).
    let before = tagged_arns(&aws);
    assert_eq!(before.len(), 20, "{before:#?}");
    let n = swept.names();
    let listed_kinds = |arns: &[String]| -> Vec<&'static str> {
        let mut kinds: Vec<&'static str> = arns
            .iter()
            .filter(|a| a.contains("swept"))
            .filter_map(|a| pipewright_core::resources::identify(a))
            .map(|t| t.kind.as_str())
            .collect();
        kinds.sort();
        kinds.dedup();
        kinds
    };
    for kind in [
        "codebuild_project",
        "ecr_repository",
        "listener",
        "pipeline",
        "schedule_group",
    ] {
        assert!(listed_kinds(&before).contains(&kind), "{kind} in {before:#?}");
    }
    // The connection's ARN names no lab (an id), only its tag does.
    assert_eq!(
        before.iter().filter(|a| a.contains(":connection/")).count(),
        1,
        "{before:#?}"
    );
    let home = tempfile::tempdir().unwrap();
    let report = clean_report(
        sb.cli(home.path())
            .args(["sweep", "--tag", "pipewright:lab=*", "--yes", "--json"]),
    );
    let deleted = names_of(&report["deleted"]);
    assert!(
        deleted.contains(&("log_group".into(), "not-the-labs-name".into())),
        "{deleted:?}"
    );
    for kind in ["codebuild_project", "ecr_repository", "listener", "pipeline"] {
        assert!(deleted.iter().any(|(k, _)| k == kind), "{kind} in {deleted:?}");
    }
    assert!(!log_group_exists(&aws, "not-the-labs-name"));
    assert!(log_group_exists(&aws, "someone-elses"));
    // Nothing tagged is left but the two labs' clusters and services, INACTIVE.
    let mut after: Vec<String> = tagged_arns(&aws)
        .iter()
        .map(|a| a.split(':').nth(5).unwrap().split('/').next().unwrap().to_owned())
        .collect();
    after.sort();
    assert_eq!(after, ["cluster", "cluster", "service", "service"]);
    assert!(!repository_exists(&aws, &n.repository));
    runtime().block_on(async {
        let roles = aws.iam().list_roles().send().await.unwrap();
        let left: Vec<&str> = roles
            .roles()
            .iter()
            .map(|r| r.role_name())
            .filter(|n| n.starts_with("swept-"))
            .collect();
        assert_eq!(left, Vec::<&str>::new());
        let conns = aws.connections().list_connections().send().await.unwrap();
        assert_eq!(conns.connections().len(), 0, "{:?}", conns.connections());
        let groups = aws
            .logs()
            .describe_log_groups()
            .log_group_name_prefix("/pipewright/swept/")
            .send()
            .await
            .unwrap();
        assert_eq!(groups.log_groups().len(), 0, "{:?}", groups.log_groups());
        let lbs = aws.elbv2().describe_load_balancers().send().await.unwrap();
        assert_eq!(lbs.load_balancers().len(), 0, "{:?}", lbs.load_balancers());
        let buckets = aws.s3().list_buckets().send().await.unwrap();
        assert_eq!(buckets.buckets().len(), 0, "{:?}", buckets.buckets());
        let clusters = aws.ecs().describe_clusters().clusters(&n.cluster).send().await.unwrap();
        let states: Vec<Option<&str>> = clusters.clusters().iter().map(|c| c.status()).collect();
        assert_eq!(states, [Some("INACTIVE")]);
    });
    sb.stop();
}

#[test]
fn a_failed_sweep_says_to_run_the_sweep_again() {
    let sb = Sandbox::start(TIME_SCALE);
    let aws = aws_of(&sb);
    make_log_group(&aws, "tagged-by-hand", &[(LAB_TAG_KEY, "hinted")]);
    sb.control(
        "/_sandbox/faults",
        json!({ "rules": [{ "service": "logs", "operation": "DeleteLogGroup", "error": "AccessDenied", "count": 1 }] }),
    );
    let home = tempfile::tempdir().unwrap();
    let out = sb
        .cli(home.path())
        .args(["sweep", "--tag", "pipewright:lab=hinted", "--yes", "--json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: Value = serde_json::from_str(stdout.lines().last().unwrap_or_default()).unwrap();
    assert_ne!(out.status.code(), Some(0), "{report:#}");
    let failed = report["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 1, "{report:#}");
    let hint = failed[0]["hint"].as_str().unwrap();
    assert!(
        hint.ends_with(
            "Run `pipewright sweep --tag pipewright:lab=hinted` again: it carries on where it stopped \
             (`pipewright sweep --tag pipewright:lab=hinted` 명령을 다시 실행하면 멈춘 곳부터 이어서 지웁니다)."
        ),
        "{hint}"
    );
    assert!(!hint.contains("--lab"), "{hint}");
    assert!(log_group_exists(&aws, "tagged-by-hand"));
    // As the hint says: the same sweep again finishes.
    clean_report(
        sb.cli(home.path())
            .args(["sweep", "--tag", "pipewright:lab=hinted", "--yes", "--json"]),
    );
    assert!(!log_group_exists(&aws, "tagged-by-hand"));
    sb.stop();
}

/// The connection's status, or None on AWS's not-found answer (any other error fails).
fn connection_status(aws: &AwsContext, arn: &str) -> Option<String> {
    runtime().block_on(async {
        match aws.connections().get_connection().connection_arn(arn).send().await {
            Ok(out) => out
                .connection()
                .and_then(|c| c.connection_status())
                .map(|s| s.as_str().to_owned()),
            Err(e) => {
                let e = e.into_service_error();
                assert!(e.is_resource_not_found_exception(), "get {arn}: {e:?}");
                None
            }
        }
    })
}

#[test]
fn a_connection_two_labs_share_outlives_the_second_labs_teardown() {
    let sb = Sandbox::start(TIME_SCALE);
    let aws = aws_of(&sb);
    let ledger = Arc::new(Ledger::in_memory().unwrap());
    let first = LabSpec::new("share-a", "same-owner/app");
    let second = LabSpec::new("share-b", "same-owner/web");
    up(&sb, &first, ledger.clone());
    up(&sb, &second, ledger.clone());
    let a = ledger.resources("share-a").unwrap();
    let b = ledger.resources("share-b").unwrap();
    let arn = row(&a, "connection").physical_id.clone().unwrap();
    assert_eq!(row(&a, "connection").state, ResourceState::Created);
    assert_eq!(
        (
            row(&b, "connection").state,
            row(&b, "connection").physical_id.as_deref()
        ),
        (ResourceState::Reused, Some(arn.as_str()))
    );

    let report = down(&sb, ledger.clone(), "share-b");
    assert!(report.is_clean(), "{report:#?}");
    let skipped: Vec<(&str, Option<&str>, LeftoverReason)> = report
        .skipped
        .iter()
        .map(|s| (s.kind.as_str(), s.id.as_deref(), s.reason_kind))
        .collect();
    assert_eq!(
        skipped,
        // The second lab reused the first's connection: it leaves it as reused.
        [("connection", Some(arn.as_str()), LeftoverReason::Reused)]
    );
    assert_eq!(report.deleted.len(), RESOURCES - 1);
    assert_eq!(connection_status(&aws, &arn).as_deref(), Some("AVAILABLE"));

    // The lab that made it removes it once no other lab uses it.
    let report = down(&sb, ledger.clone(), "share-a");
    assert!(report.is_clean(), "{report:#?}");
    assert_eq!(report.skipped, []);
    assert_eq!(report.deleted.len(), RESOURCES);
    assert_eq!(connection_status(&aws, &arn), None);
    sb.stop();
}

#[test]
fn another_accounts_credentials_are_refused_before_any_change() {
    let sb = Sandbox::start(TIME_SCALE);
    let dir = tempfile::tempdir().unwrap();
    let spec = LabSpec::new("mine", "owner-mine/app");
    let path = write_spec(dir.path(), &spec);
    // Created with the sandbox's own account, 123456789012, in the CLI's ledger.
    let ledger = Arc::new(Ledger::open(&dir.path().join("ledger.sqlite3")).unwrap());
    up(&sb, &spec, ledger.clone());
    drop(ledger);
    // A role in another account: the sandbox answers its session's calls as that account.
    let other = runtime().block_on(async {
        let out = sb
            .aws()
            .await
            .sts()
            .assume_role()
            .role_arn("arn:aws:iam::111111111111:role/someone-else")
            .role_session_name("other")
            .send()
            .await
            .unwrap();
        out.credentials().unwrap().clone()
    });
    let other_cli = |args: &[&str]| {
        let mut c = sb.cli(dir.path());
        c.env("AWS_ACCESS_KEY_ID", other.access_key_id())
            .env("AWS_SECRET_ACCESS_KEY", other.secret_access_key())
            .env("AWS_SESSION_TOKEN", other.session_token())
            .args(args);
        c.output().unwrap()
    };
    let whoami = other_cli(&["whoami", "--json"]);
    let who: Value = serde_json::from_slice(&whoami.stdout).unwrap();
    assert_eq!(who["account"], "111111111111", "{who:#}");

    sb.delete("/_sandbox/calls");
    for args in [
        vec!["down", "--yes", "--json", "--lab", "mine"],
        vec!["status", "--json", "--lab", "mine"],
        vec!["up", "--yes", "--json", "--spec", path.to_str().unwrap()],
    ] {
        let out = other_cli(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains("error[wrong_account]"), "{args:?}: {stderr}");
    }
    let changing: Vec<String> = sb
        .calls()
        .into_iter()
        .map(|(op, _)| op)
        .filter(|op| !["Describe", "Get", "List"].iter().any(|p| op.starts_with(p)))
        .collect();
    assert_eq!(changing, Vec::<String>::new(), "only reads before the refusal");
    // Nothing of the lab was touched: the owner's status still finds all of it.
    let out = sb
        .cli(dir.path())
        .args(["status", "--json", "--lab", "mine"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let status: Value = serde_json::from_slice(&out.stdout).unwrap();
    let present = status["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] != "first_run" && r["exists"] == json!(true))
        .count();
    assert_eq!(present, RESOURCES, "{status:#}");
    sb.stop();
}

/// The most AWS calls the sandbox had in progress at once, from its calls log.
fn most_at_once(calls: &[Value]) -> usize {
    let mut edges: Vec<(f64, i32)> = Vec::new();
    for c in calls {
        edges.push((c["start"].as_f64().unwrap(), 1));
        edges.push((c["end"].as_f64().unwrap(), -1));
    }
    // At equal times an end comes first: a call that ended is not in progress.
    edges.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let (mut now, mut most) = (0, 0);
    for (_, d) in edges {
        now += d;
        most = most.max(now);
    }
    most as usize
}

#[test]
fn aws_calls_in_flight_never_exceed_the_concurrency_bound() {
    const BOUND: usize = 3;
    let sb = Sandbox::start(TIME_SCALE);
    let ledger = Arc::new(Ledger::in_memory().unwrap());
    let spec = LabSpec::new("bound", "owner-bound/app");
    // Every answer takes a while, so calls the engine lets run together do overlap.
    sb.control("/_sandbox/faults", json!({ "rules": [{ "latencyMs": 40 }] }));
    sb.delete("/_sandbox/calls");
    up_with(&sb, &spec, ledger.clone(), BOUND, Cancel::never()).expect("up");
    let calls = sb.call_log();
    let most = most_at_once(&calls);
    println!("apply: {} calls, at most {most} at once (bound {BOUND})", calls.len());
    assert!(most <= BOUND, "apply had {most} calls in flight");
    assert!(most > 1, "independent nodes run together: {most}");

    sb.delete("/_sandbox/calls");
    let report = down_with(&sb, ledger, "bound", BOUND, Cancel::never()).unwrap();
    assert!(report.is_clean(), "{report:#?}");
    let calls = sb.call_log();
    let most = most_at_once(&calls);
    println!(
        "teardown: {} calls, at most {most} at once (bound {BOUND})",
        calls.len()
    );
    assert!(most <= BOUND, "teardown had {most} calls in flight");
    assert!(most > 1, "independent nodes go together: {most}");
    sb.stop();
}

/// Holds `operation`'s answer, runs `work` on a thread with a fresh cancel token, cancels it
/// while the answer is held, then lets the answer go. Returns what `work` returned.
fn cancel_while_held<T: Send>(
    sb: &Sandbox,
    service: &str,
    operation: &str,
    work: impl FnOnce(Cancel) -> T + Send,
) -> T {
    sb.control(
        "/_sandbox/faults",
        json!({ "rules": [{ "service": service, "operation": operation, "hold": true, "count": 1 }] }),
    );
    let (handle, cancel): (CancelHandle, Cancel) = Cancel::new();
    let out = std::thread::scope(|scope| {
        let worker = scope.spawn(move || work(cancel));
        sb.wait_held(1, WAIT);
        handle.cancel();
        sb.release_holds();
        worker.join().expect("the cancelled run returns")
    });
    sb.delete("/_sandbox/faults");
    out
}

/// The ledger next to AWS (a fresh describe of every node): a row says created only for what
/// exists, deleted only for what is gone, and nothing exists without a row.
fn ledger_tells_the_truth(sb: &Sandbox, ledger: &Arc<Ledger>, lab: &str) {
    let status = runtime()
        .block_on(async { apply::status(&sb.aws().await, ledger.clone(), lab).await })
        .unwrap();
    for r in status.resources.iter().filter(|r| r.kind != "first_run") {
        match (r.ledger_state, r.exists) {
            (Some(ResourceState::Created), Some(true)) => assert!(r.physical_id.is_some(), "{r:?}"),
            (Some(ResourceState::Intent | ResourceState::Deleting), Some(_)) => {}
            (Some(ResourceState::Deleted) | None, Some(false)) => {}
            _ => panic!("the ledger and AWS disagree: {r:?}"),
        }
    }
}

#[test]
fn cancel_mid_apply_and_mid_teardown_leaves_a_true_ledger_and_resumes() {
    let sb = Sandbox::start(TIME_SCALE);
    let ledger = Arc::new(Ledger::in_memory().unwrap());
    let spec = LabSpec::new("halt", "owner-halt/app");

    let result = cancel_while_held(&sb, "elasticloadbalancing", "CreateLoadBalancer", |cancel| {
        up_with(&sb, &spec, ledger.clone(), 4, cancel)
    });
    assert!(matches!(result, Err(Error::Cancelled)), "{result:?}");
    let rows = ledger.resources("halt").unwrap();
    // It stopped: the held create finished and was recorded, the rest was never started.
    assert_eq!(row(&rows, "load_balancer").state, ResourceState::Created);
    assert!(rows.len() < RESOURCES, "{rows:?}");
    ledger_tells_the_truth(&sb, &ledger, "halt");
    // Resumed: the rest is created, nothing twice.
    sb.delete("/_sandbox/calls");
    let report = up_with(&sb, &spec, ledger.clone(), 4, Cancel::never()).expect("resumed");
    assert_eq!(report.resources.len(), RESOURCES);
    let created: Vec<String> = sb
        .calls()
        .into_iter()
        .map(|(op, _)| op)
        .filter(|op| op == "CreateLoadBalancer")
        .collect();
    assert_eq!(created, Vec::<String>::new(), "the load balancer is not made again");
    let rows = ledger.resources("halt").unwrap();
    assert_eq!(rows.len(), RESOURCES);
    assert!(rows.iter().all(|r| r.state == ResourceState::Created), "{rows:?}");

    let result = cancel_while_held(&sb, "elasticloadbalancing", "DeleteLoadBalancer", |cancel| {
        down_with(&sb, ledger.clone(), "halt", 4, cancel)
    });
    assert!(matches!(result, Err(Error::Cancelled)), "{result:?}");
    let rows = ledger.resources("halt").unwrap();
    assert!(
        matches!(
            row(&rows, "load_balancer").state,
            ResourceState::Deleting | ResourceState::Deleted
        ),
        "{rows:?}"
    );
    assert!(
        rows.iter().any(|r| r.state == ResourceState::Created),
        "stopped before the end: {rows:?}"
    );
    ledger_tells_the_truth(&sb, &ledger, "halt");
    let report = down(&sb, ledger.clone(), "halt");
    assert!(report.is_clean(), "{report:#?}");
    let rows = ledger.resources("halt").unwrap();
    assert!(rows.iter().all(|r| r.state == ResourceState::Deleted), "{rows:?}");
    sb.stop();
}
