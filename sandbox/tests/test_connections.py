"""CodeStar Connections and CodeConnections: shapes, shared store, the completion page."""

from __future__ import annotations


import pytest
from botocore.exceptions import ClientError

from conftest import ControlError


def test_lifecycle_codestar_and_codeconnections(client, control):
    cs = client("codestar-connections")
    cc = client("codeconnections")
    created = cs.create_connection(ProviderType="GitHub", ConnectionName="pipewright-gh",
                                   Tags=[{"Key": "app", "Value": "pipewright"}])
    arn = created["ConnectionArn"]
    assert arn.startswith("arn:aws:codestar-connections:ap-northeast-2:123456789012:connection/")
    assert created["Tags"] == [{"Key": "app", "Value": "pipewright"}]
    conn = cs.get_connection(ConnectionArn=arn)["Connection"]
    assert conn == {"ConnectionName": "pipewright-gh", "ConnectionArn": arn,
                    "ProviderType": "GitHub", "OwnerAccountId": "123456789012",
                    "ConnectionStatus": "PENDING"}
    # The other API sees the same connection, with an ARN of either form.
    other_form = arn.replace("codestar-connections", "codeconnections")
    assert cc.get_connection(ConnectionArn=other_form)["Connection"]["ConnectionArn"] == arn
    assert arn in [c["ConnectionArn"] for c in cc.list_connections()["Connections"]]

    arn2 = cc.create_connection(ProviderType="GitHub", ConnectionName="second")["ConnectionArn"]
    assert arn2.startswith("arn:aws:codeconnections:ap-northeast-2:123456789012:connection/")
    assert cs.get_connection(ConnectionArn=arn2)["Connection"]["ConnectionStatus"] == "PENDING"

    # Paging and filters.
    first = cs.list_connections(MaxResults=1)
    assert len(first["Connections"]) == 1 and "NextToken" in first
    rest = cs.list_connections(MaxResults=1, NextToken=first["NextToken"])
    assert rest["Connections"][0]["ConnectionArn"] != first["Connections"][0]["ConnectionArn"]
    assert cs.list_connections(ProviderTypeFilter="Bitbucket")["Connections"] == []

    # Tags.
    cs.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "a"}])
    cc.untag_resource(ResourceArn=other_form, TagKeys=["app"])
    assert cs.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "a"}]

    # Complete the handshake through the control route.
    done = control("/_sandbox/connections/complete", {"connectionArn": arn, "status": "AVAILABLE"})
    assert done == {"connectionArn": arn, "connectionStatus": "AVAILABLE"}
    assert cc.get_connection(ConnectionArn=arn)["Connection"]["ConnectionStatus"] == "AVAILABLE"
    control("/_sandbox/connections/complete", {"connectionArn": arn2, "status": "ERROR"})
    assert cs.get_connection(ConnectionArn=arn2)["Connection"]["ConnectionStatus"] == "ERROR"

    cs.delete_connection(ConnectionArn=arn)
    cc.delete_connection(ConnectionArn=arn2)
    with pytest.raises(ClientError) as err:
        cs.get_connection(ConnectionArn=arn)
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_validation(client):
    cs = client("codestar-connections")
    with pytest.raises(ClientError) as err:
        cs.create_connection(ProviderType="GitHub", ConnectionName="x" * 33)
    assert err.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(ClientError) as err:
        cs.get_connection(ConnectionArn="arn:aws:codestar-connections:ap-northeast-2:"
                                        "123456789012:connection/00000000-0000-0000-0000-000000000000")
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_unimplemented_operation_is_aws_shaped(client):
    with pytest.raises(ClientError) as err:
        client("codestar-connections").list_hosts()
    assert err.value.response["Error"]["Code"] == "UnknownOperationException"


def test_page_and_complete_unknown(client, control):
    arn = client("codeconnections").create_connection(
        ProviderType="GitHub", ConnectionName="page-test")["ConnectionArn"]
    page = control("/_sandbox/connections", method="GET")
    assert "<html" in page and "page-test" in page and "Complete connection" in page
    assert "Install a new app" in page
    assert "http://" not in page and "https://" not in page  # self-contained
    with pytest.raises(ControlError) as err:
        control("/_sandbox/connections/complete",
                {"connectionArn": arn.replace(arn[-12:], "000000000000")})
    assert err.value.status == 404


def test_page_follows_the_apps_language_and_explains_both_buttons(client, control):
    client("codeconnections").create_connection(ProviderType="GitHub", ConnectionName="lang-test")
    en = control("/_sandbox/connections?lang=en", method="GET")
    assert '<html lang="en">' in en
    assert "Complete connection" in en and "Fail handshake" in en
    assert "for trying a failure" in en
    assert "return to Pipewright" in en
    ko = control("/_sandbox/connections?lang=ko", method="GET")
    assert '<html lang="ko">' in ko
    assert "연결 완료" in ko and "연결 실패시키기" in ko
    assert "실패를 체험해 보는 버튼" in ko
    assert "Pipewright로 돌아가세요" in ko
    assert "대기 중" in ko and "Complete connection" not in ko
    assert "{{" not in ko and "{{" not in en  # every placeholder filled
    # No language, or one the page does not speak: English.
    assert '<html lang="en">' in control("/_sandbox/connections?lang=fr", method="GET")


def test_control_route_missing_field_is_400(control):
    with pytest.raises(ControlError) as err:
        control("/_sandbox/connections/complete", {"connectionArn": "x", "status": "MAYBE"})
    assert err.value.status == 400
