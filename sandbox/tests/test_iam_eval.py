"""The IAM evaluator (iam_eval.py): pure unit tests, no sandbox needed.

Each `test_moto_*` case shows a rule moto's own evaluator (moto/iam/access_control.py) gets
wrong, next to what ours (and AWS) decides.
"""

from __future__ import annotations

import json

import pytest

from pipewright_sandbox import iam_eval
from pipewright_sandbox.iam_eval import ALLOW, EXPLICIT_DENY, IMPLICIT_DENY, evaluate

TD = "arn:aws:ecs:ap-northeast-2:123456789012:task-definition/app:2"
LOG_STREAM = ("arn:aws:logs:ap-northeast-2:123456789012:log-group:/aws/codebuild/build:"
              "log-stream:1234")


def doc(*statements) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource="*", **extra) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action, resource="*", **extra) -> dict:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def moto_decision(document: str, action: str, resource: str, context=None) -> str:
    from moto.iam.access_control import IAMPolicy, PermissionResult

    result = IAMPolicy(document).is_action_permitted(action, resource, None, context or {})
    return {PermissionResult.PERMITTED: ALLOW, PermissionResult.DENIED: EXPLICIT_DENY,
            PermissionResult.NEUTRAL: IMPLICIT_DENY}[result]


# --- the cases moto gets wrong ------------------------------------------------------------


def test_moto_actions_are_case_insensitive():
    d = doc(allow("ECS:tagresource", TD))
    assert evaluate([d], "ecs:TagResource", TD) == ALLOW
    assert moto_decision(d, "ecs:TagResource", TD) == IMPLICIT_DENY  # moto: case-sensitive


def test_moto_not_resource():
    d = doc({"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"})
    assert evaluate([d], "s3:GetObject", "arn:aws:s3:::artifacts/a.zip") == ALLOW
    assert evaluate([d], "s3:GetObject", "arn:aws:s3:::secret/a.zip") == IMPLICIT_DENY
    # moto reads only "Resource": a statement without it allows everything.
    assert moto_decision(d, "s3:GetObject", "arn:aws:s3:::secret/a.zip") == ALLOW


def test_moto_condition_operators_beyond_string_equals():
    d = doc(allow("iam:PassRole", "*",
                  Condition={"StringLike": {"iam:PassedToService": "ecs-tasks.*"}}))
    role = "arn:aws:iam::123456789012:role/exec"
    ecs = {"iam:PassedToService": "ecs-tasks.amazonaws.com"}
    other = {"iam:PassedToService": "lambda.amazonaws.com"}
    assert evaluate([d], "iam:PassRole", role, ecs) == ALLOW
    assert evaluate([d], "iam:PassRole", role, other) == IMPLICIT_DENY
    # moto skips every operator but StringEquals, so the condition never limits anything.
    assert moto_decision(d, "iam:PassRole", role, other) == ALLOW


def test_moto_failed_allow_condition_is_not_a_deny():
    d = doc(allow("ecs:TagResource", "*",
                  Condition={"StringEquals": {"ecs:CreateAction": "RegisterTaskDefinition"}}),
            allow("ecs:TagResource", TD))
    ctx = {"ecs:CreateAction": "RunTask"}
    # The first statement does not apply; the second allows.
    assert evaluate([d], "ecs:TagResource", TD, ctx) == ALLOW
    assert moto_decision(d, "ecs:TagResource", TD, ctx) == EXPLICIT_DENY


# --- decision logic ------------------------------------------------------------------------


def test_default_deny_and_explicit_deny_wins():
    assert evaluate([], "ecs:UpdateService", "*") == IMPLICIT_DENY
    a = doc(allow("ecs:*"))
    b = doc(deny("ecs:UpdateService", "arn:aws:ecs:*:*:service/prod/*"))
    svc = "arn:aws:ecs:ap-northeast-2:123456789012:service/prod/web"
    assert evaluate([a], "ecs:UpdateService", svc) == ALLOW
    assert evaluate([a, b], "ecs:UpdateService", svc) == EXPLICIT_DENY
    assert evaluate([b, a], "ecs:DescribeServices", svc) == ALLOW


def test_not_action():
    d = doc({"Effect": "Allow", "NotAction": ["iam:*", "sts:*"], "Resource": "*"})
    assert evaluate([d], "ecr:PutImage", "*") == ALLOW
    assert evaluate([d], "IAM:PassRole", "*") == IMPLICIT_DENY
    deny_all_but = doc(allow("*"), {"Effect": "Deny", "NotAction": "s3:Get*", "Resource": "*"})
    assert evaluate([deny_all_but], "s3:GetObject", "*") == ALLOW
    assert evaluate([deny_all_but], "s3:PutObject", "*") == EXPLICIT_DENY


def test_statement_without_resource_never_applies_in_identity_policy():
    assert evaluate([doc({"Effect": "Allow", "Action": "*"})], "s3:GetObject", "*") \
        == IMPLICIT_DENY


