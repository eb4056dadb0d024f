//! The load balancer's HTTP listener on the spec's port, forwarding to the target group.
//! Listeners have no name: it is found by its port on our load balancer (the ledger calls it
//! `<alb>:<port>`), and it goes when its load balancer does.

use aws_sdk_elasticloadbalancingv2::types::{Action, ActionTypeEnum, ProtocolEnum, Tag};

use crate::error::{Result, is_code};
use crate::plan::{Kind, Resource};

use super::load_balancer::{self, tags_of};
use super::{Arn, Ctx, Found, Tagged};

pub const GONE: &[&str] = &["ListenerNotFound"];

pub const ALREADY_EXISTS: &[&str] = &["DuplicateListener"];

/// `listener/app/<load balancer>/<id>/<id>`: named after its load balancer.
pub fn from_arn(arn: &Arn) -> Option<Tagged> {
    match (arn.service, arn.path.as_slice()) {
        ("elasticloadbalancing", ["listener", _, name, _, _]) => Some(arn.tagged(Kind::Listener, name, arn.text)),
        _ => None,
    }
}

/// The listener on the lab's load balancer, which is looked up first (Teardown and the
/// inventory have not just described it): no load balancer, no listener.
pub async fn describe_afresh(cx: &Ctx) -> Result<Found> {
    match load_balancer::describe(cx, &cx.plan.names.load_balancer).await? {
        Found::Present { .. } => describe(cx).await,
        _ => Ok(Found::Missing),
    }
}

pub async fn describe(cx: &Ctx) -> Result<Found> {
    let elb = cx.aws.elbv2();
    let lb = cx.output(Resource::LoadBalancer)?;
    let port = cx.spec.deploy.load_balancer.listener_port as i32;
    let out = cx
        .call("elasticloadbalancing", "DescribeListeners", &lb, || {
            elb.describe_listeners().load_balancer_arn(&lb).send()
        })
        .await?;
    let Some(l) = out.listeners().iter().find(|l| l.port() == Some(port)) else {
        return Ok(Found::Missing);
    };
    let arn = l.listener_arn().unwrap_or_default().to_owned();
    let tags = tags_of(cx, &arn).await?;
    // An untagged listener on our own load balancer is ours too (the balancer carries the tag).
    let ours = tags.is_empty() || cx.is_ours(tags.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    cx.set_output(Resource::Listener, &arn);
    Ok(Found::Present { id: arn, ours })
}

pub async fn create(cx: &Ctx) -> Result<String> {
    let elb = cx.aws.elbv2();
    let lb = cx.output(Resource::LoadBalancer)?;
    let tg = cx.output(Resource::TargetGroup)?;
    let port = cx.spec.deploy.load_balancer.listener_port as i32;
    let tags = cx.tags_with(|k, v| Tag::builder().key(k).value(v).build());
    let forward = Action::builder()
        .r#type(ActionTypeEnum::Forward)
        .target_group_arn(&tg)
        .build();
    let out = cx
        .call("elasticloadbalancing", "CreateListener", &lb, || {
            elb.create_listener()
                .load_balancer_arn(&lb)
                .protocol(ProtocolEnum::Http)
                .port(port)
                .default_actions(forward.clone())
                .set_tags(Some(tags.clone()))
                .send()
        })
        .await?;
    let arn = out
        .listeners()
        .first()
        .and_then(|l| l.listener_arn())
        .unwrap_or_default()
        .to_owned();
    cx.set_output(Resource::Listener, &arn);
    Ok(arn)
}

pub async fn delete(cx: &Ctx, arn: &str) -> Result<()> {
    let elb = cx.aws.elbv2();
    match cx
        .call("elasticloadbalancing", "DeleteListener", arn, || {
            elb.delete_listener().listener_arn(arn).send()
        })
        .await
    {
        Err(e) if !is_code(&e, GONE) => Err(e),
        _ => Ok(()),
    }
}
