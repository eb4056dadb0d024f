//! Watch against the sandbox: a push followed stage by stage (every state change in order,
//! build phases, each log line once, the rollout, the app's health from a local listener), a
//! failed build and its retry, QUEUED runs, `pipewright watch --exit-when-done`, and a watch
//! that ends when its consumer goes away.
//!
//! Each test is a plain #[test]: the watch runs on a thread with its own runtime, and the
//! blocking sandbox control calls stay on the test's thread.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pipewright_core::ledger::Ledger;
use pipewright_core::watch::{self, ActionView, HealthProbe, HealthState, PipelineSnapshot, RunStatus};
use pipewright_tests::watching::*;
use pipewright_tests::{Sandbox, TimedLines, cli_bin};
use serde_json::json;

const TIME_SCALE: f64 = 0.01;

fn position(timeline: &[(f64, String)], label: &str) -> usize {
    timeline
        .iter()
        .position(|(_, l)| l == label)
        .unwrap_or_else(|| panic!("{label} never seen; saw {timeline:?}"))
}

#[test]
fn a_push_is_followed_stage_by_stage_with_every_change_in_order() {
    let sb = Sandbox::start(TIME_SCALE);
    let spec = build_lab(&sb, "watch-push", "pushowner", Arc::new(Ledger::in_memory().unwrap()));
    let app = local_app();
    let w = Watching::start(&sb, &spec, move |o| {
        o.probe = HealthProbe::At {
            addr: app,
            timeout: Duration::from_millis(500),
        }
    });
    let mut c = Consumer::default();
    c.until(&w, 30, "the first snapshot", |_| true);
    // Each stage, and the build half way, held until the watch has shown it: the in-between
    // states below are there for as long as it takes, not for a few ticks of the sandbox.
    let (pipeline, project) = (spec.names().pipeline, spec.names().build_project);
    for stage in ["Source", "Build", "Deploy"] {
        sb.hold_stage(&pipeline, stage);
    }
    sb.hold_phase(&project, "BUILD");
    let service = spec.names().service;
    sb.hold_rollout(&service);
    let commit = "3f2a9c1d0b8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a";
    let id = push(&sb, &spec, commit, "Fix health check");
    w.wake.notify_one();
    let action = |s: &PipelineSnapshot, name: &str| -> Option<ActionView> {
        if s.selected_execution_id.as_deref() != Some(id.as_str()) {
            return None;
        }
        s.stages
            .iter()
            .flat_map(|st| &st.actions)
            .find(|a| a.name == name)
            .cloned()
    };
    let in_progress =
        |s: &PipelineSnapshot, name: &str| action(s, name).is_some_and(|a| a.status == Some(RunStatus::InProgress));
    c.until(&w, 60, "Source in progress", |s| in_progress(s, "Source"));
    sb.release_stage(&pipeline, "Source");
    c.until(
        &w,
        60,
        "the build in its BUILD phase, the earlier phases' lines read",
        |s| {
            in_progress(s, "Build")
                && action(s, "Build")
                    .and_then(|a| a.build)
                    .is_some_and(|b| b.current_phase.as_deref() == Some("BUILD") && !b.log_tail.is_empty())
        },
    );
    sb.release_phase(&project, "BUILD");
    c.until(&w, 60, "the build to end while its stage is held", |s| {
        in_progress(s, "Build")
            && action(s, "Build")
                .and_then(|a| a.build)
                .is_some_and(|b| b.status.as_deref() == Some("SUCCEEDED"))
    });
    sb.release_stage(&pipeline, "Build");
    // The rollout is held too: its IN_PROGRESS state lasts until the watch has shown it.
    c.until(&w, 60, "Deploy in progress with its rollout in progress", |s| {
        in_progress(s, "Deploy")
            && action(s, "Deploy")
                .and_then(|a| a.rollout)
                .and_then(|r| r.deployments.first().and_then(|d| d.rollout_state.clone()))
                .as_deref()
                == Some("IN_PROGRESS")
    });
    sb.release_rollout(&service);
    sb.release_stage(&pipeline, "Deploy");
    c.until(&w, 60, "the run to succeed and the app to answer", |s| {
        execution_status(s, &id) == Some(RunStatus::Succeeded) && s.health.state == HealthState::Healthy
    });

    let t = timeline(&c.history, &id);
    let order = [
        "Source:InProgress",
        "Source:Succeeded",
        "Build:InProgress",
        "Build:Succeeded",
        "Deploy:InProgress",
        "Deploy:Succeeded",
        "execution:Succeeded",
    ];
    let at: Vec<usize> = order.iter().map(|l| position(&t, l)).collect();
    assert!(at.windows(2).all(|p| p[0] < p[1]), "out of order: {t:?}");
    // No status ever goes back (InProgress after Succeeded) for the followed run.
    for (_, s) in c
        .history
        .iter()
        .filter(|(_, s)| s.selected_execution_id.as_deref() == Some(&id))
    {
        for a in s.stages.iter().flat_map(|st| &st.actions) {
            let later = t.iter().position(|(_, l)| *l == format!("{}:Succeeded", a.name));
            if a.status == Some(RunStatus::InProgress) {
                let now = c.history.iter().position(|(_, h)| std::ptr::eq(h, s)).unwrap();
                let first_done = c.history.iter().position(|(_, h)| {
                    h.selected_execution_id.as_deref() == Some(&id)
                        && h.stages
                            .iter()
                            .flat_map(|st| &st.actions)
                            .any(|b| b.name == a.name && b.status == Some(RunStatus::Succeeded))
                });
                assert!(
                    later.is_some() && first_done.is_none_or(|d| d > now),
                    "{} regressed",
                    a.name
                );
            }
        }
    }

    let last = c.last().clone();
    let exe = last.executions.iter().find(|e| e.id == id).unwrap();
    let rev = exe.source_revision.as_ref().unwrap();
    assert_eq!(rev.commit_id, commit);
    assert_eq!(rev.message.as_deref(), Some("Fix health check"));
    assert_eq!(rev.branch.as_deref(), Some("main"));
    assert_eq!(exe.trigger.as_ref().unwrap().kind, "WebhookV2");
    assert!(exe.ended_at.is_some());

    let actions: Vec<_> = last.stages.iter().flat_map(|s| &s.actions).collect();
    let build_action = actions.iter().find(|a| a.name == "Build").unwrap();
    let build = build_action.build.as_ref().expect("the build is shown");
    let phases: Vec<&str> = build.phases.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        phases,
        [
            "SUBMITTED",
            "QUEUED",
            "PROVISIONING",
            "DOWNLOAD_SOURCE",
            "INSTALL",
            "PRE_BUILD",
            "BUILD",
            "POST_BUILD",
            "UPLOAD_ARTIFACTS",
            "FINALIZING",
            "COMPLETED"
        ]
    );
    assert_eq!(build.status.as_deref(), Some("SUCCEEDED"));
    // Practice mode: each phase as long as the student saw it, and as long as it takes on AWS
    // (the sandbox runs faster); and no link to an AWS page the student has no account for.
    let provisioning = build.phases.iter().find(|p| p.name == "PROVISIONING").unwrap();
    let (seen, aws) = (
        provisioning.duration_seconds.unwrap(),
        provisioning.aws_seconds.unwrap(),
    );
    assert!(aws > seen, "PROVISIONING: {seen} s seen, {aws} s on AWS");
    for a in &actions {
        assert_eq!((&a.console_url, &a.external_url), (&None, &None), "{}", a.name);
    }
    assert_eq!(build.logs_url, None);
    // Phases were seen while the build ran, not only at the end.
    let phase_counts: Vec<usize> = c
        .history
        .iter()
        .filter(|(_, s)| s.selected_execution_id.as_deref() == Some(id.as_str()))
        .filter_map(|(_, s)| {
            s.stages
                .iter()
                .flat_map(|st| &st.actions)
                .find_map(|a| a.build.as_ref())
        })
        .map(|b| b.phases.len())
        .collect();
    assert!(phase_counts.windows(2).all(|p| p[0] <= p[1]), "{phase_counts:?}");
    assert!(phase_counts.iter().any(|n| *n > 1 && *n < 11), "{phase_counts:?}");

    // Every log line CloudWatch has, once, in order.
    let cloudwatch: Vec<String> = runtime().block_on(async {
        let aws = sb.aws().await;
        let b = aws.codebuild().batch_get_builds().ids(&build.id).send().await.unwrap();
        let logs = b.builds()[0].logs().unwrap();
        let out = aws
            .logs()
            .get_log_events()
            .log_group_name(logs.group_name().unwrap())
            .log_stream_name(logs.stream_name().unwrap())
            .start_from_head(true)
            .send()
            .await
            .unwrap();
        out.events()
            .iter()
            .map(|e| e.message().unwrap().trim_end().to_owned())
            .collect()
    });
    let shown: Vec<String> = build.log_tail.iter().map(|l| l.text.trim_end().to_owned()).collect();
    assert!(cloudwatch.len() > 10, "{cloudwatch:?}");
    assert_eq!(shown, cloudwatch);
    let growth: Vec<usize> = c
        .history
        .iter()
        .filter(|(_, s)| s.selected_execution_id.as_deref() == Some(id.as_str()))
        .filter_map(|(_, s)| {
            s.stages
                .iter()
                .flat_map(|st| &st.actions)
                .find_map(|a| a.build.as_ref())
        })
        .map(|b| b.log_tail.len())
        .collect();
    assert!(
        growth.iter().filter(|n| **n > 0 && **n < shown.len()).count() > 0,
        "lines arrived in steps"
    );

    let deploy = actions.iter().find(|a| a.name == "Deploy").unwrap();
    let rollout = deploy.rollout.as_ref().expect("the rollout is shown");
    assert_eq!(rollout.service, spec.names().service);
    let primary = &rollout.deployments[0];
    assert_eq!(primary.rollout_state.as_deref(), Some("COMPLETED"));
    assert_eq!(primary.running, primary.desired);
    assert!(!rollout.events.is_empty());

    assert_eq!(last.health.http_status, Some(200));
    assert!(last.health.url.as_deref().unwrap().starts_with("http://"));
    assert!(last.problem.is_none());
    eprintln!(
        "push run: {} snapshots, {} changes, {} log lines; timeline {:?}",
        c.history.len(),
        c.changes,
        shown.len(),
        t.iter().map(|(_, l)| l.as_str()).collect::<Vec<_>>()
    );
    let stats = w.stop();
    assert!(stats.polls > 5 && stats.calls >= stats.polls, "{stats:?}");
    sb.stop();
}

