//! How long `up` and `down` take, on the sandbox with 100 ms of injected latency on every AWS
//! call (about what an AWS API call costs from a laptop):
//! - the same plan at the default concurrency and at 1, and their ratio;
//! - projected to AWS: the sandbox keeps AWS's proportions for everything AWS does on its own
//!   (the load balancer, builds, tasks: `sandbox/pipewright_sandbox/registry.py`), shrunk by
//!   the time scale, so a run at two scales splits the wall time into calls (the same at any
//!   scale) and AWS's waits (proportional to it): T(s) = calls + waits × s, and the projection
//!   is T(1). `up` ends when the app serves on its URL (the first pipeline run included).
//!
//! Prints a table, then one `BENCH_JSON {...}` line for `scripts/bench.sh`.
//! `cargo bench --profile dev -p pipewright-tests --bench apply`

use std::sync::Arc;
use std::time::{Duration, Instant};

use pipewright_core::apply::{self, ApplyOptions};
use pipewright_core::ledger::Ledger;
use pipewright_core::progress::{Cancel, Progress};
use pipewright_core::spec::LabSpec;
use pipewright_core::teardown::{self, TeardownOptions};
use pipewright_tests::{Sandbox, handshaking_progress, runtime};
use serde_json::json;

/// The two paces of the projection (the tests' own, and five times slower).
const FAST: f64 = 0.01;
const SLOW: f64 = 0.05;

struct Run {
    up: Duration,
    down: Duration,
    calls: usize,
}

/// `up` then `down` of a lab of its own (its own GitHub owner: nothing is reused) at the
/// sandbox's current pace; `concurrency` None: the default.
fn up_and_down(sb: &Sandbox, lab: &str, concurrency: Option<usize>) -> Run {
    let (progress, completer) = handshaking_progress(sb, |_| {});
    let spec = LabSpec::new(lab, &format!("{lab}/app"));
    let ledger = Arc::new(Ledger::in_memory().unwrap());
    let rt = runtime();
    let aws = rt.block_on(sb.aws());
    let started = Instant::now();
    rt.block_on(async {
        let mut options = ApplyOptions::for_context(&aws);
        if let Some(c) = concurrency {
            options.concurrency = c;
        }
        apply::apply(&aws, ledger.clone(), &spec, options, progress, Cancel::never())
            .await
            .expect("up");
    });
    let up = started.elapsed();
    completer.join().unwrap();
    let calls = ledger.audit_trail(lab).unwrap().len();
    let started = Instant::now();
    let report = rt
        .block_on(async {
            let options = TeardownOptions::for_context(&aws);
            teardown::teardown(&aws, ledger, lab, options, Progress::none(), Cancel::never()).await
        })
        .expect("down");
    assert!(report.is_clean(), "{report:#?}");
    Run {
        up,
        down: started.elapsed(),
        calls,
    }
}

fn pace(sb: &Sandbox, scale: f64) {
    sb.control("/_sandbox/clock", json!({ "timeScale": scale }));
}

/// T(1) from T(FAST) and T(SLOW).
fn projected(fast: Duration, slow: Duration) -> f64 {
    let (f, s) = (fast.as_secs_f64(), slow.as_secs_f64());
    let waits = (s - f) / (SLOW - FAST);
    f + waits * (1.0 - FAST)
}

fn main() {
    let sb = Sandbox::start(FAST);
    sb.control(
        "/_sandbox/faults",
        json!({ "rules": [{ "error": null, "latencyMs": 100 }] }),
    );
    let default_concurrency = runtime().block_on(async { ApplyOptions::for_context(&sb.aws().await).concurrency });
    let parallel = up_and_down(&sb, "bench-par", None);
    let sequential = up_and_down(&sb, "bench-seq", Some(1));
    pace(&sb, SLOW);
    let slow = up_and_down(&sb, "bench-slow", None);
    pace(&sb, FAST);
    sb.stop();

    let ratio = parallel.up.as_secs_f64() / sequential.up.as_secs_f64();
    let up_aws = projected(parallel.up, slow.up);
    let down_aws = projected(parallel.down, slow.down);
    println!("up and down on the sandbox, 100 ms per AWS call:");
    println!(
        "  up, concurrency {default_concurrency}: {:>7.2} s ({} calls)",
        parallel.up.as_secs_f64(),
        parallel.calls
    );
    println!(
        "  up, concurrency 1: {:>7.2} s ({} calls); ratio {ratio:.2}",
        sequential.up.as_secs_f64(),
        sequential.calls
    );
    println!(
        "  up at time scale {SLOW}: {:>7.2} s -> projected to AWS {up_aws:.0} s",
        slow.up.as_secs_f64()
    );
    println!(
        "  down: {:>7.2} s; at time scale {SLOW}: {:.2} s -> projected to AWS {down_aws:.0} s",
        parallel.down.as_secs_f64(),
        slow.down.as_secs_f64()
    );
    let out = json!({
        "provision_parallel_s": parallel.up.as_secs_f64(),
        "provision_sequential_s": sequential.up.as_secs_f64(),
        "provision_ratio": ratio,
        "provision_concurrency": default_concurrency,
        "provision_projected_aws_s": up_aws,
        "teardown_s": parallel.down.as_secs_f64(),
        "teardown_projected_aws_s": down_aws,
    });
    println!("BENCH_JSON {out}");
}
