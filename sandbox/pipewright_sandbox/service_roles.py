"""Who does what on the lab's behalf, and whether the role it acts as may do it.

Every step an AWS service performs for the lab (CodePipeline running an action, CodeBuild
running a build, ECS starting a task, EventBridge Scheduler calling a schedule's target) is
made with a role. This module holds the table of those steps (WHO_DOES_WHAT, in the order AWS
makes the calls, from AWS's documentation of each role), checks each step against the role's
policies as services currently see them (consistency.role_view: moto's IAM backend, minus
changes still propagating) with iam_eval, and words refusals the way AWS does:

  User: arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION is not authorized to perform: ACTION
  on resource: RESOURCE because no identity-based policy allows the ACTION action

It also refuses, at create time, a CodeBuild project or pipeline whose role the service cannot
assume (role missing, not trusting the service, or too new: IAM consistency window);
eventbridge_scheduler.py does the same for schedules with `scheduler_can_assume`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from . import iam_eval
from .consistency import RoleState, role_view
from .registry import AwsError

CODEPIPELINE = "codepipeline.amazonaws.com"
CODEBUILD = "codebuild.amazonaws.com"
ECS_TASKS = "ecs-tasks.amazonaws.com"
SCHEDULER = "scheduler.amazonaws.com"

# What each service says when it cannot assume the role it was given.
ASSUME_MESSAGES = {
    CODEPIPELINE: "CodePipeline is not authorized to perform AssumeRole on role {role}",
    CODEBUILD: "CodeBuild is not authorized to perform: sts:AssumeRole on {role}",
    ECS_TASKS: ("ECS was unable to assume the role '{role}' that was provided for this task. "
                "Please verify that the role being passed has the proper trust relationship "
                "and permissions and that your IAM user has permissions to pass this role."),
    # Ours, in CodeBuild's shape: AWS publishes no text for an invocation whose role can no
    # longer be assumed (the failing call is sts:AssumeRole, whose code is AccessDenied).
    SCHEDULER: "EventBridge Scheduler is not authorized to perform: sts:AssumeRole on {role}",
}
# CreateSchedule / UpdateSchedule (ValidationException) when the role is missing, does not
# trust scheduler.amazonaws.com, or is too new for IAM to have propagated it.
SCHEDULER_ROLE_REFUSED = ("The execution role you provide must allow AWS EventBridge Scheduler "
                          "to assume the role.")


@dataclass(frozen=True)
class Need:
    """One call a step makes: any of `actions` on `resource` ({fact} placeholders), with extra
    condition keys; `when` names a fact that must be truthy for the call to be made."""

    actions: tuple[str, ...]
    resource: str
    context: tuple[tuple[str, str], ...] = ()
    when: str | None = None


S3_ACCOUNT = (("s3:ResourceAccount", "{account}"),)
ARTIFACT = "arn:aws:s3:::{bucket}/{key}"
USE_CONNECTION = ("codestar-connections:UseConnection", "codeconnections:UseConnection")
# {registry}: the account whose registry holds the repository (the role's own by default).
REPOSITORY = "arn:aws:ecr:{region}:{registry}:repository/{repository}"
LOG_STREAM = "arn:aws:logs:{region}:{account}:log-group:{group}:log-stream:{stream}"
# logs:CreateLogGroup is authorized against the group's ARN with an empty stream part.
LOG_GROUP = "arn:aws:logs:{region}:{account}:log-group:{group}:log-stream:"
PASSED_TO_ECS_TASKS = (("iam:PassedToService", ECS_TASKS),)

# step -> (service principal that assumes the role, the calls it makes, in order)
WHO_DOES_WHAT: dict[str, tuple[str, tuple[Need, ...]]] = {
    # CodePipeline, as the pipeline's service role ("CodePipeline service role").
    # "CodeStarSourceConnection for Bitbucket Cloud, GitHub, ... actions": use the
    # connection, then write the source artifact to the artifact store.
    "pipeline.source": (CODEPIPELINE, (
        Need(USE_CONNECTION, "{connection}"),
        Need(("s3:PutObject",), ARTIFACT, S3_ACCOUNT),
    )),
    # "CodeBuild build and test action reference": start the build, then poll it.
    "pipeline.build": (CODEPIPELINE, (
        Need(("codebuild:StartBuild",), "arn:aws:codebuild:{region}:{account}:project/{project}"),
        Need(("codebuild:BatchGetBuilds",),
             "arn:aws:codebuild:{region}:{account}:project/{project}"),
    )),
    # "Amazon Elastic Container Service deploy action reference": read imagedefinitions.json,
    # describe the service and its task definition, register a copy with the new image
    # (passing its roles to ECS tasks, and tagging it on create when the running revision
    # carries tags), then point the service at it.
    "pipeline.deploy.ecs": (CODEPIPELINE, (
        Need(("s3:GetObject",), ARTIFACT, S3_ACCOUNT),
        Need(("ecs:DescribeServices",), "{service_arn}"),
        Need(("ecs:DescribeTaskDefinition",), "*"),
        Need(("iam:PassRole",), "{execution_role}", PASSED_TO_ECS_TASKS, when="execution_role"),
        Need(("iam:PassRole",), "{task_role}", PASSED_TO_ECS_TASKS, when="task_role"),
        Need(("ecs:RegisterTaskDefinition",), "*"),
        Need(("ecs:TagResource",), "{new_revision}",
             (("ecs:CreateAction", "RegisterTaskDefinition"),), when="tagged"),
        Need(("ecs:UpdateService",), "{service_arn}"),
    )),
    # CodeBuild, as the project's service role ("CodeBuild service role"), phase by phase.
    "build.logs": (CODEBUILD, (
        Need(("logs:CreateLogGroup",), LOG_GROUP, when="new_group"),
        Need(("logs:CreateLogStream",), LOG_STREAM),
        Need(("logs:PutLogEvents",), LOG_STREAM),
    )),
    "build.source": (CODEBUILD, (
        Need(("s3:GetObject",), ARTIFACT, S3_ACCOUNT, when="key"),
        # Full clone (OutputArtifactFormat CODEBUILD_CLONE_REF): CodeBuild clones through the
        # connection ("Add CodeBuild GitClone permissions for connections").
        Need(USE_CONNECTION, "{connection}", when="connection"),
    )),
    "build.ecr_login": (CODEBUILD, (Need(("ecr:GetAuthorizationToken",), "*"),)),
    "build.push": (CODEBUILD, tuple(Need((a,), REPOSITORY) for a in (
        "ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart",
        "ecr:CompleteLayerUpload", "ecr:PutImage"))),
    "build.artifacts": (CODEBUILD, (Need(("s3:PutObject",), ARTIFACT, S3_ACCOUNT, when="key"),)),
    # `docker pull` (or FROM) of an ECR image inside the build: after the login, as the task
    # execution role pulls.
    "build.pull": (CODEBUILD, (
        Need(("ecr:BatchGetImage",), REPOSITORY),
        Need(("ecr:GetDownloadUrlForLayer",), REPOSITORY),
    )),
    # ECS, as the task execution role ("Amazon ECS task execution IAM role"): pull the image,
    # then the awslogs driver creates its stream and sends the container's output.
    "task.pull": (ECS_TASKS, (
        Need(("ecr:GetAuthorizationToken",), "*"),
        Need(("ecr:BatchGetImage",), REPOSITORY),
        Need(("ecr:GetDownloadUrlForLayer",), REPOSITORY),
    )),
    "task.logs": (ECS_TASKS, (
        Need(("logs:CreateLogGroup",), LOG_GROUP, when="create_group"),
        Need(("logs:CreateLogStream",), LOG_STREAM),
        Need(("logs:PutLogEvents",), LOG_STREAM),
    )),
    # EventBridge Scheduler, as a schedule's execution role, calling a universal target
    # (arn:aws:scheduler:::aws-sdk:SERVICE:ACTION): the target API's own IAM action on its
    # resource. The IAM prefix is the service's, not the SDK id (ELBv2's SDK id is
    # elasticloadbalancingv2, its actions elasticloadbalancing:*).
    "scheduler.ecs.updateService": (SCHEDULER, (
        Need(("ecs:UpdateService",), "{service_arn}", (("ecs:cluster", "{cluster_arn}"),)),
    )),
    "scheduler.elasticloadbalancingv2.deleteLoadBalancer": (SCHEDULER, (
        Need(("elasticloadbalancing:DeleteLoadBalancer",), "{load_balancer_arn}"),
    )),
}


@dataclass(frozen=True)
class Refusal:
    """Why a step could not be made: the role could not be assumed, or a call was denied."""

    kind: str  # "assume", a decision (iam_eval.IMPLICIT_DENY / EXPLICIT_DENY / "boundary"),
    # or "resource": the identity policy allows, but the resource's own policy (another
    # account's repository, which the sandbox cannot grant) does not
    role_arn: str
    service: str
    principal: str = ""
    action: str = ""
    resource: str = ""

    @property
    def message(self) -> str:
        if self.kind == "assume":
            return ASSUME_MESSAGES[self.service].format(role=self.role_arn)
        head = (f"User: {self.principal} is not authorized to perform: {self.action} on "
                f"resource: {self.resource}")
        if self.kind == iam_eval.EXPLICIT_DENY:
            return head + " with an explicit deny in an identity-based policy"
        if self.kind == "boundary":
            return head + f" because no permissions boundary allows the {self.action} action"
        if self.kind == "resource":
            return head + f" because no resource-based policy allows the {self.action} action"
        return head + f" because no identity-based policy allows the {self.action} action"


def assumed_role_arn(account: str, role_arn: str, session: str) -> str:
    name = role_arn.rsplit("/", 1)[-1]
    return f"arn:aws:sts::{account}:assumed-role/{name}/{session}"


def _base_context(account: str, region: str, role_arn: str, facts: dict) -> dict:
    ctx = {"aws:PrincipalAccount": account, "aws:PrincipalArn": role_arn,
           "aws:RequestedRegion": region, "aws:ResourceAccount": account,
           "aws:SourceAccount": account}
    if facts.get("source_arn"):
        ctx["aws:SourceArn"] = facts["source_arn"]
    return ctx


def _decide(state: RoleState, action: str, resource: str, ctx: dict) -> str:
    decision = iam_eval.evaluate(state.policies, action, resource, ctx)
    if decision == iam_eval.ALLOW and state.boundary is not None:
        bound = iam_eval.evaluate([state.boundary], action, resource, ctx)
        if bound != iam_eval.ALLOW:
            return "boundary" if bound == iam_eval.IMPLICIT_DENY else bound
    return decision


def _pick_action(need: Need, resource: str) -> str:
    """The action AWS names in a refusal: for aliases, the one of the resource's service."""
    service = resource.split(":")[2] if resource.startswith("arn:") else ""
    return next((a for a in need.actions if a.split(":")[0] == service), need.actions[0])


