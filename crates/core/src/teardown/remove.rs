//! Removing one node of the plan: find it, check it is ours (by its ledger row and its tag),
//! record each step in the ledger, and have its kind's module delete it (`resources::delete`,
//! which drains, empties or waits as the kind needs). A failure gets a hint.

use crate::error::{Error, ErrorCode, Result, is_code, retryable};
use crate::ledger::ResourceState;
use crate::plan::{Kind, Node, Resource};
use crate::progress::{NodeState, ProgressDetail, ProgressNote};
use crate::resources::{self, Found, Label, Target, s3_bucket, task_definition};

use super::{Claim, LeftoverReason, Run, TeardownHint, set_state};

/// Finds, checks and removes one node of the plan (see the module header of `teardown`).
pub(super) async fn node(run: &Run, node: &Node, claim: Claim) -> Result<()> {
    let l = Label::from(node);
    let cx = &run.cx;
    let found = find(run, node, claim).await?;
    let id = match found {
        Found::Missing => {
            if let Claim::Ledger(_) = claim {
                set_state(run, node, ResourceState::Deleted)?;
                let note = ProgressDetail {
                    note: Some(ProgressNote::AlreadyGone),
                    ..Default::default()
                };
                run.emit(&l, NodeState::Deleted, Some("already gone".into()), Some(note));
            }
            return Ok(());
        }
        Found::Reusable { id } => {
            run.skipped(
                &l,
                Some(&id),
                LeftoverReason::Reused,
                "reused, not created by this lab: left as is",
            );
            return Ok(());
        }
        Found::Present { id, ours: false } => {
            if let Claim::Ledger(_) = claim {
                // What the lab made is gone; what stands under its name is someone else's.
                set_state(run, node, ResourceState::Deleted)?;
            }
            let why = format!(
                "exists without the tag pipewright:lab={}: not ours, left alone",
                cx.lab()
            );
            run.skipped(&l, Some(&id), LeftoverReason::NotOurs, &why);
            return Ok(());
        }
        Found::Present { id, ours: true } => id,
    };
    if node.resource == Resource::Connection && shared(run, &id)? {
        run.skipped(
            &l,
            Some(&id),
            LeftoverReason::SharedConnection,
            "another lab in the ledger uses this connection: left as is",
        );
        return Ok(());
    }
    if run.options.dry_run {
        run.would_delete(&l, Some(&id));
        return Ok(());
    }
    set_state(run, node, ResourceState::Deleting)?;
    run.emit(&l, NodeState::Deleting, None, None);
    let target = Target {
        id: &id,
        name: &node.name,
        cluster: &cx.plan.names.cluster,
    };
    resources::delete(cx, &l, node.kind(), target).await?;
    set_state(run, node, ResourceState::Deleted)?;
    run.deleted(&l, Some(&id));
    Ok(())
}

/// The node's resource and whether it is ours, by describe. Adds the one exception Apply
/// makes: an untagged bucket that our intent row names (S3 tags after creating).
async fn find(run: &Run, node: &Node, claim: Claim) -> Result<Found> {
    let cx = &run.cx;
    let found = resources::describe_afresh(cx, node).await?;
    match node.resource {
        Resource::ArtifactBucket => {
            let claimed = matches!(claim, Claim::Ledger(ResourceState::Intent | ResourceState::Deleting));
            match found {
                Found::Present { id, ours: false } if claimed && s3_bucket::is_untagged(cx, &id).await? => {
                    Ok(Found::Present { id, ours: true })
                }
                other => Ok(other),
            }
        }
        Resource::TaskDefinition => {
            // The pipeline's deploys register revisions of their own (untagged): the family
            // is ours when the revision the ledger recorded carries the tag. It is removed as
            // a family, by name.
            let family = node.name.clone();
            match (&found, ledger_id(run, node)?) {
                (Found::Present { ours: false, .. }, Some(arn))
                    if task_definition::revision_is_ours(cx, &arn).await? =>
                {
                    Ok(Found::Present { id: family, ours: true })
                }
                (Found::Present { ours, .. }, _) => Ok(Found::Present {
                    id: family,
                    ours: *ours,
                }),
                _ => Ok(found),
            }
        }
        _ => Ok(found),
    }
}

fn ledger_id(run: &Run, node: &Node) -> Result<Option<String>> {
    let rows = run.cx.ledger.resources(run.cx.lab())?;
    Ok(rows
        .into_iter()
        .find(|r| r.kind == node.kind().as_str() && r.name == node.name)
        .and_then(|r| r.physical_id))
}

/// Whether another lab of the ledger uses this connection (reused it).
pub(crate) fn shared(run: &Run, arn: &str) -> Result<bool> {
    let ledger = &run.cx.ledger;
    for lab in ledger.labs()? {
        if lab == run.cx.lab() {
            continue;
        }
        let uses = ledger.resources(&lab)?.iter().any(|r| {
            r.kind == Kind::Connection.as_str()
                && r.physical_id.as_deref() == Some(arn)
                && r.state != ResourceState::Deleted
        });
        if uses {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Which advice a failed deletion gets.
pub(super) fn hint_kind(e: &Error) -> TeardownHint {
    if is_code(e, &["DependencyViolation"]) {
        TeardownHint::Dependency
    } else if retryable(e) || matches!(e, Error::WaitTimeout { .. }) {
        TeardownHint::Busy
    } else if e.hint().is_some() && e.code() != ErrorCode::WaitTimeout {
        TeardownHint::Error
    } else {
        TeardownHint::Console
    }
}

/// What to do about a failed deletion, in English (the app words it by [`hint_kind`]).
/// `again` says what to run again to carry on.
pub(super) fn hint(again: &str, l: &Label, e: &Error) -> String {
    match hint_kind(e) {
        TeardownHint::Dependency => format!(
            "Network interfaces of deleted tasks and load balancers take a few minutes to go away. {again} \
             If an interface belongs to something else (its description says what), delete that first."
        ),
        TeardownHint::Busy => format!("AWS kept answering that it is busy or unavailable. {again}"),
        TeardownHint::Error => format!("{} {again}", e.hint().unwrap_or_default()),
        TeardownHint::Console => format!(
            "{again} If it fails again, delete the {} {:?} in the AWS console.",
            l.kind, l.name
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aws(code: ErrorCode, aws_code: &str) -> Error {
        Error::Aws {
            code,
            operation: "DeleteSomething",
            aws_code: aws_code.into(),
            message: "refused".into(),
        }
    }

    #[test]
    fn each_failure_gets_the_advice_its_error_calls_for() {
        let cases = [
            (aws(ErrorCode::Aws, "DependencyViolation"), TeardownHint::Dependency),
            (aws(ErrorCode::Aws, "ThrottlingException"), TeardownHint::Busy),
            (
                Error::WaitTimeout {
                    what: "the service to drain".into(),
                    seconds: 600,
                },
                TeardownHint::Busy,
            ),
            (aws(ErrorCode::AccessDenied, "AccessDenied"), TeardownHint::Error),
            (aws(ErrorCode::Aws, "InvalidParameterValue"), TeardownHint::Console),
        ];
        for (e, want) in cases {
            assert_eq!(hint_kind(&e), want, "{e}");
        }
        let l = Label {
            step: crate::plan::Step::Registry,
            kind: Kind::EcrRepository,
            name: "ktb-repo".into(),
        };
        assert_eq!(
            hint("Run it again.", &l, &aws(ErrorCode::AccessDenied, "AccessDenied")),
            "These credentials lack a permission this step needs; ask your instructor. Run it again."
        );
    }
}
