//! What a watch costs and how fast it sees things, on the sandbox (time scale 0.01, sandbox
//! watch timing: 100 ms polls while running, 500 ms idle): AWS calls per minute while idle
//! and during a run (counted by the sandbox, `GET /_sandbox/calls`), calls per poll (which,
//! at real AWS timing of 1 s / 15 s, gives the real per-minute figures), and the delay
//! between a state change in the sandbox (the action's lastUpdateTime) and the watcher's
//! event. `cargo bench -p pipewright-tests --bench watch`

use std::sync::Arc;
use std::time::{Duration, Instant};

use pipewright_core::ledger::Ledger;
use pipewright_core::watch::{HealthProbe, RunStatus};
use pipewright_tests::Sandbox;
use pipewright_tests::watching::*;

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[((v.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let sb = Sandbox::start(0.01);
    let spec = build_lab(&sb, "bench-watch", "benchowner", Arc::new(Ledger::in_memory().unwrap()));
    let w = Watching::start(&sb, &spec, |o| o.probe = HealthProbe::Off);
    let mut c = Consumer::default();
    c.until(&w, 30, "the first snapshot", |_| true);

    // Idle.
    sb.delete("/_sandbox/calls");
    let idle_for = Duration::from_secs(10);
    let started = Instant::now();
    while started.elapsed() < idle_for {
        if let Ok((at, e)) = w.events.recv_timeout(Duration::from_millis(100)) {
            c.apply(at, &e);
        }
    }
    let idle_calls = sb.calls().len();
    let idle_per_min = idle_calls as f64 * 60.0 / idle_for.as_secs_f64();

    // A push while idle (no wake-up): how long until the watcher shows the new run.
    sb.delete("/_sandbox/calls");
    let pushed_at = now_ms();
    let run_started = Instant::now();
    let id = push(&sb, &spec, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "Bench");
    c.until(&w, 30, "the new run", |s| execution_status(s, &id).is_some());
    let first_seen = c.history.last().unwrap().0 - pushed_at;
    let before = c.history.len();
    c.until(&w, 60, "the run to end", |s| {
        execution_status(s, &id).is_some_and(|st| !st.is_active())
    });
    let run_secs = run_started.elapsed().as_secs_f64();
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
                delays.push(at - updated);
            }
        }
    }
    let stats = w.stop();
    let run_per_min = run_calls as f64 * 60.0 / run_secs;
    println!("watch on the sandbox (time scale 0.01; polls every 100 ms running, 500 ms idle):");
    println!(
        "  idle:        {idle_calls} calls in {:.0} s = {idle_per_min:.0} calls/min ({:.1} calls/poll)",
        idle_for.as_secs_f64(),
        idle_calls as f64 / (idle_for.as_secs_f64() / 0.5)
    );
    println!("  during run:  {run_calls} calls in {run_secs:.1} s = {run_per_min:.0} calls/min");
    println!(
        "  whole watch: {} polls, {} calls ({:.1} calls/poll)",
        stats.polls,
        stats.calls,
        stats.calls as f64 / stats.polls as f64
    );
    println!("  push while idle -> run shown: {first_seen:.0} ms");
    println!(
        "  action status change -> event: {} changes, median {:.0} ms, max {:.0} ms",
        delays.len(),
        pct(&mut delays.clone(), 0.5),
        pct(&mut delays, 1.0)
    );
    sb.stop();
}
