//! The sweep and the inventory: what the ledger missed, found by tag, and the proof that
//! nothing of a lab is left.
//!
//! - `tagged` asks the Resource Groups Tagging API (GetResources with a tag filter) for every
//!   ARN carrying the tag, and each kind's module says what an ARN names
//!   (`resources::identify`). IAM is global and outside that API, and so is CodeStar
//!   Connections on some partitions, so the instructor's sweep also lists roles, connections
//!   and EventBridge Scheduler groups and reads their tags.
//! - `sweep_tagged` deletes what it found kind by kind in the plan's reverse order
//!   (`Kind::removal_rank`: services first, connections last; target groups after load
//!   balancers, see `sweep_rank`; a security group another one's rule names after that
//!   one), skipping what the walk already
//!   handled. A lab's teardown deletes only what is also in its ledger or has one of its
//!   deterministic names (`recorded_or_named`); anything else carrying its tag is reported
//!   as left alone. The instructor's `sweep` goes by the tag alone.
//! - `inventory` describes every node of the lab's plan by its deterministic name and asks
//!   the tagging API again: anything of the lab still there is a leftover.
//! - `sweep` is the instructor's entry point: every resource carrying one `pipewright:` tag,
//!   across all labs of the account, with no ledger needed.

use std::sync::Arc;

use aws_sdk_resourcegroupstagging::types::TagFilter;

use crate::aws::AwsContext;
use crate::error::{Error, Result, is_code};
use crate::ledger::Ledger;
use crate::plan::{Facts, Kind};
use crate::progress::{Cancel, NodeState, Progress, ProgressDetail, ProgressNote};
use crate::resources::{self, Ctx, Found, Label, Tagged, Target, iam_role, security_group};
use crate::spec::{LAB_TAG_KEY, LabSpec};

use super::{Leftover, LeftoverReason, Run, TeardownOptions, TeardownReport, remove};

/// Which resources a sweep may touch: those whose tag `key` has `value` (any value if None).
/// The key must be one of Pipewright's (`pipewright:...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagRule {
    pub key: String,
    pub value: Option<String>,
}

impl TagRule {
    pub fn lab(lab: &str) -> TagRule {
        TagRule {
            key: LAB_TAG_KEY.into(),
            value: Some(lab.into()),
        }
    }

    /// `key=value`, or `key=*` for any value. An empty value (`pipewright:lab=`, what an
    /// unset shell variable gives) and a bare key are refused: "every lab" must be asked for
    /// with an explicit `=*`.
    pub fn parse(text: &str) -> Result<TagRule> {
        let refuse = |message: String| Error::Invalid {
            field: "tag".into(),
            message,
        };
        let Some((key, value)) = text.split_once('=') else {
            return Err(refuse(format!(
                "{text:?} has no value: write {text}=NAME for one lab, or {text}=* for every lab (값이 없습니다: 랩 하나는 {text}=NAME, 모든 랩은 {text}=*)"
            )));
        };
        if value.trim().is_empty() {
            return Err(refuse(format!(
                "the value of {key} is empty (an unset shell variable?): write {key}=NAME for one lab, or {key}=* for every lab (값이 비어 있습니다. 셸 변수가 비었는지 확인하세요)"
            )));
        }
        if !key.starts_with("pipewright:") || key.len() <= "pipewright:".len() {
            return Err(Error::Invalid {
                field: "tag".into(),
                message: format!(
                    "{key:?} is not a Pipewright tag: the sweep only removes what carries a pipewright:... tag"
                ),
            });
        }
        let value = (value != "*").then(|| value.to_owned());
        Ok(TagRule { key: key.into(), value })
    }

    pub fn matches<'a>(&self, mut tags: impl Iterator<Item = (&'a str, &'a str)>) -> bool {
        tags.any(|(k, v)| k == self.key && self.value.as_deref().is_none_or(|want| want == v))
    }
}

impl std::fmt::Display for TagRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}={}", self.key, self.value.as_deref().unwrap_or("*"))
    }
}

