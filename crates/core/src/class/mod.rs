//! The instructor's class view: every lab of one class (`pipewright:class=<name>`) in the
//! students' accounts, found through AWS alone (the students' ledgers are on their laptops),
//! and the class sweep that tears them all down. The CLI (`pipewright class status|sweep`)
//! and the app's Class screen share this module.
//!
//! - Where: each *place* is one set of credentials (a profile per student account, saved
//!   keys, or the standard chain) in one region: the credentials' own region, or each region
//!   asked for. A place whose credentials fail is reported on its row; the others go on.
//! - Which labs: the tagging API's GetResources by the class tag (AWS: it lists every
//!   resource type; EventBridge Scheduler groups are also read by ListScheduleGroups, a second
//!   way to the group that says when a lab expires), grouped by `pipewright:lab`.
//! - Owner and age: the tags Apply puts on everything it creates, `pipewright:created-by`
//!   (STS's caller ARN) and `pipewright:created` (AWS's clock); AWS itself has no "who
//!   created this" short of CloudTrail.
//! - Expiry and state: the lab's expiry schedules, by the names its plan gives them.
//! - Cost: hours since creation (AWS's clock) times the estimate's hourly rate
//!   (`LabSpec::cost_estimate`) for that lab as deployed: the task size and architecture of
//!   its task definition and its service's task count, in its region.

pub mod status;
pub mod sweep;

use std::collections::BTreeMap;
use std::sync::Arc;

use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::api::CredentialSource;
use crate::aws::AwsContext;
use crate::error::{Error, Result};
use crate::ledger::Ledger;
use crate::plan::Facts;
use crate::resources::{self, Ctx, Timing, schedule_group};
use crate::spec::{CLASS_TAG_KEY, LAB_TAG_KEY, LabSpec};
use crate::teardown::sweep::TagRule;

/// Who created a resource: STS's caller ARN when Apply ran.
pub const CREATED_BY_TAG_KEY: &str = "pipewright:created-by";
/// When Apply created it: ISO 8601 in UTC, on AWS's clock.
pub const CREATED_TAG_KEY: &str = "pipewright:created";

/// The creation tags of what a run creates (none when the run did not discover who it is).
pub(crate) fn creation_tags(facts: &Facts) -> Vec<(String, String)> {
    let mut tags = Vec::new();
    if !facts.caller_arn.is_empty() {
        tags.push((CREATED_BY_TAG_KEY.to_owned(), tag_value(&facts.caller_arn)));
    }
    if facts.discovered_at > 0 {
        tags.push((CREATED_TAG_KEY.to_owned(), iso(facts.discovered_at)));
    }
    tags
}

/// What every service accepts in a tag value (letters, digits, spaces and `_.:/=+-@`, at most
/// 256): a role session name may hold a comma.
fn tag_value(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_alphanumeric() || " _.:/=+-@".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(256)
        .collect()
}

pub(crate) fn iso(epoch: i64) -> String {
    DateTime::from_secs(epoch).fmt(Format::DateTime).unwrap_or_default()
}

pub(crate) fn parse_iso(text: &str) -> Option<i64> {
    DateTime::from_str(text, Format::DateTime).ok().map(|d| d.secs())
}

/// `--tag pipewright:class=<name>`: one class, named as a class name must be. Refused at the
/// `tag` field before any AWS call.
pub fn parse_class_tag(text: &str) -> Result<String> {
    let rule = TagRule::parse(text)?;
    let refuse = |message: String| Error::Invalid {
        field: "tag".into(),
        message,
    };
    if rule.key != CLASS_TAG_KEY {
        return Err(refuse(format!(
            "the class view goes by {CLASS_TAG_KEY}=NAME, not {}: for other tags use `pipewright sweep` ({CLASS_TAG_KEY}=NAME 형식으로 입력하세요)",
            rule.key
        )));
    }
    let Some(name) = rule.value else {
        return Err(refuse(format!(
            "name one class ({CLASS_TAG_KEY}=NAME), not every class (클래스 하나의 이름을 입력하세요)"
        )));
    };
    if let Err(p) = crate::spec::class::class_name(&name) {
        return Err(refuse(format!("{} ({})", p.en, p.ko)));
    }
    Ok(name)
}

/// One set of credentials in one region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Place {
    /// None: the standard chain (AWS_PROFILE, the AWS_* keys...).
    pub source: Option<CredentialSource>,
    /// None: the credentials' own region.
    pub region: Option<String>,
}

impl Place {
    /// How the place is named in tables: the profile or saved keys' name.
    pub fn label(&self) -> String {
        match &self.source {
            None => "(default)".into(),
            Some(CredentialSource::Practice) => "practice".into(),
            Some(CredentialSource::Profile { name } | CredentialSource::Keyring { name }) => name.clone(),
        }
    }

