"""Only Pipewright drives the sandbox (guard.py): no web page, no other client, no other route."""

from __future__ import annotations

import http.client
import json
import re

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

NO_RETRY = Config(retries={"mode": "standard", "total_max_attempts": 1})


def raw(url: str, method: str, path: str, body: bytes | None = None, headers=None,
        host: str | None = None):
    """(status, headers as a lower-cased dict, body) of one request, Host as given."""
    port = int(url.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    conn.putheader("Host", f"127.0.0.1:{port}" if host is None else host)
    for k, v in (headers or {}).items():
        conn.putheader(k, v)
    if body is not None:
        conn.putheader("Content-Length", str(len(body)))
    conn.endheaders(body)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data


def signed(key: str, service: str) -> dict:
    return {"Authorization": f"AWS4-HMAC-SHA256 Credential={key}/20260101/ap-northeast-2/"
                             f"{service}/aws4_request, SignedHeaders=host, Signature=0"}


def no_cors(headers: dict) -> bool:
    return not any(k.startswith("access-control-") for k in headers)


def test_a_cross_origin_preflight_is_refused_without_cors(sandbox_url, sandbox_key):
    for path in ("/", "/_sandbox/faults", "/_sandbox/push"):
        status, headers, _ = raw(sandbox_url, "OPTIONS", path, headers={
            "Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-pipewright-sandbox-key"})
        assert status == 403 and no_cors(headers), (path, status, headers)


def test_a_text_plain_post_is_refused_and_changes_nothing(sandbox_url, sandbox_key, control):
    before = control("/_sandbox/faults", method="GET")
    rules = json.dumps({"rules": [{"error": "reset"}]}).encode()
    # What a web page's form or no-cors fetch can send: text/plain, no custom header.
    status, headers, _ = raw(sandbox_url, "POST", "/_sandbox/faults", rules,
                             {"Content-Type": "text/plain", "Origin": "https://evil.example"})
    assert status == 403 and no_cors(headers)
    # Even with the key (and same-origin), a body that is not application/json is refused.
    for ctype in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        status, _, _ = raw(sandbox_url, "POST", "/_sandbox/faults", rules,
                           {"Content-Type": ctype, "X-Pipewright-Sandbox-Key": sandbox_key})
        assert status == 415, ctype
    assert control("/_sandbox/faults", method="GET") == before


def test_control_routes_that_change_something_need_the_key(sandbox_url, sandbox_key, control):
    body = json.dumps({"timeScale": 1.0}).encode()
    for key in (None, "testing", sandbox_key[:-1] + "0" if sandbox_key[-1] != "0" else "1"):
        headers = {"Content-Type": "application/json"}
        if key:
            headers["X-Pipewright-Sandbox-Key"] = key
        status, _, answer = raw(sandbox_url, "POST", "/_sandbox/clock", body, headers)
        assert status == 403, (key, answer)
        status, _, _ = raw(sandbox_url, "DELETE", "/_sandbox/calls", None,
                           {k: v for k, v in headers.items() if k != "Content-Type"})
        assert status == 403
    assert control("/_sandbox/clock", method="GET") == {"timeScale": 0.01}
    # With the key it works.
    status, _, answer = raw(sandbox_url, "POST", "/_sandbox/clock",
                            json.dumps({"timeScale": 0.01}).encode(),
                            {"Content-Type": "application/json",
                             "X-Pipewright-Sandbox-Key": sandbox_key})
    assert (status, json.loads(answer)) == (200, {"timeScale": 0.01})


def test_moto_api_is_refused(sandbox_url, sandbox_key, client):
    logs = client("logs")
    logs.create_log_group(logGroupName="/guard/kept")
    for method, path in (("POST", "/moto-api/reset"), ("GET", "/moto-api/data.json"),
                         ("GET", "/moto-api/"), ("POST", "/moto-api/seed?a=42")):
        # Signed with the key or not, moto's own API is not the lab's.
        for headers in ({}, signed(sandbox_key, "logs")):
            status, hdrs, _ = raw(sandbox_url, method, path, b"" if method == "POST" else None,
                                  headers)
            assert status in (400, 403, 404) and no_cors(hdrs), (method, path, status)
    names = [g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]]
    assert "/guard/kept" in names  # nothing was reset
    logs.delete_log_group(logGroupName="/guard/kept")


def test_a_service_the_lab_does_not_use_is_refused(sandbox_url, sandbox_key, client, control):
    control("/_sandbox/calls", method="DELETE")
    for service in ("lambda", "batch", "sqs", "dynamodb"):
        with pytest.raises(ClientError) as err:
            if service == "lambda":
                client("lambda", config=NO_RETRY).list_functions()
            elif service == "batch":
                client("batch", config=NO_RETRY).describe_compute_environments()
            elif service == "sqs":
                client("sqs", config=NO_RETRY).list_queues()
            else:
                client("dynamodb", config=NO_RETRY).list_tables()
        assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400, service
    status, _, _ = raw(sandbox_url, "POST", "/2015-03-31/functions", b"{}",
                       {**signed(sandbox_key, "lambda"), "Content-Type": "application/json"})
    assert status == 400
    calls = control("/_sandbox/calls", method="GET")["calls"]
    assert [(c["service"], c["outcome"]) for c in calls] == [
        (s, "UnknownService") for s in ("lambda", "batch", "sqs", "dynamodb", "lambda")]