#[test]
fn a_failed_build_shows_its_error_and_retry_turns_it_green() {
    let sb = Sandbox::start(TIME_SCALE);
    let spec = build_lab(&sb, "watch-fail", "failowner", Arc::new(Ledger::in_memory().unwrap()));
    let pipeline = spec.names().pipeline;
    sb.control(
        "/_sandbox/fail-stage",
        json!({ "pipelineName": pipeline, "stageName": "Build", "times": 1 }),
    );
    let w = Watching::start(&sb, &spec, |o| o.probe = HealthProbe::Off);
    let mut c = Consumer::default();
    c.until(&w, 30, "the first snapshot", |_| true);
    let id = push(
        &sb,
        &spec,
        "badc0ffee0000000000000000000000000000000",
        "Break the tests",
    );
    w.wake.notify_one();
    c.until(&w, 60, "the run to fail", |s| {
        execution_status(s, &id) == Some(RunStatus::Failed)
    });
    let last = c.last().clone();
    let build = last.stages.iter().find(|s| s.name == "Build").unwrap();
    assert_eq!(build.status, Some(RunStatus::Failed));
    let action = &build.actions[0];
    assert_eq!(action.status, Some(RunStatus::Failed));
    let err = action.error_details.as_ref().expect("error details");
    assert_eq!(err.code.as_deref(), Some("JobFailed"));
    assert!(
        err.message.as_deref().unwrap().contains("COMMAND_EXECUTION_ERROR"),
        "{err:?}"
    );
    let phases = &action.build.as_ref().unwrap().phases;
    let failed = phases.iter().find(|p| p.status.as_deref() == Some("FAILED")).unwrap();
    assert_eq!(failed.name, "BUILD");
    assert!(failed.contexts[0].contains("npm test"), "{failed:?}");
    let deploy = last.stages.iter().find(|s| s.name == "Deploy").unwrap();
    assert_eq!(deploy.status, None, "Deploy never ran");

    let out = runtime().block_on(async { watch::retry(&sb.aws().await, &pipeline, None).await.unwrap() });
    assert_eq!(out.execution_id, id);
    assert_eq!(out.stage, "Build");
    w.wake.notify_one();
    c.until(&w, 60, "the retried run to succeed", |s| {
        execution_status(s, &id) == Some(RunStatus::Succeeded)
    });
    let last = c.last();
    assert_eq!(last.selected_execution_id.as_deref(), Some(id.as_str()));
    for st in &last.stages {
        assert_eq!(st.status, Some(RunStatus::Succeeded), "{}", st.name);
        assert!(st.actions.iter().all(|a| a.error_details.is_none()));
    }
    let t = timeline(&c.history, &id);
    assert!(position(&t, "Build:Failed") < position(&t, "Build:Succeeded"));
    // Nothing to retry any more.
    let again = runtime().block_on(async { watch::retry(&sb.aws().await, &pipeline, None).await });
    assert!(again.is_err());
    w.stop();
    sb.stop();
}

