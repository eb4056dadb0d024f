//! CloudWatch Logs groups: the build's and the app's, tagged at creation, kept 7 days.
//! "Not found": absent from DescribeLogGroups, or [`GONE`].

use std::collections::HashMap;

use crate::error::{Result, is_code};
use crate::plan::{Kind, LogsFor, Resource};

use super::{Arn, Ctx, Found, Tagged};

/// Lab logs are for debugging a class exercise, not for keeping.
pub const RETENTION_DAYS: i32 = 7;

pub const GONE: &[&str] = &["ResourceNotFoundException"];

pub const ALREADY_EXISTS: &[&str] = &["ResourceAlreadyExistsException"];

/// `log-group:<name>` (the tagging API may add `:*`; the id is the ARN without it).
pub fn from_arn(arn: &Arn) -> Option<Tagged> {
    if arn.service != "logs" || !arn.resource.starts_with("log-group:") {
        return None;
    }
    let name = arn.resource.trim_start_matches("log-group:").trim_end_matches(":*");
    Some(arn.tagged(Kind::LogGroup, name, arn.text.trim_end_matches(":*")))
}

pub async fn describe(cx: &Ctx, which: LogsFor, name: &str) -> Result<Found> {
    let logs = cx.aws.logs();
    let out = cx
        .call("logs", "DescribeLogGroups", name, || {
            logs.describe_log_groups().log_group_name_prefix(name).send()
        })
        .await?;
    let Some(group) = out.log_groups().iter().find(|g| g.log_group_name() == Some(name)) else {
        return Ok(Found::Missing);
    };
    let arn = group.arn().unwrap_or_default().trim_end_matches(":*").to_owned();
    let tags = cx
        .call("logs", "ListTagsForResource", name, || {
            logs.list_tags_for_resource().resource_arn(&arn).send()
        })
        .await?;
    let ours = cx.is_ours(tags.tags().into_iter().flatten().map(|(k, v)| (k.as_str(), v.as_str())));
    cx.set_output(Resource::LogGroup(which), &arn);
    Ok(Found::Present { id: arn, ours })
}

pub async fn create(cx: &Ctx, which: LogsFor, name: &str) -> Result<String> {
    let logs = cx.aws.logs();
    let tags: HashMap<String, String> = cx.tags().into_iter().collect();
    cx.call("logs", "CreateLogGroup", name, || {
        logs.create_log_group()
            .log_group_name(name)
            .set_tags(Some(tags.clone()))
            .send()
    })
    .await?;
    cx.call("logs", "PutRetentionPolicy", name, || {
        logs.put_retention_policy()
            .log_group_name(name)
            .retention_in_days(RETENTION_DAYS)
            .send()
    })
    .await?;
    let arn = cx.arn("logs", &format!("log-group:{name}"));
    cx.set_output(Resource::LogGroup(which), &arn);
    Ok(arn)
}

pub async fn delete(cx: &Ctx, name: &str) -> Result<()> {
    let logs = cx.aws.logs();
    match cx
        .call("logs", "DeleteLogGroup", name, || {
            logs.delete_log_group().log_group_name(name).send()
        })
        .await
    {
        Err(e) if !is_code(&e, GONE) => Err(e),
        _ => Ok(()),
    }
}
