"""The sandbox's HTTP front: a WSGI middleware around moto's server app.

For every request it
- serves `/_sandbox/...` control routes (registry.CONTROL_ROUTES, JSON in and out);
- works out the AWS service, region and operation (for the calls log and fault rules);
- applies fault rules (AWS-shaped transient errors, added latency, dropped connections);
- answers JSON operations registered with @json_op itself, and passes the rest to moto,
  both under registry.STATE_LOCK (moto is not thread-safe);
- records the call with its outcome.
"""

from __future__ import annotations

import io
import json
import random
import re
import socket
import struct
import sys
import threading
import time
import uuid
from collections import deque
from datetime import datetime, timezone
from typing import Any, Iterable
from urllib.parse import parse_qs

from . import guard, holds, registry
from .registry import ACCOUNT_ID, CLOCK, CONTROL_ROUTES, JSON_HANDLERS, STATE_LOCK, AwsError, RequestInfo

# ---------------------------------------------------------------------------------------------
# Calls log

_CALLS: deque[dict] = deque(maxlen=20000)  # bounded: a long session must not grow forever
_CALLS_LOCK = threading.Lock()


def record_call(service: str, operation: str, outcome: str, status: int,
                started: float | None = None) -> None:
    entry = {
        "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "service": service,
        "operation": operation,
        "outcome": outcome,
        "status": status,
        **_call_span(started),
    }
    with _CALLS_LOCK:
        _CALLS.append(entry)


def _call_span(started: float | None) -> dict:
    # Seconds since the epoch, to the microsecond: when the request arrived and when its answer
    # was ready. Tests read overlapping calls from them (the engine's concurrency bound).
    return {"start": started if started is not None else time.time(), "end": time.time()}


def clear_calls() -> None:
    with _CALLS_LOCK:
        _CALLS.clear()


def list_calls() -> list[dict]:
    with _CALLS_LOCK:
        return list(_CALLS)


# ---------------------------------------------------------------------------------------------
# Fault rules

FAULT_ERRORS = {
    # code -> (HTTP status, query-protocol fault type)
    "ThrottlingException": (400, "Sender"),
    "InternalFailure": (500, "Receiver"),
    "ServiceUnavailable": (503, "Receiver"),
    # Refusals no client retries: a step that fails for good (a teardown error, a mistyped
    # secret) without waiting out the client's retry deadline.
    "AccessDenied": (403, "Sender"),
    "SignatureDoesNotMatch": (403, "Sender"),
}
_FAULTS: list[dict] = []
_FAULTS_LOCK = threading.Lock()
# Which calls a probability picks: seeded by POST /_sandbox/faults {"seed": N}, so a run's
# sequence of draws can be replayed.
_FAULT_RNG = random.Random()


def _validate_rule(raw: Any) -> dict:
    if not isinstance(raw, dict):
        raise ValueError("each rule must be an object")
    error = raw.get("error")
    if error is not None and error != "reset" and error not in FAULT_ERRORS:
        raise ValueError(f"error must be one of {sorted(FAULT_ERRORS)}, 'reset' or null")
    count = raw.get("count")
    if count is not None and (not isinstance(count, int) or count < 0):
        raise ValueError("count must be a non-negative integer or null")
    probability = float(raw.get("probability", 1.0) if raw.get("probability") is not None else 1.0)
    if not 0.0 <= probability <= 1.0:
        raise ValueError("probability must be between 0 and 1")
    latency = float(raw.get("latencyMs") or 0)
    if latency < 0:
        raise ValueError("latencyMs must be >= 0")
    return {
        "service": raw.get("service"),
        "operation": raw.get("operation"),
        "error": error,
        "probability": probability,
        "count": count,
        "latencyMs": latency,
        "hold": bool(raw.get("hold")),
    }


def set_faults(rules: list) -> list[dict]:
    parsed = [_validate_rule(r) for r in rules]
    with _FAULTS_LOCK:
        _FAULTS[:] = parsed
    return parsed


