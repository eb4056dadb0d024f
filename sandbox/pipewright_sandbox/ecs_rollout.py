"""ECS rolling deployments and the ALB target health that goes with them.

moto runs no task and registers no target: a service is "running" the moment it exists (with
MOTO_ECS_SERVICE_RUNNING) and DescribeTargetHealth stays empty. Here a rollout (the pipeline's
ECS Deploy action, or a new service with a load balancer) takes AWS_DURATIONS["ecs_rollout"]:
the new PRIMARY deployment's runningCount rises to desiredCount while the old one (ACTIVE)
drains, targets appear in the service's target groups as "initial" then "healthy", service
events are appended as ECS writes them, and the deployment ends COMPLETED (or FAILED when the
sandbox was told to fail the Deploy stage). Everything mutates moto's own objects, so moto's
DescribeServices / DescribeTargetHealth answers show it.
"""

from __future__ import annotations

import ipaddress
import random
import uuid

from moto.core.utils import utcnow

from .registry import AWS_DURATIONS, CLOCK, AwsError

# Fractions of the rollout duration at which things happen.
TASKS_RUNNING_AT = 0.45
HEALTHY_AT = 0.75
FAIL_AT = 0.7

ROLLOUTS: list["Rollout"] = []

# TargetHealth for the states we set on registered targets.
HEALTH = {"initial": ("Elb.RegistrationInProgress", "Target registration is in progress"),
          "draining": ("Target.DeregistrationInProgress", "Target deregistration is in progress"),
          "unhealthy": ("Target.FailedHealthChecks", "Health checks failed")}


def _ecs(account: str, region: str):
    from moto.ecs.models import ecs_backends

    return ecs_backends[account][region]


def _elbv2(account: str, region: str):
    from moto.elbv2.models import elbv2_backends

    return elbv2_backends[account][region]


def _event(service, message: str) -> None:
    # ECS lists events newest first.
    service.events.insert(0, {"id": str(uuid.uuid4()), "createdAt": utcnow(),
                              "message": f"(service {service.name}) {message}"})


class Rollout:
    """One deployment of one service, advanced by the shared ticker."""

    def __init__(self, account, region, service, deployment: dict, old: dict | None, fail: bool):
        import time

        self.account, self.region, self.service = account, region, service
        self.deployment, self.old, self.fail = deployment, old, fail
        self.deployment_id = deployment["id"]
        self.started = time.time()
        self.duration = CLOCK.seconds(AWS_DURATIONS["ecs_rollout"])
        self.state, self.reason = "IN_PROGRESS", None
        self.ips: list[str] = []
        self.old_ips = [t for t in _targets_of(self)]
        self.step = 0

    def advance(self, now: float) -> None:
        f = (now - self.started) / self.duration if self.duration > 0 else 1.0
        svc, dep = self.service, self.deployment
        if self.fail and f >= FAIL_AT:
            self._failed()
            return
        if self.step == 0 and f >= TASKS_RUNNING_AT:
            self.step = 1
            n = dep["desiredCount"]
            dep.update(runningCount=n, pendingCount=0, updatedAt=utcnow())
            _event(svc, f"has started {n} tasks: {' '.join('(task %s)' % uuid.uuid4().hex for _ in range(n))}.")
            self.ips = [_private_ip(self) for _ in range(n)]
            _register(self, self.ips, "initial")
            _set_running(self)
        if self.step == 1 and f >= HEALTHY_AT:
            self.step = 2
            _register(self, self.ips, "healthy")
            if self.old:
                self.old.update(runningCount=0, updatedAt=utcnow())
                _event(svc, f"has begun draining connections on {len(self.old_ips)} tasks.")
                _register(self, self.old_ips, "draining")
            _set_running(self)
        if self.step == 2 and f >= 1.0:
            self.step = 3
            _deregister(self, self.old_ips)
            if self.old in svc.deployments:
                svc.deployments.remove(self.old)
            dep.update(rolloutState="COMPLETED", updatedAt=utcnow(),
                       rolloutStateReason=f"ECS deployment {dep['id']} completed.")
            _set_running(self)
            _event(svc, f"(deployment {dep['id']}) deployment completed.")
            _event(svc, "has reached a steady state.")
            self.state = "COMPLETED"

    def _failed(self) -> None:
        svc, dep = self.service, self.deployment
        _deregister(self, self.ips)
        reason = "ECS deployment circuit breaker: tasks failed to start."
        dep.update(rolloutState="FAILED", rolloutStateReason=reason, runningCount=0,
                   pendingCount=0, failedTasks=dep["desiredCount"], updatedAt=utcnow())
        if self.old:  # the circuit breaker rolls back to the previous deployment
            self.old["status"] = "PRIMARY"
            svc.task_definition = self.old["taskDefinition"]
            dep["status"] = "ACTIVE"
        _event(svc, f"(deployment {dep['id']}) deployment failed: tasks failed to start.")
        _set_running(self)
        self.state = "FAILED"
        self.reason = f"Deployment {dep['id']} failed. {reason}"