def test_action_wildcards():
    d = doc(allow(["ecr:*Layer*", "logs:Put?ogEvents"]))
    assert evaluate([d], "ecr:InitiateLayerUpload", "*") == ALLOW
    assert evaluate([d], "ecr:BatchCheckLayerAvailability", "*") == ALLOW
    assert evaluate([d], "ecr:PutImage", "*") == IMPLICIT_DENY
    assert evaluate([d], "logs:PutLogEvents", "*") == ALLOW
    assert evaluate([d], "logs:PutLLogEvents", "*") == IMPLICIT_DENY


def test_log_group_resource_forms():
    group = "arn:aws:logs:ap-northeast-2:123456789012:log-group:/aws/codebuild/build"
    only_group = doc(allow("logs:CreateLogStream", group))
    with_star = doc(allow("logs:CreateLogStream", group + ":*"))
    assert evaluate([only_group], "logs:CreateLogStream", LOG_STREAM) == IMPLICIT_DENY
    assert evaluate([with_star], "logs:CreateLogStream", LOG_STREAM) == ALLOW


def test_resource_wildcards_are_case_sensitive_and_per_segment():
    assert iam_eval.arn_matches("arn:aws:ecs:*:*:task-definition/app:*", TD)
    assert not iam_eval.arn_matches("arn:aws:ecs:*:*:task-definition/App:*", TD)
    assert iam_eval.arn_matches("arn:aws:ecs:*", TD)  # a trailing * runs over the colons
    assert iam_eval.arn_matches("arn:aws:ec?:*:*:*", "arn:aws:ecr:x:1:y")
    assert iam_eval.arn_matches("arn:aws:ecs:ap-northeast-?:*:*", TD)
    assert not iam_eval.arn_matches("arn:aws:ecs:*:*:task-definition/app:?", TD + "0")
    # `*` in the region segment does not swallow the account.
    assert not iam_eval.arn_matches("arn:aws:ecs:*:task-definition/app:2", TD)
    assert evaluate([doc(allow("ecr:GetAuthorizationToken", "arn:aws:ecr:*:*:*"))],
                    "ecr:GetAuthorizationToken", "*") == IMPLICIT_DENY


# --- conditions ----------------------------------------------------------------------------

PASS = "arn:aws:iam::123456789012:role/exec"


@pytest.mark.parametrize("operator,value,ctx,expected", [
    ("StringEquals", "ecs-tasks.amazonaws.com", "ecs-tasks.amazonaws.com", ALLOW),
    ("StringEquals", "ECS-tasks.amazonaws.com", "ecs-tasks.amazonaws.com", IMPLICIT_DENY),
    ("StringEquals", ["ec2.amazonaws.com", "ecs-tasks.amazonaws.com"],
     "ecs-tasks.amazonaws.com", ALLOW),
    ("StringNotEquals", "lambda.amazonaws.com", "ecs-tasks.amazonaws.com", ALLOW),
    ("StringNotEquals", ["x", "ecs-tasks.amazonaws.com"], "ecs-tasks.amazonaws.com",
     IMPLICIT_DENY),
    ("StringLike", "ecs*", "ecs-tasks.amazonaws.com", ALLOW),
    ("StringLike", "ecs?tasks.amazonaws.com", "ecs-tasks.amazonaws.com", ALLOW),
    ("StringNotLike", "ecs*", "ecs-tasks.amazonaws.com", IMPLICIT_DENY),
    ("StringNotLike", "lambda*", "ecs-tasks.amazonaws.com", ALLOW),
    ("StringEqualsIfExists", "ecs-tasks.amazonaws.com", None, ALLOW),
    ("StringEqualsIfExists", "ecs-tasks.amazonaws.com", "ec2.amazonaws.com", IMPLICIT_DENY),
    ("StringEquals", "ecs-tasks.amazonaws.com", None, IMPLICIT_DENY),
    ("StringNotEquals", "ecs-tasks.amazonaws.com", None, ALLOW),  # missing key: negated holds
    ("StringNotLikeIfExists", "ecs*", None, ALLOW),
    ("StringLikeIfExists", "ecs*", "lambda.amazonaws.com", IMPLICIT_DENY),
])
def test_string_operators(operator, value, ctx, expected):
    d = doc(allow("iam:PassRole", PASS, Condition={operator: {"iam:PassedToService": value}}))
    context = {} if ctx is None else {"iam:PassedToService": ctx}
    assert evaluate([d], "iam:PassRole", PASS, context) == expected


