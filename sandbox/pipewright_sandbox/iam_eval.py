"""IAM policy evaluation: what AWS decides when a role (or a service assuming it) acts.

Pure functions over policy documents (JSON strings or dicts); nothing here touches moto.
service_roles.py feeds them the policies of a role as moto's IAM backend holds them.

Why our own: moto's evaluator (moto/iam/access_control.py, IAMPolicyStatement) is built for
checking API callers and gets rules wrong that the lab depends on: it compares actions
case-sensitively, ignores NotResource, knows only StringEquals-like conditions, and turns an
Allow whose condition fails into a Deny. tests/test_iam_eval.py pins each of those cases.

The logic follows AWS's "Policy evaluation logic" (single account, identity-based policies):
- a statement applies when its Action/NotAction, Resource/NotResource (and, in a trust
  policy, Principal/NotPrincipal) match and every condition holds;
- an applying Deny wins over everything; otherwise an applying Allow allows; otherwise the
  request is implicitly denied. A failed condition only means "does not apply": an Allow
  with a failed condition never becomes a Deny.
Supported condition operators: String(Not)Equals(IgnoreCase), String(Not)Like,
Arn(Not)Equals, Arn(Not)Like, each with ...IfExists, plus Bool and Null. Values in a list
are any-of; several keys (and several operators) are all-of. An operator we do not know makes
its statement not apply (documented in the README).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any, Iterable, Mapping

ALLOW = "Allow"
EXPLICIT_DENY = "ExplicitDeny"
IMPLICIT_DENY = "ImplicitDeny"


# ---------------------------------------------------------------------------------------------
# Wildcards


@lru_cache(maxsize=4096)
def _glob(pattern: str, ignore_case: bool = False) -> re.Pattern:
    """`*` any run of characters, `?` one character, everything else literal."""
    out = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(out, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def action_matches(pattern: str, action: str) -> bool:
    """IAM action names are case-insensitive ("ECS:tagresource" is ecs:TagResource)."""
    return bool(_glob(pattern, True).fullmatch(action))


def arn_matches(pattern: str, arn: str) -> bool:
    """AWS's ARN matching (Resource elements, ArnLike/ArnEquals): case-sensitive, the six
    colon-separated parts compared one by one with `*`/`?` inside each; the resource part
    (the sixth) may itself contain colons and slashes. A pattern with fewer parts whose last
    part ends in `*` lets that `*` run over the remaining colons ("arn:aws:ecs:*")."""
    if pattern == "*":
        return True
    pats, parts = pattern.split(":", 5), arn.split(":", 5)
    if len(pats) < 6:
        if not pats[-1].endswith("*") or len(parts) < len(pats):
            return False
        head, rest = pats[:-1], ":".join(parts[len(pats) - 1:])
        return all(_glob(p).fullmatch(a) for p, a in zip(head, parts)) and \
            bool(_glob(pats[-1]).fullmatch(rest))
    if len(parts) != 6:
        return False
    return all(_glob(p).fullmatch(a) for p, a in zip(pats, parts))


def resource_matches(pattern: str, resource: str) -> bool:
    if resource.startswith("arn:") or pattern.startswith("arn:"):
        return arn_matches(pattern, resource)
    return bool(_glob(pattern).fullmatch(resource))  # "*" and other non-ARN resources


# ---------------------------------------------------------------------------------------------
# Conditions

# operator (lowercase, without IfExists) -> (match(context_value, policy_value), negated)
_OPERATORS = {
    "stringequals": (lambda v, p: v == p, False),
    "stringnotequals": (lambda v, p: v == p, True),
    "stringequalsignorecase": (lambda v, p: v.lower() == p.lower(), False),
    "stringnotequalsignorecase": (lambda v, p: v.lower() == p.lower(), True),
    "stringlike": (lambda v, p: bool(_glob(p).fullmatch(v)), False),
    "stringnotlike": (lambda v, p: bool(_glob(p).fullmatch(v)), True),
    "arnequals": (lambda v, p: arn_matches(p, v), False),
    "arnlike": (lambda v, p: arn_matches(p, v), False),
    "arnnotequals": (lambda v, p: arn_matches(p, v), True),
    "arnnotlike": (lambda v, p: arn_matches(p, v), True),
    "bool": (lambda v, p: v.lower() == p.lower(), False),
}


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _lookup(context: Mapping[str, Any], key: str) -> list[str] | None:
    """Condition keys are case-insensitive; a missing key is None."""
    lowered = key.lower()
    for k, v in context.items():
        if k.lower() == lowered:
            return [_text(x) for x in _as_list(v)]
    return None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _one_condition(operator: str, key: str, wanted: Any, context: Mapping[str, Any]) -> bool:
    op = operator.lower()
    if_exists = op.endswith("ifexists")
    if if_exists:
        op = op[: -len("ifexists")]
    have = _lookup(context, key)
    wanted = [_text(w) for w in _as_list(wanted)]
    if op == "null":  # {"Null": {"key": "true"}}: the key is absent
        return any((have is None) == (w.lower() == "true") for w in wanted)
    if op not in _OPERATORS:
        return False  # unknown operator (Numeric*, Date*, IpAddress, ForAnyValue:...)
    match, negated = _OPERATORS[op]
    if have is None:
        # AWS: a missing key fails a positive operator and satisfies a negated one;
        # ...IfExists is satisfied either way.
        return if_exists or negated
    hit = any(match(v, w) for v in have for w in wanted)
    return not hit if negated else hit


def conditions_hold(block: Mapping[str, Any] | None, context: Mapping[str, Any]) -> bool:
    """All operators and all keys must hold; the values under one key are any-of."""
    for operator, keys in (block or {}).items():
        for key, wanted in (keys or {}).items():
            if not _one_condition(operator, key, wanted, context):
                return False
    return True


# ---------------------------------------------------------------------------------------------
# Statements and documents


def _statements(document: Any) -> list[dict]:
    if isinstance(document, (str, bytes)):
        document = json.loads(document) if document.strip() else {}
    stmts = (document or {}).get("Statement", [])
    return [stmts] if isinstance(stmts, dict) else list(stmts)


def _principal_matches(element: Any, principal: Mapping[str, str]) -> bool:
    if element == "*":
        return True
    if not isinstance(element, dict):
        return False
    for kind, values in element.items():
        for value in _as_list(values):
            if value == "*" or principal.get(kind) == value:
                return True
    return False


def statement_applies(st: dict, action: str, resource: str, context: Mapping[str, Any],
                      principal: Mapping[str, str] | None = None) -> bool:
    """Whether one statement matches this request (its Effect is the caller's business)."""
    if "Action" in st:
        if not any(action_matches(p, action) for p in _as_list(st["Action"])):
            return False
    elif "NotAction" in st:
        if any(action_matches(p, action) for p in _as_list(st["NotAction"])):
            return False
    else:
        return False
    if principal is None:  # identity-based policy: Resource/NotResource is required
        if "Resource" in st:
            if not any(resource_matches(p, resource) for p in _as_list(st["Resource"])):
                return False
        elif "NotResource" in st:
            if any(resource_matches(p, resource) for p in _as_list(st["NotResource"])):
                return False
        else:
            return False
    else:  # resource-based (trust) policy: Principal/NotPrincipal decides
        if "Principal" in st:
            if not _principal_matches(st["Principal"], principal):
                return False
        elif "NotPrincipal" in st:
            if _principal_matches(st["NotPrincipal"], principal):
                return False
        else:
            return False
    return conditions_hold(st.get("Condition"), context)


def evaluate(documents: Iterable[Any], action: str, resource: str,
             context: Mapping[str, Any] | None = None,
             principal: Mapping[str, str] | None = None) -> str:
    """ALLOW, EXPLICIT_DENY or IMPLICIT_DENY for `action` on `resource` under `documents`."""
    context = context or {}
    allowed = False
    for document in documents:
        for st in _statements(document):
            if not statement_applies(st, action, resource, context, principal):
                continue
            if st.get("Effect") == "Deny":
                return EXPLICIT_DENY
            if st.get("Effect") == "Allow":
                allowed = True
    return ALLOW if allowed else IMPLICIT_DENY


def trust_allows(document: Any, service: str, context: Mapping[str, Any] | None = None) -> bool:
    """Whether a role's trust policy lets `service` (e.g. "codebuild.amazonaws.com") call
    sts:AssumeRole on it."""
    return evaluate([document], "sts:AssumeRole", "*", context,
                    principal={"Service": service}) == ALLOW
