"""EventBridge Scheduler as AWS runs it: validated at create time, and one-time schedules fire.

moto 5.2.5 stores schedules and groups but never runs them, and accepts any target ARN and any
role (or none). The lab uses Scheduler as its billing stop: a schedule group tagged with the
lab, and one-time schedules (`at(...)`, ActionAfterCompletion DELETE) whose universal targets
scale the ECS service to zero (`arn:aws:scheduler:::aws-sdk:ecs:updateService`) and delete
the load balancer (`...:aws-sdk:elasticloadbalancingv2:deleteLoadBalancer`), run by an
execution role that may do exactly that. Here:

- CreateSchedule / UpdateSchedule validate what AWS validates: the schedule expression
  (`at(yyyy-mm-ddThh:mm:ss)`, `rate(...)`, `cron(...)`), ScheduleExpressionTimezone (IANA,
  default UTC), FlexibleTimeWindow, ActionAfterCompletion, the target ARN (universal targets
  must name an AWS SDK service id and one of its actions in camelCase; read-only actions are
  refused), a universal target's Input, and the execution role (it must exist and trust
  scheduler.amazonaws.com, as IAM currently shows it to services: consistency.role_view).
- Time is the sandbox's AWS time (`registry.CLOCK.aws_time()`: the wall clock at start plus
  the AWS seconds elapsed, 1/scale times faster than wall time). Creation and modification
  dates are on it, and an at() schedule is due when AWS time reaches its time in its time
  zone (FLEXIBLE: at the start of its window).
- The shared ticker fires a due, ENABLED one-time schedule once: it assumes the role (trust
  and IAM windows as for every service step, service_roles.check), checks the target API's
  IAM action on its resource against the role (`ecs:UpdateService` on the service,
  `elasticloadbalancing:DeleteLoadBalancer` on the load balancer), then makes the real API
  call into moto, through moto's own request handling (so the ECS service scales down through
  the same code path UpdateService takes: ecs_rollout stops its tasks and drains its targets,
  rules.py lets its interfaces linger). Every invocation is recorded (GET
  /_sandbox/scheduler/invocations) and logged to stderr: AWS has no API for it (it emits
  CloudWatch metrics and sends failures to the dead-letter queue, whose ERROR_CODE and
  ERROR_MESSAGE are the target's own error). Other universal targets (and templated targets)
  are accepted as AWS accepts them but recorded as not supported by the sandbox.
- After a one-time schedule ran, ActionAfterCompletion DELETE deletes it; NONE keeps it.
- Schedule groups: TagResource / UntagResource / ListTagsForResource take only a schedule
  group's ARN (AWS's pattern; schedules cannot be tagged) of a group that exists; creating a
  group that exists is a ConflictException (moto replaced it, dropping its schedules);
  deleting a group deletes its schedules (moto: at once; AWS: DELETING for a while).
Recurring schedules (rate, cron) are validated and stored, not fired.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Callable
from urllib.parse import unquote, urlencode

from . import service_roles
from .registry import CLOCK, add_ticker, control

_MARK = "_pw_scheduler"

# =============================================================================================
# Universal targets: AWS SDK service ids and their actions (botocore's models)

UNIVERSAL = re.compile(r"^arn:aws:scheduler:::aws-sdk:([^:]+):([^:]+)$")

# AWS: "EventBridge Scheduler does not support read-only API actions ... that begin with the
# following list of prefixes" ("Using universal targets in EventBridge Scheduler").
READ_ONLY_PREFIXES = (
    "get", "describe", "list", "poll", "receive", "search", "scan", "query", "select", "read",
    "lookup", "discover", "validate", "batchGet", "batchDescribe", "batchRead", "transactGet",
    "adminGet", "adminList", "testMigration", "retrieve", "testConnection", "translateDocument",
    "isAuthorized", "invokeModel",
)

# The universal target's service is the AWS SDK service id (the model's serviceId, lowercased,
# without spaces or dashes: "cognitoidentityprovider", not "cognito-idp"). For most services
# that is botocore's name without dashes; these are the others (botocore 1.44.8, pinned;
# tests/test_scheduler.py checks the table against botocore's models). Their botocore names
# are not SDK ids: "elbv2" is refused, "elasticloadbalancingv2" is ELBv2.
SDK_ID_TO_BOTOCORE = {
    "applicationdiscoveryservice": "discovery", "cloudwatchlogs": "logs",
    "cognitoidentityprovider": "cognito-idp", "configservice": "config",
    "costandusagereportservice": "cur", "costexplorer": "ce",
    "databasemigrationservice": "dms", "directoryservice": "ds",
    "directoryservicedata": "ds-data", "elasticloadbalancing": "elb",
    "elasticloadbalancingv2": "elbv2", "elasticsearchservice": "es", "eventbridge": "events",
    "iotdataplane": "iot-data", "iotjobsdataplane": "iot-jobs-data",
    "lexmodelbuildingservice": "lex-models", "lexmodelsv2": "lexv2-models",
    "lexruntimeservice": "lex-runtime", "lexruntimev2": "lexv2-runtime",
    "marketplaceentitlementservice": "marketplace-entitlement",
    "marketplacemetering": "meteringmarketplace", "migrationhub": "mgh",
    "pinpointsmsvoice": "sms-voice", "serverlessapplicationrepository": "serverlessrepo",
    "sfn": "stepfunctions", "simpledb": "sdb",
}

# Templated targets ("Using templated targets in EventBridge Scheduler"): the service of the
# target's ARN. Accepted at create time; the sandbox does not run them.
TEMPLATED_SERVICES = {"codebuild", "codepipeline", "ecs", "events", "firehose", "inspector",
                      "kinesis", "lambda", "sagemaker", "sns", "sqs", "states"}

_botocore_lock = threading.Lock()


@lru_cache(maxsize=1)
def _botocore_session():
    import botocore.session

    return botocore.session.get_session()


@lru_cache(maxsize=1)
def _botocore_names() -> frozenset:
    return frozenset(_botocore_session().get_available_services())


def botocore_name(sdk_id: str) -> str | None:
    """botocore's name of the service whose AWS SDK service id is `sdk_id`, or None."""
    if sdk_id in SDK_ID_TO_BOTOCORE:
        return SDK_ID_TO_BOTOCORE[sdk_id]
    others = set(SDK_ID_TO_BOTOCORE.values())
    for name in _botocore_names():
        if name not in others and name.replace("-", "") == sdk_id:
            return name
    return None