def check(step: str, account: str, region: str, role_arn: str | None, session: str,
          only: tuple[str, ...] | None = None, **facts) -> Refusal | None:
    """Check the calls of `step` (or just those whose action is in `only`; `only=()` checks
    only that the service can assume the role) as `role_arn` acting in `session`. None when
    all are allowed, else the first refusal."""
    service, needs = WHO_DOES_WHAT[step]
    facts = {"account": account, "region": region, "registry": account, **facts}
    ctx = _base_context(account, region, role_arn or "", facts)
    ctx["aws:ResourceAccount"] = facts["registry"]  # the registry's account for ECR calls
    state = role_view(account, role_arn) if role_arn else None
    if state is None or not iam_eval.trust_allows(state.trust, service, ctx):
        return Refusal("assume", role_arn or "", service)
    principal = assumed_role_arn(account, role_arn, session)
    for need in needs:
        if need.when and not facts.get(need.when):
            continue
        if only is not None and not set(need.actions) & set(only):
            continue
        resource = need.resource.format(**facts)
        call_ctx = {**ctx, **{k: v.format(**facts) for k, v in need.context}}
        decisions = {a: _decide(state, a, resource, call_ctx) for a in need.actions}
        if iam_eval.ALLOW in decisions.values():
            continue
        action = _pick_action(need, resource)
        return Refusal(decisions[action], role_arn, service, principal, action, resource)
    return None