@pytest.mark.parametrize("operator,value,expected", [
    ("ArnEquals", "arn:aws:codepipeline:ap-northeast-2:123456789012:pipe", ALLOW),
    ("ArnLike", "arn:aws:codepipeline:*:123456789012:*", ALLOW),
    ("ArnLike", "arn:aws:codepipeline:*:999999999999:*", IMPLICIT_DENY),
    ("ArnNotEquals", "arn:aws:codepipeline:ap-northeast-2:123456789012:other", ALLOW),
    ("ArnNotLike", "arn:aws:codepipeline:*:*:pi*", IMPLICIT_DENY),
    ("ArnLikeIfExists", "arn:aws:codepipeline:*:*:pipe", ALLOW),
    ("ArnNotLikeIfExists", "arn:aws:codepipeline:*:*:pipe", IMPLICIT_DENY),
])
def test_arn_operators(operator, value, expected):
    d = doc(allow("s3:PutObject", "*", Condition={operator: {"aws:SourceArn": value}}))
    ctx = {"aws:SourceArn": "arn:aws:codepipeline:ap-northeast-2:123456789012:pipe"}
    assert evaluate([d], "s3:PutObject", "arn:aws:s3:::b/k", ctx) == expected


def test_multiple_keys_and_operators_are_all_of():
    d = doc(allow("s3:PutObject", "arn:aws:s3:::artifacts/*", Condition={
        "StringEquals": {"aws:ResourceAccount": "123456789012",
                         "s3:ResourceAccount": "123456789012"},
        "StringLike": {"aws:SourceAccount": "1234*"}}))
    ctx = {"aws:ResourceAccount": "123456789012", "s3:ResourceAccount": "123456789012",
           "aws:SourceAccount": "123456789012"}
    assert evaluate([d], "s3:PutObject", "arn:aws:s3:::artifacts/x", ctx) == ALLOW
    assert evaluate([d], "s3:PutObject", "arn:aws:s3:::artifacts/x",
                    {**ctx, "s3:ResourceAccount": "999999999999"}) == IMPLICIT_DENY


def test_condition_keys_are_case_insensitive_and_failed_deny_condition_does_not_deny():
    d = doc(allow("*"), deny("iam:PassRole", "*", Condition={
        "StringNotEquals": {"IAM:passedToService": "ecs-tasks.amazonaws.com"}}))
    assert evaluate([d], "iam:PassRole", PASS,
                    {"iam:PassedToService": "ecs-tasks.amazonaws.com"}) == ALLOW
    assert evaluate([d], "iam:PassRole", PASS,
                    {"iam:PassedToService": "lambda.amazonaws.com"}) == EXPLICIT_DENY


def test_null_bool_and_unknown_operators():
    null = doc(allow("s3:GetObject", "*", Condition={"Null": {"aws:SourceArn": "true"}}))
    assert evaluate([null], "s3:GetObject", "*") == ALLOW
    assert evaluate([null], "s3:GetObject", "*", {"aws:SourceArn": "x"}) == IMPLICIT_DENY
    secure = doc(allow("s3:GetObject", "*", Condition={"Bool": {"aws:SecureTransport": "true"}}))
    assert evaluate([secure], "s3:GetObject", "*", {"aws:SecureTransport": True}) == ALLOW
    numeric = doc(allow("s3:GetObject", "*", Condition={"NumericLessThan": {"s3:max-keys": "5"}}))
    assert evaluate([numeric], "s3:GetObject", "*", {"s3:max-keys": "1"}) == IMPLICIT_DENY


def test_documented_ecs_deploy_statement():
    """The tag-on-create statement from AWS's "Amazon ECS deploy action reference"."""
    d = doc(allow("ecs:TagResource", "arn:aws:ecs:*:123456789012:task-definition/app:*",
                  Condition={"StringEquals": {"ecs:CreateAction": ["RegisterTaskDefinition"]}}))
    assert evaluate([d], "ecs:TagResource", TD, {"ecs:CreateAction": "RegisterTaskDefinition"}) \
        == ALLOW
    assert evaluate([d], "ecs:TagResource", TD) == IMPLICIT_DENY


# --- trust policies ------------------------------------------------------------------------


def test_trust_policy():
    one = doc({"Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"},
               "Action": "sts:AssumeRole"})
    many = doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {
        "Service": ["codepipeline.amazonaws.com", "codebuild.amazonaws.com"]}})
    assert iam_eval.trust_allows(one, "codebuild.amazonaws.com")
    assert not iam_eval.trust_allows(one, "codepipeline.amazonaws.com")
    assert iam_eval.trust_allows(many, "codepipeline.amazonaws.com")
    conditioned = doc({"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                       "Action": "sts:AssumeRole",
                       "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}})
    assert iam_eval.trust_allows(conditioned, "ecs-tasks.amazonaws.com",
                                 {"aws:SourceAccount": "123456789012"})
    assert not iam_eval.trust_allows(conditioned, "ecs-tasks.amazonaws.com",
                                     {"aws:SourceAccount": "999999999999"})
    wrong_action = doc({"Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"},
                        "Action": "sts:TagSession"})
    assert not iam_eval.trust_allows(wrong_action, "codebuild.amazonaws.com")