/// Every ARN the tagging API lists with the tag, with all its tags (the class view reads the
/// lab, owner and creation time from them).
pub async fn tag_mappings(cx: &Ctx, rule: &TagRule) -> Result<Vec<(String, Vec<(String, String)>)>> {
    let api = cx.aws.tagging();
    let filter = TagFilter::builder()
        .key(&rule.key)
        .set_values(rule.value.clone().map(|v| vec![v]))
        .build();
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = cx
            .call("tagging", "GetResources", &rule.key, || {
                api.get_resources()
                    .tag_filters(filter.clone())
                    .set_pagination_token(token.clone())
                    .send()
            })
            .await?;
        out.extend(page.resource_tag_mapping_list().iter().filter_map(|m| {
            let tags = m.tags().iter().map(|t| (t.key().to_owned(), t.value().to_owned()));
            Some((m.resource_arn()?.to_owned(), tags.collect()))
        }));
        token = page.pagination_token().filter(|t| !t.is_empty()).map(str::to_owned);
        if token.is_none() {
            return Ok(out);
        }
    }
}

/// Every ARN carrying the tag, by the tagging API; with `everywhere`, also IAM roles and
/// connections (read one by one). Sorted in deletion order.
pub async fn tagged(cx: &Ctx, rule: &TagRule, everywhere: bool) -> Result<Vec<Tagged>> {
    let mut arns: Vec<String> = tag_mappings(cx, rule).await?.into_iter().map(|(arn, _)| arn).collect();
    if everywhere {
        arns.extend(tagged_roles(cx, rule).await?);
        arns.extend(tagged_connections(cx, rule).await?);
        arns.extend(resources::schedule_group::tagged(cx, rule).await?);
    }
    arns.sort();
    arns.dedup();
    let mut found: Vec<Tagged> = arns.iter().filter_map(|a| resources::identify(a)).collect();
    let groups: Vec<String> = found
        .iter()
        .filter(|t| t.kind == Kind::SecurityGroup)
        .map(|t| t.id.clone())
        .collect();
    let named = security_group::named_by_others(cx, &groups).await?;
    found.sort_by_key(|t| (sweep_rank(t.kind), named.contains(&t.id)));
    Ok(found)
}

/// The plan's reverse order, except that a target group goes right after the load balancers:
/// deleting a load balancer deletes its listeners, which the tagging API may not list, and a
/// target group a listener still uses cannot be deleted.
fn sweep_rank(kind: Kind) -> (usize, bool) {
    if kind == Kind::TargetGroup {
        (kind.removal_rank().max(Kind::LoadBalancer.removal_rank()), true)
    } else {
        (kind.removal_rank(), false)
    }
}

/// Roles carrying the tag. IAM is global: a sweep of one region must not remove the roles of
/// a lab that runs in another (its pipeline and tasks would stop), so when the ledger places
/// any of them elsewhere the whole sweep is refused before anything is deleted.
async fn tagged_roles(cx: &Ctx, rule: &TagRule) -> Result<Vec<String>> {
    let iam = cx.aws.iam();
    let mut out = Vec::new();
    let mut elsewhere = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = cx
            .call("iam", "ListRoles", "", || {
                iam.list_roles().set_marker(marker.clone()).send()
            })
            .await?;
        for role in page.roles() {
            let name = role.role_name();
            let tags = match cx
                .call("iam", "ListRoleTags", name, || {
                    iam.list_role_tags().role_name(name).send()
                })
                .await
            {
                Ok(t) => t,
                Err(e) if is_code(&e, iam_role::GONE) => continue,
                Err(e) => return Err(e),
            };
            if rule.matches(tags.tags().iter().map(|t| (t.key(), t.value()))) {
                let lab = tags.tags().iter().find(|t| t.key() == LAB_TAG_KEY).map(|t| t.value());
                if let Some(region) = lab.and_then(|lab| cx.ledger.lab_region(lab).ok().flatten())
                    && region != cx.aws.region()
                {
                    elsewhere.push(format!("{name} (lab {}, {region})", lab.unwrap_or_default()));
                }
                out.push(role.arn().to_owned());
            }
        }
        marker = page.marker().map(str::to_owned);
        if !page.is_truncated() || marker.is_none() {
            break;
        }
    }
    if !elsewhere.is_empty() {
        return Err(Error::Invalid {
            field: "region".into(),
            message: format!(
                "{rule} in {} would also remove IAM roles (global) of labs in other regions: {}. Sweep each lab's own region with pipewright:lab=NAME, or `pipewright down --lab NAME` (다른 리전의 랩 역할까지 지우게 되므로 정리를 거부합니다)",
                cx.aws.region(),
                elsewhere.join(", ")
            ),
        });
    }
    Ok(out)
}