# ---------------------------------------------------------------------------------------------
# Create-time checks: the service must be able to assume the role it is given


def assumable(account: str, role_arn: str, service: str) -> bool:
    state = role_view(account, role_arn)
    ctx = {"aws:SourceAccount": account}
    return state is not None and iam_eval.trust_allows(state.trust, service, ctx)


def scheduler_can_assume(account: str, role_arn: str, group_arn: str) -> bool:
    """CreateSchedule/UpdateSchedule's check: EventBridge Scheduler assumes the role as it will
    when the schedule runs (aws:SourceAccount, aws:SourceArn = the schedule group's ARN, the
    value AWS's confused-deputy guidance tells the trust policy to match)."""
    state = role_view(account, role_arn) if role_arn else None
    ctx = {"aws:SourceAccount": account, "aws:SourceArn": group_arn}
    return state is not None and iam_eval.trust_allows(state.trust, SCHEDULER, ctx)


def require_codebuild_role(account: str, role_arn: str) -> None:
    if not assumable(account, role_arn, CODEBUILD):
        raise AwsError("InvalidInputException", ASSUME_MESSAGES[CODEBUILD].format(role=role_arn))


def _wrap(cls, name: str, make) -> None:
    original = getattr(cls, name)
    if getattr(original, "_pw_roles", False):
        return
    wrapper = make(original)
    wrapper._pw_roles = True
    wrapper.__name__ = name
    setattr(cls, name, wrapper)


