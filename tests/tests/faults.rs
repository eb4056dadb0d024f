//! Faults: with about a tenth of the calls to every service failing (throttling, 500, 503 and
//! dropped connections, mixed; the sandbox's fault rules, seeded) during `up`, a watched run
//! and `down`, everything still completes, nothing is created twice, nothing is left, and the
//! ledger agrees with what AWS has.
//!
//! Sandbox control calls (the handshake, pushes) are never faulted, as on AWS the console
//! and GitHub are not the APIs Pipewright calls.

use std::collections::HashMap;
use std::sync::Arc;

use pipewright_core::apply;
use pipewright_core::ledger::{Ledger, ResourceState};
use pipewright_core::progress::{Cancel, Progress};
use pipewright_core::teardown::{self, TeardownOptions};
use pipewright_core::watch::RunStatus;
use pipewright_tests::inventory::{assert_exactly_one_each, counts, sdk_inventory};
use pipewright_tests::watching::{Consumer, Watching, build_lab, execution_status, push};
use pipewright_tests::{Sandbox, runtime};
use serde_json::json;

const TIME_SCALE: f64 = 0.01;

/// The four kinds of failure, each on 2.5% of the calls to every service: about 10% in all.
const FAULTS: [&str; 4] = ["ThrottlingException", "InternalFailure", "ServiceUnavailable", "reset"];

fn faults_on(sb: &Sandbox) {
    // Each rule draws on its own, in order, so each fires on 2.5% of what the ones before it
    // let through: 1 - 0.975^4 = 9.6% of the calls fail.
    let rules: Vec<_> = FAULTS
        .iter()
        .map(|e| json!({ "error": e, "probability": 0.025 }))
        .collect();
    sb.control("/_sandbox/faults", json!({ "seed": 15, "rules": rules }));
}

/// How many calls each fault failed, and all calls, since the last clear.
fn fired(sb: &Sandbox) -> (HashMap<String, usize>, usize) {
    let calls = sb.calls();
    let mut by = HashMap::new();
    for (_, outcome) in &calls {
        if FAULTS.contains(&outcome.as_str()) {
            *by.entry(outcome.clone()).or_insert(0) += 1;
        }
    }
    (by, calls.len())
}

fn assert_all_kinds_fired(sb: &Sandbox, phase: &str) {
    let (by, total) = fired(sb);
    let failed: usize = by.values().sum();
    assert!(
        FAULTS.iter().all(|f| by.get(*f).copied().unwrap_or(0) > 0),
        "{phase}: every kind of fault fired at least once: {by:?} of {total}"
    );
    assert!(
        failed * 25 > total,
        "{phase}: {failed} of {total} calls failed (about 10% wanted)"
    );
    println!("{phase}: {failed} of {total} calls failed: {by:?}");
}

#[test]
fn a_tenth_of_calls_failing_changes_nothing_but_the_time_it_takes() {
    let sb = Sandbox::start(TIME_SCALE);
    let ledger = Arc::new(Ledger::in_memory().unwrap());
    faults_on(&sb);

    // up (and the first run it waits for).
    let spec = build_lab(&sb, "faulty", "owner-faulty", ledger.clone());
    assert_all_kinds_fired(&sb, "up");
    runtime().block_on(async {
        let aws = sb.aws().await;
        assert_exactly_one_each(&counts(&aws, &spec).await, "under faults");
        // The ledger and AWS agree, resource by resource (asked under faults too).
        let status = apply::status(&aws, ledger.clone(), &spec.name).await.expect("status");
        for r in &status.resources {
            if r.kind == "first_run" {
                continue;
            }
            assert_eq!(r.exists, Some(true), "{} {}: {:?}", r.kind, r.name, r.message);
            assert_eq!(r.ours, Some(true), "{} {}", r.kind, r.name);
            assert!(
                matches!(
                    r.ledger_state,
                    Some(ResourceState::Created | ResourceState::Adopted | ResourceState::Reused)
                ),
                "{} {}: ledger {:?}",
                r.kind,
                r.name,
                r.ledger_state
            );
        }
    });

    // A watched run, pushed while the watch follows the pipeline.
    sb.delete("/_sandbox/calls");
    let w = Watching::start(&sb, &spec, |_| {});
    let mut c = Consumer::default();
    c.until(&w, 60, "the first snapshot", |_| true);
    let id = push(&sb, &spec, "9d3c1e2f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d", "Under faults");
    w.wake.notify_one();
    c.until(&w, 120, "the pushed run to succeed", |s| {
        execution_status(s, &id) == Some(RunStatus::Succeeded)
    });
    let stats = w.stop();
    let (by, total) = fired(&sb);
    assert!(
        by.values().sum::<usize>() > 0,
        "the watch met faults: {by:?} of {total}"
    );
    println!("watch: {by:?} of {total} calls failed; {stats:?}");

    // down.
    sb.delete("/_sandbox/calls");
    let report = runtime()
        .block_on(async {
            let aws = sb.aws().await;
            let options = TeardownOptions::for_context(&aws);
            teardown::teardown(
                &aws,
                ledger.clone(),
                &spec.name,
                options,
                Progress::none(),
                Cancel::never(),
            )
            .await
        })
        .expect("teardown under faults");
    assert_all_kinds_fired(&sb, "down");
    sb.delete("/_sandbox/faults");
    assert!(report.is_clean(), "{report:#?}");
    assert_eq!(report.deleted.len(), 22, "{:?}", report.deleted);
    assert_eq!(sdk_inventory(&sb, &spec), Vec::<String>::new(), "nothing is left");
    let rows = ledger.resources(&spec.name).unwrap();
    assert!(
        rows.iter().all(|r| r.state == ResourceState::Deleted),
        "the ledger says everything is gone: {rows:?}"
    );
    sb.stop();
}