def pick_fault(service: str, operation: str) -> dict | None:
    """The first matching rule that fires (consuming one of its `count`), or None."""
    with _FAULTS_LOCK:
        for rule in _FAULTS:
            if rule["service"] not in (None, service) or rule["operation"] not in (None, operation):
                continue
            if rule["count"] is not None and rule["count"] <= 0:
                continue
            if _FAULT_RNG.random() >= rule["probability"]:
                continue
            if rule["count"] is not None:
                rule["count"] -= 1
            return dict(rule)
    return None


# ---------------------------------------------------------------------------------------------
# Request identification

_CRED_RE = re.compile(r"Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/([^/,\s]+)/aws4_request")


class Call:
    """What app.py knows about one AWS request."""

    def __init__(self, environ: dict, body: bytes, started: float | None = None):
        self.started = started if started is not None else time.time()
        self.fault: dict | None = None
        self.environ = environ
        self.body = body
        self.method = environ.get("REQUEST_METHOD", "GET").upper()
        self.path = environ.get("PATH_INFO", "/") or "/"
        self.query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        self.target = environ.get("HTTP_X_AMZ_TARGET", "")
        self.content_type = environ.get("CONTENT_TYPE", "")
        self.service, self.region = self._scope()
        self.form: dict[str, list[str]] = {}
        if "x-www-form-urlencoded" in self.content_type and body:
            try:
                self.form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
            except UnicodeDecodeError:
                self.form = {}
        self.operation = self._operation()

    def _scope(self) -> tuple[str, str]:
        auth = self.environ.get("HTTP_AUTHORIZATION", "")
        m = _CRED_RE.search(auth)
        if not m:  # presigned URLs carry the scope in the query string
            cred = (self.query.get("X-Amz-Credential") or [""])[0]
            m = _CRED_RE.search("Credential=" + cred)
        if m:
            return m.group(4), m.group(3)
        return "unknown", "us-east-1"

    @property
    def json_protocol(self) -> bool:
        return bool(self.target) or "json" in self.content_type or self.service in REST_JSON

    @property
    def json_version(self) -> str:
        return "1.0" if "x-amz-json-1.0" in self.content_type else "1.1"

    def param_items(self) -> list[tuple[str, str]]:
        """Every request parameter as (name, string value): form and query fields as sent
        (`GroupId.1`), JSON leaves with dotted paths (`networkConfiguration.awsvpcConfiguration
        .securityGroups.0`)."""
        items = [(k, v) for src in (self.query, self.form) for k, vs in src.items() for v in vs]
        if self.json_protocol and self.body.strip():
            try:
                _flatten("", json.loads(self.body), items)
            except ValueError:
                pass
        return items

    def _operation(self) -> str:
        if self.target:
            return self.target.rsplit(".", 1)[-1]
        action = (self.form.get("Action") or self.query.get("Action") or [""])[0]
        if action:
            return action
        if self.service == "s3":
            return s3_operation(self.method, self.path, self.query, self.environ)
        if self.service == "scheduler":
            return scheduler_operation(self.method, self.path)
        return f"{self.method} {_path_pattern(self.path)}"


# restJson services: their errors (fault rules included) are JSON even on a GET without body.
REST_JSON = {"scheduler"}

_SCHEDULER_OPS = {
    ("schedules", True): {"POST": "CreateSchedule", "GET": "GetSchedule",
                          "PUT": "UpdateSchedule", "DELETE": "DeleteSchedule"},
    ("schedules", False): {"GET": "ListSchedules"},
    ("schedule-groups", True): {"POST": "CreateScheduleGroup", "GET": "GetScheduleGroup",
                                "DELETE": "DeleteScheduleGroup"},
    ("schedule-groups", False): {"GET": "ListScheduleGroups"},
    ("tags", True): {"POST": "TagResource", "DELETE": "UntagResource",
                     "GET": "ListTagsForResource"},
}


def scheduler_operation(method: str, path: str) -> str:
    """EventBridge Scheduler's operation from its REST path (restJson, no X-Amz-Target)."""
    head, _, rest = path.lstrip("/").partition("/")
    op = _SCHEDULER_OPS.get((head, bool(rest)), {}).get(method)
    return op or f"{method} {_path_pattern(path)}"