@lru_cache(maxsize=64)
def service_model(name: str):
    from botocore.model import ServiceModel

    with _botocore_lock:
        loader = _botocore_session().get_component("data_loader")
        return ServiceModel(loader.load_service_model(name, "service-2"), service_name=name)


def sdk_action(operation: str) -> str:
    """The SDK's spelling of an operation in a universal target: camelCase."""
    return operation[:1].lower() + operation[1:]


def operation_of(sdk_id: str, action: str) -> str | None:
    """The API operation (e.g. "UpdateService") `arn:aws:scheduler:::aws-sdk:SDK_ID:ACTION`
    names, or None when the service or the action (in SDK spelling) does not exist."""
    name = botocore_name(sdk_id)
    if name is None:
        return None
    for op in service_model(name).operation_names:
        if sdk_action(op) == action:
            return op
    return None


# =============================================================================================
# Errors, in moto's exception classes (moto renders them in the restJson shape)


def _validation(message: str):
    from moto.scheduler.exceptions import ValidationException

    return ValidationException(message)


def _constraint(value: Any, field: str, constraint: str):
    """AWS's generic model-constraint answer."""
    return _validation(f"1 validation error detected: Value '{value}' at '{field}' failed to "
                       f"satisfy constraint: {constraint}")


def _conflict(message: str):
    from moto.core.exceptions import JsonRESTError

    return JsonRESTError("ConflictException", message)


# TagResource / UntagResource / ListTagsForResource: "ResourceArn ... Pattern:" (API reference).
GROUP_ARN_PATTERN = (r"^arn:aws(-[a-z]+)?:scheduler:[a-z0-9\-]+:\d{12}:schedule-group\/"
                     r"[0-9a-zA-Z-_.]+$")

