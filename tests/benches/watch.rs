//! What a watch costs and how fast it sees things, at the real polling intervals: the sandbox
//! runs at time scale 0.1 and the watch at that pace (`WatchTiming::for_pace`: 1 s while a
//! run is in progress and 15 s idle on AWS, a tenth of that here), so every figure per AWS
//! minute is what the same watch does on AWS. AWS calls are counted by the sandbox
//! (`GET /_sandbox/calls`): idle, and during a pushed run; the delay is from a state change in
//! the sandbox (the action's lastUpdateTime) to the watcher's event, in AWS seconds.
//!
//! Prints a table, then one `BENCH_JSON {...}` line for `scripts/bench.sh`.
//! `cargo bench --profile dev -p pipewright-tests --bench watch`

use std::sync::Arc;
use std::time::{Duration, Instant};

use pipewright_core::ledger::Ledger;
use pipewright_core::watch::{HealthProbe, RunStatus};
use pipewright_tests::Sandbox;
use pipewright_tests::watching::*;
use serde_json::json;

/// The watch's pace: wall seconds per AWS second.
const SCALE: f64 = 0.1;

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[((v.len() - 1) as f64 * p).round() as usize]
}

fn per_aws_minute(calls: usize, wall: Duration) -> f64 {
    calls as f64 / (wall.as_secs_f64() / SCALE / 60.0)
}

fn main() {
    let sb = Sandbox::start(0.01);
    let spec = build_lab(&sb, "bench-watch", "benchowner", Arc::new(Ledger::in_memory().unwrap()));
    sb.control("/_sandbox/clock", serde_json::json!({ "timeScale": SCALE }));
    let w = Watching::start(&sb, &spec, |o| o.probe = HealthProbe::Off);
    let mut c = Consumer::default();
    c.until(&w, 30, "the first snapshot", |_| true);

    // Idle: 3 AWS minutes.
    sb.delete("/_sandbox/calls");
    let idle_for = Duration::from_secs_f64(180.0 * SCALE);
    let started = Instant::now();
    while started.elapsed() < idle_for {
        if let Ok((at, e)) = w.events.recv_timeout(Duration::from_millis(100)) {
            c.apply(at, &e);
        }
    }
    let idle_calls = sb.calls().len();
    let idle_per_min = per_aws_minute(idle_calls, started.elapsed());

    // A push while idle (no wake-up): how long until the watcher shows the new run, then the
    // run to its end.
    sb.delete("/_sandbox/calls");
    let pushed_at = now_ms();
    let run_started = Instant::now();
    let id = push(&sb, &spec, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "Bench");
    c.until(&w, 60, "the new run", |s| execution_status(s, &id).is_some());
    let first_seen = (c.history.last().unwrap().0 - pushed_at) / 1000.0 / SCALE;
    let before = c.history.len();
    c.until(&w, 300, "the run to end", |s| {
        execution_status(s, &id).is_some_and(|st| !st.is_active())
    });
    let run_wall = run_started.elapsed();
    let run_calls = sb.calls().len();
    assert_eq!(execution_status(c.last(), &id), Some(RunStatus::Succeeded));

    // Delay of each action status change: receipt time minus the sandbox's change time.
    let mut delays = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (at, s) in &c.history[before..] {
        if s.selected_execution_id.as_deref() != Some(id.as_str()) {
            continue;
        }
        for a in s.stages.iter().flat_map(|st| &st.actions) {
            if let (Some(status), Some(updated)) = (a.status, a.updated_at)
                && seen.insert((a.name.clone(), format!("{status:?}")))
            {
                delays.push((at - updated) / 1000.0 / SCALE);
            }
        }
    }
    let stats = w.stop();
    sb.stop();
    let run_per_min = per_aws_minute(run_calls, run_wall);
    let median = pct(&mut delays.clone(), 0.5);
    println!("watch at AWS's polling intervals (sandbox and watch at time scale {SCALE}; per AWS minute):");
    println!("  idle:       {idle_calls} calls in 180 AWS s = {idle_per_min:.1} calls/min");
    println!(
        "  during run: {run_calls} calls in {:.0} AWS s = {run_per_min:.1} calls/min",
        run_wall.as_secs_f64() / SCALE
    );
    println!(
        "  whole watch: {} polls, {} calls ({:.1} calls/poll)",
        stats.polls,
        stats.calls,
        stats.calls as f64 / stats.polls as f64
    );
    println!("  push while idle -> run shown: {first_seen:.1} AWS s");
    println!(
        "  action status change -> event: {} changes, median {median:.2} AWS s, max {:.2} AWS s",
        delays.len(),
        pct(&mut delays, 1.0)
    );
    let out = json!({
        "watch_idle_calls_per_min": idle_per_min,
        "watch_running_calls_per_min": run_per_min,
        "watch_delay_s": median,
        "watch_push_seen_s": first_seen,
    });
    println!("BENCH_JSON {out}");
}
