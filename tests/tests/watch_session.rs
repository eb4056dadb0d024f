//! A watch session recorded from the sandbox, for the UI's test double to replay
//! (`ui/src/lib/fake/watch-session.json`): the Watch screen's tests and `npm run dev` see what
//! Rust's watcher really sends, not a simulation written in TypeScript.
//!
//! The session: a lab whose last run failed in Build, then a push that succeeds, a push whose
//! build fails, and the retry that turns it green, each with every event a watcher received;
//! and, for each run of the first snapshot, the snapshot of a watch pinned to it.
//!
//! Recording needs the sandbox and runs only with `PIPEWRIGHT_UPDATE_BINDINGS=1`; otherwise
//! the test checks that the stored session still reads as today's `WatchEvent`s, field for
//! field (a renamed or dropped field fails it, as a stale `bindings.ts` would).

use std::sync::Arc;
use std::time::{Duration, Instant};

use pipewright_core::ledger::Ledger;
use pipewright_core::spec::LabSpec;
use pipewright_core::watch::{self, HealthProbe, HealthState, PipelineSnapshot, RunStatus, WatchEvent};
use pipewright_tests::watching::*;
use pipewright_tests::{Sandbox, repo_root};
use serde_json::{Value, json};

const TIME_SCALE: f64 = 0.01;
const PATH: &str = "ui/src/lib/fake/watch-session.json";

/// The pushes the UI's tests make, in the order they are recorded.
const FAILING_BEFORE: &str = "Try the failing test";
const SUCCEEDS: &str = "Update the greeting";
const FAILS: &str = "This will fail the tests";

#[test]
fn the_ui_replays_a_watch_session_recorded_here() {
    let path = repo_root().join(PATH);
    if std::env::var_os("PIPEWRIGHT_UPDATE_BINDINGS").is_some() {
        let session = record();
        std::fs::write(&path, serde_json::to_string_pretty(&session).unwrap() + "\n").unwrap();
        return;
    }
    let text = std::fs::read_to_string(&path).expect("the recorded session");
    let session: Value = serde_json::from_str(&text).unwrap();
    let mut events = 0;
    let mut check = |stored: &Value| {
        let event: WatchEvent = serde_json::from_value(stored.clone())
            .unwrap_or_else(|e| panic!("{PATH} no longer reads as a WatchEvent ({e}): record it again"));
        assert_eq!(
            &serde_json::to_value(&event).unwrap(),
            stored,
            "{PATH} differs from today's WatchEvent: record it again"
        );
        events += 1;
    };
    for act in session["acts"].as_array().unwrap() {
        act["events"]
            .as_array()
            .unwrap()
            .iter()
            .for_each(|e| check(&e["event"]));
    }
    for snapshot in session["pinned"].as_object().unwrap().values() {
        check(&json!({ "kind": "snapshot", "snapshot": snapshot }));
    }
    assert!(events > 20, "{events} events");
}

