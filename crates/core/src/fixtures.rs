//! The UI's test double answers from data this test generates: `ui/src/lib/fake/fixtures.json`
//! holds, for each command whose answer core derives, the answers to the arguments the UI's
//! tests (and a developer clicking around `npm run dev`) send. The fake replays them and
//! derives nothing itself. The test fails when the file is stale;
//! `PIPEWRIGHT_UPDATE_BINDINGS=1 cargo test -p pipewright-core` rewrites it.
//!
//! Argument names are the ones `ui/src/lib/ipc.ts` sends (camelCase), so the fake can match a
//! call by its arguments alone.

use serde_json::{Value, json};

use crate::plan::Plan;
use crate::spec::{ClassFile, LabSpec, SpecEdit, Trigger};

/// The account practice mode's sandbox reports (and the fake's practice identity).
const PRACTICE_ACCOUNT: &str = "123456789012";

/// The specs the UI's tests reach, and a few more for the development server.
fn specs() -> Vec<LabSpec> {
    let blank = LabSpec::new("ktb", "");
    let sample = LabSpec::new("ktb", "octo/sample-app");
    let mut excluded = blank.clone();
    if let Trigger::Filter(f) = &mut excluded.pipeline.trigger {
        f.exclude = vec!["dev*".into()];
    }
    let mut excluded_develop = excluded.clone();
    excluded_develop.set_branch("develop");
    let mut unprivileged = blank.clone();
    unprivileged.build.privileged = false;
    let mut bad_name = sample.clone();
    bad_name.name = "Bad Name".into();
    let mut small = sample.clone();
    small.deploy.cpu = 256;
    small.deploy.memory = 512;
    // A name and a pasted address that come with a one-click fix, and the specs after it.
    let mut spaced = sample.clone();
    spaced.name = "Minsu Lab".into();
    let mut fixed = sample.clone();
    fixed.name = "minsu-lab".into();
    let pasted = LabSpec::new("ktb", "https://github.com/minsu-kim/hello-ktb");
    let mut owner_repo = pasted.clone();
    owner_repo.source.repository = "minsu-kim/hello-ktb".into();
    vec![
        blank,
        sample,
        excluded,
        excluded_develop,
        unprivileged,
        bad_name,
        small,
        spaced,
        fixed,
        pasted,
        owner_repo,
    ]
}

/// The class file the UI's tests open (the fake matches `class_open` by its text).
const CLASS_FILE: &str = r#"[class]
name = "ktb-2026-fall"
prefix = "fall26-"
limit_hours = 3

[lab]
region = "ap-northeast-2"
source.repository = "instructor/ktb-sample"
source.branch = "main"
expiry.hours = 4

[locked]
region = "The class accounts' quotas were raised in Seoul only."
"source.repository" = "Everyone deploys the same sample."
"expiry.hours" = "The class ends at 6 pm."
"#;

/// A class file the UI's tests see refused (a prefix in capitals).
const BAD_CLASS_FILE: &str = "[class]\nname = \"ktb-2026-fall\"\nprefix = \"KTB\"\n";

/// `class_open`'s answers, `spec_check`'s with the class and `spec_plan`'s for the specs the
/// class's tests reach: the class's spec under the default name (which lacks the prefix), and
/// after the one-click fix.
fn class_fixtures(check: &mut Vec<Value>, plan: &mut Vec<Value>) -> Vec<Value> {
    let class = ClassFile::from_toml(CLASS_FILE).expect("the fixture class file reads");
    let start = class.spec_for("ktb");
    let fixed = class.spec_for("fall26-ktb");
    for spec in [&start, &fixed] {
        let mut answer = spec.check();
        answer.errors.extend(class.check(spec));
        check.push(case(json!({ "spec": spec, "class": class }), answer));
        for account in [None, Some(PRACTICE_ACCOUNT)] {
            let view = Plan::preview(spec, account).view(spec);
            plan.push(case(json!({ "spec": spec, "account": account }), view));
        }
    }
    let refused = ClassFile::from_toml(BAD_CLASS_FILE).expect_err("the bad class file is refused");
    vec![
        case(json!({ "text": CLASS_FILE, "name": "ktb" }), (&class, &start)),
        case(json!({ "text": CLASS_FILE, "name": "fall26-ktb" }), (&class, &fixed)),
        case(
            json!({ "text": BAD_CLASS_FILE, "name": "ktb" }),
            json!({ "refused": refused.payload() }),
        ),
    ]
}

fn case(args: Value, answer: impl serde::Serialize) -> Value {
    json!({ "args": args, "answer": answer })
}

/// The fixtures, as the file holds them.
pub fn fixtures() -> String {
    let specs = specs();
    let mut check = Vec::new();
    let mut plan = Vec::new();
    for spec in &specs {
        check.push(case(json!({ "spec": spec }), spec.check()));
        for account in [None, Some(PRACTICE_ACCOUNT)] {
            let view = Plan::preview(spec, account).view(spec);
            plan.push(case(json!({ "spec": spec, "account": account }), view));
        }
    }
    let class_open = class_fixtures(&mut check, &mut plan);
    let excluded = &specs[2];
    let mut develop = excluded.clone();
    develop.set_branch("develop");
    let defaults: Vec<Value> = [("ktb", ""), ("ktb", "octo/sample-app")]
        .iter()
        .map(|(name, repository)| {
            case(
                json!({ "name": name, "repository": repository }),
                LabSpec::new(name, repository),
            )
        })
        .collect();
    let buildspecs: Vec<Value> = specs[..2]
        .iter()
        .map(|s| case(json!({ "spec": s }), crate::buildspec::for_spec(s)))
        .collect();
    let all = json!({
        "practiceAccount": PRACTICE_ACCOUNT,
        "classFile": CLASS_FILE,
        "badClassFile": BAD_CLASS_FILE,
        "class_open": class_open,
        "spec_default": defaults,
        "spec_check": check,
        "spec_edit": [case(
            json!({ "spec": excluded, "edit": SpecEdit::Branch("develop".into()) }),
            develop,
        )],
        "spec_plan": plan,
        "spec_buildspec": buildspecs,
        "fargate_sizes": [case(json!({}), crate::spec::fargate_sizes())],
    });
    serde_json::to_string_pretty(&all).expect("fixtures serialize") + "\n"
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixtures_are_fresh() {
        crate::bindings::check_fresh("ui/src/lib/fake/fixtures.json", &super::fixtures());
    }
}
