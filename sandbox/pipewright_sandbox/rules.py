"""AWS's dependency rules and small behaviours that moto 5.2.5 lacks, patched into its backends.

Why: the lecture teaches tearing the pipeline down in the right order (service before
cluster, load balancer and tasks before their security group, ...) and retrying what AWS
refuses while things drain. moto lets everything be deleted in any order, so students would
never meet DependencyViolation or ClusterContainsServicesException here.

Each patch says what moto lacks. All of them depend on moto internals: pinned to 5.2.5.
Patches wrap class attributes (so other modules' wrappers, installed later, compose on top).
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid

from . import registry
from .registry import AWS_DURATIONS, CLOCK, STATE_LOCK, AwsError, RequestInfo

_MARK = "_pw_rules"  # marks our wrappers (install() is idempotent)

# How long AWS keeps a deleted ECS service DRAINING before it is INACTIVE (seconds).
AWS_DURATIONS.setdefault("service_draining", 30.0)


def _linger_aws_seconds() -> float:
    raw = os.environ.get("PIPEWRIGHT_SANDBOX_ENI_LINGER_SECONDS")
    if raw:
        try:
            return max(0.0, float(raw))
        except ValueError:
            pass
    return AWS_DURATIONS["eni_linger"]


def _wrap(cls, name: str, make):
    original = getattr(cls, name)
    if getattr(original, _MARK, False):
        return
    wrapper = make(original)
    setattr(wrapper, _MARK, True)
    wrapper.__name__ = name
    setattr(cls, name, wrapper)


def _ec2(account: str, region: str):
    from moto.ec2.models import ec2_backends

    return ec2_backends[account][region]


# =============================================================================================
# Managed network interfaces (ECS awsvpc tasks, load balancers) and their lingering
#
# moto creates no network interface for Fargate tasks or load balancers, so
# DescribeNetworkInterfaces is empty and nothing keeps a security group or subnet in use.
# On AWS these interfaces also linger for a while after the task stops or the load balancer
# is deleted, which is why deleting the security group right away fails.

# owner key (service ARN / load balancer ARN) -> [(account, region, eni_id)]
_OWNED_ENIS: dict[str, list[tuple[str, str, str]]] = {}
# [(deadline on the AWS clock, account, region, eni_id)]
_LINGERING: list[tuple[float, str, str, str]] = []
# [(deadline on the AWS clock, moto Service)]: deleted services, DRAINING until the deadline
_DRAINING: list[tuple[float, object]] = []


def _new_eni(account: str, region: str, subnet_id: str, group_ids: list[str],
             description: str) -> str | None:
    ec2 = _ec2(account, region)
    try:
        eni = ec2.create_network_interface(subnet_id, None, group_ids=list(group_ids),
                                           description=description)
    except Exception:  # an unknown subnet: AWS would have refused the call already
        return None
    eni.status = "in-use"
    eni.requester_managed = True
    eni.interface_type = "interface"
    return eni.id


def _release(owner: str, keep: int = 0) -> None:
    """Let the owner's interfaces beyond the first `keep` linger, then disappear."""
    enis = _OWNED_ENIS.get(owner, [])
    released, _OWNED_ENIS[owner] = enis[keep:], enis[:keep]
    if not _OWNED_ENIS[owner]:
        _OWNED_ENIS.pop(owner, None)
    deadline = CLOCK.aws_now() + _linger_aws_seconds()  # on the AWS clock
    for account, region, eni_id in released:
        _LINGERING.append((deadline, account, region, eni_id))
    reap()


def reap() -> None:
    """Remove lingering interfaces and end DRAINING whose time has come (caller holds no lock
    or STATE_LOCK; we take it)."""
    now = CLOCK.aws_now()
    with STATE_LOCK:
        for item in [x for x in _LINGERING if x[0] <= now]:
            _LINGERING.remove(item)
            _, account, region, eni_id = item
            _ec2(account, region).enis.pop(eni_id, None)
        for item in [x for x in _DRAINING if x[0] <= now]:
            _DRAINING.remove(item)
            svc = item[1]
            if getattr(svc, "status", None) == "DRAINING":
                svc.status = "INACTIVE"


