//! The instructor's class view against the time-scaled sandbox, through the `pipewright` CLI:
//! three labs of class `c1`, each made from its own student's data folder (so no ledger the
//! instructor has knows them), two in the sandbox's account and one in a second account
//! (111111111111, reached with credentials from STS AssumeRole), plus a lab of no class and
//! an untagged bucket. The instructor's `class status` and `class sweep` look through two
//! profiles in their own ~/.aws files.

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use pipewright_core::AwsContext;
use pipewright_core::aws::{AwsSettings, StaticKeys};
use pipewright_core::spec::LabSpec;
use pipewright_tests::inventory::sdk_inventory_in;
use pipewright_tests::{REGION, Sandbox, runtime};
use serde_json::{Value, json};

const CLASS: &str = "c1";
const HOME_ACCOUNT: &str = "123456789012";
const OTHER_ACCOUNT: &str = "111111111111";
const UNTAGGED_BUCKET: &str = "someone-elses-bucket";

struct Class {
    sb: Sandbox,
    _dir: tempfile::TempDir,
    /// The instructor's HOME (their ~/.aws) and data folder: no lab in its ledger.
    instructor: PathBuf,
    other: StaticKeys,
    /// (lab, profile, account), in the class.
    labs: Vec<(LabSpec, &'static str, &'static str)>,
    solo: LabSpec,
}

fn spec(name: &str, class: Option<&str>) -> LabSpec {
    let mut s = LabSpec::new(name, &format!("owner-{name}/app"));
    s.class.name = class.map(str::to_owned);
    s
}

/// Fargate's smallest task, 0.25 vCPU and 0.5 GB, instead of the default 1 vCPU and 3 GB.
fn smallest(mut s: LabSpec) -> LabSpec {
    s.deploy.cpu = 256;
    s.deploy.memory = 512;
    s
}

/// Hourly rates in Seoul: load balancer 0.0225 + 1 LCU 0.008 + 3 public IPv4 addresses 0.015,
/// plus one task of 1 vCPU × 0.04656 + 3 GB × 0.00511 (the default), or of
/// 0.25 vCPU × 0.04656 + 0.5 GB × 0.00511 (`smallest`).
const DEFAULT_RATE: f64 = 0.10739;
const SMALLEST_RATE: f64 = 0.059695;

