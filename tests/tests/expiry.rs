//! The lab's expiry against the time-scaled sandbox, through the `pipewright` CLI: `up`
//! creates the schedule group (tagged), the two one-time schedules and the scheduler role;
//! `status` and `extend` show and move the expiry; then, with nothing of Pipewright running,
//! the sandbox's clock passes the expiry and AWS itself scales the service to zero and deletes
//! the load balancer; `down` afterwards still leaves nothing.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pipewright_core::spec::LabSpec;
use pipewright_tests::{Sandbox, decode_policy, runtime};
use serde_json::{Value, json};

fn cli(sb: &Sandbox, home: &std::path::Path) -> Command {
    let mut c = sb.cli(home);
    c.stderr(Stdio::inherit());
    c
}

fn json_of(c: &mut Command) -> Value {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{:?}: {}",
        c,
        String::from_utf8_lossy(&out.stdout)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn up(sb: &Sandbox, home: &std::path::Path, spec: &std::path::Path) {
    sb.up_with_handshakes(cli(sb, home).args(["up", "--yes", "--json", "--spec"]).arg(spec));
}

#[test]
fn an_expired_lab_stops_billing_by_itself_and_tears_down_clean() {
    let sb = Sandbox::start(0.01);
    let home = tempfile::tempdir().unwrap();
    let mut spec = LabSpec::new("exp", "owner-exp/app");
    spec.expiry.hours = 2;
    spec.class.name = Some("exp-class".into());
    let spec_path = home.path().join("exp.toml");
    std::fs::write(&spec_path, spec.to_toml().unwrap()).unwrap();
    up(&sb, home.path(), &spec_path);

    // The lab's expiry: scheduled about 2 h ahead on AWS's clock.
    let status = json_of(cli(&sb, home.path()).args(["status", "--json", "--lab", "exp"]));
    let expiry = &status["expiry"];
    assert_eq!(expiry["state"], "scheduled", "{status:#}");
    let left = expiry["awsSecondsLeft"].as_f64().unwrap();
    assert!(left > 0.0 && left <= 7200.0, "{expiry}");
    let kinds: Vec<&str> = status["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"schedule_group") && kinds.iter().filter(|k| **k == "schedule").count() == 2);

    // Extend by one hour: both schedules move exactly 3600 s.
    let before = expiry["expiresAt"].as_str().unwrap().to_owned();
    let extended = json_of(cli(&sb, home.path()).args(["extend", "--json", "--lab", "exp", "--hours", "1"]));
    let (group, n) = (spec.names().schedule_group, spec.names());
    let ats = runtime().block_on(async {
        let aws = sb.aws().await;
        let s = aws.scheduler();
        let mut ats = Vec::new();
        for name in ["stop-service", "delete-load-balancer"] {
            let got = s.get_schedule().group_name(&group).name(name).send().await.unwrap();
            assert_eq!(got.action_after_completion().map(|a| a.as_str()), Some("DELETE"));
            ats.push(got.schedule_expression().unwrap().to_owned());
        }
        let tags = s
            .list_tags_for_resource()
            .resource_arn(format!(
                "arn:aws:scheduler:ap-northeast-2:123456789012:schedule-group/{group}"
            ))
            .send()
            .await
            .unwrap();
        assert!(
            tags.tags()
                .iter()
                .any(|t| t.key() == "pipewright:lab" && t.value() == "exp")
        );
        let tagged_expiry = tags.tags().iter().find(|t| t.key() == "pipewright:expires-at");
        let extended_at = extended["expiresAt"].as_str().unwrap();
        assert_eq!(tagged_expiry.map(|t| t.value()), Some(extended_at), "{tags:?}");
        // The scheduler role may do exactly two things, to exactly the lab's service and ALB.
        let doc = aws
            .iam()
            .get_role_policy()
            .role_name(&n.scheduler_role)
            .policy_name("pipewright")
            .send()
            .await
            .unwrap();
        let policy: Value = serde_json::from_str(&decode_policy(doc.policy_document())).unwrap();
        let statements = policy["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 2, "{policy:#}");
        assert_eq!(statements[0]["Action"], "ecs:UpdateService");
        assert_eq!(
            statements[0]["Resource"],
            format!(
                "arn:aws:ecs:ap-northeast-2:123456789012:service/{}/{}",
                n.cluster, n.service
            )
        );
        assert_eq!(statements[1]["Action"], "elasticloadbalancing:DeleteLoadBalancer");
        assert!(
            statements[1]["Resource"]
                .as_str()
                .unwrap()
                .contains(&format!("loadbalancer/app/{}/", n.load_balancer))
        );
        ats
    });
    assert_eq!(ats[0], ats[1]);
    let moved = |iso: &str| format!("at({})", iso.trim_end_matches('Z'));
    let after = extended["expiresAt"].as_str().unwrap();
    assert_eq!(ats[0], moved(after));
    let secs = |iso: &str| pipewright_core::resources::schedule::parse_at(&moved(iso)).unwrap();
    assert_eq!(secs(after) - secs(&before), 3600);

    // Nothing of Pipewright runs from here: the sandbox's clock alone passes the expiry.
    sb.control("/_sandbox/clock", json!({"timeScale": 0.001}));
    let deadline = Instant::now() + Duration::from_secs(240);
    let invocations = loop {
        let all = sb.get("/_sandbox/scheduler/invocations")["invocations"]
            .as_array()
            .unwrap()
            .clone();
        if all.len() >= 2 {
            break all;
        }
        assert!(Instant::now() < deadline, "the schedules did not run: {all:?}");
        std::thread::sleep(Duration::from_secs(1));
    };
    for i in &invocations {
        assert_eq!(i["outcome"], "succeeded", "{i:#}");
    }
    sb.control("/_sandbox/clock", json!({"timeScale": 0.01}));
    runtime().block_on(async {
        let aws = sb.aws().await;
        let svc = aws
            .ecs()
            .describe_services()
            .cluster(&n.cluster)
            .services(&n.service)
            .send()
            .await
            .unwrap();
        assert_eq!(svc.services()[0].desired_count(), 0);
        let lb = aws
            .elbv2()
            .describe_load_balancers()
            .names(&n.load_balancer)
            .send()
            .await;
        assert!(lb.is_err(), "the load balancer is still there: {lb:?}");
        for name in ["stop-service", "delete-load-balancer"] {
            assert!(
                aws.scheduler()
                    .get_schedule()
                    .group_name(&group)
                    .name(name)
                    .send()
                    .await
                    .is_err()
            );
        }
    });
    let status = cli(&sb, home.path()).args(["status", "--lab", "exp"]).output().unwrap();
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(text.contains("expiry: passed"), "{text}");

    // The instructor's view: an expired lab cost what it ran, from creation to its expiry,
    // however much later it is read (AWS's clock runs 100 s a second here).
    let class_status = || {
        let mut c = cli(&sb, home.path());
        let status = json_of(c.args(["class", "status", "--json", "--tag", "pipewright:class=exp-class"]));
        let lab = status["labs"][0].clone();
        assert_eq!(status["labs"].as_array().unwrap().len(), 1, "{status:#}");
        lab
    };
    let first = class_status();
    assert_eq!(first["state"], "expired", "{first:#}");
    assert_eq!(first["expiresAt"], extended["expiresAt"], "{first:#}");
    let epoch = |v: &Value| secs(v.as_str().unwrap());
    let billed = (epoch(&first["expiresAt"]) - epoch(&first["createdAt"])) as f64 / 3600.0;
    let rate = first["usdPerHour"].as_f64().unwrap();
    assert!(
        (first["usd"].as_f64().unwrap() - billed * rate).abs() < 1e-9,
        "{first:#}"
    );
    assert!(first["ageHours"].as_f64().unwrap() > billed, "{first:#}");
    std::thread::sleep(Duration::from_secs(2));
    let later = class_status();
    assert!(later["ageHours"].as_f64().unwrap() > first["ageHours"].as_f64().unwrap());
    assert_eq!(later["usd"], first["usd"], "{later:#}");
    let extend = cli(&sb, home.path())
        .args(["extend", "--lab", "exp", "--hours", "1"])
        .output()
        .unwrap();
    assert!(!extend.status.success());

    // The instructor's sweep finds the schedule group by its tag (schedules have none).
    let sweep = cli(&sb, home.path())
        .args([
            "sweep",
            "--dry-run",
            "--json",
            "--region",
            "ap-northeast-2",
            "--tag",
            "pipewright:lab=exp",
        ])
        .output()
        .unwrap();
    let listing: Value = serde_json::from_slice(&sweep.stdout).unwrap();
    let would: Vec<&str> = listing["wouldDelete"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert!(would.contains(&"schedule_group"), "{listing:#}");

    // Teardown afterwards: fine with the load balancer already gone, and nothing left.
    let down = cli(&sb, home.path())
        .args(["down", "--yes", "--json", "--lab", "exp"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&down.stdout);
    // Progress lines, then the report.
    let report: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert!(down.status.success(), "{report:#}");
    assert_eq!(report["failed"], json!([]), "{report:#}");
    assert_eq!(report["leftovers"], json!([]), "{report:#}");
    runtime().block_on(async {
        let aws = sb.aws().await;
        let groups = aws.scheduler().list_schedule_groups().send().await.unwrap();
        assert!(
            groups
                .schedule_groups()
                .iter()
                .all(|g| g.name() != Some(group.as_str()))
        );
        assert!(aws.iam().get_role().role_name(&n.scheduler_role).send().await.is_err());
    });
}