def _reaper() -> None:
    while True:
        time.sleep(0.05)
        if _LINGERING or _DRAINING:
            reap()


def _awsvpc(service) -> dict | None:
    cfg = (getattr(service, "network_configuration", None) or {}).get("awsvpcConfiguration")
    return cfg if cfg and cfg.get("subnets") else None


def _sync_service_enis(backend, service) -> None:
    """One interface per desired task of an awsvpc service."""
    cfg = _awsvpc(service)
    if cfg is None:
        return
    owner = service.arn
    have = _OWNED_ENIS.get(owner, [])
    want = max(0, int(service.desired_count or 0)) if service.status == "ACTIVE" else 0
    if len(have) > want:
        _release(owner, keep=want)
        return
    subnets = cfg["subnets"]
    groups = cfg.get("securityGroups") or []
    while len(have) < want:
        subnet = subnets[len(have) % len(subnets)]
        desc = (f"arn:aws:ecs:{backend.region_name}:{backend.account_id}:attachment/"
                f"{uuid.uuid4()}")
        eni_id = _new_eni(backend.account_id, backend.region_name, subnet, groups, desc)
        if eni_id is None:
            break
        have.append((backend.account_id, backend.region_name, eni_id))
    if have:
        _OWNED_ENIS[owner] = have


def _patch_ecs() -> None:
    from moto.ecs.exceptions import ECSException
    from moto.ecs.models import EC2ContainerServiceBackend

    class ClusterContainsServicesException(ECSException):
        code = "ClusterContainsServicesException"

    def make_create(original):
        def create_service(self, *args, **kwargs):
            svc = original(self, *args, **kwargs)
            _sync_service_enis(self, svc)
            return svc
        return create_service

    def make_update(original):
        def update_service(self, service_properties):
            svc = original(self, service_properties)
            _sync_service_enis(self, svc)
            return svc
        return update_service

    # moto already refuses DeleteService without force while desiredCount > 0
    # (InvalidParameterException); it lacks the DRAINING phase and the interfaces.
    def make_delete_service(original):
        def delete_service(self, cluster_name, service_name, force):
            svc = original(self, cluster_name, service_name, force)
            svc.status = "DRAINING"
            _DRAINING.append((CLOCK.aws_now() + AWS_DURATIONS["service_draining"], svc))
            _release(svc.arn)
            return svc
        return delete_service

    # moto deletes a cluster that still has services; AWS refuses while any is ACTIVE or
    # DRAINING.
    def make_delete_cluster(original):
        def delete_cluster(self, cluster_str):
            reap()
            cluster = self._get_cluster(cluster_str)
            busy = [s for s in self.services.values()
                    if s.cluster_arn == cluster.arn and s.status in ("ACTIVE", "DRAINING")]
            if busy:
                raise ClusterContainsServicesException(
                    "The Cluster cannot be deleted while Services are active.")
            return original(self, cluster_str)
        return delete_cluster

    _wrap(EC2ContainerServiceBackend, "create_service", make_create)
    _wrap(EC2ContainerServiceBackend, "update_service", make_update)
    _wrap(EC2ContainerServiceBackend, "delete_service", make_delete_service)
    _wrap(EC2ContainerServiceBackend, "delete_cluster", make_delete_cluster)


# =============================================================================================
# EC2: security groups in use cannot be deleted


def _sg_dependents(ec2, group_id: str) -> bool:
    from moto.elbv2.models import elbv2_backends

    # Attached to a load balancer.
    elbv2 = elbv2_backends[ec2.account_id][ec2.region_name]
    for lb in elbv2.load_balancers.values():
        if group_id in (lb.security_groups or []):
            return True
    # Referenced by another group's rule.
    for groups in ec2.groups.values():
        for group in groups.values():
            if group.id == group_id:
                continue
            for rule in list(group.ingress_rules) + list(group.egress_rules):
                src = rule.source_group or {}
                if src.get("GroupId") == group_id:
                    return True
    # Attached to a network interface (lingering ones included until they vanish).
    for eni in ec2.enis.values():
        if any(g.id == group_id for g in getattr(eni, "_group_set", [])):
            return True
    return False


