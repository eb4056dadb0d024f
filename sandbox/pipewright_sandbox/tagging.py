"""The Resource Groups Tagging API over every kind the lab tags.

On AWS, GetResources, GetTagKeys and GetTagValues "support all resource types". moto 5.2.5
answers only for the backends that mix `TaggableResourcesMixin` in, which leaves out six of
the lab's kinds: ECR repositories, CodeBuild projects, CodePipeline pipelines, ELBv2
listeners (moto's ELBv2 lists load balancers and target groups only), EventBridge Scheduler
schedule groups, and the CodeStar connections the sandbox itself keeps (connections.py).
Without them a sweep by tag, which trusts that API, would leave those behind in practice
mode while it removes them on AWS. Depends on moto internals: pinned to 5.2.5.
"""

from __future__ import annotations

from collections.abc import Iterator

# AWS's ResourceTypeFilters names: `service:resource-type`, the service as in the ARN.
ECR_REPOSITORY = "ecr:repository"
CODEBUILD_PROJECT = "codebuild:project"
CODEPIPELINE_PIPELINE = "codepipeline:pipeline"
ELB_LISTENER = "elasticloadbalancing:listener"
SCHEDULE_GROUP = "scheduler:schedule-group"
CONNECTION = "connection"  # after the ARN's service: codestar-connections or codeconnections


def _backend(backends, account_id: str, region: str):
    # Never create a backend just to find it empty (moto's own walk does the same).
    if account_id not in backends or region not in backends[account_id]:
        return None
    return backends[account_id][region]


def _pairs(tags) -> dict[str, str]:
    # CodeBuild keeps [{"key", "value"}] (or None); CodePipeline a dict.
    if isinstance(tags, dict):
        return dict(tags)
    return {t["key"]: t.get("value", "") for t in tags or []}


def missing_resources(account_id: str, region: str) -> Iterator:
    """The resources moto's tagging API does not list, with their tags (empty when none)."""
    from moto.codebuild.models import codebuild_backends
    from moto.codepipeline.models import codepipeline_backends
    from moto.core.resource_tagging import TaggedResource
    from moto.ecr.models import ecr_backends
    from moto.elbv2.models import elbv2_backends
    from moto.scheduler.models import scheduler_backends

    from .connections import _CONNECTIONS

    ecr = _backend(ecr_backends, account_id, region)
    if ecr is not None:
        for repo in list(ecr.repositories.values()):
            yield TaggedResource(arn=repo.arn,
                                 tags=ecr.tagger.get_tag_dict_for_resource(repo.arn),
                                 resource_type=ECR_REPOSITORY)
    codebuild = _backend(codebuild_backends, account_id, region)
    if codebuild is not None:
        for project in list(codebuild.codebuild_projects.values()):
            yield TaggedResource(arn=project.arn, tags=_pairs(project.tags),
                                 resource_type=CODEBUILD_PROJECT)
    codepipeline = _backend(codepipeline_backends, account_id, region)
    if codepipeline is not None:
        for pipeline in list(codepipeline.pipelines.values()):
            yield TaggedResource(arn=pipeline._arn, tags=_pairs(pipeline.tags),
                                 resource_type=CODEPIPELINE_PIPELINE)
    elbv2 = _backend(elbv2_backends, account_id, region)
    if elbv2 is not None:
        for lb in list(elbv2.load_balancers.values()):
            for listener in list(lb.listeners.values()):
                tags = elbv2.tagging_service.get_tag_dict_for_resource(listener.arn)
                yield TaggedResource(arn=listener.arn, tags=tags, resource_type=ELB_LISTENER)
    scheduler = _backend(scheduler_backends, account_id, region)
    if scheduler is not None:
        for group in list(scheduler.schedule_groups.values()):
            yield TaggedResource(arn=group.arn,
                                 tags=scheduler.tagger.get_tag_dict_for_resource(group.arn),
                                 resource_type=SCHEDULE_GROUP)
    for conn in list(_CONNECTIONS.values()):
        if conn["OwnerAccountId"] == account_id and conn["region"] == region:
            yield TaggedResource(arn=conn["ConnectionArn"],
                                 tags={t["Key"]: t["Value"] for t in conn["Tags"]},
                                 resource_type=f"{conn['ConnectionArn'].split(':')[2]}:{CONNECTION}")


def install() -> None:
    from moto.core.resource_tagging import make_tag_matcher, match_resource_type
    from moto.resourcegroupstaggingapi.models import ResourceGroupsTaggingAPIBackend as Backend

    original = Backend._get_resources_generator
    if getattr(original, "pw_patched", False):
        return

    def get_resources(self, tag_filters=None, resource_type_filters=None,
                      resource_arn_list=None):
        yield from original(self, tag_filters=tag_filters,
                            resource_type_filters=resource_type_filters,
                            resource_arn_list=resource_arn_list)
        matches = make_tag_matcher(tag_filters)
        for resource in missing_resources(self.account_id, self.region_name):
            # As moto's own walk: a resource without tags is not listed.
            if (resource.tags and match_resource_type(resource.resource_type,
                                                      resource_type_filters)
                    and matches(resource.tags)
                    and (not resource_arn_list or resource.arn in resource_arn_list)):
                yield resource

    original_keys = Backend._get_tag_keys_generator
    original_values = Backend._get_tag_values_generator

    def tag_keys(self):
        yield from original_keys(self)
        for resource in missing_resources(self.account_id, self.region_name):
            yield from resource.tags.keys()

    def tag_values(self, tag_key):
        yield from original_values(self, tag_key)
        for resource in missing_resources(self.account_id, self.region_name):
            if tag_key in resource.tags:
                yield resource.tags[tag_key]

    get_resources.pw_patched = True
    Backend._get_resources_generator = get_resources
    Backend._get_tag_keys_generator = tag_keys
    Backend._get_tag_values_generator = tag_values