# =============================================================================================
# Validation at CreateSchedule / UpdateSchedule

_AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")
_RATE = re.compile(r"^rate\(([1-9]\d*) (minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)$")


def _zone(name: str):
    """The tzinfo of an IANA time zone name, or None. zoneinfo needs the system's time zone
    database (absent on Windows); python-dateutil (a moto dependency) bundles one."""
    from zoneinfo import ZoneInfo

    try:
        return ZoneInfo(name)
    except Exception:
        pass
    try:
        from dateutil.zoneinfo import get_zonefile_instance

        return get_zonefile_instance().get(name)
    except Exception:
        return None


def _cron_ok(fields: tuple) -> bool:
    minute, hour, dom, _month, dow, _year = fields
    if (dom == "?") == (dow == "?"):  # exactly one of day-of-month / day-of-week is "?"
        return False
    for value, high in ((minute, 59), (hour, 23)):
        for token in re.split(r"[,\-/]", value):
            if token == "*":
                continue
            if not token.isdigit() or int(token) > high:
                return False
    return True


def at_epoch(expression: str, zone_name: str | None) -> float | None:
    """When an at() expression is due, in epoch seconds; None for rate/cron."""
    m = _AT.match(expression or "")
    if not m:
        return None
    local = datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S")
    return local.replace(tzinfo=_zone(zone_name or "UTC")).timestamp()


def validate(account: str, region: str, group_arn: str, params: dict) -> None:
    """What AWS refuses at CreateSchedule / UpdateSchedule (ValidationException)."""
    expression = params.get("ScheduleExpression") or ""
    m = _AT.match(expression)
    valid = False
    if m:
        try:
            datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S")
            valid = True
        except ValueError:
            pass
    elif _RATE.match(expression):
        valid = True
    elif _CRON.match(expression):
        valid = _cron_ok(_CRON.match(expression).groups())
    if not valid:  # AWS's text (recorded against AWS: localstack's scheduler snapshots)
        raise _validation(f"Invalid Schedule Expression {expression}.")

    zone_name = params.get("ScheduleExpressionTimezone")
    if zone_name is not None and _zone(zone_name) is None:
        raise _validation(f"Invalid time zone: {zone_name}.")  # ours: AWS's text unknown

    window = params.get("FlexibleTimeWindow") or {}
    mode = window.get("Mode")
    if mode not in ("OFF", "FLEXIBLE"):
        raise _constraint(mode, "flexibleTimeWindow.mode",
                          "Member must satisfy enum value set: [OFF, FLEXIBLE]")
    minutes = window.get("MaximumWindowInMinutes")
    if minutes is not None and not 1 <= int(minutes) <= 1440:
        bound = ("greater than or equal to 1" if int(minutes) < 1
                 else "less than or equal to 1440")
        raise _constraint(minutes, "flexibleTimeWindow.maximumWindowInMinutes",
                          f"Member must have value {bound}")
    if mode == "FLEXIBLE" and minutes is None:  # ours
        raise _validation("MaximumWindowInMinutes is required when FlexibleTimeWindow Mode is "
                          "FLEXIBLE.")
    if mode == "OFF" and minutes is not None:  # ours
        raise _validation("MaximumWindowInMinutes must not be provided when FlexibleTimeWindow "
                          "Mode is OFF.")

    after = params.get("ActionAfterCompletion")
    if after is not None and after not in ("NONE", "DELETE"):
        raise _constraint(after, "actionAfterCompletion",
                          "Member must satisfy enum value set: [NONE, DELETE]")
    state = params.get("State")
    if state is not None and state not in ("ENABLED", "DISABLED"):
        raise _constraint(state, "state", "Member must satisfy enum value set: [ENABLED, DISABLED]")

    target = params.get("Target") or {}
    _validate_target(target)
    # EventBridge Scheduler assumes the role right away (a role created seconds ago fails
    # too, until IAM has propagated it: retry).
    if not service_roles.scheduler_can_assume(account, target.get("RoleArn") or "", group_arn):
        raise _validation(service_roles.SCHEDULER_ROLE_REFUSED)