def _patch_ec2() -> None:
    from moto.ec2.exceptions import DependencyViolationError
    from moto.ec2.models import EC2Backend

    # moto deletes a security group whatever uses it; AWS answers DependencyViolation.
    def make(original):
        def delete_security_group(self, name=None, group_id=None):
            reap()
            group = None
            if group_id:
                group = self.get_security_group_from_id(group_id)
            elif name:
                group = self.get_security_group_by_name_or_id(name)
            if group is not None and _sg_dependents(self, group.id):
                raise DependencyViolationError(f"resource {group.id} has a dependent object")
            return original(self, name=name, group_id=group_id)
        return delete_security_group

    def make_get_all(original):
        def get_all_network_interfaces(self, eni_ids=None, filters=None):
            reap()
            return original(self, eni_ids, filters)
        return get_all_network_interfaces

    _wrap(EC2Backend, "delete_security_group", make)
    _wrap(EC2Backend, "get_all_network_interfaces", make_get_all)


# =============================================================================================
# ELBv2: load balancer interfaces; idempotent CreateTargetGroup


def _patch_elbv2() -> None:
    from moto.elbv2.models import ELBv2Backend, FakeLoadBalancer

    def make_create_lb(original):
        def create_load_balancer(self, *args, **kwargs):
            lb = original(self, *args, **kwargs)
            lb.pw_created = CLOCK.aws_now()
            lb_id = lb.arn.rsplit("/", 1)[-1]
            kind = "net" if getattr(lb, "loadbalancer_type", "application") == "network" else "app"
            enis = []
            for subnet in lb.subnets:
                eni_id = _new_eni(self.account_id, self.region_name, subnet.id,
                                  lb.security_groups or [], f"ELB {kind}/{lb.name}/{lb_id}")
                if eni_id:
                    enis.append((self.account_id, self.region_name, eni_id))
            if enis:
                _OWNED_ENIS[lb.arn] = enis
            return lb
        return create_load_balancer

    def make_delete_lb(original):
        def delete_load_balancer(self, arn):
            result = original(self, arn)
            if arn in _OWNED_ENIS:
                _release(arn)
            return result
        return delete_load_balancer

    # moto: DuplicateTargetGroupName for any second create. AWS returns the existing target
    # group when the settings are the same (and refuses only different settings).
    def make_create_tg(original):
        def create_target_group(self, name, **kwargs):
            for tg in self.target_groups.values():
                if tg.name == name and _same_tg(tg, kwargs):
                    return tg
            return original(self, name, **kwargs)
        return create_target_group

    # moto: a load balancer is active at the first describe. AWS: provisioning for about 90 s.
    def make_activate(original):
        def activate(self):
            created = getattr(self, "pw_created", None)
            if created is None or CLOCK.aws_now() - created >= AWS_DURATIONS["alb_provisioning"]:
                original(self)
        return activate

    _wrap(FakeLoadBalancer, "activate", make_activate)
    _wrap(ELBv2Backend, "create_load_balancer", make_create_lb)
    _wrap(ELBv2Backend, "delete_load_balancer", make_delete_lb)
    _wrap(ELBv2Backend, "create_target_group", make_create_tg)


def _same_tg(tg, kwargs: dict) -> bool:
    checks = {
        "protocol": getattr(tg, "protocol", None),
        "port": getattr(tg, "port", None),
        "vpc_id": getattr(tg, "vpc_id", None),
        "target_type": getattr(tg, "target_type", None),
        "healthcheck_path": getattr(tg, "health_check_path", None),
        "healthcheck_protocol": getattr(tg, "health_check_protocol", None),
        "healthcheck_port": getattr(tg, "health_check_port", None),
        "healthcheck_interval_seconds": getattr(tg, "health_check_interval_seconds", None),
        "healthcheck_timeout_seconds": getattr(tg, "health_check_timeout_seconds", None),
        "healthy_threshold_count": getattr(tg, "healthy_threshold_count", None),
        "unhealthy_threshold_count": getattr(tg, "unhealthy_threshold_count", None),
    }
    for key, current in checks.items():
        wanted = kwargs.get(key)
        if wanted is None:
            continue
        if key == "target_type" and current is None:
            current = "instance"
        if str(wanted) != str(current):
            return False
    return True