    /// Every source in each of its regions: the source's own region, then each of `regions`.
    pub fn all(sources: &[Option<CredentialSource>], regions: &[String]) -> Vec<Place> {
        let sources: Vec<Option<CredentialSource>> = if sources.is_empty() {
            vec![None]
        } else {
            sources.to_vec()
        };
        let mut out = Vec::new();
        for source in sources {
            let regions: Vec<Option<String>> = if regions.is_empty() {
                vec![None]
            } else {
                regions.iter().cloned().map(Some).collect()
            };
            for region in regions {
                out.push(Place {
                    source: source.clone(),
                    region,
                });
            }
        }
        out
    }

    pub async fn context(&self, sandbox: Option<&crate::aws::SandboxAccess>) -> Result<AwsContext> {
        crate::credentials::context_for(self.source.as_ref(), sandbox, self.region.as_deref()).await
    }
}

/// What the tags say about one lab of the class.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FoundLab {
    pub owner: Option<String>,
    /// The earliest `pipewright:created` (epoch seconds, AWS's clock).
    pub created: Option<i64>,
    /// How many resources carry the class tag (as far as the tagging API and the scheduler
    /// list them).
    pub resources: u32,
}

/// A context that only reads (no plan of its own): a stand-in lab, as the instructor's sweep
/// uses.
pub(crate) fn reading_context(aws: &AwsContext, lab: &str) -> Result<Ctx> {
    let mut spec = LabSpec::new(lab, "pipewright/class");
    spec.region = aws.region().to_owned();
    let ledger = Arc::new(Ledger::in_memory()?);
    let timing = Timing::for_context(aws);
    Ok(Ctx::new(
        aws,
        ledger,
        &spec,
        Facts::placeholder(aws.region()),
        4,
        &timing,
    ))
}

/// Every lab of `class` in the context's account and region, by name.
pub async fn find_labs(aws: &AwsContext, class: &str) -> Result<BTreeMap<String, FoundLab>> {
    let cx = reading_context(aws, "class")?;
    let rule = TagRule {
        key: CLASS_TAG_KEY.into(),
        value: Some(class.into()),
    };
    let mut tagged = crate::teardown::sweep::tag_mappings(&cx, &rule).await?;
    for arn in schedule_group::tagged(&cx, &rule).await? {
        if !tagged.iter().any(|(a, _)| *a == arn) {
            let tags = schedule_group::tags_of(&cx, &arn).await?;
            tagged.push((arn, tags));
        }
    }
    let mut labs: BTreeMap<String, FoundLab> = BTreeMap::new();
    for (arn, tags) in tagged {
        let get = |key: &str| tags.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        let Some(lab) = get(LAB_TAG_KEY) else { continue };
        // The tagging API keeps listing ECS resources a while after they are deleted, and
        // stopped tasks: a lab of those alone is gone.
        if let Some(t) = resources::identify(&arn)
            && (t.task || !resources::still_exists(&cx, &t).await?)
        {
            continue;
        }
        let found = labs.entry(lab.to_owned()).or_default();
        found.resources += 1;
        if found.owner.is_none() {
            found.owner = get(CREATED_BY_TAG_KEY).map(str::to_owned);
        }
        if let Some(at) = get(CREATED_TAG_KEY).and_then(parse_iso) {
            found.created = Some(found.created.map_or(at, |c| c.min(at)));
        }
    }
    Ok(labs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_one_named_class_is_accepted() {
        assert_eq!(parse_class_tag("pipewright:class=ktb-2026").unwrap(), "ktb-2026");
        for (text, says) in [
            ("pipewright:class=*", "one class"),
            ("pipewright:lab=ktb", "pipewright:class=NAME"),
            ("pipewright:class=", "empty"),
            ("pipewright:class=a b", "class name"),
        ] {
            let e = parse_class_tag(text).unwrap_err();
            assert_eq!(e.field(), Some("tag"), "{text}");
            assert!(e.to_string().contains(says), "{text}: {e}");
        }
    }

    #[test]
    fn creation_tags_are_values_every_service_takes() {
        let mut facts = Facts::placeholder("ap-northeast-2");
        assert_eq!(creation_tags(&facts), []);
        facts.caller_arn = "arn:aws:sts::123456789012:assumed-role/r/a,b".into();
        facts.discovered_at = 1_800_000_000;
        let tags = creation_tags(&facts);
        assert_eq!(tags[0].1, "arn:aws:sts::123456789012:assumed-role/r/a_b");
        assert_eq!(parse_iso(&tags[1].1), Some(1_800_000_000));
    }

    #[test]
    fn each_source_is_asked_in_each_region() {
        let p = |n: &str| Some(CredentialSource::Profile { name: n.into() });
        let places = Place::all(&[p("a"), p("b")], &["us-east-1".into(), "ap-northeast-2".into()]);
        let got: Vec<(String, Option<&str>)> = places.iter().map(|p| (p.label(), p.region.as_deref())).collect();
        assert_eq!(got.len(), 4);
        assert_eq!(got[1], ("a".into(), Some("ap-northeast-2")));
        assert_eq!(Place::all(&[], &[])[0].label(), "(default)");
    }
}
