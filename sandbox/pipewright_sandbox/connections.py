"""CodeStar Connections and CodeConnections (GitHub connections), which moto lacks entirely.

Both APIs (awsJson 1.0) share one store, as on AWS: a connection made through either can be
read through the other, with an ARN of either form. New connections are PENDING, as on AWS
until someone completes the GitHub handshake in the console; here the student does that on
the page `GET /_sandbox/connections` (or `POST /_sandbox/connections/complete`).

Other modules read connections through `get_connection(arn)`.
"""

from __future__ import annotations

import html
import re
import uuid

from . import registry
from .registry import ACCOUNT_ID, STATE_LOCK, AwsError, RequestInfo

# X-Amz-Target prefixes: the Smithy service name (what the Rust SDK sends) and the
# fully-qualified form (what botocore sends).
API_PREFIXES = {
    "codestar-connections": ("CodeStar_connections_20191201",
                             "com.amazonaws.codestar.connections.CodeStar_connections_20191201"),
    "codeconnections": ("CodeConnections_20231201",
                        "com.amazonaws.codeconnections.CodeConnections_20231201"),
}
PROVIDER_TYPES = {
    "codestar-connections": {"Bitbucket", "GitHub", "GitHubEnterpriseServer", "GitLab",
                             "GitLabSelfManaged"},
    "codeconnections": {"Bitbucket", "GitHub", "GitHubEnterpriseServer", "GitLab",
                        "GitLabSelfManaged", "AzureDevOps", "GitHubEnterpriseCloudDataResidency"},
}
STATUSES = ("PENDING", "AVAILABLE", "ERROR")
_ARN_RE = re.compile(
    r"^arn:aws:(codestar-connections|codeconnections):([a-z0-9-]+):(\d{12}):connection/([0-9a-fA-F-]{36})$"
)

# uuid -> {"ConnectionName", "ConnectionArn", "ProviderType", "OwnerAccountId",
#          "ConnectionStatus", "HostArn"?, "Tags": [...], "region"}
_CONNECTIONS: dict[str, dict] = {}


def _api(info: RequestInfo) -> str:
    return "codeconnections" if info.service == "codeconnections" else "codestar-connections"


def _public(conn: dict) -> dict:
    return {k: v for k, v in conn.items() if k not in ("Tags", "region")}


def _find(arn: str | None) -> dict | None:
    m = _ARN_RE.match(arn or "")
    if not m:
        return None
    conn = _CONNECTIONS.get(m.group(4).lower())
    if conn is None or conn["region"] != m.group(2):
        return None
    return conn


def _require(arn, field: str = "ConnectionArn") -> dict:
    if not isinstance(arn, str) or not arn:
        raise AwsError("ValidationException", f"1 validation error detected: Value null at "
                       f"'{field[0].lower() + field[1:]}' failed to satisfy constraint: "
                       "Member must not be null")
    conn = _find(arn)
    if conn is None:
        raise AwsError("ResourceNotFoundException", f"Connection {arn} does not exist")
    return conn


def _validate_tags(tags) -> list[dict]:
    if tags is None:
        return []
    if not isinstance(tags, list) or len(tags) > 200:
        raise AwsError("ValidationException", "Tags must be a list of at most 200 tags")
    for t in tags:
        key, value = t.get("Key"), t.get("Value")
        if not isinstance(key, str) or not 1 <= len(key) <= 128 or not isinstance(value, str) \
                or len(value) > 256:
            raise AwsError("ValidationException", f"Invalid tag: {t}")
    return [{"Key": t["Key"], "Value": t["Value"]} for t in tags]


def get_connection(arn: str) -> dict | None:
    """The connection (GetConnection's `Connection` shape) for an ARN of either form, or None."""
    with STATE_LOCK:
        conn = _find(arn)
        return _public(conn) if conn else None


# --- AWS operations ----------------------------------------------------------------------------