def _validate_target(target: dict) -> None:
    """Target ARN and Input. Texts measured against AWS (CreateSchedule, 2026-09, quoted in a
    public preflight rule): "scheduler is not a supported service for a target", "<api> API
    is not supported", "You must provide an input to set this target for your schedule"."""
    arn = target.get("Arn") or ""
    parts = arn.split(":")
    service = parts[2] if arn.startswith("arn:") and len(parts) > 2 else arn
    if service == "scheduler":
        m = UNIVERSAL.match(arn)
        if not m:  # a Region or account in it, or not aws-sdk:SERVICE:ACTION
            raise _validation("scheduler is not a supported service for a target.")
        sdk_id, action = m.groups()
        if botocore_name(sdk_id) is None:
            raise _validation(f"{sdk_id} is not a supported service for a target.")
        if action.startswith(READ_ONLY_PREFIXES) or operation_of(sdk_id, action) is None:
            raise _validation(f"{action} API is not supported.")
        if target.get("Input") is None:
            raise _validation("You must provide an input to set this target for your schedule.")
        return
    if service not in TEMPLATED_SERVICES:
        raise _validation(f"{service} is not a supported service for a target.")


# =============================================================================================
# Targets the sandbox runs


@dataclass(frozen=True)
class Runner:
    """How the sandbox runs one universal target: the service_roles step that checks the
    execution role, the facts that step needs (from the API parameters), and the error code
    the service answers an IAM refusal with."""

    step: str
    facts: Callable[[dict, str, str], dict]
    denied_code: str


def _ecs_facts(params: dict, region: str, account: str) -> dict:
    cluster = str(params.get("cluster") or "default")
    service = str(params.get("service") or "")
    cluster_name = cluster.split("/")[-1]
    service_arn = service if service.startswith("arn:") else \
        f"arn:aws:ecs:{region}:{account}:service/{cluster_name}/{service}"
    return {"service_arn": service_arn,
            "cluster_arn": f"arn:aws:ecs:{region}:{account}:cluster/{cluster_name}"}


RUNNERS: dict[tuple[str, str], Runner] = {
    ("ecs", "updateService"): Runner("scheduler.ecs.updateService", _ecs_facts,
                                     "AccessDeniedException"),
    ("elasticloadbalancingv2", "deleteLoadBalancer"): Runner(
        "scheduler.elasticloadbalancingv2.deleteLoadBalancer",
        lambda p, region, account: {"load_balancer_arn": str(p.get("LoadBalancerArn") or "")},
        "AccessDenied"),
}


class InvocationError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


def _api_params(value: Any, shape) -> Any:
    """A universal target's Input (the SDK's PascalCase member names, e.g. "DesiredCount",
    "DbClusterIdentifier") as the API model names them ("desiredCount",
    "DBClusterIdentifier"). Unknown or missing members fail the invocation."""
    if shape is None:
        return value
    if shape.type_name == "structure":
        if not isinstance(value, dict):
            raise InvocationError("ValidationException",
                                  f"Invalid type for parameter {shape.name}: expected an object")
        members = {name.lower(): name for name in shape.members}
        out = {}
        for key, item in value.items():
            name = members.get(key.lower())
            if name is None or not key[:1].isupper():
                wanted = ", ".join(n[:1].upper() + n[1:] for n in shape.members)
                raise InvocationError("ValidationException",
                                      f'Unknown parameter in input: "{key}", must be one of: '
                                      f"{wanted}")
            out[name] = _api_params(item, shape.members[name])
        for name in shape.required_members:
            if name not in out:
                raise InvocationError("ValidationException", "Missing required parameter in "
                                      f'input: "{name[:1].upper() + name[1:]}"')
        return out
    if shape.type_name == "list" and isinstance(value, list):
        return [_api_params(v, shape.member) for v in value]
    if shape.type_name == "map" and isinstance(value, dict):
        return {k: _api_params(v, shape.value) for k, v in value.items()}
    return value