#[test]
fn queued_runs_appear_and_are_followed_in_order() {
    let sb = Sandbox::start(TIME_SCALE);
    let spec = build_lab(&sb, "watch-queue", "queueowner", Arc::new(Ledger::in_memory().unwrap()));
    let w = Watching::start(&sb, &spec, |o| o.probe = HealthProbe::Off);
    let mut c = Consumer::default();
    c.until(&w, 30, "the first snapshot", |_| true);
    // The first run held in Build until the watch has listed both in progress.
    let pipeline = spec.names().pipeline;
    sb.hold_stage(&pipeline, "Build");
    let first = push(&sb, &spec, "1111111111111111111111111111111111111111", "First");
    let second = push(&sb, &spec, "2222222222222222222222222222222222222222", "Second");
    w.wake.notify_one();
    c.until(&w, 60, "both runs listed in progress", |s| {
        s.executions.len() >= 2
            && s.executions[0].id == second
            && s.executions[1].id == first
            && s.executions[0].status == RunStatus::InProgress
            && s.executions[1].status == RunStatus::InProgress
    });
    sb.release_stage(&pipeline, "Build");
    c.until(&w, 90, "both runs to succeed", |s| {
        execution_status(s, &first) == Some(RunStatus::Succeeded)
            && execution_status(s, &second) == Some(RunStatus::Succeeded)
    });
    // Both listed, newest first, while both were in progress.
    assert!(c.history.iter().any(|(_, s)| {
        s.executions.len() >= 2
            && s.executions[0].id == second
            && s.executions[1].id == first
            && s.executions[0].status == RunStatus::InProgress
            && s.executions[1].status == RunStatus::InProgress
    }));
    // The second waited while the first held a stage.
    assert!(c.history.iter().any(|(_, s)| {
        s.selected_execution_id.as_deref() == Some(first.as_str()) && execution_status(s, &second).is_some()
    }));
    let done = |id: &str| {
        c.history
            .iter()
            .position(|(_, s)| execution_status(s, id) == Some(RunStatus::Succeeded))
            .unwrap()
    };
    assert!(done(&first) < done(&second));
    // The graph followed the first run, then the second.
    let selected: Vec<&str> = c
        .history
        .iter()
        .filter_map(|(_, s)| s.selected_execution_id.as_deref())
        .collect();
    let a = selected.iter().position(|s| *s == first).unwrap();
    let b = selected.iter().position(|s| *s == second).unwrap();
    assert!(a < b);
    assert!(selected[b..].iter().all(|s| *s == second), "never back to the first");
    let msgs: Vec<_> = c
        .last()
        .executions
        .iter()
        .take(2)
        .map(|e| e.source_revision.as_ref().unwrap().message.clone().unwrap())
        .collect();
    assert_eq!(msgs, ["Second", "First"]);
    w.stop();
    sb.stop();
}

