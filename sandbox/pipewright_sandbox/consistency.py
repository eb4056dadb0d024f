"""Eventual consistency, made deterministic: AWS's "not yet" right after a create or change.

AWS documents that EC2 calls right after CreateSecurityGroup may answer InvalidGroup.NotFound
("Eventual consistency in the Amazon EC2 API"), and that IAM changes take a while to reach
the services that use a role. moto is consistent at once, so a product that forgets to retry
works here and fails on AWS. The sandbox opens a window after each such change:

- EC2 (`ec2Ms`): for that long after CreateSecurityGroup, any EC2, ELBv2 or ECS call naming
  the new group id answers as if the group did not exist (each in its own service's error).
- IAM (`iamMs`): services see a role as it was `iamMs` ago. A new role cannot be assumed
  (CreateProject, CreatePipeline and every service step refuse it); a new or changed inline
  or attached policy, trust policy or permissions boundary is not yet in effect (the previous
  version applies). service_roles.py reads roles only through `role_view()`.

Windows are wall-clock milliseconds (not scaled by the time scale: propagation does not get
faster when the simulation does). Control: GET/POST /_sandbox/consistency
{"ec2Ms": N, "iamMs": N} (0 turns a window off); start-up defaults from
PIPEWRIGHT_SANDBOX_EC2_CONSISTENCY_MS / PIPEWRIGHT_SANDBOX_IAM_CONSISTENCY_MS.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass, field

from .registry import REQUEST_CHECKS, AwsError, control

DEFAULT_EC2_MS = 300.0
DEFAULT_IAM_MS = 800.0
_MARK = "_pw_consistency"
_LOCK = threading.Lock()


def _env_ms(name: str, default: float) -> float:
    try:
        return max(0.0, float(os.environ.get(name, default)))
    except ValueError:
        return default


WINDOWS = {"ec2Ms": _env_ms("PIPEWRIGHT_SANDBOX_EC2_CONSISTENCY_MS", DEFAULT_EC2_MS),
           "iamMs": _env_ms("PIPEWRIGHT_SANDBOX_IAM_CONSISTENCY_MS", DEFAULT_IAM_MS)}


def window_seconds(kind: str) -> float:
    return WINDOWS[kind] / 1000.0


@control("GET", "/_sandbox/consistency")
def get_windows(body: dict, query: dict) -> dict:
    return dict(WINDOWS)


@control("POST", "/_sandbox/consistency")
def set_windows(body: dict, query: dict) -> dict:
    unknown = set(body) - set(WINDOWS)
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)}; expected ec2Ms, iamMs")
    for key, value in body.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ValueError(f"{key} must be a number of milliseconds >= 0")
    WINDOWS.update({k: float(v) for k, v in body.items()})
    return dict(WINDOWS)


def _wrap(cls, name: str, make) -> None:
    original = getattr(cls, name)
    if getattr(original, _MARK, False):
        return
    wrapper = make(original)
    setattr(wrapper, _MARK, True)
    wrapper.__name__ = name
    setattr(cls, name, wrapper)


# =============================================================================================
# EC2: a new security group is not visible for a while

_NEW_GROUPS: dict[str, float] = {}  # group id -> time.monotonic() of CreateSecurityGroup


def group_not_visible(group_id: str) -> bool:
    with _LOCK:
        created = _NEW_GROUPS.get(group_id)
    return created is not None and time.monotonic() - created < window_seconds("ec2Ms")


def _not_found(service: str, group_id: str) -> AwsError:
    """Each service's own answer for a group it cannot see (ECS and ELBv2 ask EC2)."""
    if service == "ecs":
        return AwsError("InvalidParameterException",
                        f"Error retrieving security group information for [{group_id}]: The "
                        f"security group '{group_id}' does not exist (ErrorCode: "
                        "InvalidGroup.NotFound)")
    if service == "elasticloadbalancing":
        return AwsError("InvalidSecurityGroup", f"Security group {group_id} does not exist")
    return AwsError("InvalidGroup.NotFound", f"The security group '{group_id}' does not exist")


def _check_groups(call) -> None:
    if call.service not in ("ec2", "elasticloadbalancing", "ecs") or not _NEW_GROUPS:
        return
    for key, value in call.param_items():
        # EC2 filters never fail on an unknown id (they just match nothing).
        if call.service == "ec2" and key.startswith("Filter."):
            continue
        if value.startswith("sg-") and group_not_visible(value):
            raise _not_found(call.service, value)


