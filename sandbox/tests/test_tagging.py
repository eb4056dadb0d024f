"""The tagging API lists every kind the lab tags (tagging.py), as AWS does: a sweep by tag
relies on it to find ECR repositories, CodeBuild projects, CodePipeline pipelines and ELBv2
listeners, which moto alone leaves out."""

from __future__ import annotations

from lab import make_pipeline, uid

KEY = "pipewright:lab"


def _listed(tagging, **kwargs) -> dict[str, dict[str, str]]:
    out = {}
    token = ""
    while True:
        page = tagging.get_resources(PaginationToken=token, **kwargs)
        for m in page["ResourceTagMappingList"]:
            out[m["ResourceARN"]] = {t["Key"]: t["Value"] for t in m["Tags"]}
        token = page.get("PaginationToken") or ""
        if not token:
            return out


def _four(client, infra, lab):
    """A tagged repository, project, pipeline and listener; returns their ARNs by type."""
    tags = [{"Key": KEY, "Value": lab}, {"Key": "pipewright:node", "Value": "x"}]
    lower = [{"key": t["Key"], "value": t["Value"]} for t in tags]
    repo = client("ecr").create_repository(repositoryName=uid("repo"), tags=tags)
    project = client("codebuild").create_project(
        name=uid("build"), source={"type": "CODEPIPELINE"}, artifacts={"type": "CODEPIPELINE"},
        environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
                     "computeType": "BUILD_GENERAL1_SMALL"},
        serviceRole=infra["roles"]["build"], tags=lower)
    name = make_pipeline(client, infra, repo=f"ktb/{uid('repo')}")
    cp = client("codepipeline")
    pipeline_arn = cp.get_pipeline(name=name)["metadata"]["pipelineArn"]
    cp.tag_resource(resourceArn=pipeline_arn, tags=lower)
    elb, ec2 = client("elbv2"), client("ec2")
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"][:2]]
    lb = elb.create_load_balancer(Name=uid("alb"), Subnets=subnets, Tags=tags)
    listener = elb.create_listener(
        LoadBalancerArn=lb["LoadBalancers"][0]["LoadBalancerArn"], Protocol="HTTP", Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": infra["tg"]}], Tags=tags)
    return {"ecr:repository": repo["repository"]["repositoryArn"],
            "codebuild:project": project["project"]["arn"],
            "codepipeline:pipeline": pipeline_arn,
            "elasticloadbalancing:listener": listener["Listeners"][0]["ListenerArn"],
            "elasticloadbalancing:loadbalancer": lb["LoadBalancers"][0]["LoadBalancerArn"],
            "pipeline": name}


def test_get_resources_lists_repositories_projects_pipelines_listeners(client, infra):
    lab = uid("lab")
    arns = _four(client, infra, lab)
    tagging = client("resourcegroupstaggingapi")
    listed = _listed(tagging, TagFilters=[{"Key": KEY, "Values": [lab]}])
    expected = {arns[t] for t in ("ecr:repository", "codebuild:project", "codepipeline:pipeline",
                                  "elasticloadbalancing:listener",
                                  "elasticloadbalancing:loadbalancer")}
    assert set(listed) == expected
    for arn in expected:
        assert listed[arn] == {KEY: lab, "pipewright:node": "x"}, arn

    # Each kind by its ResourceTypeFilters name, and by its service alone.
    for kind in ("ecr:repository", "codebuild:project", "codepipeline:pipeline",
                 "elasticloadbalancing:listener"):
        by_type = _listed(tagging, TagFilters=[{"Key": KEY, "Values": [lab]}],
                          ResourceTypeFilters=[kind])
        assert set(by_type) == {arns[kind]}, kind
    by_service = _listed(tagging, TagFilters=[{"Key": KEY, "Values": [lab]}],
                         ResourceTypeFilters=["elasticloadbalancing"])
    assert set(by_service) == {arns["elasticloadbalancing:listener"],
                               arns["elasticloadbalancing:loadbalancer"]}
    assert set(_listed(tagging, ResourceARNList=[arns["codebuild:project"]])) == {
        arns["codebuild:project"]}
    assert lab in tagging.get_tag_values(Key=KEY)["TagValues"]


def test_untagged_and_deleted_resources_are_not_listed(client, infra):
    lab = uid("lab")
    arns = _four(client, infra, lab)
    tagging = client("resourcegroupstaggingapi")
    bare = client("ecr").create_repository(repositoryName=uid("bare"))["repository"]
    assert bare["repositoryArn"] not in _listed(tagging)

    # Changed tags are what is listed: CodeBuild's UpdateProject replaces them, untagging
    # the pipeline removes its lab tag.
    project = arns["codebuild:project"].rsplit("/", 1)[1]
    client("codebuild").update_project(name=project, tags=[{"key": KEY, "value": "other"}])
    cp = client("codepipeline")
    cp.untag_resource(resourceArn=arns["codepipeline:pipeline"], tagKeys=[KEY])
    listed = _listed(tagging, TagFilters=[{"Key": KEY, "Values": [lab]}])
    assert arns["codebuild:project"] not in listed
    assert arns["codepipeline:pipeline"] not in listed

    client("ecr").delete_repository(repositoryName=arns["ecr:repository"].rsplit("/", 1)[1])
    client("elbv2").delete_load_balancer(LoadBalancerArn=arns["elasticloadbalancing:loadbalancer"])
    cp.delete_pipeline(name=arns["pipeline"])
    client("codebuild").delete_project(name=project)
    assert _listed(tagging, TagFilters=[{"Key": KEY, "Values": [lab]}]) == {}
    assert _listed(tagging, TagFilters=[{"Key": KEY, "Values": ["other"]}]) == {}


def test_schedule_groups_and_connections_are_listed_until_deleted(client):
    lab = uid("lab")
    tags = [{"Key": KEY, "Value": lab}]
    scheduler, connections = client("scheduler"), client("codestar-connections")
    group = scheduler.create_schedule_group(Name=uid("expiry"), Tags=tags)["ScheduleGroupArn"]
    scheduler.create_schedule_group(Name=uid("untagged"))
    conn = connections.create_connection(ConnectionName=uid("gh"), ProviderType="GitHub",
                                         Tags=tags)["ConnectionArn"]
    tagging = client("resourcegroupstaggingapi")
    listed = _listed(tagging, TagFilters=[{"Key": KEY, "Values": [lab]}])
    assert listed == {group: {KEY: lab}, conn: {KEY: lab}}
    by_type = _listed(tagging, TagFilters=[{"Key": KEY, "Values": [lab]}],
                      ResourceTypeFilters=["scheduler:schedule-group"])
    assert set(by_type) == {group}
    scheduler.tag_resource(ResourceArn=group, Tags=[{"Key": "pipewright:expires-at",
                                                     "Value": "2026-11-30T08:36:18Z"}])
    assert "2026-11-30T08:36:18Z" in tagging.get_tag_values(Key="pipewright:expires-at")["TagValues"]

    scheduler.delete_schedule_group(Name=group.rsplit("/", 1)[1])
    connections.delete_connection(ConnectionArn=conn)
    assert _listed(tagging, TagFilters=[{"Key": KEY, "Values": [lab]}]) == {}
