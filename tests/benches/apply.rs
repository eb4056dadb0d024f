//! How much bounded concurrency buys: a full `up` on the sandbox with 100 ms of injected
//! latency on every AWS call, once with 4 calls in flight and once with 1. Prints both times
//! and their ratio. `cargo bench -p pipewright-tests --bench apply`

use std::sync::Arc;
use std::time::{Duration, Instant};

use pipewright_core::apply::{self, ApplyOptions};
use pipewright_core::ledger::Ledger;
use pipewright_core::progress::Cancel;
use pipewright_core::spec::LabSpec;
use pipewright_tests::{Sandbox, handshaking_progress};
use serde_json::json;

fn run(sb: &Sandbox, lab: &str, concurrency: usize) -> (Duration, usize) {
    let (progress, completer) = handshaking_progress(sb, |_| {});
    // Each run its own lab and GitHub owner, so the second reuses nothing of the first.
    let spec = LabSpec::new(lab, &format!("{lab}/app"));
    let ledger = Arc::new(Ledger::in_memory().unwrap());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    rt.block_on(async {
        let aws = sb.aws().await;
        let mut options = ApplyOptions::for_context(&aws);
        options.concurrency = concurrency;
        apply::apply(&aws, ledger.clone(), &spec, options, progress, Cancel::never())
            .await
            .expect("up");
    });
    let took = started.elapsed();
    completer.join().unwrap();
    (took, ledger.audit_trail(lab).unwrap().len())
}

fn main() {
    let sb = Sandbox::start(0.01);
    sb.control(
        "/_sandbox/faults",
        json!({ "rules": [{ "error": null, "latencyMs": 100 }] }),
    );
    let (four, calls4) = run(&sb, "bench-four", 4);
    let (one, calls1) = run(&sb, "bench-one", 1);
    println!("full up, 100 ms per AWS call:");
    println!("  concurrency 4: {:>6.2} s ({calls4} calls)", four.as_secs_f64());
    println!("  concurrency 1: {:>6.2} s ({calls1} calls)", one.as_secs_f64());
    println!("  ratio (1 / 4): {:.2}x", one.as_secs_f64() / four.as_secs_f64());
    sb.stop();
}