fn record() -> Value {
    let sb = Sandbox::start(TIME_SCALE);
    let spec = build_lab(&sb, "ktb", "octo", Arc::new(Ledger::in_memory().unwrap()));
    let pipeline = spec.names().pipeline;
    let fail_build = || {
        sb.control(
            "/_sandbox/fail-stage",
            json!({ "pipelineName": pipeline, "stageName": "Build", "times": 1 }),
        );
    };
    fail_build();
    let failed = push(&sb, &spec, &commit(1), FAILING_BEFORE);
    runtime().block_on(async { wait_idle(&sb.aws().await, &pipeline).await });

    let app = local_app();
    let probe = move |o: &mut watch::WatchOptions| {
        o.probe = HealthProbe::At {
            addr: app,
            timeout: Duration::from_millis(500),
        }
    };
    let w = Watching::start(&sb, &spec, probe);
    let mut c = Consumer::default();
    let mut acts = Vec::new();
    let events = collect(&w, &mut c, |s| s.executions.iter().any(|e| e.id == failed));
    let first = c.last().clone();
    acts.push(json!({ "command": null, "events": events }));

    let started = sb.control("/_sandbox/push", push_body(&spec, 2, SUCCEEDS));
    let id = started["started"][0]["pipelineExecutionId"]
        .as_str()
        .unwrap()
        .to_owned();
    w.wake.notify_one();
    let events = collect(&w, &mut c, |s| done(s, &id, RunStatus::Succeeded));
    acts.push(
        json!({ "command": "practice_push", "message": SUCCEEDS, "answer": started["started"], "events": events }),
    );

    fail_build();
    let started = sb.control("/_sandbox/push", push_body(&spec, 3, FAILS));
    let id = started["started"][0]["pipelineExecutionId"]
        .as_str()
        .unwrap()
        .to_owned();
    w.wake.notify_one();
    let events = collect(&w, &mut c, |s| done(s, &id, RunStatus::Failed));
    acts.push(json!({ "command": "practice_push", "message": FAILS, "answer": started["started"], "events": events }));

    let outcome = runtime().block_on(async { watch::retry(&sb.aws().await, &pipeline, Some(&id)).await.unwrap() });
    w.wake.notify_one();
    let events = collect(&w, &mut c, |s| done(s, &id, RunStatus::Succeeded));
    acts.push(json!({ "command": "lab_retry", "answer": outcome, "events": events }));
    w.stop();

    let mut pinned = serde_json::Map::new();
    for execution in &first.executions {
        let pin = execution.id.clone();
        let w = Watching::start(&sb, &spec, move |o| {
            o.probe = HealthProbe::Off;
            o.execution = Some(pin);
        });
        let mut pinned_view = Consumer::default();
        collect(&w, &mut pinned_view, |_| true);
        w.stop();
        let snapshot = pinned_view.last().clone();
        pinned.insert(execution.id.clone(), serde_json::to_value(snapshot).unwrap());
    }
    sb.stop();
    json!({
        "lab": spec.name,
        "note": "Recorded from the sandbox by tests/tests/watch_session.rs; do not edit by hand.",
        "acts": acts,
        "pinned": pinned,
    })
}

fn commit(n: u8) -> String {
    format!("{n:x}").repeat(40)
}

fn push_body(spec: &LabSpec, n: u8, message: &str) -> Value {
    json!({ "repository": spec.source.repository, "branch": spec.source.branch,
            "commitId": commit(n), "message": message, "paths": ["src/app.js"] })
}

/// The run `id` ended as `status` and, when it succeeded, the app answers.
fn done(s: &PipelineSnapshot, id: &str, status: RunStatus) -> bool {
    execution_status(s, id) == Some(status)
        && (status != RunStatus::Succeeded || s.health.state == HealthState::Healthy)
}

/// Every event (heartbeats aside) until `done` holds of what `c` rebuilt, and for a moment
/// after (so what follows the end, the app's health, is in), each with its time since the
/// first.
fn collect(w: &Watching, c: &mut Consumer, done: impl Fn(&PipelineSnapshot) -> bool) -> Vec<Value> {
    let mut events = Vec::new();
    let start = Instant::now();
    let mut until = start + Duration::from_secs(120);
    let mut reached = false;
    loop {
        let Ok((_, event)) = w.events.recv_timeout(until.saturating_duration_since(Instant::now())) else {
            assert!(reached, "timed out; last snapshot: {:#?}", c.history.last());
            return events;
        };
        if matches!(event, WatchEvent::Heartbeat) {
            continue;
        }
        let after = start.elapsed().as_millis() as u64;
        events.push(json!({ "afterMs": after, "event": event }));
        c.apply(0.0, &event);
        if !reached && c.history.last().is_some_and(|(_, s)| done(s)) {
            reached = true;
            until = Instant::now() + Duration::from_millis(1500);
        }
    }
}