def create_connection(params: dict, info: RequestInfo) -> dict:
    api = _api(info)
    name = params.get("ConnectionName")
    if not isinstance(name, str) or not 1 <= len(name) <= 32:
        raise AwsError("ValidationException", "1 validation error detected: Value at "
                       "'connectionName' failed to satisfy constraint: Member must have length "
                       "less than or equal to 32 and greater than or equal to 1")
    provider = params.get("ProviderType")
    host_arn = params.get("HostArn")
    if provider is None and host_arn is None:
        raise AwsError("InvalidInputException", "ProviderType or HostArn must be specified")
    if provider is not None and provider not in PROVIDER_TYPES[api]:
        raise AwsError("ValidationException", f"1 validation error detected: Value '{provider}'"
                       " at 'providerType' failed to satisfy constraint: Member must satisfy "
                       f"enum value set: [{', '.join(sorted(PROVIDER_TYPES[api]))}]")
    if host_arn is not None:
        # Hosts (self-managed GitHub Enterprise / GitLab) are not modelled by the sandbox.
        raise AwsError("ResourceNotFoundException", f"Host {host_arn} does not exist")
    tags = _validate_tags(params.get("Tags"))
    cid = str(uuid.uuid4())
    arn = f"arn:aws:{api}:{info.region}:{info.account_id}:connection/{cid}"
    _CONNECTIONS[cid] = {
        "ConnectionName": name,
        "ConnectionArn": arn,
        "ProviderType": provider,
        "OwnerAccountId": info.account_id,
        "ConnectionStatus": "PENDING",
        "Tags": tags,
        "region": info.region,
    }
    out = {"ConnectionArn": arn}
    if tags:
        out["Tags"] = tags
    return out


def get_connection_op(params: dict, info: RequestInfo) -> dict:
    return {"Connection": _public(_require(params.get("ConnectionArn")))}


def list_connections(params: dict, info: RequestInfo) -> dict:
    max_results = params.get("MaxResults")
    if max_results is not None and (not isinstance(max_results, int) or not 0 <= max_results <= 100):
        raise AwsError("ValidationException", "MaxResults must be between 0 and 100")
    size = max_results or 100
    provider = params.get("ProviderTypeFilter")
    host = params.get("HostArnFilter")
    conns = [c for c in _CONNECTIONS.values() if c["region"] == info.region
             and (provider is None or c["ProviderType"] == provider)
             and (host is None or c.get("HostArn") == host)]
    token = params.get("NextToken")
    start = 0
    if token:
        if not str(token).isdigit() or int(token) > len(conns):
            raise AwsError("ValidationException", "Invalid NextToken")
        start = int(token)
    page = conns[start:start + size]
    out: dict = {"Connections": [_public(c) for c in page]}
    if start + size < len(conns):
        out["NextToken"] = str(start + size)
    return out


def delete_connection(params: dict, info: RequestInfo) -> dict:
    conn = _require(params.get("ConnectionArn"))
    del _CONNECTIONS[conn["ConnectionArn"].rsplit("/", 1)[1]]
    return {}


def tag_resource(params: dict, info: RequestInfo) -> dict:
    conn = _require(params.get("ResourceArn"), "ResourceArn")
    new = _validate_tags(params.get("Tags"))
    merged = {t["Key"]: t["Value"] for t in conn["Tags"]}
    merged.update({t["Key"]: t["Value"] for t in new})
    if len(merged) > 200:
        raise AwsError("LimitExceededException", "Too many tags")
    conn["Tags"] = [{"Key": k, "Value": v} for k, v in merged.items()]
    return {}


def untag_resource(params: dict, info: RequestInfo) -> dict:
    conn = _require(params.get("ResourceArn"), "ResourceArn")
    keys = set(params.get("TagKeys") or [])
    conn["Tags"] = [t for t in conn["Tags"] if t["Key"] not in keys]
    return {}


def list_tags_for_resource(params: dict, info: RequestInfo) -> dict:
    return {"Tags": list(_require(params.get("ResourceArn"), "ResourceArn")["Tags"])}


_OPERATIONS = {
    "CreateConnection": create_connection,
    "GetConnection": get_connection_op,
    "ListConnections": list_connections,
    "DeleteConnection": delete_connection,
    "TagResource": tag_resource,
    "UntagResource": untag_resource,
    "ListTagsForResource": list_tags_for_resource,
}
for _prefixes in API_PREFIXES.values():
    for _prefix in _prefixes:
        registry.OWNED_PREFIXES.add(_prefix)
        for _op, _fn in _OPERATIONS.items():
            registry.json_op(_prefix, _op)(_fn)


# --- Control: the stand-in for the console's GitHub handshake ---------------------------------