/// Runs `pipewright watch --lab --exit-when-done --json`, pushes once its first line is out,
/// and returns its exit code and how many lines it printed.
fn watch_cli_until_done(
    sb: &Sandbox,
    home: &std::path::Path,
    spec: &pipewright_core::spec::LabSpec,
    commit: &str,
) -> (Option<i32>, usize) {
    let mut child = Command::new(cli_bin())
        .args(["watch", "--exit-when-done", "--json", "--lab", &spec.name])
        .envs(sb.cli_env())
        .env("PIPEWRIGHT_HOME", home)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let lines = TimedLines::new(child.stdout.take().unwrap());
    // Every wait is bounded: a CLI that goes silent is killed and fails the test.
    fn next(lines: &TimedLines, child: &mut std::process::Child, what: &str) -> Option<String> {
        lines.next_within(Duration::from_secs(60)).unwrap_or_else(|after| {
            child.kill().unwrap();
            panic!("pipewright watch printed nothing for {after:?} while waiting for {what}");
        })
    }
    let first = next(&lines, &mut child, "the snapshot").expect("a snapshot line");
    let first: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(first["kind"], "snapshot");
    push(sb, spec, commit, "From the CLI test");
    let started = Instant::now();
    let mut count = 1;
    while let Some(line) = next(&lines, &mut child, "a change or the end of the run") {
        let e: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(e["kind"], "changes");
        count += 1;
        if started.elapsed() > Duration::from_secs(90) {
            child.kill().unwrap();
            break;
        }
    }
    (child.wait().unwrap().code(), count)
}