def _flatten(prefix: str, value: Any, out: list[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else str(k), v, out)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _flatten(f"{prefix}.{i}", v, out)
    elif value is not None:
        out.append((prefix, str(value)))


def _path_pattern(path: str) -> str:
    # Collapse ids so the calls log groups REST calls sensibly.
    parts = []
    for seg in path.split("/"):
        if re.search(r"\d", seg) and len(seg) > 6:
            parts.append("{id}")
        else:
            parts.append(seg)
    return "/".join(parts) or "/"


_S3_BUCKET_SUB = {
    "tagging": "BucketTagging",
    "versioning": "BucketVersioning",
    "policy": "BucketPolicy",
    "acl": "BucketAcl",
    "cors": "BucketCors",
    "lifecycle": "BucketLifecycleConfiguration",
    "encryption": "BucketEncryption",
    "publicAccessBlock": "PublicAccessBlock",
    "ownershipControls": "BucketOwnershipControls",
    "notification": "BucketNotificationConfiguration",
    "website": "BucketWebsite",
    "logging": "BucketLogging",
    "replication": "BucketReplication",
    "object-lock": "ObjectLockConfiguration",
    "accelerate": "BucketAccelerateConfiguration",
    "requestPayment": "BucketRequestPayment",
    "policyStatus": "BucketPolicyStatus",
}
_S3_OBJECT_SUB = {"tagging": "ObjectTagging", "acl": "ObjectAcl", "retention": "ObjectRetention",
                  "legal-hold": "ObjectLegalHold", "attributes": "ObjectAttributes"}
_VERB = {"GET": "Get", "PUT": "Put", "DELETE": "Delete"}


def s3_operation(method: str, path: str, query: dict, environ: dict) -> str:
    """Best-effort S3 operation name from a path-style REST request."""
    parts = path.lstrip("/").split("/", 1)
    bucket = parts[0]
    key = parts[1] if len(parts) > 1 else ""
    if not bucket:
        return "ListBuckets" if method == "GET" else f"{method} /"
    if not key:
        if method == "GET" and "location" in query:
            return "GetBucketLocation"
        if method == "GET" and "uploads" in query:
            return "ListMultipartUploads"
        if method == "GET" and "versions" in query:
            return "ListObjectVersions"
        if method == "POST" and "delete" in query:
            return "DeleteObjects"
        for sub, name in _S3_BUCKET_SUB.items():
            if sub in query and method in _VERB:
                return _VERB[method] + name
        return {
            "PUT": "CreateBucket",
            "DELETE": "DeleteBucket",
            "HEAD": "HeadBucket",
            "GET": "ListObjectsV2" if query.get("list-type") == ["2"] else "ListObjects",
        }.get(method, f"{method} /{{bucket}}")
    if method == "POST" and "uploads" in query:
        return "CreateMultipartUpload"
    if "uploadId" in query:
        if method == "PUT":
            return "UploadPartCopy" if environ.get("HTTP_X_AMZ_COPY_SOURCE") else "UploadPart"
        return {"POST": "CompleteMultipartUpload", "DELETE": "AbortMultipartUpload",
                "GET": "ListParts"}.get(method, f"{method} /{{bucket}}/{{key}}")
    for sub, name in _S3_OBJECT_SUB.items():
        if sub in query and method in _VERB:
            return _VERB[method] + name
    if method == "PUT":
        return "CopyObject" if environ.get("HTTP_X_AMZ_COPY_SOURCE") else "PutObject"
    return {"GET": "GetObject", "HEAD": "HeadObject", "DELETE": "DeleteObject"}.get(
        method, f"{method} /{{bucket}}/{{key}}"
    )


# ---------------------------------------------------------------------------------------------
# Error rendering


def _request_id() -> str:
    return str(uuid.uuid4())


def render_error(call: Call, code: str, message: str, status: int, fault_type: str = "Sender"):
    """(status, headers, body) of an AWS error in the request's protocol."""
    rid = _request_id()
    if call.json_protocol:
        body = json.dumps({"__type": code, "message": message}).encode()
        ctype = f"application/x-amz-json-{call.json_version}" if call.target else "application/json"
        return status, [("Content-Type", ctype), ("x-amzn-ErrorType", code),
                        ("x-amzn-RequestId", rid)], body
    msg = _xml_escape(message)
    if call.service == "ec2":
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>{code}</Code>'
                f"<Message>{msg}</Message></Error></Errors><RequestID>{rid}</RequestID></Response>")
    elif call.service == "s3":
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
                f"<Message>{msg}</Message><RequestId>{rid}</RequestId></Error>")
    else:
        body = (f'<ErrorResponse><Error><Type>{fault_type}</Type><Code>{code}</Code>'
                f"<Message>{msg}</Message></Error><RequestId>{rid}</RequestId></ErrorResponse>")
    return status, [("Content-Type", "text/xml"), ("x-amzn-RequestId", rid)], body.encode()


