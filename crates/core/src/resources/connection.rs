//! The GitHub connection (CodeStar Connections). One made by API stays PENDING until a person
//! completes the handshake in the console, so Apply reports that page's URL and waits.
//!
//! Reuse: an AVAILABLE GitHub connection tagged `pipewright:github-owner=<owner>` (by any
//! lab, or by the student) is used as it is, and recorded as reused so Teardown never deletes
//! it. The API does not say which GitHub account a connection was authorised for, hence the
//! tag, which every connection Pipewright creates carries. A connection the student names
//! in the spec (`mode = "existing"`) is always reused, never created or deleted.
//! "Already exists" is mostly a connection with the lab's name listed by ListConnections: AWS
//! does not refuse duplicate names.

use aws_sdk_codestarconnections::types::{ConnectionStatus, ProviderType, Tag};

use crate::error::{Error, Result, is_code};
use crate::plan::{Kind, Node, Resource};
use crate::progress::ProgressDetail;
use crate::spec::ConnectionChoice;

use super::{Arn, Ctx, Found, Tagged};

pub const OWNER_TAG_KEY: &str = "pipewright:github-owner";

pub const GONE: &[&str] = &["ResourceNotFoundException"];

/// A full quota (LimitExceededException) is not "already exists": it is reported as the quota
/// error it is (ErrorCode::QuotaExceeded).
pub const ALREADY_EXISTS: &[&str] = &["ResourceAlreadyExistsException"];

/// `connection/<id>`, under either service name AWS has used.
pub fn from_arn(arn: &Arn) -> Option<Tagged> {
    match (arn.service, arn.path.as_slice()) {
        ("codestar-connections" | "codeconnections", ["connection", _]) => {
            Some(arn.tagged(Kind::Connection, arn.resource, arn.text))
        }
        _ => None,
    }
}

/// The page where the student completes the handshake: the console's, or the sandbox's
/// stand-in for it.
pub fn handshake_url(cx: &Ctx) -> String {
    match cx.aws.endpoint_url() {
        Some(endpoint) => format!("{}/_sandbox/connections", endpoint.trim_end_matches('/')),
        None => format!(
            "https://console.aws.amazon.com/codesuite/settings/connections?region={}",
            cx.facts().region
        ),
    }
}

fn github_owner(cx: &Ctx) -> &str {
    cx.spec.source.repository.split('/').next().unwrap_or_default()
}

async fn tags_of(cx: &Ctx, arn: &str) -> Result<Vec<(String, String)>> {
    let c = cx.aws.connections();
    let out = cx
        .call("codestar-connections", "ListTagsForResource", arn, || {
            c.list_tags_for_resource().resource_arn(arn).send()
        })
        .await?;
    Ok(out
        .tags()
        .iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect())
}

pub async fn describe(cx: &Ctx, node: &Node) -> Result<Found> {
    if let ConnectionChoice::Existing { arn } = &cx.spec.source.connection {
        let c = cx.aws.connections();
        cx.call("codestar-connections", "GetConnection", arn, || {
            c.get_connection().connection_arn(arn).send()
        })
        .await?;
        cx.set_output(Resource::Connection, arn);
        return Ok(Found::Reusable { id: arn.clone() });
    }
    let c = cx.aws.connections();
    let mut candidates = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = cx
            .call("codestar-connections", "ListConnections", &node.name, || {
                c.list_connections()
                    .provider_type_filter(ProviderType::Github)
                    .set_next_token(next.clone())
                    .send()
            })
            .await?;
        candidates.extend(page.connections().iter().cloned());
        next = page.next_token().map(str::to_owned);
        if next.is_none() {
            break;
        }
    }
    let owner = github_owner(cx);
    let mut reusable = None;
    for conn in &candidates {
        let Some(arn) = conn.connection_arn() else { continue };
        let tags = tags_of(cx, arn).await?;
        let ours = cx.is_ours(tags.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let same_owner = tags.iter().any(|(k, v)| k == OWNER_TAG_KEY && v == owner);
        let available = conn.connection_status() == Some(&ConnectionStatus::Available);
        if conn.connection_name() == Some(node.name.as_str()) && ours {
            cx.set_output(Resource::Connection, arn);
            return Ok(Found::Present {
                id: arn.to_owned(),
                ours: true,
            });
        }
        if available && same_owner && reusable.is_none() {
            reusable = Some(arn.to_owned());
        }
    }
    if let Some(arn) = reusable {
        cx.set_output(Resource::Connection, &arn);
        return Ok(Found::Reusable { id: arn });
    }
    if let Some(foreign) = candidates
        .iter()
        .find(|c| c.connection_name() == Some(node.name.as_str()))
    {
        return Ok(Found::Present {
            id: foreign.connection_arn().unwrap_or_default().to_owned(),
            ours: false,
        });
    }
    Ok(Found::Missing)
}

pub async fn create(cx: &Ctx, name: &str) -> Result<String> {
    let c = cx.aws.connections();
    let mut tags = cx
        .tags_with(|k, v| Tag::builder().key(k).value(v).build())
        .into_iter()
        .collect::<std::result::Result<Vec<_>, _>>()?;
    tags.push(Tag::builder().key(OWNER_TAG_KEY).value(github_owner(cx)).build()?);
    let out = cx
        .call("codestar-connections", "CreateConnection", name, || {
            c.create_connection()
                .connection_name(name)
                .provider_type(ProviderType::Github)
                .set_tags(Some(tags.clone()))
                .send()
        })
        .await?;
    let arn = out.connection_arn().to_owned();
    cx.set_output(Resource::Connection, &arn);
    Ok(arn)
}

/// Waits until the student has completed the handshake. ERROR is final: it needs a new
/// connection (delete it in the console, then run again).
pub async fn wait_available(cx: &Ctx, node: &Node, arn: &str) -> Result<()> {
    let c = cx.aws.connections();
    let url = handshake_url(cx);
    let detail = ProgressDetail {
        url: Some(url.clone()),
        physical_id: Some(arn.to_owned()),
        ..Default::default()
    };
    cx.wait_for(
        node,
        "the GitHub connection handshake",
        cx.timing.connection_deadline,
        Some(detail),
        || async {
            let out = cx
                .call("codestar-connections", "GetConnection", arn, || {
                    c.get_connection().connection_arn(arn).send()
                })
                .await?;
            match out.connection().and_then(|c| c.connection_status()) {
                Some(ConnectionStatus::Available) => Ok(Ok(())),
                Some(ConnectionStatus::Error) => Err(Error::Invalid {
                    field: "source.connection".into(),
                    message: format!(
                        "the connection {arn} is in the ERROR state: delete it in the console and run again"
                    ),
                }),
                _ => Ok(Err(format!(
                    "waiting for the GitHub handshake: open {url} and complete the connection"
                ))),
            }
        },
    )
    .await
}

/// Deletes a connection the lab created. Missing is fine.
pub async fn delete(cx: &Ctx, arn: &str) -> Result<()> {
    let c = cx.aws.connections();
    match cx
        .call("codestar-connections", "DeleteConnection", arn, || {
            c.delete_connection().connection_arn(arn).send()
        })
        .await
    {
        Err(e) if !is_code(&e, GONE) => Err(e),
        _ => Ok(()),
    }
}