_moto_app = None


def _moto():
    """moto's own server app (a second dispatcher over the same backends, without the
    sandbox's middleware: a call Scheduler makes is not the student's, and not faulted)."""
    global _moto_app
    if _moto_app is None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        _moto_app = DomainDispatcherApplication(create_backend_app)
    return _moto_app


_CODE = re.compile(r"<Code>([^<]+)</Code>")
_MESSAGE = re.compile(r"<Message>([^<]*)</Message>", re.S)


def call_api(service_name: str, operation: str, params: dict, region: str) -> dict:
    """Make the API call as the SDK would send it (botocore's serializer), into moto."""
    from botocore.exceptions import ParamValidationError
    from botocore.serialize import create_serializer
    from werkzeug.test import Client

    model = service_model(service_name)
    op = model.operation_model(operation)
    try:
        request = create_serializer(model.metadata["protocol"], True).serialize_to_request(
            params, op)
    except ParamValidationError as exc:
        raise InvocationError("ValidationException", str(exc)) from None
    headers = dict(request["headers"])
    signing = model.metadata.get("signingName") or model.endpoint_prefix
    headers["Authorization"] = (f"AWS4-HMAC-SHA256 Credential=scheduler/20240101/{region}/"
                                f"{signing}/aws4_request, SignedHeaders=host, Signature=0")
    headers["Host"] = f"{model.endpoint_prefix}.{region}.amazonaws.com"
    body = request["body"]
    if isinstance(body, dict):  # query protocol: a form
        body = urlencode(body, doseq=True)
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
    query = urlencode(request.get("query_string") or {}, doseq=True)
    resp = Client(_moto()).open(request["url_path"], method=request["method"], data=body,
                                headers=headers, query_string=query)
    data = resp.get_data()
    if resp.status_code < 400:
        return {"status": resp.status_code}
    code, message = f"HTTP{resp.status_code}", data.decode("utf-8", "replace")[:500]
    if data.lstrip().startswith(b"{"):
        try:
            parsed = json.loads(data)
            code = str(parsed.get("__type") or parsed.get("code") or code).split("#")[-1]
            message = str(parsed.get("message") or parsed.get("Message") or "")
        except ValueError:
            pass
    else:
        m = _CODE.search(data.decode("utf-8", "replace"))
        if m:
            code = m.group(1).strip()
            mm = _MESSAGE.search(data.decode("utf-8", "replace"))
            message = mm.group(1).strip() if mm else ""
    raise InvocationError(code, message)


# =============================================================================================
# Due schedules, firing, and the invocation record

# (account, region, group, name) -> when it is due (AWS time, epoch seconds)
_PENDING: dict[tuple[str, str, str, str], float] = {}
INVOCATIONS: deque[dict] = deque(maxlen=2000)
_INVOCATIONS_LOCK = threading.Lock()


def _backend(account: str, region: str):
    from moto.scheduler.models import scheduler_backends

    return scheduler_backends[account][region]


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat(
        timespec="milliseconds").replace("+00:00", "Z")


def arm(account: str, region: str, schedule) -> None:
    """(Re)compute when a one-time schedule is due (after create/update)."""
    key = (account, region, schedule.group_name, schedule.name)
    due = at_epoch(schedule.schedule_expression, schedule.schedule_expression_timezone)
    if due is None:
        _PENDING.pop(key, None)
        return
    # FLEXIBLE: EventBridge Scheduler invokes somewhere in the window; the sandbox at its start.
    _PENDING[key] = due
    schedule.pw_due = due


def _log(text: str) -> None:
    print(f"pipewright sandbox: scheduler: {text}", file=sys.stderr, flush=True)


def _record(entry: dict) -> None:
    with _INVOCATIONS_LOCK:
        INVOCATIONS.append(entry)
    what = f"{entry['groupName']}/{entry['scheduleName']} -> {entry['target']}: {entry['outcome']}"
    if entry.get("errorCode"):
        what += f" ({entry['errorCode']}: {entry['errorMessage']})"
    _log(what)


