//! The EventBridge Scheduler group the lab's expiry schedules live in. Schedules cannot be
//! tagged; the group can, so it carries the lab's tag and is what the sweep finds. Deleting
//! the group deletes its schedules too (AWS: the group is DELETING meanwhile; waited for).

use aws_sdk_scheduler::types::{ScheduleGroupState, Tag};

use crate::error::{Result, is_code};
use crate::plan::{Kind, Resource};

use super::{Arn, Ctx, Found, Label, Tagged};

pub const GONE: &[&str] = &["ResourceNotFoundException"];

pub const ALREADY_EXISTS: &[&str] = &["ConflictException"];

/// The lab's expiry (ISO 8601, UTC, AWS's clock) on its group. The schedules delete
/// themselves once they have run; this tag still says when the billing stopped.
pub const EXPIRES_TAG_KEY: &str = "pipewright:expires-at";

/// `schedule-group/<name>`.
pub fn from_arn(arn: &Arn) -> Option<Tagged> {
    match (arn.service, arn.path.as_slice()) {
        ("scheduler", ["schedule-group", name]) => Some(arn.tagged(Kind::ScheduleGroup, name, arn.text)),
        _ => None,
    }
}

/// The group's tags (a group that is gone: none).
pub async fn tags_of(cx: &Ctx, arn: &str) -> Result<Vec<(String, String)>> {
    let s = cx.aws.scheduler();
    match cx
        .call("scheduler", "ListTagsForResource", arn, || {
            s.list_tags_for_resource().resource_arn(arn).send()
        })
        .await
    {
        Ok(out) => Ok(out
            .tags()
            .iter()
            .map(|t| (t.key().to_owned(), t.value().to_owned()))
            .collect()),
        Err(e) if is_code(&e, GONE) => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

pub async fn describe(cx: &Ctx, name: &str) -> Result<Found> {
    let s = cx.aws.scheduler();
    let out = match cx
        .call("scheduler", "GetScheduleGroup", name, || {
            s.get_schedule_group().name(name).send()
        })
        .await
    {
        Ok(o) => o,
        Err(e) if is_code(&e, GONE) => return Ok(Found::Missing),
        Err(e) => return Err(e),
    };
    if out.state() == Some(&ScheduleGroupState::Deleting) {
        return Ok(Found::Missing);
    }
    let arn = out.arn().unwrap_or_default().to_owned();
    let tags = tags_of(cx, &arn).await?;
    let ours = cx.is_ours(tags.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    cx.set_output(Resource::ScheduleGroup, &arn);
    Ok(Found::Present { id: arn, ours })
}

pub async fn create(cx: &Ctx, name: &str) -> Result<String> {
    let s = cx.aws.scheduler();
    let tags = cx
        .tags_with(|k, v| Tag::builder().key(k).value(v).build())
        .into_iter()
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let out = cx
        .call("scheduler", "CreateScheduleGroup", name, || {
            s.create_schedule_group().name(name).set_tags(Some(tags.clone())).send()
        })
        .await?;
    let arn = out.schedule_group_arn().to_owned();
    cx.set_output(Resource::ScheduleGroup, &arn);
    Ok(arn)
}

/// Deletes the group (and with it any schedule still in it) and waits until it is gone.
pub async fn delete(cx: &Ctx, about: &Label, name: &str) -> Result<()> {
    let s = cx.aws.scheduler();
    match cx
        .call("scheduler", "DeleteScheduleGroup", name, || {
            s.delete_schedule_group().name(name).send()
        })
        .await
    {
        Err(e) if !is_code(&e, GONE) => return Err(e),
        _ => {}
    }
    cx.wait_for(
        about,
        "the schedule group to be deleted",
        cx.timing.load_balancer_deadline,
        None,
        || async {
            match cx
                .call("scheduler", "GetScheduleGroup", name, || {
                    s.get_schedule_group().name(name).send()
                })
                .await
            {
                Ok(_) => Ok(Err("schedule group deleting".into())),
                Err(e) if is_code(&e, GONE) => Ok(Ok(())),
                Err(e) => Err(e),
            }
        },
    )
    .await
}

/// Every schedule group carrying `rule`'s tag, by ARN: for the sweep, a second way to them
/// besides the tagging API.
pub async fn tagged(cx: &Ctx, rule: &crate::teardown::sweep::TagRule) -> Result<Vec<String>> {
    let s = cx.aws.scheduler();
    let mut out = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = cx
            .call("scheduler", "ListScheduleGroups", "", || {
                s.list_schedule_groups().set_next_token(next.clone()).send()
            })
            .await?;
        for group in page.schedule_groups() {
            let Some(arn) = group.arn() else { continue };
            if group.state() == Some(&ScheduleGroupState::Deleting) {
                continue;
            }
            let tags = tags_of(cx, arn).await?;
            if rule.matches(tags.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
                out.push(arn.to_owned());
            }
        }
        next = page.next_token().map(str::to_owned);
        if next.is_none() {
            return Ok(out);
        }
    }
}

/// Records `at` (epoch seconds) as the lab's expiry on group `name`: each schedule written
/// (created, or moved by `extend`) calls this.
pub async fn mark_expiry(cx: &Ctx, name: &str, at: i64) -> Result<()> {
    let s = cx.aws.scheduler();
    let arn = cx.arn("scheduler", &format!("schedule-group/{name}"));
    let tag = Tag::builder()
        .key(EXPIRES_TAG_KEY)
        .value(crate::class::iso(at))
        .build()?;
    cx.call("scheduler", "TagResource", name, || {
        s.tag_resource().resource_arn(&arn).tags(tag.clone()).send()
    })
    .await?;
    Ok(())
}

/// The expiry `mark_expiry` recorded, from the group's tags.
pub fn expiry_of(tags: &[(String, String)]) -> Option<i64> {
    let (_, value) = tags.iter().find(|(k, _)| k == EXPIRES_TAG_KEY)?;
    crate::class::parse_iso(value)
}

#[cfg(test)]
mod tests {
    use super::expiry_of;

    #[test]
    fn the_expiry_tag_reads_back_as_epoch_seconds() {
        let tag = |v: &str| {
            vec![
                ("pipewright:lab".to_owned(), "ktb".to_owned()),
                (super::EXPIRES_TAG_KEY.to_owned(), v.to_owned()),
            ]
        };
        assert_eq!(expiry_of(&tag("2026-11-30T08:36:18Z")), Some(1_796_027_778));
        assert_eq!(expiry_of(&tag("soon")), None);
        assert_eq!(expiry_of(&[]), None);
    }
}