# =============================================================================================
# ECR: immutable tag reuse


def _patch_ecr() -> None:
    from moto.core.exceptions import ServiceException
    from moto.ecr.exceptions import ImageAlreadyExistsException
    from moto.ecr.models import ECRBackend

    class ImageTagAlreadyExistsException(ServiceException):
        code = "ImageTagAlreadyExistsException"

    # moto answers ImageAlreadyExistsException when an immutable tag is pushed again with
    # another image; AWS answers ImageTagAlreadyExistsException.
    def make(original):
        def _resolve_image_tag_mutability(self, repository, proposed_image_tag):
            try:
                return original(self, repository, proposed_image_tag)
            except ImageAlreadyExistsException:
                raise ImageTagAlreadyExistsException(
                    f"The image tag '{proposed_image_tag}' already exists in the "
                    f"'{repository.name}' repository and cannot be overwritten because the "
                    "tag is immutable.")
        return _resolve_image_tag_mutability

    _wrap(ECRBackend, "_resolve_image_tag_mutability", make)


# =============================================================================================
# CodeBuild: CODEPIPELINE source/artifacts without location; UpdateProject


def _patch_codebuild() -> None:
    from moto.codebuild import responses as cb

    # moto requires a location for every source and artifacts type; AWS requires none for
    # CODEPIPELINE (the pipeline hands the artifact over) nor NO_SOURCE.
    src_original = cb._validate_required_params_source
    art_original = cb._validate_required_params_artifacts
    if getattr(src_original, _MARK, False):
        return

    def validate_source(source):
        if isinstance(source, dict) and source.get("type") in ("CODEPIPELINE", "NO_SOURCE") \
                and not source.get("location"):
            return
        return src_original(source)

    def validate_artifacts(artifacts):
        if isinstance(artifacts, dict) and artifacts.get("type") == "CODEPIPELINE" \
                and not artifacts.get("location"):
            return
        return art_original(artifacts)

    setattr(validate_source, _MARK, True)
    cb._validate_required_params_source = validate_source
    cb._validate_required_params_artifacts = validate_artifacts


# moto has no UpdateProject. AWS: same fields as CreateProject, all optional but name;
# answers {"project": {...}} with the whole updated project.
_UPDATABLE = {
    "description": "description", "source": "source", "secondarySources": "secondarySources",
    "sourceVersion": "sourceVersion", "secondarySourceVersions": "secondarySourceVersions",
    "artifacts": "artifacts", "secondaryArtifacts": "secondaryArtifacts", "cache": "cache",
    "environment": "environment", "serviceRole": "serviceRole",
    "timeoutInMinutes": "timeoutInMinutes", "queuedTimeoutInMinutes": "queuedTimeoutInMinutes",
    "encryptionKey": "encryptionKey", "tags": "tags", "vpcConfig": "vpcConfig",
    "logsConfig": "logsConfig", "fileSystemLocations": "fileSystemLocations",
    "buildBatchConfig": "buildBatchConfig", "concurrentBuildLimit": "concurrentBuildLimit",
    "autoRetryLimit": "autoRetryLimit",
}