def _patch_codebuild() -> None:
    from moto.codebuild.exceptions import InvalidInputException
    from moto.codebuild.models import CodeBuildBackend

    # moto checks only that the role ARN is in the caller's account; AWS assumes the role.
    def make(original):
        def create_project(self, *args, **kwargs):
            role = kwargs.get("service_role") or ""
            if not assumable(self.account_id, role, CODEBUILD):
                raise InvalidInputException(ASSUME_MESSAGES[CODEBUILD].format(role=role))
            return original(self, *args, **kwargs)
        return create_project

    _wrap(CodeBuildBackend, "create_project", make)


def _patch_codepipeline() -> None:
    from moto.codepipeline.exceptions import InvalidStructureException
    from moto.codepipeline.models import CodePipelineBackend

    def require(backend, pipeline: dict) -> None:
        role = pipeline.get("roleArn") or ""
        if not assumable(backend.account_id, role, CODEPIPELINE):
            raise InvalidStructureException(ASSUME_MESSAGES[CODEPIPELINE].format(role=role))

    # moto compares the trust policy's Principal.Service with one string and never checks
    # UpdatePipeline; AWS evaluates the trust policy (and sees roles as IAM propagates them).
    def make_create(original):
        def create_pipeline(self, pipeline, tags):
            if pipeline.get("name") not in self.pipelines:  # moto's own error comes first
                require(self, pipeline)
            return original(self, pipeline, tags)
        return create_pipeline

    def make_update(original):
        def update_pipeline(self, pipeline):
            if pipeline.get("name") in self.pipelines:
                require(self, pipeline)
            return original(self, pipeline)
        return update_pipeline

    _wrap(CodePipelineBackend, "create_pipeline", make_create)
    _wrap(CodePipelineBackend, "update_pipeline", make_update)


def trusts(document: str, service: str, account: str) -> bool:
    """For rules.py's moto fix-up: does the trust policy let `service` assume the role, as it
    would for `account` (services set aws:SourceAccount when they assume a role)?"""
    try:
        json.loads(document)
    except (TypeError, ValueError):
        return False
    return iam_eval.trust_allows(document, service, {"aws:SourceAccount": account})


def install() -> None:
    _patch_codebuild()
    _patch_codepipeline()