def invoke(account: str, region: str, schedule, now: float) -> dict:
    """Run one invocation of `schedule` as EventBridge Scheduler would; returns its record."""
    target = schedule.target or {}
    arn = target.get("Arn") or ""
    group_arn = f"arn:aws:scheduler:{region}:{account}:schedule-group/{schedule.group_name}"
    entry = {"time": _iso(now), "awsTime": now, "scheduledTime": _iso(getattr(
                 schedule, "pw_due", now)),
             "scheduleArn": schedule.arn, "scheduleName": schedule.name,
             "groupName": schedule.group_name, "target": arn,
             "roleArn": target.get("RoleArn"), "input": target.get("Input"),
             "outcome": "succeeded", "errorCode": None, "errorMessage": None}
    m = UNIVERSAL.match(arn)
    runner = RUNNERS.get(m.groups()) if m else None
    if runner is None:
        supported = ", ".join(f"arn:aws:scheduler:::aws-sdk:{s}:{a}" for s, a in RUNNERS)
        entry.update(outcome="unsupported", errorCode="NotSupportedBySandbox",
                     errorMessage=f"{arn} is not supported by the sandbox (it runs {supported}); "
                                  "on AWS this schedule would call it")
        return entry
    sdk_id, action = m.groups()
    name = botocore_name(sdk_id)
    operation = operation_of(sdk_id, action)
    try:
        try:
            raw = json.loads(target.get("Input") or "{}")
        except ValueError as exc:
            raise InvocationError("ValidationException", f"Input is not valid JSON: {exc}")
        params = _api_params(raw, service_model(name).operation_model(operation).input_shape)
        facts = runner.facts(params, region, account)
        refusal = service_roles.check(runner.step, account, region, target.get("RoleArn"),
                                      uuid.uuid4().hex, source_arn=group_arn, **facts)
        if refusal is not None:
            code = "AccessDenied" if refusal.kind == "assume" else runner.denied_code
            raise InvocationError(code, refusal.message)
        call_api(name, operation, params, region)
    except InvocationError as err:
        entry.update(outcome="failed", errorCode=err.code, errorMessage=err.message)
    return entry


def _fire(key, now: float) -> None:
    account, region, group, name = key
    try:
        schedule = _backend(account, region).get_schedule(group, name)
    except Exception:  # deleted (or its group was)
        _PENDING.pop(key, None)
        return
    if schedule.state != "ENABLED":
        return  # a disabled one-time schedule fires when enabled again, even if late (AWS)
    _PENDING.pop(key, None)
    try:
        entry = invoke(account, region, schedule, now)
    except Exception as exc:  # a bug of ours: record it, keep the ticker alive
        import traceback

        traceback.print_exc()
        entry = {"time": _iso(now), "awsTime": now, "scheduleArn": schedule.arn,
                 "scheduleName": name, "groupName": group, "target": schedule.target.get("Arn"),
                 "outcome": "failed", "errorCode": "InternalFailure",
                 "errorMessage": f"sandbox error: {exc}"}
    _record(entry)
    if (schedule.action_after_completion or "NONE") == "DELETE":
        try:
            _backend(account, region).delete_schedule(group, name)
        except Exception:
            pass


def _tick(now: float) -> None:
    if not _PENDING:
        return
    aws_now = CLOCK.aws_time()
    for key in [k for k, due in _PENDING.items() if due <= aws_now]:
        _fire(key, aws_now)


@control("GET", "/_sandbox/scheduler/invocations")
def get_invocations(body: dict, query: dict) -> dict:
    with _INVOCATIONS_LOCK:
        return {"invocations": list(INVOCATIONS)}


@control("DELETE", "/_sandbox/scheduler/invocations")
def delete_invocations(body: dict, query: dict) -> dict:
    with _INVOCATIONS_LOCK:
        INVOCATIONS.clear()
    return {"invocations": []}


# =============================================================================================
# moto patches


def _wrap(cls, name: str, make) -> None:
    original = getattr(cls, name)
    if getattr(original, _MARK, False):
        return
    wrapper = make(original)
    setattr(wrapper, _MARK, True)
    wrapper.__name__ = name
    setattr(cls, name, wrapper)