def _set_running(r: Rollout) -> None:
    svc = r.service
    svc.running_count = sum(d.get("runningCount", 0) for d in svc.deployments)
    svc.pending_count = sum(d.get("pendingCount", 0) for d in svc.deployments)


def _private_ip(r: Rollout) -> str:
    """A made-up private IP in the service's first subnet (as Fargate's ENI would get)."""
    from moto.ec2.models import ec2_backends

    subnets = ((r.service.network_configuration or {}).get("awsvpcConfiguration") or {}).get("subnets") or []
    cidr = "10.0.0.0/24"
    if subnets:
        try:
            cidr = ec2_backends[r.account][r.region].get_subnet(subnets[0]).cidr_block
        except Exception:
            pass
    net = ipaddress.ip_network(cidr, strict=False)
    return str(net.network_address + random.randint(10, max(11, net.num_addresses - 2)))


def _targets_of(r: Rollout) -> list[str]:
    ids = []
    for lb in r.service.load_balancers or []:
        tg = _elbv2(r.account, r.region).target_groups.get(lb.get("targetGroupArn"))
        if tg:
            ids += [t for t in tg.targets if t not in ids]
    return ids


def _register(r: Rollout, ips: list[str], state: str) -> None:
    for lb in r.service.load_balancers or []:
        tg = _elbv2(r.account, r.region).target_groups.get(lb.get("targetGroupArn"))
        if tg is None:
            continue
        for ip in ips:
            t = tg.targets.setdefault(ip, {"Id": ip, "Port": lb.get("containerPort") or tg.port})
            t["pw_state"] = state
            tg.deregistered_targets.pop(ip, None)
    if state == "initial" and ips and r.service.load_balancers:
        tgs = ", ".join(lb.get("targetGroupArn", "") for lb in r.service.load_balancers)
        _event(r.service, f"registered {len(ips)} targets in (target-group {tgs})")


def _deregister(r: Rollout, ips: list[str]) -> None:
    removed = 0
    for lb in r.service.load_balancers or []:
        tg = _elbv2(r.account, r.region).target_groups.get(lb.get("targetGroupArn"))
        for ip in ips if tg else []:
            if tg.targets.pop(ip, None):
                removed += 1
    if removed:
        _event(r.service, f"deregistered {len(ips)} targets in (target-group "
                          f"{', '.join(lb.get('targetGroupArn', '') for lb in r.service.load_balancers)})")


def _find_service(account: str, region: str, cluster: str, name: str):
    ecs = _ecs(account, region)
    svc = ecs.services.get(f"{cluster.split('/')[-1]}:{name.split('/')[-1]}")
    if svc is None or svc.status != "ACTIVE":
        raise AwsError("ServiceNotFoundException",
                       f"The Amazon ECS service {name} does not exist in cluster {cluster}.")
    return ecs, svc


def _new_revision(ecs, svc, image: str | None):
    """Register a copy of the service's task definition with the built image."""
    td = ecs.describe_task_definition(svc.task_definition)
    containers = [dict(c) for c in td.container_definitions]
    if image and containers:
        image_container = None
        if isinstance(image, dict):  # {"name", "imageUri"}: one imagedefinitions.json entry
            image_container, image = image.get("name"), image.get("imageUri")
        target = next((c for c in containers if c.get("name") == image_container), containers[0])
        target["image"] = image
    kwargs = {k: getattr(td, k, None) for k in ("cpu", "memory", "task_role_arn",
                                                "execution_role_arn", "runtime_platform")}
    return ecs.register_task_definition(
        td.family, containers, volumes=td.volumes, network_mode=td.network_mode, tags=td.tags,
        placement_constraints=getattr(td, "placement_constraints", None),
        requires_compatibilities=getattr(td, "requires_compatibilities", None), **kwargs)


