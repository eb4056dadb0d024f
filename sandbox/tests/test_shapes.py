"""Answers in AWS's own shapes (shapes.py). boto3 reads moto's wrong shapes leniently, so
these tests look at the raw bytes on the wire; tests/tests/sandbox_rust_sdk.rs checks the
same answers through the strict AWS SDK for Rust."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
import xml.etree.ElementTree as ET

from conftest import eventually

S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def _uid() -> str:
    return uuid.uuid4().hex[:8]


def raw(client, operation: str, **kwargs) -> bytes:
    """Calls `operation` and returns the answer's body exactly as it came over the wire."""
    seen: list[bytes] = []

    def grab(http_response, **_):
        seen.append(http_response.content)

    event = f"after-call.{client.meta.service_model.service_id.hyphenize()}.{operation}"
    client.meta.events.register(event, grab)
    try:
        getattr(client, _snake(operation))(**kwargs)
    finally:
        client.meta.events.unregister(event, grab)
    return seen[-1]


def _snake(name: str) -> str:
    from botocore import xform_name
    return xform_name(name)


def _role(client, service: str) -> str:
    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                   "Principal": {"Service": service}}]}
    return client("iam").create_role(RoleName=f"role-{_uid()}",
                                     AssumeRolePolicyDocument=json.dumps(doc))["Role"]["Arn"]


def test_get_pipeline_metadata_and_list_pipelines_use_epoch_seconds(client):
    s3, cp = client("s3"), client("codepipeline")
    bucket = f"shapes-{_uid()}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"})
    name = f"pipe-{_uid()}"
    role = _role(client, "codepipeline.amazonaws.com")
    eventually(lambda: cp.create_pipeline(pipeline={
        "name": name, "roleArn": role,
        "artifactStore": {"type": "S3", "location": bucket},
        "stages": [
            {"name": "Source", "actions": [{"name": "Source", "actionTypeId": {
                "category": "Source", "owner": "AWS", "provider": "S3", "version": "1"},
                "configuration": {"S3Bucket": bucket, "S3ObjectKey": "src.zip"},
                "outputArtifacts": [{"name": "src"}]}]},
            {"name": "Approve", "actions": [{"name": "Approve", "actionTypeId": {
                "category": "Approval", "owner": "AWS", "provider": "Manual", "version": "1"}}]},
        ]}))
    meta = json.loads(raw(cp, "GetPipeline", name=name))["metadata"]
    assert isinstance(meta["created"], (int, float)) and isinstance(meta["updated"], (int, float))
    assert abs(meta["created"] - time.time()) < 600
    assert meta["pipelineArn"].endswith(f":{name}")
    listed = json.loads(raw(cp, "ListPipelines"))["pipelines"]
    ours = next(p for p in listed if p["name"] == name)
    assert isinstance(ours["created"], (int, float)) and ours["created"] == meta["created"]
    cp.delete_pipeline(name=name)


def test_get_bucket_versioning_root_is_versioning_configuration(client):
    s3 = client("s3")
    bucket = f"shapes-{_uid()}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"})
    root = ET.fromstring(raw(s3, "GetBucketVersioning", Bucket=bucket))
    assert root.tag == f"{S3_NS}VersioningConfiguration" and len(root) == 0
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    root = ET.fromstring(raw(s3, "GetBucketVersioning", Bucket=bucket))
    assert root.tag == f"{S3_NS}VersioningConfiguration"
    assert root.find(f"{S3_NS}Status").text == "Enabled"
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"


def test_codebuild_project_has_last_modified_and_no_null_fields(client):
    cb = client("codebuild")
    name = f"build-{_uid()}"
    kw = dict(source={"type": "NO_SOURCE", "buildspec": "version: 0.2"},
              artifacts={"type": "NO_ARTIFACTS"},
              environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
                           "computeType": "BUILD_GENERAL1_SMALL"},
              serviceRole=_role(client, "codebuild.amazonaws.com"))
    created = json.loads(eventually(lambda: raw(cb, "CreateProject", name=name, **kw)))["project"]
    assert isinstance(created["lastModified"], (int, float)) and "lastModifiedDate" not in created
    updated = json.loads(raw(cb, "UpdateProject", name=name, description="d"))["project"]
    assert "lastModifiedDate" not in updated
    assert updated["lastModified"] >= created["lastModified"]
    assert None not in updated.values(), updated  # moto kept "tags": null
    got = json.loads(raw(cb, "BatchGetProjects", names=[name]))["projects"][0]
    assert got["lastModified"] >= got["created"]
    cb.delete_project(name=name)


def test_ecr_digest_is_the_manifests_sha256(client):
    ecr = client("ecr")
    repo = f"repo-{_uid()}"
    ecr.create_repository(repositoryName=repo)
    digests = []
    for n in range(2):  # manifests without layers: moto gave both the same digest
        manifest = json.dumps({"schemaVersion": 2,
                               "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                               "config": {"digest": f"sha256:{n:064x}", "size": 1,
                                          "mediaType": "application/vnd.docker.container.image.v1+json"},
                               "layers": []})
        image = ecr.put_image(repositoryName=repo, imageManifest=manifest, imageTag=f"v{n}")["image"]
        assert image["imageId"]["imageDigest"] == "sha256:" + hashlib.sha256(manifest.encode()).hexdigest()
        digests.append(image["imageId"]["imageDigest"])
    assert digests[0] != digests[1]
    out = ecr.batch_delete_image(repositoryName=repo, imageIds=[{"imageDigest": d} for d in digests])
    assert out["failures"] == [] and len(out["imageIds"]) == 2
    ecr.delete_repository(repositoryName=repo)


def test_ecs_create_service_keeps_health_check_grace_period(client):
    ecs = client("ecs")
    cluster = f"c-{_uid()}"
    ecs.create_cluster(clusterName=cluster)
    ecs.register_task_definition(family="shapes", containerDefinitions=[
        {"name": "app", "image": "nginx", "memory": 128}])
    raw_out = json.loads(raw(ecs, "CreateService", cluster=cluster, serviceName="svc",
                             taskDefinition="shapes", desiredCount=0,
                             healthCheckGracePeriodSeconds=60))
    assert raw_out["service"]["healthCheckGracePeriodSeconds"] == 60
    svc = ecs.describe_services(cluster=cluster, services=["svc"])["services"][0]
    assert svc["healthCheckGracePeriodSeconds"] == 60
    svc = ecs.update_service(cluster=cluster, service="svc", healthCheckGracePeriodSeconds=30)["service"]
    assert svc["healthCheckGracePeriodSeconds"] == 30
    ecs.delete_service(cluster=cluster, service="svc")