def _params(resp) -> dict:
    keys = ("ScheduleExpression", "ScheduleExpressionTimezone", "FlexibleTimeWindow",
            "ActionAfterCompletion", "State", "Target", "GroupName")
    return {k: resp._get_param(k) for k in keys}


def _patch_responses() -> None:
    from moto.scheduler.exceptions import ScheduleGroupNotFound
    from moto.scheduler.responses import EventBridgeSchedulerResponse as R

    def group_arn(resp, group: str) -> str:
        return f"arn:aws:scheduler:{resp.region}:{resp.current_account}:schedule-group/{group}"

    def make_create(original):
        def create_schedule(self):
            params = _params(self)
            group = params["GroupName"] or "default"
            backend = self.scheduler_backend
            if group not in backend.schedule_groups:  # moto: KeyError, a 500
                raise ScheduleGroupNotFound(group)
            validate(self.current_account, self.region, group_arn(self, group), params)
            result = original(self)
            schedule = backend.get_schedule(group, self.uri.split("?")[0].split("/")[-1])
            schedule.creation_date = schedule.last_modified_date = CLOCK.aws_time()
            arm(self.current_account, self.region, schedule)
            return result
        return create_schedule

    def make_update(original):
        def update_schedule(self):
            params = _params(self)
            group = params["GroupName"] or "default"
            backend = self.scheduler_backend
            name = self.uri.split("?")[0].split("/")[-1]
            backend.get_schedule(group, name)  # ResourceNotFoundException first
            validate(self.current_account, self.region, group_arn(self, group), params)
            result = original(self)
            schedule = backend.get_schedule(group, name)
            # moto drops ActionAfterCompletion on update; AWS replaces the whole schedule.
            schedule.action_after_completion = params["ActionAfterCompletion"] or "NONE"
            schedule.state = params["State"] or "ENABLED"
            schedule.last_modified_date = CLOCK.aws_time()
            arm(self.current_account, self.region, schedule)
            return result
        return update_schedule

    def make_create_group(original):
        def create_schedule_group(self):
            name = self._get_param("Name") or self.uri.split("?")[0].split("/")[-1]
            if name in self.scheduler_backend.schedule_groups:  # moto replaced it
                raise _conflict(f"Schedule group {name} already exists.")
            result = original(self)
            group = self.scheduler_backend.schedule_groups[name]
            group.created_on = group.last_modified = CLOCK.aws_time()
            return result
        return create_schedule_group

    def make_delete_group(original):
        def delete_schedule_group(self):
            name = self.uri.split("?")[0].split("/")[-1]
            if name not in self.scheduler_backend.schedule_groups:  # moto: KeyError, a 500
                raise ScheduleGroupNotFound(name)
            return original(self)  # its schedules go with it
        return delete_schedule_group

    def check_tag_arn(resp, arn: str) -> None:
        if not re.match(GROUP_ARN_PATTERN, arn):
            raise _constraint(arn, "resourceArn", "Member must satisfy regular expression "
                              f"pattern: {GROUP_ARN_PATTERN}")
        name = arn.rsplit("/", 1)[-1]
        if name not in resp.scheduler_backend.schedule_groups:
            raise ScheduleGroupNotFound(name)

    def make_tags(original, untag: bool = False):
        def tags(self):
            path = self.uri.split("?")[0] if untag else self.uri
            check_tag_arn(self, unquote(path.split("/tags/")[-1]))
            return original(self)
        return tags

    _wrap(R, "create_schedule", make_create)
    _wrap(R, "update_schedule", make_update)
    _wrap(R, "create_schedule_group", make_create_group)
    _wrap(R, "delete_schedule_group", make_delete_group)
    _wrap(R, "tag_resource", make_tags)
    _wrap(R, "list_tags_for_resource", make_tags)
    _wrap(R, "untag_resource", lambda original: make_tags(original, untag=True))


def install() -> None:
    _patch_responses()
    add_ticker(_tick)