def _patch_ec2() -> None:
    from moto.ec2.models import EC2Backend

    def make(original):
        def create_security_group(self, *args, **kwargs):
            group = original(self, *args, **kwargs)
            with _LOCK:
                now = time.monotonic()
                _NEW_GROUPS[group.id] = now
                horizon = now - 600.0  # forget old entries: windows are (much) shorter
                for gid in [g for g, t in _NEW_GROUPS.items() if t < horizon]:
                    del _NEW_GROUPS[gid]
            return group
        return create_security_group

    _wrap(EC2Backend, "create_security_group", make)


# =============================================================================================
# IAM: services see roles as they were `iamMs` ago


@dataclass(frozen=True)
class RoleState:
    """What a service needs to know about a role: its trust and its permissions."""

    arn: str
    name: str
    trust: str
    policies: tuple = ()  # inline and attached managed policy documents
    boundary: str | None = None  # the permissions boundary's document
    managed_names: tuple = field(default=())


# role ARN -> [(time.monotonic(), RoleState or None (deleted))], oldest first
_HISTORY: dict[str, list[tuple[float, RoleState | None]]] = {}
_KEEP = 30


def _default_document(policy) -> str:
    for version in policy.versions:
        if version.is_default:
            doc = version.document
            return doc if isinstance(doc, str) else json.dumps(doc)
    return "{}"


def _iam(account: str):
    from moto.iam.models import iam_backends

    return iam_backends[account]["aws"]


def snapshot(backend, role) -> RoleState:
    docs = list(role.policies.values())
    docs += [_default_document(p) for p in role.managed_policies.values()]
    boundary = None
    if role.permissions_boundary_arn:
        try:
            boundary = _default_document(backend.get_policy(role.permissions_boundary_arn))
        except Exception:  # a boundary policy that no longer exists allows nothing
            boundary = "{}"
    return RoleState(arn=role.arn, name=role.name, trust=role.assume_role_policy_document,
                     policies=tuple(docs), boundary=boundary,
                     managed_names=tuple(p.name for p in role.managed_policies.values()))


def _record(arn: str, state: RoleState | None) -> None:
    with _LOCK:
        hist = _HISTORY.setdefault(arn, [])
        hist.append((time.monotonic(), state))
        del hist[:-_KEEP]


def _live(account: str, arn: str) -> RoleState | None:
    backend = _iam(account)
    for role in backend.roles.values():
        if role.arn == arn:
            return snapshot(backend, role)
    return None


def role_view(account: str, arn: str) -> RoleState | None:
    """The role as services see it now: None if it does not exist for them (yet)."""
    window = window_seconds("iamMs")
    with _LOCK:
        hist = list(_HISTORY.get(arn, ()))
    if not window or not hist or hist[-1][0] <= time.monotonic() - window:
        return _live(account, arn)  # settled: read moto's IAM backend at this moment
    cutoff = time.monotonic() - window
    older = [state for t, state in hist if t <= cutoff]
    return older[-1] if older else None


def _patch_iam() -> None:
    from moto.iam.models import IAMBackend

    def record_roles(backend, roles) -> None:
        for role in roles:
            _record(role.arn, snapshot(backend, role))

    def by_name(make_roles):
        """Wrap a mutator; afterwards snapshot the roles `make_roles(backend, args)` names."""
        def make(original):
            def wrapper(self, *args, **kwargs):
                result = original(self, *args, **kwargs)
                record_roles(self, make_roles(self, result, args, kwargs))
                return result
            return wrapper
        return make

    def named(arg_index: int, kw: str):
        def roles(backend, result, args, kwargs):
            name = kwargs.get(kw, args[arg_index] if len(args) > arg_index else None)
            return [backend.get_role(name)]
        return roles

    def attached(arg_index: int, kw: str):
        def roles(backend, result, args, kwargs):
            arn = kwargs.get(kw, args[arg_index] if len(args) > arg_index else None)
            return [r for r in backend.roles.values() if arn in r.managed_policies]
        return roles

    _wrap(IAMBackend, "create_role", by_name(lambda b, role, a, k: [role]))
    for name in ("update_assume_role_policy", "put_role_policy", "delete_role_policy",
                 "put_role_permissions_boundary", "delete_role_permissions_boundary"):
        _wrap(IAMBackend, name, by_name(named(0, "role_name")))
    for name in ("attach_role_policy", "detach_role_policy"):
        _wrap(IAMBackend, name, by_name(named(1, "role_name")))
    for name in ("create_policy_version", "set_default_policy_version"):
        _wrap(IAMBackend, name, by_name(attached(0, "policy_arn")))

    def make_delete(original):
        def delete_role(self, role_name):
            arn = self.get_role(role_name).arn
            result = original(self, role_name)
            _record(arn, None)
            return result
        return delete_role

    _wrap(IAMBackend, "delete_role", make_delete)


def install() -> None:
    _patch_ec2()
    _patch_iam()
    if _check_groups not in REQUEST_CHECKS:
        REQUEST_CHECKS.append(_check_groups)
