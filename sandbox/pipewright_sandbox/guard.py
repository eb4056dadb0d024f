"""Who may talk to the sandbox: Pipewright, and nothing else on the machine's browser.

The sandbox listens on 127.0.0.1, which every web page the student opens can reach. So
before app.py routes a request, `refusal(environ)` refuses:
- a Host header other than `127.0.0.1:PORT` / `localhost:PORT` (DNS rebinding: a page whose
  name points at 127.0.0.1 sends its own name);
- a cross-origin request (an `Origin` other than the sandbox's own) and every preflight
  (`OPTIONS`): the sandbox answers no CORS at all, `respond` strips moto's
  `Access-Control-*` headers;
- an AWS request not signed with this start's key as its access key id (`KEY`, printed on
  the `PIPEWRIGHT_SANDBOX_KEY=` line before the URL line) or with a key the sandbox issued
  itself (IAM access keys, STS credentials), or for a service the lab does not
  use, and every other route of moto's (`/moto-api/...`, its dashboard);
- a `/_sandbox/...` request that changes something (any method but GET/HEAD) without the key
  in the `X-Pipewright-Sandbox-Key` header, or whose body is not `application/json`.
  Exceptions: the build's stand-in commands (`/_sandbox/build-agent`, their own per-build
  token) and the handshake page's button (`PAGE_HEADER`, a token only that page carries).
Reading routes (GET) need no key: no other origin can read their answers.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
import threading
from collections import OrderedDict
from urllib.parse import parse_qs

from . import registry

KEY_HEADER = "X-Pipewright-Sandbox-Key"
PAGE_HEADER = "X-Pipewright-Sandbox-Page"

# This start's key: the access key id clients sign with and the control routes' header.
KEY = ""

# Signing names of every service the lab (and the sandbox's own stand-ins) call; anything
# else, e.g. Lambda or Batch whose moto backends can start containers, is refused.
SERVICES = frozenset({
    "sts", "iam", "s3", "ec2", "elasticloadbalancing", "ecs", "ecr", "codebuild",
    "codepipeline", "codestar-connections", "codeconnections", "logs", "tagging", "scheduler",
})

# Control routes with their own credential.
_OWN_TOKEN_ROUTES = {"/_sandbox/build-agent"}
_PAGE_ROUTES = {"/_sandbox/connections/complete"}

_CRED_RE = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/,\s]+)/([^/,\s]+)/aws4_request")

_pages: OrderedDict[str, None] = OrderedDict()
_pages_lock = threading.Lock()
_MAX_PAGES = 64


def new_key() -> str:
    """A fresh key, shaped like a long-term access key id (AKIA and 16 letters or digits: about
    82 random bits), so it also passes where Pipewright checks a key id's shape."""
    global KEY
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    KEY = "AKIA" + "".join(secrets.choice(alphabet) for _ in range(16))
    return KEY


def page_token() -> str:
    """A token for one rendering of the handshake page, which its button sends back: another
    origin cannot read the page, so it cannot learn one."""
    token = secrets.token_urlsafe(24)
    with _pages_lock:
        _pages[token] = None
        while len(_pages) > _MAX_PAGES:
            _pages.popitem(last=False)
    return token


def _page_token_ok(token: str) -> bool:
    with _pages_lock:
        return any(hmac.compare_digest(token, t) for t in _pages)


def _key_ok(given: str) -> bool:
    if bool(KEY) and hmac.compare_digest(given.encode(), KEY.encode()):
        return True
    # Keys this sandbox issued itself (an IAM user's CreateAccessKey, STS's temporary
    # credentials for an assumed role), in any account: only a client holding KEY could have
    # asked for them, and a profile or a second account in the tests signs with them.
    from moto.iam.models import iam_backends

    return any(
        given in partition.access_keys
        for account in list(iam_backends.values())
        for partition in list(account.values())
    )


def _port() -> str:
    return registry.SELF_URL.rsplit(":", 1)[-1] if registry.SELF_URL else ""


def _own_hosts() -> set[str]:
    port = _port()
    return {f"127.0.0.1:{port}", f"localhost:{port}"}