@registry.json_op("CodeBuild_20161006", "UpdateProject")
def update_project(params: dict, info: RequestInfo) -> dict:
    from moto.codebuild import responses as cb
    from moto.codebuild.models import codebuild_backends
    from moto.core.exceptions import ServiceException
    from moto.core.utils import unix_time

    name = params.get("name")
    if not name:
        raise AwsError("InvalidInputException", "Project name is required")
    backend = codebuild_backends[info.account_id][info.region]
    project = backend.codebuild_projects.get(name)
    if project is None:
        for p in backend.codebuild_projects.values():
            if p.arn == name:
                project = p
    if project is None:
        raise AwsError("ResourceNotFoundException",
                       f"Failed to call UpdateProject, reason: Project cannot be found: "
                       f"arn:aws:codebuild:{info.region}:{info.account_id}:project/{name}")
    try:
        if "source" in params:
            cb._validate_required_params_source(params["source"])
        if "artifacts" in params:
            cb._validate_required_params_artifacts(params["artifacts"])
        if "environment" in params:
            cb._validate_required_params_environment(params["environment"])
        if "serviceRole" in params:
            cb._validate_required_params_service_role(info.account_id, info.region,
                                                      params["serviceRole"])
    except ServiceException as exc:
        raise AwsError(exc.code, exc.message)
    if params.get("serviceRole"):  # CodeBuild must be able to assume the new role
        from .service_roles import require_codebuild_role

        require_codebuild_role(info.account_id, params["serviceRole"])
    meta = project.project_metadata
    for key, field in _UPDATABLE.items():
        if key in params and params[key] is not None:
            meta[field] = params[key]
    if "serviceRole" in params:
        project.service_role = params["serviceRole"]
    if "tags" in params:
        project.tags = params["tags"]
    if "badgeEnabled" in params:
        meta["badge"] = {"badgeEnabled": bool(params["badgeEnabled"])}
    meta["lastModified"] = unix_time()  # AWS's name (moto: lastModifiedDate; see shapes.py)
    # moto keeps "tags": None for an untagged project; AWS leaves absent fields out.
    shown = {k: v for k, v in meta.items() if v is not None}
    return {"project": json.loads(json.dumps(shown, default=str))}


# =============================================================================================
# CodePipeline: a role trusting a list of services


def _trusts_codepipeline(document: str, account: str) -> bool:
    from .service_roles import CODEPIPELINE, trusts

    return trusts(document, CODEPIPELINE, account)


def _patch_codepipeline() -> None:
    from moto.codepipeline.models import CodePipelineBackend
    from moto.iam.exceptions import NotFoundException as IAMNotFoundException

    # moto compares the whole Principal.Service value with "codepipeline.amazonaws.com", so a
    # list of services (["codepipeline.amazonaws.com", "codebuild.amazonaws.com"]) or a
    # single-statement document is refused. We check the trust ourselves and show moto a
    # normalised document for the duration of its own check.
    def make(original):
        def create_pipeline(self, pipeline, tags):
            try:
                role = self.iam_backend.get_role_by_arn(pipeline.get("roleArn", ""))
            except IAMNotFoundException:
                return original(self, pipeline, tags)  # moto's own error for unknown roles
            if not _trusts_codepipeline(role.assume_role_policy_document, self.account_id):
                return original(self, pipeline, tags)
            saved = role.assume_role_policy_document
            role.assume_role_policy_document = json.dumps({"Statement": [
                {"Effect": "Allow", "Principal": {"Service": "codepipeline.amazonaws.com"},
                 "Action": "sts:AssumeRole"}]})
            try:
                return original(self, pipeline, tags)
            finally:
                role.assume_role_policy_document = saved
        return create_pipeline

    _wrap(CodePipelineBackend, "create_pipeline", make)


# =============================================================================================
# CloudWatch Logs: a forward token needs startFromHead


def _patch_logs() -> None:
    from moto.logs.models import LogStream

    # AWS (GetLogEvents): "If you are using a previous nextForwardToken value as the nextToken
    # in this operation, you must specify true for startFromHead." Without it AWS does not page
    # forward: the caller gets no events and its token back, so a tail never sees new lines
    # (the symptom reported in awslabs/aws-athena-query-federation#99 and aws-sdk-net#3218).
    # moto pages forward either way.
    def make(original):
        def get_log_events(self, start_time, end_time, limit, next_token, start_from_head):
            head = start_from_head in (True, "true", "True")
            if next_token and next_token.startswith("f/") and not head:
                return [], "b/" + next_token[2:], next_token
            return original(self, start_time, end_time, limit, next_token, start_from_head)
        return get_log_events

    _wrap(LogStream, "get_log_events", make)


# =============================================================================================

_started = threading.Event()


def install() -> None:
    _patch_ecs()
    _patch_ec2()
    _patch_elbv2()
    _patch_ecr()
    _patch_codebuild()
    _patch_codepipeline()
    _patch_logs()
    if not _started.is_set():
        _started.set()
        threading.Thread(target=_reaper, name="sandbox-reaper", daemon=True).start()