def start_deploy(account: str, region: str, cluster: str, service: str, image, fail=False) -> Rollout:
    """The ECS standard deploy action: new revision, new PRIMARY deployment, rollout."""
    ecs, svc = _find_service(account, region, cluster, service)
    td = _new_revision(ecs, svc, image)
    svc.task_definition = td.arn
    old = next((d for d in svc.deployments if d["status"] == "PRIMARY"), None)
    for d in list(svc.deployments):
        if d is not old:
            svc.deployments.remove(d)  # an older ACTIVE deployment is replaced
    if old:
        old["status"] = "ACTIVE"
        old["updatedAt"] = utcnow()
    dep = _deployment(svc, td.arn)
    svc.deployments.insert(0, dep)
    rollout = Rollout(account, region, svc, dep, old, fail)
    ROLLOUTS.append(rollout)
    return rollout


def _deployment(svc, task_definition: str) -> dict:
    dep_id = f"ecs-svc/{random.randint(10**18, 10**19 - 1)}"
    now = utcnow()
    return {"id": dep_id, "status": "PRIMARY", "taskDefinition": task_definition,
            "desiredCount": svc.desired_count, "pendingCount": svc.desired_count,
            "runningCount": 0, "failedTasks": 0, "createdAt": now, "updatedAt": now,
            "launchType": svc.launch_type, "platformVersion": svc.platform_version or "1.4.0",
            "platformFamily": "Linux",
            "networkConfiguration": svc.network_configuration or None,
            "rolloutState": "IN_PROGRESS",
            "rolloutStateReason": f"ECS deployment {dep_id} in progress."}


def _patch_ecs() -> None:
    """New services roll out like a deployment; deleted or scaled ones drop their targets."""
    from moto.ecs.models import EC2ContainerServiceBackend

    if getattr(EC2ContainerServiceBackend.create_service, "pw_patched", False):
        return
    create, delete = EC2ContainerServiceBackend.create_service, EC2ContainerServiceBackend.delete_service

    def create_service(self, *args, **kwargs):
        svc = create(self, *args, **kwargs)
        if svc.desired_count > 0 and svc.deployments and svc.task_definition:
            svc.deployments[:] = [_deployment(svc, svc.task_definition)]
            _set_running_counts_zero(svc)
            ROLLOUTS.append(Rollout(self.account_id, self.region_name, svc,
                                    svc.deployments[0], None, False))
        return svc

    def delete_service(self, cluster_name, service_name, force):
        svc = delete(self, cluster_name, service_name, force)
        for r in [r for r in ROLLOUTS if r.service is svc]:
            ROLLOUTS.remove(r)
        r = Rollout(self.account_id, self.region_name, svc, {"id": ""}, None, False)
        _deregister(r, _targets_of(r))
        return svc

    create_service.pw_patched = True
    EC2ContainerServiceBackend.create_service = create_service
    EC2ContainerServiceBackend.delete_service = delete_service


def _set_running_counts_zero(svc) -> None:
    svc.running_count, svc.pending_count = 0, svc.desired_count


def _patch_health() -> None:
    """Targets we registered report the state we gave them."""
    from moto.elbv2.models import FakeHealthStatus, FakeTargetGroup

    original = FakeTargetGroup.health_for
    if getattr(original, "pw_patched", False):
        return

    def health_for(self, target, ec2_backend):
        t = self.targets.get(target["Id"])
        state = t.get("pw_state") if t else None
        if state and state != "healthy":
            reason, desc = HEALTH[state]
            return FakeHealthStatus(t["Id"], t["Port"], self.health_check_port, state, reason, desc)
        return original(self, target, ec2_backend)

    health_for.pw_patched = True
    FakeTargetGroup.health_for = health_for


def _tick(now: float) -> None:
    for r in list(ROLLOUTS):
        r.advance(now)
        if r.state != "IN_PROGRESS":
            ROLLOUTS.remove(r)


def install() -> None:
    from .pipeline import add_ticker

    _patch_ecs()
    _patch_health()
    add_ticker(_tick)