def signed_scope(environ: dict) -> tuple[str, str] | None:
    """(access key id, service) of a SigV4 request (header or presigned query), else None."""
    m = _CRED_RE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if not m:
        cred = (parse_qs(environ.get("QUERY_STRING", "")).get("X-Amz-Credential") or [""])[0]
        m = _CRED_RE.search("Credential=" + cred)
    return (m.group(1), m.group(3)) if m else None


def refusal(environ: dict):
    """None when the request may go on, else (status, code, message)."""
    host = environ.get("HTTP_HOST", "")
    if host not in _own_hosts():
        return 421, "MisdirectedRequest", f"this sandbox answers only to {sorted(_own_hosts())}"
    method = environ.get("REQUEST_METHOD", "GET").upper()
    if method == "OPTIONS":
        return 403, "Forbidden", "the sandbox answers no cross-origin requests"
    origin = environ.get("HTTP_ORIGIN")
    if origin is not None and origin not in {f"http://{h}" for h in _own_hosts()}:
        return 403, "Forbidden", "the sandbox answers no cross-origin requests"
    path = environ.get("PATH_INFO", "") or "/"
    if path == "/_sandbox" or path.startswith("/_sandbox/"):
        return _control_refusal(environ, method, path.rstrip("/") or path)
    if any(path == p or path.startswith(p + "/") for p in registry.PREFIX_APPS):
        # The practice GitHub only reads (pushes go through /_sandbox/push); git's fetch is
        # a POST of a git content type, which no page can send without a preflight.
        return None
    if path == "/moto-api" or path.startswith("/moto-api/"):
        # moto's own API (reset, seed, state dump, dashboard), whatever the request carries.
        return 404, "NotFound", f"the sandbox serves no {path}"
    scope = signed_scope(environ)
    if scope is None:
        return 404, "NotFound", f"the sandbox serves no {path}: only AWS requests signed with its key"
    key_id, service = scope
    if not _key_ok(key_id):
        return 403, "UnrecognizedClientException", "The security token included in the request is invalid."
    if service not in SERVICES:
        return 400, "UnknownService", f"the sandbox does not emulate {service}: the lab does not use it"
    return None


def _control_refusal(environ: dict, method: str, path: str):
    if method in ("GET", "HEAD"):
        return None
    ctype = environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
    has_body = (environ.get("CONTENT_LENGTH") or "0") not in ("", "0") or \
        environ.get("HTTP_TRANSFER_ENCODING")
    if ctype != "application/json" and (method != "DELETE" or has_body):
        return 415, "UnsupportedMediaType", "control routes take JSON bodies only (Content-Type: application/json)"
    if path in _OWN_TOKEN_ROUTES:
        return None
    if _key_ok(environ.get("HTTP_X_PIPEWRIGHT_SANDBOX_KEY", "")):
        return None
    if path in _PAGE_ROUTES and _page_token_ok(environ.get("HTTP_X_PIPEWRIGHT_SANDBOX_PAGE", "")):
        return None
    return 403, "Forbidden", f"{method} {path} needs the sandbox's key in the {KEY_HEADER} header"


def respond(start_response):
    """start_response without CORS headers (moto's flask-cors adds them to every answer), and
    no page of the sandbox in another site's frame (a click on the handshake page's button
    must be the student's own)."""

    def start(status, headers, exc_info=None):
        kept = [(k, v) for k, v in headers if not k.lower().startswith("access-control-")]
        kept += [("X-Frame-Options", "DENY"), ("X-Content-Type-Options", "nosniff")]
        return start_response(status, kept, exc_info) if exc_info else start_response(status, kept)

    return start


def refuse(start_response, status: int, code: str, message: str):
    from http import HTTPStatus

    data = json.dumps({"error": code, "message": message}).encode()
    start_response(f"{status} {HTTPStatus(status).phrase}", [
        ("Content-Type", "application/json"), ("Content-Length", str(len(data))),
        ("x-amzn-ErrorType", code)])
    return [data]