@registry.control("POST", "/_sandbox/connections/complete")
def complete_connection(body: dict, query: dict):
    # "connectionArn" is the documented key; the AWS-style spelling is accepted too.
    arn = body.get("connectionArn") or body.get("ConnectionArn")
    status = body.get("status") or body.get("Status") or "AVAILABLE"
    if status not in ("AVAILABLE", "ERROR"):
        raise ValueError('status must be "AVAILABLE" or "ERROR"')
    with STATE_LOCK:
        conn = _find(arn)
        if conn is None:
            return 404, {"error": "NotFound", "message": f"no connection {arn}"}, "application/json"
        conn["ConnectionStatus"] = status
    return {"connectionArn": conn["ConnectionArn"], "connectionStatus": status}


@registry.control("GET", "/_sandbox/connections")
def connections_page(body: dict, query: dict):
    """The handshake page, in the app's language: Pipewright opens it with `?lang=ko` or `en`."""
    with STATE_LOCK:
        conns = [dict(c) for c in _CONNECTIONS.values()]
    from .guard import page_token

    lang = "ko" if str(query.get("lang", "")).lower().startswith("ko") else "en"
    # The button proves it is this page's with a token only the page carries (guard.py).
    return 200, _page(conns, lang).replace("{{PAGE_TOKEN}}", page_token()), "text/html; charset=utf-8"


# The page's words in English and Korean (the Korean follows the AWS console's terms, as the
# app's glossary does: ui/src/lib/i18n/glossary.json).
_TEXT = {
    "en": {
        "title": "GitHub connections",
        "sub": "Pipewright sandbox &middot; stands in for the AWS console",
        "intro": "On real AWS a new connection stays <b>Pending</b> until you open it in the console, "
                 "choose <b>Update pending connection</b>, sign in to GitHub and <b>Install a new app</b> "
                 "(the AWS Connector for GitHub) on your account or organisation; it takes a minute or two. "
                 "Here the two buttons play that handshake:",
        "complete": "Complete connection",
        "complete_help": "the handshake succeeds: the connection becomes <b>Available</b> and "
                         "CodePipeline can use it as a source. This is what you want for the lab.",
        "fail": "Fail handshake",
        "fail_help": "for trying a failure: the connection goes to <b>Error</b>, as when the GitHub "
                     "app is not installed, so you can see what Pipewright tells you then.",
        "back": "Then return to Pipewright: it notices the new status by itself and goes on.",
        "headers": ("Name", "Provider", "Region", "Status", "ARN"),
        "status": {"PENDING": "Pending", "AVAILABLE": "Available", "ERROR": "Error"},
        "empty": "No connections yet. Create one with CreateConnection (CodeStar Connections or "
                 "CodeConnections), then come back here.",
        "note": "This page changes nothing on AWS: it talks only to the local sandbox.",
    },
    "ko": {
        "title": "GitHub 연결",
        "sub": "Pipewright 샌드박스 &middot; AWS 콘솔 대신 쓰는 페이지",
        "intro": "실제 AWS에서는 새 연결이 <b>대기 중</b> 상태로 남아 있다가, 콘솔에서 연결을 열고 "
                 "<b>대기 중인 연결 업데이트</b>를 선택한 뒤 GitHub에 로그인해 계정이나 조직에 "
                 "<b>새 앱 설치</b>(AWS Connector for GitHub)를 마치면 사용할 수 있게 됩니다. 1~2분 걸립니다. "
                 "여기서는 두 버튼이 그 과정을 대신합니다.",
        "complete": "연결 완료",
        "complete_help": "연결이 성공합니다. 연결이 <b>사용 가능</b> 상태가 되어 CodePipeline이 소스로 "
                         "쓸 수 있습니다. 실습에서는 이 버튼을 누르세요.",
        "fail": "연결 실패시키기",
        "fail_help": "실패를 체험해 보는 버튼입니다. GitHub 앱을 설치하지 않았을 때처럼 연결이 "
                     "<b>오류</b> 상태가 되고, 그때 Pipewright가 무엇을 알려 주는지 볼 수 있습니다.",
        "back": "그다음 Pipewright로 돌아가세요. 바뀐 상태를 알아서 확인하고 다음 단계로 넘어갑니다.",
        "headers": ("이름", "공급자", "리전", "상태", "ARN"),
        "status": {"PENDING": "대기 중", "AVAILABLE": "사용 가능", "ERROR": "오류"},
        "empty": "아직 연결이 없습니다. CreateConnection(CodeStar Connections 또는 CodeConnections)으로 "
                 "만든 다음 다시 오세요.",
        "note": "이 페이지는 AWS를 바꾸지 않습니다. 이 컴퓨터의 샌드박스하고만 통신합니다.",
    },
}