def _xml_escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_XML_CODE_RE = re.compile(rb"<Code>([^<]+)</Code>")


def error_code_of(status: int, headers: list[tuple[str, str]], body: bytes) -> str:
    """The AWS error code of a response, "ok" for 2xx (and 3xx, e.g. S3 redirects aren't used)."""
    if status < 400:
        return "ok"
    for name, value in headers:
        if name.lower() == "x-amzn-errortype" and value:
            return _clean_code(value)
    text = body.lstrip()[:1].decode("latin-1") if body else ""
    if text == "{":
        try:
            data = json.loads(body)
            code = data.get("__type") or data.get("code") or data.get("Code")
            if code:
                return _clean_code(str(code))
        except ValueError:
            pass
    m = _XML_CODE_RE.search(body or b"")
    if m:
        return m.group(1).decode("utf-8", "replace").strip()
    return f"HTTP{status}"


def _clean_code(code: str) -> str:
    # "com.amazonaws.ecs#ClusterNotFoundException" / "Code:http://internal..." -> "Code"
    return code.split("#")[-1].split(":")[0]


# ---------------------------------------------------------------------------------------------
# The middleware


class ConnectionReset(ConnectionResetError):
    """Raised after the socket was reset on purpose; werkzeug treats it as a dropped client."""


def _account_of(environ: dict) -> str:
    """The account a request acts in, as moto answers it: by the signing key (credentials
    from AssumeRole into another account act there), else the sandbox's own."""
    from moto.iam.models import get_account_id_from

    scope = guard.signed_scope(environ)
    return get_account_id_from(scope[0]) if scope else ACCOUNT_ID