#[test]
fn cli_watch_exits_0_after_a_successful_run_and_1_after_a_failed_one() {
    let sb = Sandbox::start(TIME_SCALE);
    let home = tempfile::tempdir().unwrap();
    let ledger = Arc::new(Ledger::open(&home.path().join("ledger.sqlite3")).unwrap());
    let spec = build_lab(&sb, "watch-cli", "cliowner", ledger);
    let (code, lines) = watch_cli_until_done(&sb, home.path(), &spec, "c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1");
    assert_eq!(code, Some(0), "a successful run ({lines} lines)");
    assert!(lines > 3);
    sb.control(
        "/_sandbox/fail-stage",
        json!({ "pipelineName": spec.names().pipeline, "stageName": "Deploy", "times": 1 }),
    );
    let (code, lines) = watch_cli_until_done(&sb, home.path(), &spec, "f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0");
    assert_eq!(code, Some(1), "a failed run ({lines} lines)");

    // run, then stop (abandon), through the CLI; watch sees it Stopped and exits 1.
    let cli = |args: &[&str]| {
        Command::new(cli_bin())
            .args(args)
            .args(["--lab", &spec.name])
            .envs(sb.cli_env())
            .env("PIPEWRIGHT_HOME", home.path())
            .output()
            .unwrap()
    };
    let run = cli(&["run"]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let stop = cli(&["stop", "--abandon"]);
    assert!(stop.status.success(), "{}", String::from_utf8_lossy(&stop.stderr));
    let status = runtime().block_on(async {
        let aws = sb.aws().await;
        wait_idle(&aws, &spec.names().pipeline).await;
        let out = aws
            .codepipeline()
            .list_pipeline_executions()
            .pipeline_name(spec.names().pipeline)
            .send()
            .await
            .unwrap();
        out.pipeline_execution_summaries()[0]
            .status()
            .unwrap()
            .as_str()
            .to_owned()
    });
    assert_eq!(status, "Stopped");
    sb.stop();
}

#[test]
fn the_watch_ends_when_its_consumer_goes_away() {
    let sb = Sandbox::start(TIME_SCALE);
    let spec = build_lab(&sb, "watch-gone", "goneowner", Arc::new(Ledger::in_memory().unwrap()));
    let w = Watching::start(&sb, &spec, |o| o.probe = HealthProbe::Off);
    let mut c = Consumer::default();
    c.until(&w, 30, "the first snapshot", |_| true);
    let thread = w.drop_sink();
    let started = Instant::now();
    while !thread.is_finished() {
        assert!(started.elapsed() < Duration::from_secs(10), "the watch kept going");
        std::thread::sleep(Duration::from_millis(50));
    }
    let stats = thread.join().unwrap();
    eprintln!("ended {:?} after the consumer left ({stats:?})", started.elapsed());
    sb.stop();
}
