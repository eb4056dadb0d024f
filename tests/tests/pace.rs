//! `up` and `down` against a sandbox at a moderate pace (a fifth of AWS's durations) with the
//! product's own deadlines (`ApplyOptions::for_context`), so a deadline that assumes a faster
//! sandbox than the one the student runs fails here. The other tests use 0.01 for speed.

use std::sync::Arc;

use pipewright_core::apply::{self, ApplyOptions};
use pipewright_core::ledger::Ledger;
use pipewright_core::progress::Cancel;
use pipewright_core::spec::LabSpec;
use pipewright_core::teardown::{self, TeardownOptions};
use pipewright_tests::{Sandbox, handshaking_progress};

const TIME_SCALE: f64 = 0.2;

#[test]
fn up_and_down_at_a_fifth_of_aws_pace_with_the_products_deadlines() {
    let sb = Sandbox::start(TIME_SCALE);
    let spec = LabSpec::new("paced", "owner-paced/app");
    let ledger = Arc::new(Ledger::in_memory().unwrap());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (progress, completer) = handshaking_progress(&sb, |_| {});
    let report = runtime
        .block_on(async {
            let aws = sb.aws().await;
            assert_eq!(aws.time_scale(), TIME_SCALE, "the context reads the sandbox's pace");
            let options = ApplyOptions::for_context(&aws);
            // The deadlines come from the pace: the load balancer's ten minutes are two here.
            assert_eq!(options.timing.load_balancer_deadline.as_secs(), 120);
            apply::apply(&aws, ledger.clone(), &spec, options, progress, Cancel::never()).await
        })
        .expect("up at a fifth of AWS's pace");
    completer.join().unwrap();
    assert_eq!(report.resources.len(), 22);
    let down = runtime
        .block_on(async {
            let aws = sb.aws().await;
            teardown::teardown(
                &aws,
                ledger,
                "paced",
                TeardownOptions::for_context(&aws),
                pipewright_core::progress::Progress::none(),
                Cancel::never(),
            )
            .await
        })
        .expect("down");
    assert!(down.leftovers.is_empty(), "{:?}", down.leftovers);
    assert!(down.is_clean(), "{:?}", down.failed);
    sb.stop();
}