class SandboxApp:
    def __init__(self, moto_app):
        self.moto_app = moto_app

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        # --- attack-surface hook (issue 15): only Pipewright may drive the sandbox (guard.py) ---
        start_response = guard.respond(start_response)
        refused = guard.refusal(environ)
        if refused:
            return self._refuse(environ, start_response, *refused)
        # --- end of attack-surface hook ---
        path = environ.get("PATH_INFO", "") or "/"
        if path == "/_sandbox" or path.startswith("/_sandbox/"):
            return self._control(environ, start_response, path)
        for prefix, app in registry.PREFIX_APPS.items():
            if path == prefix or path.startswith(prefix + "/"):
                return app(environ, start_response)

        started = time.time()
        body = _read_body(environ)
        call = Call(environ, body, started)

        fault = call.fault = pick_fault(call.service, call.operation)
        if fault:
            if fault["latencyMs"]:
                time.sleep(fault["latencyMs"] / 1000.0)
            if fault["error"] == "reset":
                record_call(call.service, call.operation, "reset", 0, call.started)
                _reset_connection(environ)
                raise ConnectionReset("sandbox fault rule: connection reset")
            if fault["error"]:
                code = fault["error"]
                status, ftype = FAULT_ERRORS[code]
                resp = render_error(call, code, f"Injected by the sandbox's fault rules ({code})",
                                    status, ftype)
                return self._send(call, start_response, *resp)

        try:
            for check in registry.REQUEST_CHECKS:
                check(call)
        except AwsError as err:
            return self._send(call, start_response,
                              *render_error(call, err.code, err.message, err.status))

        handler = JSON_HANDLERS.get(tuple(call.target.rsplit(".", 1))) if call.target else None
        prefix = call.target.rsplit(".", 1)[0] if call.target else ""
        if handler is None and prefix in registry.OWNED_PREFIXES:
            resp = render_error(call, "UnknownOperationException",
                                f"The sandbox does not implement {call.operation}", 400)
            return self._send(call, start_response, *resp)
        if handler is not None:
            return self._send(call, start_response, *self._json_handler(call, handler))
        return self._send(call, start_response, *self._moto(environ))

    def _refuse(self, environ: dict, start_response, status: int, code: str, message: str):
        if guard.signed_scope(environ) is None:
            return guard.refuse(start_response, status, code, message)
        # A signed AWS request gets AWS's shape, so SDKs read the code; the calls log shows it.
        call = Call(environ, _read_body(environ))
        return self._send(call, start_response, *render_error(call, code, message, status))

    # -- AWS answers ---------------------------------------------------------------------------

    def _json_handler(self, call: Call, handler):
        try:
            params = json.loads(call.body) if call.body.strip() else {}
            if not isinstance(params, dict):
                raise ValueError("body must be a JSON object")
        except ValueError as exc:
            return render_error(call, "SerializationException", str(exc), 400)
        info = RequestInfo(service=call.service, operation=call.operation, region=call.region,
                           account_id=_account_of(call.environ))
        try:
            with STATE_LOCK:
                result = handler(params, info)
        except AwsError as err:
            return render_error(call, err.code, err.message, err.status)
        except Exception as exc:  # a bug of ours: answer like AWS would, log for us
            import traceback

            traceback.print_exc(file=sys.stderr)
            return render_error(call, "InternalFailure", f"sandbox error: {exc}", 500, "Receiver")
        payload = json.dumps(result if result is not None else {}, default=_json_default).encode()
        return 200, [("Content-Type", f"application/x-amz-json-{call.json_version}"),
                     ("x-amzn-RequestId", _request_id())], payload

    def _moto(self, environ: dict):
        captured: dict[str, Any] = {}

        def capture(status, headers, exc_info=None):
            captured["status"] = int(status.split(" ", 1)[0])
            captured["headers"] = list(headers)
            return lambda data: captured.setdefault("written", []).append(data)

        with STATE_LOCK:
            result = self.moto_app(environ, capture)
            try:
                chunks = captured.get("written", []) + list(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
        return captured["status"], captured["headers"], b"".join(chunks)

    def _send(self, call: Call, start_response, status: int, headers, body: bytes):
        outcome = error_code_of(status, headers, body)
        record_call(call.service, call.operation, outcome, status, call.started)
        holds.wait_if_held(call.fault)
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        if call.method != "HEAD" or body:
            headers.append(("Content-Length", str(len(body))))
        start_response(_status_line(status), headers)
        return [body]

    # -- control routes ------------------------------------------------------------------------

    def _control(self, environ: dict, start_response, path: str):
        method = environ.get("REQUEST_METHOD", "GET").upper()
        handler = CONTROL_ROUTES.get((method, path.rstrip("/") or path))
        if handler is None:
            known = any(p == path for (_, p) in CONTROL_ROUTES)
            status = 405 if known else 404
            return _json_response(start_response, status,
                                  {"error": "MethodNotAllowed" if known else "NotFound",
                                   "message": f"no sandbox route {method} {path}"})
        raw = _read_body(environ)
        try:
            # guard.py let only JSON through (a GET's query may come with any type and no body).
            body = json.loads(raw) if raw.strip() else {}
        except ValueError as exc:
            return _json_response(start_response, 400, {"error": "BadRequest", "message": str(exc)})
        query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        try:
            out = handler(body, query)
        except AwsError as err:
            return _json_response(start_response, err.status, {"error": err.code, "message": err.message})
        except (ValueError, KeyError, TypeError) as exc:  # a missing or malformed field
            return _json_response(start_response, 400, {"error": "BadRequest",
                                                        "message": f"{type(exc).__name__}: {exc}"})
        except Exception as exc:  # a bug of ours: still answer JSON, log the traceback
            import traceback

            traceback.print_exc(file=sys.stderr)
            return _json_response(start_response, 500, {"error": "InternalError", "message": str(exc)})
        if isinstance(out, tuple):
            status, payload, content_type = out
        else:
            status, payload, content_type = 200, out, "application/json"
        if isinstance(payload, (dict, list)) or payload is None:
            data = json.dumps(payload if payload is not None else {}, default=_json_default).encode()
        elif isinstance(payload, str):
            data = payload.encode("utf-8")
        else:
            data = payload
        start_response(_status_line(status), [("Content-Type", content_type),
                                              ("Content-Length", str(len(data))),
                                              ("Cache-Control", "no-store")])
        return [data]


def _json_default(o: Any):
    if isinstance(o, datetime):
        return o.timestamp()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def _json_response(start_response, status: int, payload: dict):
    data = json.dumps(payload).encode()
    start_response(_status_line(status), [("Content-Type", "application/json"),
                                          ("Content-Length", str(len(data)))])
    return [data]


def _status_line(status: int) -> str:
    from http import HTTPStatus

    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


def _read_body(environ: dict) -> bytes:
    """Read the whole body and put it back, so moto can read it again."""
    stream = environ.get("wsgi.input")
    length = environ.get("CONTENT_LENGTH") or ""
    if stream is None:
        body = b""
    elif length.isdigit():
        body = stream.read(int(length)) if int(length) else b""
    elif environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked" or environ.get(
        "wsgi.input_terminated"
    ):
        body = stream.read()
    else:
        body = b""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    environ["wsgi.input_terminated"] = True
    return body