def _page(conns: list[dict], lang: str = "en") -> str:
    t = _TEXT[lang]
    rows = []
    for c in conns:
        status = c["ConnectionStatus"]
        arn = html.escape(c["ConnectionArn"], quote=True)
        if status == "PENDING":
            action = (f'<button data-arn="{arn}" data-status="AVAILABLE">{t["complete"]}</button>'
                      f' <button class="secondary" data-arn="{arn}" data-status="ERROR">'
                      f'{t["fail"]}</button>')
        else:
            action = "&mdash;"
        label = t["status"].get(status, status.title())
        rows.append(
            f"<tr><td>{html.escape(c['ConnectionName'])}</td><td>{html.escape(c['ProviderType'] or '')}</td>"
            f"<td>{html.escape(c['region'])}</td>"
            f'<td><span class="status {status.lower()}">{label}</span></td>'
            f"<td><code>{arn}</code></td><td>{action}</td></tr>"
        )
    head = "".join(f"<th>{h}</th>" for h in t["headers"])
    table = (
        f"<table><thead><tr>{head}<th></th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
        if rows else f'<p class="empty">{t["empty"]}</p>'
    )
    page = _PAGE.replace("{{LANG}}", lang).replace("{{TABLE}}", table)
    for key in ("title", "sub", "intro", "complete", "complete_help", "fail", "fail_help", "back", "note"):
        page = page.replace("{{" + key + "}}", t[key])
    return page


_PAGE = """<!doctype html>
<html lang="{{LANG}}"><head><meta charset="utf-8">
<title>Pipewright sandbox &mdash; {{title}}</title>
<style>
 body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans KR",sans-serif;margin:2rem auto;max-width:70rem;
      color:#16191f;background:#f2f3f3;padding:0 1rem}
 h1{font-size:1.5rem;margin-bottom:.25rem} .sub{color:#5f6b7a;margin-top:0}
 .card{background:#fff;border-radius:8px;padding:1.25rem 1.5rem;box-shadow:0 1px 3px rgba(0,0,0,.15);margin:1rem 0}
 table{border-collapse:collapse;width:100%} th,td{text-align:left;padding:.55rem .5rem;border-bottom:1px solid #e9ebed;vertical-align:middle}
 th{font-size:.8rem;text-transform:uppercase;color:#5f6b7a} code{font-size:.75rem;word-break:break-all}
 .status{padding:.15rem .55rem;border-radius:1rem;font-size:.85rem;font-weight:600}
 .pending{background:#fff4e5;color:#8d5b00} .available{background:#e9f7ec;color:#1d8102} .error{background:#fdecea;color:#d13212}
 button{background:#ec7211;color:#fff;border:0;border-radius:4px;padding:.45rem .9rem;font-weight:600;cursor:pointer}
 button.secondary{background:#fff;color:#5f6b7a;border:1px solid #aab7b8} button:disabled{opacity:.5}
 dt{font-weight:700;margin-top:.5rem} dd{margin:.15rem 0 0 1rem}
 .back{font-weight:600} .empty{color:#5f6b7a} .note{font-size:.9rem;color:#5f6b7a}
</style></head><body>
<h1>{{title}}</h1>
<p class="sub">{{sub}}</p>
<div class="card">
<p>{{intro}}</p>
<dl>
<dt>{{complete}}</dt><dd data-help="complete">{{complete_help}}</dd>
<dt>{{fail}}</dt><dd data-help="fail">{{fail_help}}</dd>
</dl>
<p class="back" data-help="back">{{back}}</p>
</div>
<div class="card">{{TABLE}}</div>
<p class="note">{{note}}</p>
<script>
document.querySelectorAll("button[data-arn]").forEach(function (b) {
  b.addEventListener("click", function () {
    document.querySelectorAll("button").forEach(function (x) { x.disabled = true; });
    fetch("/_sandbox/connections/complete", {method: "POST",
      headers: {"Content-Type": "application/json", "X-Pipewright-Sandbox-Page": "{{PAGE_TOKEN}}"},
      body: JSON.stringify({connectionArn: b.dataset.arn, status: b.dataset.status})})
      .then(function () { location.reload(); });
  });
});
</script>
</body></html>
"""


def install() -> None:
    """Nothing to patch: the operations are registered at import."""