impl Class {
    /// `pipewright` as the instructor, with their ~/.aws files.
    fn cli(&self, args: &[&str]) -> Output {
        let mut c = self.sb.cli(&self.instructor);
        c.env("HOME", &self.instructor)
            .env("AWS_CONFIG_FILE", self.instructor.join(".aws/config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", self.instructor.join(".aws/credentials"))
            .args(args);
        c.output().unwrap()
    }

    fn json(&self, args: &[&str]) -> (Option<i32>, Value) {
        let out = self.cli(args);
        let text = String::from_utf8_lossy(&out.stdout);
        let last = text.lines().last().unwrap_or_default();
        let v = serde_json::from_str(last)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {text}\n{}", String::from_utf8_lossy(&out.stderr)));
        (out.status.code(), v)
    }

    async fn aws_of(&self, account: &str) -> AwsContext {
        if account == HOME_ACCOUNT {
            return self.sb.aws().await;
        }
        let settings = AwsSettings {
            profile: None,
            region: Some(REGION.into()),
            endpoint_url: Some(self.sb.url.clone()),
            keys: Some(self.other.clone()),
        };
        AwsContext::load(&settings).await.unwrap()
    }

    fn inventory(&self, spec: &LabSpec, account: &str) -> Vec<String> {
        runtime().block_on(async { sdk_inventory_in(&self.aws_of(account).await, account, spec).await })
    }
}

/// `up` from a student's own data folder, acting as `profile`.
fn up(sb: &Sandbox, instructor: &Path, student: &Path, spec: &LabSpec, profile: &str) {
    let path = student.join(format!("{}.toml", spec.name));
    std::fs::write(&path, spec.to_toml().unwrap()).unwrap();
    sb.up_with_handshakes(
        sb.cli(student)
            .env("HOME", instructor)
            .env("AWS_CONFIG_FILE", instructor.join(".aws/config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", instructor.join(".aws/credentials"))
            .args(["up", "--yes", "--json", "--profile", profile, "--spec"])
            .arg(&path)
            .stderr(Stdio::inherit()),
    );
}

fn class_in_two_accounts() -> Class {
    let sb = Sandbox::start(0.01);
    let dir = tempfile::tempdir().unwrap();
    let instructor = dir.path().join("instructor");
    std::fs::create_dir_all(instructor.join(".aws")).unwrap();
    let other = runtime().block_on(async {
        let out = sb
            .aws()
            .await
            .sts()
            .assume_role()
            .role_arn(format!("arn:aws:iam::{OTHER_ACCOUNT}:role/student"))
            .role_session_name("student-b")
            .send()
            .await
            .unwrap();
        let c = out.credentials().unwrap();
        StaticKeys {
            access_key_id: c.access_key_id().to_owned(),
            secret_access_key: c.secret_access_key().to_owned(),
            session_token: Some(c.session_token().to_owned()),
        }
    });
    std::fs::write(
        instructor.join(".aws/config"),
        format!("[profile student-a]\nregion = {REGION}\n\n[profile student-b]\nregion = {REGION}\n"),
    )
    .unwrap();
    std::fs::write(
        instructor.join(".aws/credentials"),
        format!(
            "[student-a]\naws_access_key_id = {}\naws_secret_access_key = sandbox\n\n\
             [student-b]\naws_access_key_id = {}\naws_secret_access_key = {}\naws_session_token = {}\n",
            sb.key,
            other.access_key_id,
            other.secret_access_key,
            other.session_token.as_deref().unwrap()
        ),
    )
    .unwrap();
    let labs = vec![
        (spec("c1-ann", Some(CLASS)), "student-a", HOME_ACCOUNT),
        // A student who picked the smallest task: its rate is read from its task definition.
        (smallest(spec("c1-bo", Some(CLASS))), "student-a", HOME_ACCOUNT),
        (spec("c1-cy", Some(CLASS)), "student-b", OTHER_ACCOUNT),
    ];
    let solo = spec("solo", None);
    for (i, (s, profile, _)) in labs.iter().enumerate() {
        let student = dir.path().join(format!("student-{i}"));
        std::fs::create_dir_all(&student).unwrap();
        up(&sb, &instructor, &student, s, profile);
    }
    let student = dir.path().join("solo");
    std::fs::create_dir_all(&student).unwrap();
    up(&sb, &instructor, &student, &solo, "student-a");
    runtime().block_on(async {
        sb.aws()
            .await
            .s3()
            .create_bucket()
            .bucket(UNTAGGED_BUCKET)
            .create_bucket_configuration(
                aws_sdk_s3::types::CreateBucketConfiguration::builder()
                    .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(REGION))
                    .build(),
            )
            .send()
            .await
            .unwrap();
    });
    Class {
        sb,
        _dir: dir,
        instructor,
        other,
        labs,
        solo,
    }
}

#[test]
fn class_status_lists_the_labs_of_the_class_across_two_accounts() {
    let c = class_in_two_accounts();
    let owner = |profile: &str| {
        let (code, who) = c.json(&["whoami", "--json", "--profile", profile]);
        assert_eq!(code, Some(0), "{who}");
        who["arn"].as_str().unwrap().to_owned()
    };
    let (owner_a, owner_b) = (owner("student-a"), owner("student-b"));
    assert!(owner_b.contains(OTHER_ACCOUNT), "{owner_b}");

    let tag = format!("pipewright:class={CLASS}");
    let (code, status) = c.json(&[
        "class",
        "status",
        "--json",
        "--tag",
        &tag,
        "--profile",
        "student-a",
        "--profile",
        "student-b",
    ]);
    assert_eq!(code, Some(0), "{status:#}");
    let labs = status["labs"].as_array().unwrap();
    let rows: Vec<(&str, &str, &str, &str, &str)> = labs
        .iter()
        .map(|l| {
            (
                l["lab"].as_str().unwrap(),
                l["owner"].as_str().unwrap_or("-"),
                l["account"].as_str().unwrap(),
                l["place"].as_str().unwrap(),
                l["region"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("c1-ann", owner_a.as_str(), HOME_ACCOUNT, "student-a", REGION),
            ("c1-bo", owner_a.as_str(), HOME_ACCOUNT, "student-a", REGION),
            ("c1-cy", owner_b.as_str(), OTHER_ACCOUNT, "student-b", REGION),
        ],
        "{status:#}"
    );
    let (mut usd, mut per_hour) = (0.0, 0.0);
    for l in labs {
        assert_eq!(l["state"], "running", "{l:#}");
        // The default expiry, 4 h after creation on AWS's clock: some of it is left.
        let left = l["hoursLeft"].as_f64().unwrap();
        assert!(left > 0.0 && left <= 4.0, "{l:#}");
        assert!(l["expiresAt"].as_str().unwrap().ends_with('Z'), "{l:#}");
        let rate = if l["lab"] == "c1-bo" {
            SMALLEST_RATE
        } else {
            DEFAULT_RATE
        };
        assert!((l["usdPerHour"].as_f64().unwrap() - rate).abs() < 1e-9, "{l:#}");
        let age = l["ageHours"].as_f64().unwrap();
        assert!(age > 0.0, "the sandbox's clock ran: {l:#}");
        assert!((l["usd"].as_f64().unwrap() - age * rate).abs() < 1e-9, "{l:#}");
        // Age and expiry are on the same clock: the expiry is 4 h after the schedules were
        // made, a little after the lab's first resource (the sandbox's clock runs 100x).
        assert!((4.0..4.5).contains(&(age + left)), "{l:#}");
        usd += age * rate;
        per_hour += rate;
    }
    let totals = &status["totals"];
    assert_eq!(
        (totals["labs"].clone(), totals["running"].clone()),
        (json!(3), json!(3))
    );
    assert!((totals["usd"].as_f64().unwrap() - usd).abs() < 1e-9, "{totals}");
    assert!(
        (totals["usdPerHour"].as_f64().unwrap() - per_hour).abs() < 1e-9,
        "{totals}"
    );
    let places: Vec<(&str, &str, u64)> = status["places"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["place"].as_str().unwrap(),
                p["account"].as_str().unwrap(),
                p["labs"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        places,
        [("student-a", HOME_ACCOUNT, 2), ("student-b", OTHER_ACCOUNT, 1)]
    );

    // A profile that does not exist is reported on its row; the others are still listed.
    let (code, status) = c.json(&[
        "class",
        "status",
        "--json",
        "--tag",
        &tag,
        "--profile",
        "nobody",
        "--profile",
        "student-b",
    ]);
    assert_eq!(code, Some(1), "{status:#}");
    assert!(
        status["places"][0]["error"].as_str().unwrap().contains("nobody"),
        "{status:#}"
    );
    assert_eq!(status["labs"].as_array().unwrap().len(), 1, "{status:#}");

    // The text table, and a refused tag before any AWS call.
    let out = c.cli(&["class", "status", "--tag", &tag, "--profile", "student-a"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("c1-ann") && text.contains("running") && text.contains("Total: 2 lab(s)"),
        "{text}"
    );
    c.sb.delete("/_sandbox/calls");
    for bad in ["pipewright:class=*", "pipewright:lab=solo", "pipewright:class="] {
        let out = c.cli(&["class", "status", "--tag", bad, "--profile", "student-a"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bad}: {err}");
        assert!(err.contains("error[invalid]"), "{bad}: {err}");
    }
    assert_eq!(
        c.sb.calls(),
        Vec::<(String, String)>::new(),
        "refused before any AWS call"
    );
    c.sb.stop();
}

#[test]
fn class_sweep_removes_every_lab_of_the_class_and_nothing_else() {
    let c = class_in_two_accounts();
    let tag = format!("pipewright:class={CLASS}");
    let args = |extra: &[&'static str]| -> Vec<String> {
        let mut a: Vec<String> = [
            "class",
            "sweep",
            "--json",
            "--tag",
            tag.as_str(),
            "--profile",
            "student-a",
            "--profile",
            "student-b",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let run = |extra: &[&'static str]| {
        let a = args(extra);
        c.json(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };

    let solo_before = c.inventory(&c.solo, HOME_ACCOUNT);
    // The dry run lists each lab's resources per account and changes nothing.
    c.sb.delete("/_sandbox/calls");
    let (code, listing) = run(&["--dry-run"]);
    assert_eq!(code, Some(0), "{listing:#}");
    let changing: Vec<String> =
        c.sb.calls()
            .into_iter()
            .map(|(op, _)| op)
            .filter(|op| {
                !["Describe", "Get", "List", "BatchGet", "Head"]
                    .iter()
                    .any(|p| op.starts_with(p))
            })
            .collect();
    assert_eq!(changing, Vec::<String>::new(), "a dry run only reads");
    let per_account: Vec<(&str, Vec<&str>)> = listing
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["account"].as_str().unwrap(),
                s["labs"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["lab"].as_str().unwrap())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        per_account,
        [(HOME_ACCOUNT, vec!["c1-ann", "c1-bo"]), (OTHER_ACCOUNT, vec!["c1-cy"])]
    );
    for s in listing.as_array().unwrap() {
        for r in s["labs"].as_array().unwrap() {
            let would = r["wouldDelete"].as_array().unwrap();
            assert!(would.len() >= 20, "{r:#}");
            assert!(
                would.iter().all(|w| {
                    let name = w["name"].as_str().unwrap();
                    name.contains(r["lab"].as_str().unwrap())
                }),
                "only the lab's own names: {r:#}"
            );
        }
    }
    for (spec, _, account) in &c.labs {
        assert_ne!(
            c.inventory(spec, account),
            Vec::<String>::new(),
            "{} untouched",
            spec.name
        );
    }

    // Without --yes and without a terminal: nothing is deleted, exit 1.
    let a = args(&[]);
    let out = c.cli(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--yes"));

    let (code, report) = run(&["--yes"]);
    assert_eq!(code, Some(0), "{report:#}");
    let removed: Vec<(&str, usize)> = report
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let n = s["labs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    assert_eq!(r["failed"], json!([]), "{r:#}");
                    assert_eq!(r["leftovers"], json!([]), "{r:#}");
                    r["deleted"].as_array().unwrap().len()
                })
                .sum();
            (s["account"].as_str().unwrap(), n)
        })
        .collect();
    assert_eq!(removed.len(), 2, "{report:#}");
    assert!(removed.iter().all(|(_, n)| *n >= 20), "{removed:?}");
    // Nothing of the three labs is left, found without Pipewright's code.
    for (spec, _, account) in &c.labs {
        assert_eq!(c.inventory(spec, account), Vec::<String>::new(), "{}", spec.name);
    }
    // The lab of no class is whole, and the untagged bucket is there.
    let solo = c.inventory(&c.solo, HOME_ACCOUNT);
    assert_eq!(solo, solo_before);
    for kind in [
        "iam_role",
        "s3_bucket",
        "ecr_repository",
        "log_group",
        "codebuild_project",
        "pipeline",
        "schedule_group",
        "schedule",
        "connection",
        "security_group",
        "load_balancer",
        "target_group",
        "ecs_cluster",
        "ecs_service",
        "task_definition",
    ] {
        assert!(
            solo.iter().any(|s| s.starts_with(&format!("{kind} "))),
            "solo lost its {kind}: {solo:?}"
        );
    }
    assert_eq!(
        solo.iter().filter(|s| s.starts_with("iam_role ")).count(),
        4,
        "{solo:?}"
    );
    runtime().block_on(async {
        let aws = c.sb.aws().await;
        aws.s3().head_bucket().bucket(UNTAGGED_BUCKET).send().await.unwrap();
    });
    // A second sweep finds nothing of the class.
    let (code, again) = run(&["--dry-run"]);
    assert_eq!(code, Some(0));
    let tagged = runtime().block_on(async {
        let aws = c.sb.aws().await;
        let filter = aws_sdk_resourcegroupstagging::types::TagFilter::builder()
            .key("pipewright:class")
            .values(CLASS)
            .build();
        let out = aws.tagging().get_resources().tag_filters(filter).send().await.unwrap();
        out.resource_tag_mapping_list()
            .iter()
            .filter_map(|m| m.resource_arn().map(str::to_owned))
            .collect::<Vec<_>>()
    });
    assert!(
        again.as_array().unwrap().iter().all(|s| s["labs"] == json!([])),
        "{again:#}\nthe tagging API lists: {tagged:#?}"
    );
    c.sb.stop();
}