async fn tagged_connections(cx: &Ctx, rule: &TagRule) -> Result<Vec<String>> {
    let c = cx.aws.connections();
    let mut out = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = cx
            .call("codestar-connections", "ListConnections", "", || {
                c.list_connections().set_next_token(next.clone()).send()
            })
            .await?;
        for conn in page.connections() {
            let Some(arn) = conn.connection_arn() else { continue };
            let tags = cx
                .call("codestar-connections", "ListTagsForResource", arn, || {
                    c.list_tags_for_resource().resource_arn(arn).send()
                })
                .await?;
            if rule.matches(tags.tags().iter().map(|t| (t.key(), t.value()))) {
                out.push(arn.to_owned());
            }
        }
        next = page.next_token().map(str::to_owned);
        if next.is_none() {
            return Ok(out);
        }
    }
}

/// Deletes (or, in a dry run, lists) everything carrying the tag that the walk did not
/// handle: with `tag_alone` (the instructor's sweep) all of it, otherwise only what the lab
/// recorded or named. Failures are recorded and the sweep carries on.
pub async fn sweep_tagged(run: &Arc<Run>, rule: &TagRule, tag_alone: bool) -> Result<()> {
    let everywhere = tag_alone || rule.key != LAB_TAG_KEY || rule.value.as_deref() != Some(run.cx.lab());
    let found = tagged(&run.cx, rule, everywhere).await?;
    for t in found {
        run.cx.cancel.check()?;
        let family = t.name.split(':').next().unwrap_or_default();
        if t.task
            || run.handled(&t.id)
            || (t.kind == Kind::TaskDefinition && run.handled(family))
            || run.failed_on(t.kind, &t.name)
        {
            continue;
        }
        let l = Label::new(t.kind, &t.name);
        let result = async {
            if !resources::still_exists(&run.cx, &t).await? {
                return Ok(());
            }
            if !tag_alone && !recorded_or_named(run, &t)? {
                let why = format!(
                    "carries {rule} but is neither in the lab's ledger nor named as the lab names it: \
                     left alone (`pipewright sweep --tag {rule}` removes it)"
                );
                run.skipped(&l, Some(&t.id), LeftoverReason::TaggedNotNamed, &why);
                return Ok(());
            }
            if t.kind == Kind::Connection && remove::shared(run, &t.arn)? {
                run.skipped(
                    &l,
                    Some(&t.arn),
                    LeftoverReason::SharedConnection,
                    "another lab in the ledger uses this connection: left as is",
                );
                return Ok(());
            }
            if run.options.dry_run {
                run.would_delete(&l, Some(&t.id));
                return Ok(());
            }
            let note = ProgressDetail {
                note: Some(ProgressNote::FoundByTag),
                ..Default::default()
            };
            run.emit(
                &l,
                NodeState::Deleting,
                Some(format!("found by its tag {rule}")),
                Some(note),
            );
            let target = Target {
                id: &t.id,
                name: &t.name,
                cluster: t.cluster.as_deref().unwrap_or("default"),
            };
            resources::delete(&run.cx, &l, t.kind, target).await?;
            run.deleted(&l, Some(&t.id));
            Ok(())
        }
        .await;
        match result {
            Err(Error::Cancelled) => return Err(Error::Cancelled),
            Err(e) => run.failed(&l, &e),
            Ok(()) => {}
        }
    }
    Ok(())
}

/// Whether a lab's teardown may delete what its tag sweep found: the tag alone is not enough
/// (anyone can tag anything); it must also be in the lab's ledger (by id or name) or carry
/// one of the names the lab's plan gives its kind. Only the instructor's `sweep` goes by the
/// tag alone.
fn recorded_or_named(run: &Run, t: &Tagged) -> Result<bool> {
    let cx = &run.cx;
    let recorded = cx.ledger.resources(cx.lab())?.iter().any(|r| {
        r.kind == t.kind.as_str()
            && (r.name == t.name || r.physical_id.as_deref().is_some_and(|id| id == t.id || id == t.arn))
    });
    let named = cx.plan.resources().any(|n| {
        n.kind() == t.kind
            && match t.kind {
                // Revisions are `family:revision`; the plan names the family.
                Kind::TaskDefinition => t.name.split(':').next() == Some(n.name.as_str()),
                // A listener's ARN names its load balancer; the plan adds the port.
                Kind::Listener => n.name.rsplit_once(':').map(|(lb, _)| lb) == Some(t.name.as_str()),
                _ => n.name == t.name,
            }
    });
    Ok(recorded || named)
}