def test_a_request_without_the_key_is_refused(sandbox_url, client, control):
    control("/_sandbox/calls", method="DELETE")
    for key in ("testing", "AKIAIOSFODNN7EXAMPLE"):
        session = boto3.session.Session(aws_access_key_id=key, aws_secret_access_key="x",
                                        region_name="ap-northeast-2")
        for service, call in (("sts", lambda c: c.get_caller_identity()),
                              ("ecs", lambda c: c.list_clusters()),
                              ("s3", lambda c: c.list_buckets()),
                              ("ec2", lambda c: c.describe_vpcs())):
            c = session.client(service, endpoint_url=sandbox_url, config=NO_RETRY.merge(
                Config(s3={"addressing_style": "path"})))
            with pytest.raises(ClientError) as err:
                call(c)
            assert err.value.response["Error"]["Code"] == "UnrecognizedClientException", service
    # An unsigned request (a web page's) is not AWS's at all.
    status, _, _ = raw(sandbox_url, "POST", "/", b"Action=ListUsers&Version=2010-05-08",
                       {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 404
    outcomes = {c["outcome"] for c in control("/_sandbox/calls", method="GET")["calls"]}
    assert outcomes == {"UnrecognizedClientException"}


def test_another_host_header_is_refused(sandbox_url, sandbox_key):
    port = sandbox_url.rsplit(":", 1)[1]
    for host in (f"evil.example:{port}", "127.0.0.1", f"127.0.0.1:{int(port) + 1}",
                 f"localhost.evil.example:{port}", ""):
        for method, path, headers in (("GET", "/_sandbox/health", {}),
                                      ("GET", "/_github/api/repos/ktb-lecture/ktb-repo", {}),
                                      ("POST", "/", signed(sandbox_key, "sts"))):
            status, hdrs, _ = raw(sandbox_url, method, path,
                                  b"Action=GetCallerIdentity&Version=2011-06-15"
                                  if method == "POST" else None,
                                  {**headers, "Content-Type": "application/x-www-form-urlencoded"},
                                  host=host)
            assert status == 421 and no_cors(hdrs), (host, path, status)


def test_the_key_and_the_right_host_work_without_cors(sandbox_url, sandbox_key, client, control):
    assert client("sts").get_caller_identity()["Account"] == "123456789012"
    for host in (f"127.0.0.1:{sandbox_url.rsplit(':', 1)[1]}",
                 f"localhost:{sandbox_url.rsplit(':', 1)[1]}"):
        status, headers, body = raw(
            sandbox_url, "POST", "/", b"Action=GetCallerIdentity&Version=2011-06-15",
            {**signed(sandbox_key, "sts"), "Content-Type": "application/x-www-form-urlencoded"},
            host=host)
        assert status == 200 and b"123456789012" in body
        # moto adds Access-Control-Allow-Origin: * to its answers; the sandbox strips it.
        assert no_cors(headers), headers
        assert headers["x-frame-options"] == "DENY"
    status, headers, _ = raw(sandbox_url, "GET", "/_sandbox/health")
    assert status == 200 and no_cors(headers)
    assert control("/_sandbox/faults", {"rules": []}) == {"rules": []}


def test_the_handshake_page_completes_with_its_own_token(sandbox_url, client, control):
    cs = client("codestar-connections")
    arn = cs.create_connection(ProviderType="GitHub", ConnectionName="guarded")["ConnectionArn"]
    status, headers, page = raw(sandbox_url, "GET", "/_sandbox/connections")
    assert status == 200 and headers["x-frame-options"] == "DENY"
    token = re.search(rb'"X-Pipewright-Sandbox-Page": "([^"]+)"', page).group(1).decode()
    body = json.dumps({"connectionArn": arn, "status": "AVAILABLE"}).encode()
    # As the page's button sends it (same origin, JSON, the page's token).
    for bad in ("", "made-up-token"):
        status, _, _ = raw(sandbox_url, "POST", "/_sandbox/connections/complete", body,
                           {"Content-Type": "application/json",
                            "X-Pipewright-Sandbox-Page": bad})
        assert status == 403
    assert cs.get_connection(ConnectionArn=arn)["Connection"]["ConnectionStatus"] == "PENDING"
    origin = sandbox_url
    status, _, answer = raw(sandbox_url, "POST", "/_sandbox/connections/complete", body,
                            {"Content-Type": "application/json", "Origin": origin,
                             "X-Pipewright-Sandbox-Page": token})
    assert status == 200, answer
    assert cs.get_connection(ConnectionArn=arn)["Connection"]["ConnectionStatus"] == "AVAILABLE"
    # The page token opens that one route only.
    status, _, _ = raw(sandbox_url, "POST", "/_sandbox/clock", b'{"timeScale": 1}',
                       {"Content-Type": "application/json", "X-Pipewright-Sandbox-Page": token})
    assert status == 403
    cs.delete_connection(ConnectionArn=arn)


def test_keys_the_sandbox_issued_itself_work_and_made_up_ones_do_not(sandbox_url, client):
    iam = client("iam")
    iam.create_user(UserName="guard-profile-user")
    key = iam.create_access_key(UserName="guard-profile-user")["AccessKey"]
    session = boto3.session.Session(aws_access_key_id=key["AccessKeyId"],
                                     aws_secret_access_key=key["SecretAccessKey"],
                                     region_name="ap-northeast-2")
    sts = session.client("sts", endpoint_url=sandbox_url, config=NO_RETRY)
    assert sts.get_caller_identity()["Arn"].endswith(":user/guard-profile-user")
    # One letter off is a key nobody issued.
    forged = key["AccessKeyId"][:-1] + ("A" if key["AccessKeyId"][-1] != "A" else "B")
    session = boto3.session.Session(aws_access_key_id=forged, aws_secret_access_key="x",
                                     region_name="ap-northeast-2")
    with pytest.raises(ClientError) as err:
        session.client("sts", endpoint_url=sandbox_url, config=NO_RETRY).get_caller_identity()
    assert err.value.response["Error"]["Code"] == "UnrecognizedClientException"