def _reset_connection(environ: dict) -> None:
    """Drop the TCP connection with a RST and no response (a "connection reset" fault)."""
    sock = environ.get("werkzeug.socket")
    if sock is None:
        return
    try:
        # Linger 0 makes the final close send RST; shutdown ends the exchange right now
        # (a plain close() would wait for werkzeug's file objects over the same socket).
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


# ---------------------------------------------------------------------------------------------
# Built-in control routes


@registry.control("GET", "/_sandbox/health")
def _health(body: dict, query: dict) -> dict:
    out = {"status": "ok", "timeScale": CLOCK.scale, "awsTime": CLOCK.aws_time(),
           "ticks": registry.ticks()}
    for fields in registry.HEALTH_FIELDS:
        out.update(fields())
    return out


@registry.control("GET", "/_sandbox/clock")
def _get_clock(body: dict, query: dict) -> dict:
    return {"timeScale": CLOCK.scale}


@registry.control("POST", "/_sandbox/clock")
def _post_clock(body: dict, query: dict) -> dict:
    """Change the pace while running (practice mode: AWS's pace or faster). Waits in flight
    keep the progress they made and go on at the new pace."""
    scale = body.get("timeScale")
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not scale > 0:
        raise ValueError('body must be {"timeScale": X} with X > 0')
    CLOCK.scale = float(scale)
    return {"timeScale": CLOCK.scale}


@registry.control("GET", "/_sandbox/calls")
def _get_calls(body: dict, query: dict) -> dict:
    return {"calls": list_calls()}


@registry.control("DELETE", "/_sandbox/calls")
def _delete_calls(body: dict, query: dict) -> dict:
    clear_calls()
    return {"calls": []}


@registry.control("GET", "/_sandbox/faults")
def _get_faults(body: dict, query: dict) -> dict:
    with _FAULTS_LOCK:
        return {"rules": [dict(r) for r in _FAULTS]}


@registry.control("POST", "/_sandbox/faults")
def _post_faults(body: dict, query: dict) -> dict:
    rules = body.get("rules")
    if not isinstance(rules, list):
        raise ValueError('body must be {"rules": [...]}')
    seed = body.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ValueError("seed must be an integer")
    parsed = set_faults(rules)
    if seed is not None:
        with _FAULTS_LOCK:
            _FAULT_RNG.seed(seed)
    return {"rules": parsed}


@registry.control("DELETE", "/_sandbox/faults")
def _delete_faults(body: dict, query: dict) -> dict:
    set_faults([])
    return {"rules": []}


def build_app():
    """moto's server app (as moto.server builds it) wrapped in the sandbox middleware."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    return SandboxApp(DomainDispatcherApplication(create_backend_app))