/// Anything of the lab still in the account: every plan node by its name (ours by tag), and
/// everything the tagging API still lists with the lab's tag. Expected: empty.
pub async fn inventory(run: &Run) -> Result<Vec<Leftover>> {
    let cx = &run.cx;
    let kept: Vec<String> = run.skipped_ids();
    let mut out: Vec<Leftover> = Vec::new();
    for node in cx.plan.resources() {
        let found = resources::describe_afresh(cx, node).await;
        let leftover = |id: Option<String>, reason_kind: LeftoverReason, reason: String| Leftover {
            kind: node.kind().as_str().to_owned(),
            name: node.name.clone(),
            id,
            reason,
            reason_kind,
        };
        match found {
            Ok(Found::Present { id, ours: true }) if !kept.contains(&id) => {
                out.push(leftover(
                    Some(id),
                    LeftoverReason::StillExists,
                    format!("still exists and carries pipewright:lab={}", cx.lab()),
                ));
            }
            Ok(_) => {}
            Err(Error::Cancelled) => return Err(Error::Cancelled),
            Err(e) => out.push(leftover(
                None,
                LeftoverReason::CouldNotCheck,
                format!("could not check: {e}"),
            )),
        }
    }
    let listed = |id: &str, out: &[Leftover]| out.iter().any(|l| l.id.as_deref() == Some(id));
    for t in tagged(cx, &TagRule::lab(cx.lab()), false).await? {
        if listed(&t.id, &out)
            || listed(&t.arn, &out)
            || kept.contains(&t.id)
            || !resources::still_exists(cx, &t).await?
        {
            continue;
        }
        out.push(Leftover {
            kind: t.kind_name().to_owned(),
            name: t.name.clone(),
            id: Some(t.arn.clone()),
            reason: format!("the tagging API lists it with pipewright:lab={}", cx.lab()),
            reason_kind: LeftoverReason::ListedByTag,
        });
    }
    Ok(out)
}

/// The instructor's sweep: deletes every resource carrying `rule`'s tag in the context's
/// region (and IAM roles and connections), with no ledger needed, then lists what is left.
pub async fn sweep(
    aws: &AwsContext,
    ledger: Arc<Ledger>,
    rule: &TagRule,
    options: TeardownOptions,
    progress: Progress,
    cancel: Cancel,
) -> Result<TeardownReport> {
    // A stand-in lab: the sweep uses names from ARNs, never from a plan.
    let spec = LabSpec::new("sweep", "pipewright/sweep");
    let facts = Facts::placeholder(aws.region());
    let cx = Ctx::new(aws, ledger, &spec, facts, options.concurrency, &options.timing).reporting(progress, cancel);
    let run = Arc::new(Run::new(cx, options).again_says(format!(
        "Run `pipewright sweep --tag {rule}` again: it carries on where it stopped (`pipewright sweep --tag {rule}` 명령을 다시 실행하면 멈춘 곳부터 이어서 지웁니다)."
    )));
    sweep_tagged(&run, rule, true).await?;
    let mut leftovers = Vec::new();
    if !run.options.dry_run {
        for t in tagged(&run.cx, rule, true).await? {
            if !t.task && resources::still_exists(&run.cx, &t).await? && !run.skipped_ids().contains(&t.id) {
                let reason = format!("still carries {rule}");
                leftovers.push(Leftover {
                    kind: t.kind_name().into(),
                    name: t.name,
                    id: Some(t.arn),
                    reason,
                    reason_kind: LeftoverReason::ListedByTag,
                });
            }
        }
    }
    let mut report = run.finish_report();
    report.lab = rule.to_string();
    report.dry_run = run.options.dry_run;
    report.leftovers = leftovers;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_value_or_a_bare_key_is_refused() {
        for (text, says) in [
            ("pipewright:lab=", "is empty"),
            ("pipewright:lab=  ", "is empty"),
            ("pipewright:lab", "=*"),
            ("", "=*"),
            ("=", "is empty"),
        ] {
            let err = TagRule::parse(text).unwrap_err();
            assert_eq!(err.field(), Some("tag"), "{text:?}");
            assert!(err.to_string().contains(says), "{text:?}: {err}");
        }
    }

    #[test]
    fn only_pipewright_tags_can_be_swept() {
        assert_eq!(TagRule::parse("pipewright:lab=ktb").unwrap(), TagRule::lab("ktb"));
        assert_eq!(TagRule::parse("pipewright:lab=*").unwrap().value, None);
        assert!(TagRule::parse("Name=web").is_err());
        assert!(TagRule::parse("pipewright:=x").is_err());
        let any = TagRule::parse("pipewright:lab=*").unwrap();
        assert!(any.matches([("pipewright:lab", "a")].into_iter()));
        assert!(!TagRule::lab("a").matches([("pipewright:lab", "ab")].into_iter()));
    }
}
