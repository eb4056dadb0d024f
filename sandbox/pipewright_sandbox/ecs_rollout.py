"""ECS services that run tasks the way ECS's service scheduler does, and their target health.

moto runs no task and registers no target: with MOTO_ECS_SERVICE_RUNNING a service is
"running" the moment it exists, whatever its image. Here every ECS service (REPLICA, ECS
deployment controller) gets a scheduler, advanced by the shared ticker, that
- launches tasks (real moto Task objects, so ListTasks/DescribeTasks show them) for the
  PRIMARY deployment until runningCount reaches desiredCount;
- pulls each task's image as the task execution role (service_roles "task.pull" and
  "task.logs"): an image missing from ECR, or a role that may not pull it or write its logs,
  stops the task with ECS's reason (CannotPullContainerError / ResourceInitializationError);
- after failed launches waits longer and longer before the next one (ECS "service throttle
  logic": up to 27 minutes, scaled by the clock) and never gives up; an UpdateService resets
  that at once. Without a deployment circuit breaker such a deployment stays IN_PROGRESS;
- registers running tasks (only those) in the service's target groups, "initial" then
  "healthy"; drains and deregisters the old deployment's tasks once the new ones are healthy;
- for images the sandbox built from a repository it holds (standins.IMAGES), target health
  follows what the app serves (node_app.py): a health check on another port than the app
  listens on fails (Target.FailedHealthChecks), a path answering outside the matcher fails
  (Target.ResponseCodeMismatch); ECS says so in its events, stops the task ("Task failed ELB
  health checks in ...") and starts another, and the deployment never becomes steady. Images
  the sandbox cannot interpret stay healthy;
- writes ECS's service events and marks the deployment COMPLETED at steady state.
A service at desiredCount 0 is steady at once. UpdateService with a new task definition (or
forceNewDeployment) starts a new deployment; a desiredCount change updates the PRIMARY one.
Everything mutates moto's own objects, so moto's DescribeServices / DescribeTasks /
DescribeTargetHealth answers show it.
"""

from __future__ import annotations

import ipaddress
import random
import re
import time
import uuid

from moto.core.utils import utcnow

from . import run_holds, service_roles, standins
from .registry import AWS_DURATIONS, CLOCK, AwsError, add_ticker

# When things happen to a task, in AWS seconds after its launch (the whole rollout of a new
# deployment takes AWS_DURATIONS["ecs_rollout"]).
PULL_AT = 25.0  # ENI attached, image pulled (or not), log stream created
RUNNING_AT = 56.0
HEALTHY_AT = 94.0  # load balancer health checks passed
DRAIN_SECONDS = 31.0  # deregistration delay of an old task
UNHEALTHY_STOP = 30.0  # an unhealthy target's task is stopped this long after it failed
FAIL_AT = 0.7  # fraction of the rollout at which a deployment told to fail fails
BACKOFF_FIRST, BACKOFF_MAX = 15.0, 27 * 60.0  # throttle logic: 15 s, 30 s, ... 27 min
IMPAIRED_AFTER = 3  # consecutive failed launches before "unable to consistently start"
DEPLOY_ACTION_TIMEOUT = 3600.0  # the pipeline's ECS action gives up after an hour
KEEP_STOPPED = 20  # stopped tasks kept per service (ECS shows them for about an hour)
MAX_EVENTS = 100

# TargetHealth for the states we set on registered targets.
HEALTH = {"initial": ("Elb.RegistrationInProgress", "Target registration is in progress"),
          "draining": ("Target.DeregistrationInProgress", "Target deregistration is in progress"),
          "unhealthy": ("Target.FailedHealthChecks", "Health checks failed")}

_ECR_HOST = re.compile(r"^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com$")
SCHEDULERS: list["Scheduler"] = []


def _ecs(account: str, region: str):
    from moto.ecs.models import ecs_backends

    return ecs_backends[account][region]


def _elbv2(account: str, region: str):
    from moto.elbv2.models import elbv2_backends

    return elbv2_backends[account][region]


def _event(service, message: str) -> None:
    # ECS lists events newest first and keeps the latest 100.
    service.events.insert(0, {"id": str(uuid.uuid4()), "createdAt": utcnow(),
                              "message": f"(service {service.name}) {message}"})
    del service.events[MAX_EVENTS:]


# =============================================================================================
# Tasks


class TaskRun:
    """One task of a service: PROVISIONING -> (pull) -> PENDING -> RUNNING -> ... STOPPED."""

    def __init__(self, sched: "Scheduler", deployment: dict, task, slot: int):
        self.sched, self.deployment, self.task, self.slot = sched, deployment, task, slot
        self.launched = CLOCK.aws_now()
        self.state = "PROVISIONING"
        self.healthy = False
        self.drain_until: float | None = None  # AWS time at which a draining task stops
        self.ip: str | None = None
        self.log_target: tuple[str, str] | None = None  # (group, stream) once created
        self.unhealthy: tuple[float, str] | None = None  # (AWS time, target group ARN)

    @property
    def id(self) -> str:
        return self.task.id

    @property
    def live(self) -> bool:
        return self.state != "STOPPED" and self.drain_until is None

    def set_state(self, state: str) -> None:
        self.state = state
        self.task.last_status = state
        if state == "RUNNING":
            self.task.started_at = utcnow()

    def stop(self, reason: str, code: str, failed_to_start: bool = False) -> None:
        self.state = "STOPPED"
        task = self.task
        task.last_status = task.desired_status = "STOPPED"
        task.stopped_reason, task.stop_code = reason, code
        task.stopping_at = task.stopped_at = utcnow()
        for container in task.containers:
            container.last_status = "STOPPED"
            if failed_to_start:  # it never ran: a reason, no exit code
                container.reason, container.exitCode = reason, None


def _new_task(sched: "Scheduler", deployment: dict, slot: int) -> TaskRun:
    from moto.ecs.models import Task

    ecs, svc = sched.ecs, sched.svc
    td = ecs.describe_task_definition(deployment["taskDefinition"])
    task = Task(cluster=ecs._get_cluster(svc.cluster_name), task_definition=td,
                container_instance_arn=None, resource_requirements=None, backend=ecs,
                group=f"service:{svc.name}", started_by=deployment["id"],
                launch_type=svc.launch_type or "", platform_version=svc.platform_version,
                networking_configuration=svc.network_configuration or None)
    # moto moves tasks through their states on every read; ours move only on our ticks.
    task._transitions = []
    task.last_status = "PROVISIONING"
    task.created_at = utcnow()
    _use_service_eni(sched, task, slot)
    ecs.tasks.setdefault(svc.cluster_name, {})[task.task_arn] = task
    return TaskRun(sched, deployment, task, slot)


def _use_service_eni(sched: "Scheduler", task, slot: int) -> None:
    """moto gives each awsvpc task an interface of its own ("moto ECS"); rules.py already keeps
    one per desired task of the service, so the task names that one instead. Its address is
    its own: old and new tasks of a rolling deployment are distinct targets."""
    from moto.ec2.models import ec2_backends

    from .rules import _OWNED_ENIS

    ec2 = ec2_backends[sched.account][sched.region]
    for attachment in task.attachments:
        details = {d["name"]: d for d in attachment.get("details", [])}
        moto_eni = details.get("networkInterfaceId", {}).get("value")
        ec2.enis.pop(moto_eni, None)
        owned = _OWNED_ENIS.get(sched.svc.arn) or []
        if owned:
            eni = ec2.enis.get(owned[slot % len(owned)][2])
            if eni is not None:
                details["networkInterfaceId"]["value"] = eni.id
                details["subnetId"]["value"] = eni.subnet.id
        if "privateIPv4Address" in details:
            details["privateIPv4Address"]["value"] = _private_ip(sched)


def _task_ip(run: TaskRun) -> str:
    for attachment in run.task.attachments:
        for d in attachment.get("details", []):
            if d["name"] == "privateIPv4Address" and d.get("value"):
                return d["value"]
    return _private_ip(run.sched)


def _private_ip(sched: "Scheduler") -> str:
    """A made-up private IP in the service's first subnet (as Fargate's ENI would get)."""
    from moto.ec2.models import ec2_backends

    subnets = ((sched.svc.network_configuration or {}).get("awsvpcConfiguration") or {}).get(
        "subnets") or []
    cidr = "10.0.0.0/24"
    if subnets:
        try:
            cidr = ec2_backends[sched.account][sched.region].get_subnet(subnets[0]).cidr_block
        except Exception:
            pass
    net = ipaddress.ip_network(cidr, strict=False)
    return str(net.network_address + random.randint(10, max(11, net.num_addresses - 2)))


# =============================================================================================
# Pulling the image and starting the log driver, as the task execution role


def _image_parts(image: str) -> tuple[str, str, str, str | None]:
    """(registry, repository, tag, digest) of an image reference."""
    ref, digest = (image.split("@", 1) + [None])[:2]
    registry, _, rest = ref.partition("/") if "/" in ref else ("docker.io", "", ref)
    if not ("." in registry or ":" in registry or registry == "localhost"):
        registry, rest = "docker.io", ref  # "library/node:18" is a Docker Hub name
    repo, _, tag = rest.rpartition(":") if ":" in rest.rsplit("/", 1)[-1] else (rest, "", "")
    return registry, repo, tag or ("" if digest else "latest"), digest


def _execution_role(td) -> str | None:
    return getattr(td, "execution_role_arn", None)  # moto sets it only when given


def _task_role(td) -> str | None:
    return getattr(td, "task_role_arn", None)


# ECS's stoppedReason texts: AWS's "CannotPullContainer task errors in Amazon ECS" and the
# ECS agent's messages (agent/api/errors: "The task can’t pull the image. ...").
NO_REGISTRY_AUTH = ("ResourceInitializationError: unable to pull secrets or registry auth: "
                    "execution resource retrieval failed: unable to retrieve ecr registry auth: "
                    "service call has been retried 3 time(s): ")
PULL_DENIED = ("CannotPullContainerError: The task can’t pull the image. Check that the role has "
               "the permissions to pull images from the registry. Error response from daemon: "
               "pull access denied for {uri}, repository does not exist or may require 'docker "
               "login': denied: {why}")
NO_REPOSITORY = ("CannotPullContainerError: The task can’t pull the image. Check whether the "
                 "image exists. Error response from daemon: pull access denied for {uri}, "
                 "repository does not exist or may require 'docker login': denied: requested "
                 "access to the resource is denied")
NO_IMAGE = ("CannotPullContainerError: pull image manifest has been retried 5 time(s): failed "
            "to resolve ref {image}: {image}: not found")
NO_CREDENTIALS = ("CannotPullContainerError: pull image manifest has been retried 5 time(s): "
                  "failed to resolve ref {image}: pulling from host {registry} failed with "
                  "status code [manifests {ref}]: 401 Unauthorized")
NO_LAYER = ("CannotPullContainerError: ref pull has been retried 1 time(s): failed to copy: "
            "httpReadSeeker: failed open: unexpected status code https://{registry}/v2/{repo}/"
            "blobs/{digest}: 403 Forbidden")


def _pull_problem(run: TaskRun, td) -> str | None:
    """Why the image cannot be pulled (ECS's stoppedReason), or None. Images outside the
    lab's ECR (Docker Hub, public.ecr.aws) are taken as pullable."""
    image = (td.container_definitions[0].get("image") or "") if td.container_definitions else ""
    registry, repo, tag, digest = _image_parts(image)
    m = _ECR_HOST.match(registry)
    if not m:
        return None
    region, role = m.group(2), _execution_role(td)
    if not role:  # nobody to ask ECR for a token
        return NO_CREDENTIALS.format(image=image, registry=registry, ref=tag or digest)

    def refused(action: str):
        return service_roles.check("task.pull", run.sched.account, region, role, run.id,
                                   only=(action,), repository=repo,
                                   source_arn=run.sched.svc.cluster_arn)

    refusal = refused("ecr:GetAuthorizationToken")
    if refusal:
        return _refused(refusal, NO_REGISTRY_AUTH)
    refusal = refused("ecr:BatchGetImage")
    if refusal:
        return PULL_DENIED.format(uri=f"{registry}/{repo}", why=refusal.message)
    repository = _ecr_repository(run.sched.account, m.group(1), region, repo)
    if repository is None:
        return NO_REPOSITORY.format(uri=f"{registry}/{repo}")
    found = _find_image(repository, tag, digest)
    if found is None:
        return NO_IMAGE.format(image=image)
    if refused("ecr:GetDownloadUrlForLayer"):
        return NO_LAYER.format(registry=registry, repo=repo, digest=found.image_digest)
    return None


def _ecr_repository(account: str, registry_account: str, region: str, name: str):
    from moto.ecr.models import ecr_backends

    if registry_account != account:  # another account's registry: not the lab's
        return None
    return ecr_backends[account][region].repositories.get(name)


def _find_image(repository, tag: str, digest: str | None):
    for img in repository.images:
        if digest and img.image_digest == digest:
            return img
        if not digest and tag in img.image_tags:
            return img
    return None


def _refused(refusal, prefix: str) -> str:
    if refusal.kind == "assume":
        return refusal.message
    return (prefix + f"AccessDeniedException: {refusal.message}\n\tstatus code: 400, "
            f"request id: {uuid.uuid4()}")


def _logs_problem(run: TaskRun, td) -> str | None:
    """Start the awslogs driver: create the stream (and the group if asked), as AWS does
    before the container starts. Why it cannot (ECS's stoppedReason), or None."""
    from moto.logs.models import logs_backends

    container = td.container_definitions[0] if td.container_definitions else {}
    log_cfg = container.get("logConfiguration") or {}
    if log_cfg.get("logDriver") != "awslogs" or not _execution_role(td):
        return None
    opts = log_cfg.get("options") or {}
    group, region = opts.get("awslogs-group", ""), opts.get("awslogs-region", run.sched.region)
    prefix = opts.get("awslogs-stream-prefix")
    stream = f"{prefix}/{container.get('name')}/{run.id}" if prefix else run.id
    create_group = str(opts.get("awslogs-create-group", "")).lower() == "true"
    logs = logs_backends[run.sched.account][region]
    head = "ResourceInitializationError: failed to validate logger args: "
    new_group = group not in logs.groups
    facts = {"group": group, "stream": stream, "create_group": create_group and new_group}
    check = service_roles.check("task.logs", run.sched.account, region, _execution_role(td),
                                run.id, only=("logs:CreateLogGroup", "logs:CreateLogStream"),
                                **facts)
    if check and check.action == "logs:CreateLogGroup":
        return _refused(check, head + "failed to create Cloudwatch log group: ") + \
            " : exit status 1"
    if new_group and not create_group:
        return (head + "create stream has been retried 1 times: failed to create Cloudwatch "
                "log stream: ResourceNotFoundException: The specified log group does not "
                "exist. : exit status 1")
    if check:
        return _refused(check, head + "create stream has been retried 1 times: failed to "
                        "create Cloudwatch log stream: ") + " : exit status 1"
    if new_group:
        logs.create_log_group(group, tags={})
    if stream not in logs.groups[group].streams:
        logs.create_log_stream(group, stream)
    run.log_target = (group, stream)
    return None


def _write_task_log(run: TaskRun, td, line: str) -> None:
    """The container's output, sent by the awslogs driver (lost if PutLogEvents is denied:
    the task keeps running, as on AWS)."""
    from moto.logs.models import logs_backends

    if run.log_target is None:
        return
    group, stream = run.log_target
    if service_roles.check("task.logs", run.sched.account, run.sched.region,
                           _execution_role(td), run.id, only=("logs:PutLogEvents",),
                           group=group, stream=stream):
        return
    logs_backends[run.sched.account][run.sched.region].put_log_events(
        group, stream, [{"timestamp": int(time.time() * 1000), "message": line}])


def _launch_problem(sched: "Scheduler", deployment: dict) -> str | None:
    """What keeps ECS from launching a task at all: a role ECS tasks cannot assume."""
    td = sched.ecs.describe_task_definition(deployment["taskDefinition"])
    for role in (_execution_role(td), _task_role(td)):
        if role and not service_roles.assumable(sched.account, role, service_roles.ECS_TASKS):
            return service_roles.ASSUME_MESSAGES[service_roles.ECS_TASKS].format(role=role)
    return None


# =============================================================================================
# The service scheduler


def _deployment(svc, task_definition: str) -> dict:
    dep_id = f"ecs-svc/{random.randint(10**18, 10**19 - 1)}"
    now = utcnow()
    return {"id": dep_id, "status": "PRIMARY", "taskDefinition": task_definition,
            "desiredCount": svc.desired_count, "pendingCount": 0, "runningCount": 0,
            "failedTasks": 0, "createdAt": now, "updatedAt": now,
            "launchType": svc.launch_type, "platformVersion": svc.platform_version or "1.4.0",
            "platformFamily": "Linux",
            "networkConfiguration": svc.network_configuration or None,
            "rolloutState": "IN_PROGRESS",
            "rolloutStateReason": f"ECS deployment {dep_id} in progress."}


class Scheduler:
    """ECS's service scheduler for one service, advanced by the shared ticker."""

    def __init__(self, account: str, region: str, svc):
        self.account, self.region, self.svc = account, region, svc
        self.ecs = _ecs(account, region)
        self.tasks: list[TaskRun] = []
        self.failures = 0  # consecutive tasks that failed to start
        self.next_launch = 0.0  # AWS time before which no task is launched (throttle)
        self.impaired = False
        self.steady = False
        self.fail_at: dict[str, float] = {}  # deployment id -> AWS time it is made to fail
        self.started: dict[str, float] = {}  # deployment id -> AWS time it started

    # -- deployments -------------------------------------------------------------------------

    @property
    def primary(self) -> dict | None:
        return next((d for d in self.svc.deployments if d["status"] == "PRIMARY"), None)

    def new_deployment(self, task_definition: str, fail: bool = False) -> dict:
        """A new PRIMARY deployment; the old PRIMARY becomes ACTIVE (its tasks keep running
        until the new ones are healthy), older ACTIVE ones are replaced at once."""
        old = self.primary
        for d in list(self.svc.deployments):
            if d is not old:
                self._drain(self._tasks_of(d), at_once=True)
                self.svc.deployments.remove(d)
        if old:
            old.update(status="ACTIVE", updatedAt=utcnow())
        dep = _deployment(self.svc, task_definition)
        self.svc.deployments.insert(0, dep)
        now = CLOCK.aws_now()
        self.started[dep["id"]] = now
        if fail:
            self.fail_at[dep["id"]] = now + FAIL_AT * AWS_DURATIONS["ecs_rollout"]
        self.reset_throttle()
        return dep

    def reset_throttle(self) -> None:
        """An UpdateService returns the service to a normal, non-throttled state at once."""
        self.failures, self.next_launch, self.impaired, self.steady = 0, 0.0, False, False

    def _tasks_of(self, dep: dict) -> list[TaskRun]:
        return [t for t in self.tasks if t.deployment is dep]

    # -- the tick ----------------------------------------------------------------------------

    def advance(self, now: float) -> None:
        for run in [t for t in self.tasks if t.state != "STOPPED"]:
            self._advance_task(run, now)
        primary = self.primary
        if primary is None:
            return
        if now >= self.fail_at.get(primary["id"], float("inf")):
            del self.fail_at[primary["id"]]
            self._circuit_breaker(primary, forced=True)
            primary = self.primary
            if primary is None:
                return
        if primary["rolloutState"] != "FAILED":
            self._scale(primary, now)
        self._retire_old(primary)
        self._counts()
        self._steady(primary)
        self._prune()

    def _advance_task(self, run: TaskRun, now: float) -> None:
        age = now - run.launched
        if run.drain_until is not None:
            if now >= run.drain_until:
                _deregister(self, [run])
                run.stop("Scaling activity initiated by (deployment "
                         f"{run.deployment['id']})", "ServiceSchedulerInitiated")
            return
        if run.state == "PROVISIONING" and age >= PULL_AT:
            td = self.ecs.describe_task_definition(run.task.task_definition_arn)
            problem = _pull_problem(run, td) or _logs_problem(run, td)
            if problem:
                self._failed_to_start(run, problem)
                return
            run.set_state("PENDING")
        if run.state == "PENDING" and age >= RUNNING_AT:
            run.set_state("RUNNING")
            self.failures, self.impaired = 0, False
            run.ip = _task_ip(run)
            _register(self, [run], "initial")
            td = self.ecs.describe_task_definition(run.task.task_definition_arn)
            _write_task_log(run, td, "Server listening on port "
                            f"{_container_port(self.svc) or 80}")
            if not self.svc.load_balancers:
                run.healthy = True
        if run.state == "RUNNING" and not run.healthy and run.unhealthy is None \
                and age >= HEALTHY_AT:
            problem = _health_problem(self, run)
            if problem is None:
                run.healthy = True
                _register(self, [run], "healthy")
            else:
                code, description, tg_arn, port = problem
                run.unhealthy = (now, tg_arn)
                _register(self, [run], "unhealthy", (code, description))
                _event(self.svc, f"(port {port}) is unhealthy in (target-group {tg_arn}) due to "
                       f"(reason {description}).")
        if run.unhealthy is not None and now >= run.unhealthy[0] + UNHEALTHY_STOP:
            _deregister(self, [run])
            run.stop(f"Task failed ELB health checks in (target-group {run.unhealthy[1]})",
                     "ServiceSchedulerInitiated")
            _event(self.svc, f"has stopped 1 running tasks: (task {run.id}).")
            run.deployment["failedTasks"] = run.deployment.get("failedTasks", 0) + 1
            self.steady = False
            self._breaker_check(run.deployment)

    def _failed_to_start(self, run: TaskRun, reason: str) -> None:
        run.stop(reason, "TaskFailedToStart", failed_to_start=True)
        dep = run.deployment
        dep["failedTasks"] = dep.get("failedTasks", 0) + 1
        self.failures += 1
        delay = min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** (self.failures - 1))
        self.next_launch = CLOCK.aws_now() + delay
        self.steady = False
        _event(self.svc, f"(task {run.id}) stopped: {reason}")
        if self.failures >= IMPAIRED_AFTER and not self.impaired:
            self.impaired = True
            _event(self.svc, "is unable to consistently start tasks successfully. For more "
                   "information, see the Troubleshooting section of the Amazon ECS Developer "
                   "Guide.")
        self._breaker_check(dep)

    def _breaker_check(self, dep: dict) -> None:
        breaker = ((getattr(self.svc, "deployment_configuration", None) or {})
                   .get("deploymentCircuitBreaker") or {})
        threshold = max(3, min(200, -(-dep["desiredCount"] // 2)))
        if breaker.get("enable") and dep["status"] == "PRIMARY" \
                and dep["failedTasks"] >= threshold:
            self._circuit_breaker(dep, forced=False, rollback=bool(breaker.get("rollback")))

    def _scale(self, primary: dict, now: float) -> None:
        live = [t for t in self._tasks_of(primary) if t.live]
        want = primary["desiredCount"]
        if len(live) > want:
            extra = sorted(live, key=lambda t: t.launched)[want:]
            self._drain(extra)
            _event(self.svc, f"has stopped {len(extra)} running tasks: "
                   + " ".join(f"(task {t.id})" for t in extra) + ".")
            self.steady = False
        elif len(live) < want and now >= self.next_launch:
            problem = _launch_problem(self, primary)
            if problem:
                self.failures += 1
                self.next_launch = now + min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** (self.failures - 1))
                _event(self.svc, f"failed to launch a task with (error {problem}).")
                return
            used = {t.slot for t in live}
            slots = [s for s in range(want) if s not in used][:want - len(live)]
            runs = [_new_task(self, primary, s) for s in slots]
            self.tasks += runs
            self.steady = False
            _event(self.svc, f"has started {len(runs)} tasks: "
                   + " ".join(f"(task {t.id})" for t in runs) + ".")

    def _retire_old(self, primary: dict) -> None:
        """Once the PRIMARY deployment is healthy at its desired count, the old ones drain."""
        healthy = [t for t in self._tasks_of(primary) if t.live and t.healthy]
        if len(healthy) < primary["desiredCount"] or primary["rolloutState"] == "FAILED":
            return
        for old in [d for d in self.svc.deployments if d is not primary]:
            tasks = [t for t in self._tasks_of(old) if t.live]
            if tasks:
                if self.svc.load_balancers:
                    _event(self.svc, f"has begun draining connections on {len(tasks)} tasks.")
                    _register(self, tasks, "draining")
                self._drain(tasks)
                old.update(updatedAt=utcnow())
            elif not any(t.state != "STOPPED" for t in self._tasks_of(old)):
                self.svc.deployments.remove(old)

    def _drain(self, runs: list[TaskRun], at_once: bool = False) -> None:
        until = CLOCK.aws_now() + (0.0 if at_once or not self.svc.load_balancers
                                   else DRAIN_SECONDS)
        for run in runs:
            if run.state == "STOPPED":
                continue
            if run.state != "RUNNING":  # never started: stops at once
                run.stop("Scaling activity initiated by (deployment "
                         f"{run.deployment['id']})", "ServiceSchedulerInitiated")
                continue
            if run.drain_until is None:
                run.drain_until = until

    def _counts(self) -> None:
        for dep in self.svc.deployments:
            tasks = [t for t in self._tasks_of(dep) if t.state != "STOPPED"]
            running = sum(1 for t in tasks if t.state == "RUNNING")
            pending = len(tasks) - running
            if (dep.get("runningCount"), dep.get("pendingCount")) != (running, pending):
                dep.update(runningCount=running, pendingCount=pending, updatedAt=utcnow())
        self.svc.running_count = sum(d["runningCount"] for d in self.svc.deployments)
        self.svc.pending_count = sum(d["pendingCount"] for d in self.svc.deployments)

    def _steady(self, primary: dict) -> None:
        if run_holds.rollout_held(self.svc.name):
            return
        healthy = [t for t in self._tasks_of(primary) if t.live and t.healthy]
        live = [t for t in self._tasks_of(primary) if t.live]
        if len(self.svc.deployments) > 1 or len(healthy) != primary["desiredCount"] \
                or len(live) != len(healthy) or primary["rolloutState"] == "FAILED":
            return
        if primary["rolloutState"] == "IN_PROGRESS":
            primary.update(rolloutState="COMPLETED", updatedAt=utcnow(),
                           rolloutStateReason=f"ECS deployment {primary['id']} completed.")
            _event(self.svc, f"(deployment {primary['id']}) deployment completed.")
            self.steady = False
        if not self.steady:
            self.steady = True
            _event(self.svc, "has reached a steady state.")

    def _circuit_breaker(self, dep: dict, forced: bool, rollback: bool = True) -> None:
        reason = "ECS deployment circuit breaker: tasks failed to start."
        dep.update(rolloutState="FAILED", rolloutStateReason=reason, updatedAt=utcnow())
        if forced:
            dep["failedTasks"] = max(dep.get("failedTasks", 0), dep["desiredCount"])
        _event(self.svc, f"(deployment {dep['id']}) deployment failed: tasks failed to start.")
        old = next((d for d in self.svc.deployments if d is not dep), None)
        if rollback and old is not None:  # back to the previous deployment
            self._drain(self._tasks_of(dep), at_once=True)
            _deregister(self, self._tasks_of(dep))
            old["status"] = "PRIMARY"
            self.svc.task_definition = old["taskDefinition"]
            dep["status"] = "ACTIVE"
            self.svc.deployments.remove(dep)
            self.steady = False

    def _prune(self) -> None:
        stopped = [t for t in self.tasks if t.state == "STOPPED"]
        for run in stopped[:-KEEP_STOPPED]:
            self.tasks.remove(run)
            self.ecs.tasks.get(self.svc.cluster_name, {}).pop(run.task.task_arn, None)

    def shut_down(self) -> None:
        """The service was deleted: its tasks stop and leave the target groups."""
        _deregister(self, self.tasks)
        for run in self.tasks:
            if run.state != "STOPPED":
                run.stop("Service deleted", "ServiceSchedulerInitiated")


def _image_app(sched: "Scheduler", container: dict):
    """(node_app.App, the container's environment) of an image the sandbox built and
    understood, else None."""
    registry, repo, tag, digest = _image_parts(container.get("image") or "")
    m = _ECR_HOST.match(registry)
    if not m:
        return None
    repository = _ecr_repository(sched.account, m.group(1), m.group(2), repo)
    found = _find_image(repository, tag, digest) if repository is not None else None
    info = standins.IMAGES.get(found.image_digest) if found is not None else None
    app = standins.app_from_meta(info["meta"]) if info else None
    if app is None:
        return None
    env = dict(info["meta"].get("env") or {})
    env.update({e.get("name"): e.get("value", "") for e in container.get("environment") or []})
    return app, env


def _http_code_matches(matcher: str, code: int) -> bool:
    for part in str(matcher or "200").split(","):
        low, _, high = part.strip().partition("-")
        if low.isdigit() and (int(low) <= code <= int(high) if high.isdigit()
                              else code == int(low)):
            return True
    return False


def _health_problem(sched: "Scheduler", run: TaskRun):
    """(Reason, Description, target group ARN, target port) when the load balancer's health
    check fails against what the task's app serves; None when it passes or the image is not
    one the sandbox can interpret."""
    td = sched.ecs.describe_task_definition(run.task.task_definition_arn)
    for lb in sched.svc.load_balancers or []:
        tg = _elbv2(sched.account, sched.region).target_groups.get(lb.get("targetGroupArn"))
        if tg is None or not getattr(tg, "health_check_enabled", True):
            continue
        container = next((c for c in td.container_definitions
                          if c.get("name") == lb.get("containerName")),
                         td.container_definitions[0] if td.container_definitions else {})
        found = _image_app(sched, container)
        if found is None:
            continue
        app, env = found
        port = int(lb.get("containerPort") or tg.port)
        check_port = port if tg.health_check_port in (None, "traffic-port") \
            else int(tg.health_check_port)
        if app.port(env) != check_port:  # nothing listens there: connection refused
            return "Target.FailedHealthChecks", "Health checks failed", tg.arn, port
        status, _ = app.answer("GET", tg.health_check_path or "/")
        matcher = (getattr(tg, "matcher", None) or {}).get("HttpCode", "200")
        if not _http_code_matches(matcher, status):
            return ("Target.ResponseCodeMismatch",
                    f"Health checks failed with these codes: [{status}]", tg.arn, port)
    return None


def _container_port(svc) -> int | None:
    for lb in svc.load_balancers or []:
        if lb.get("containerPort"):
            return int(lb["containerPort"])
    return None


# =============================================================================================
# Target groups


def _register(sched: Scheduler, runs: list[TaskRun], state: str,
              reason: tuple[str, str] | None = None) -> None:
    lbs = sched.svc.load_balancers or []
    for lb in lbs:
        tg = _elbv2(sched.account, sched.region).target_groups.get(lb.get("targetGroupArn"))
        if tg is None:
            continue
        for run in runs:
            if not run.ip:
                continue
            t = tg.targets.setdefault(run.ip, {"Id": run.ip,
                                               "Port": lb.get("containerPort") or tg.port})
            t["pw_state"] = state
            t["pw_reason"] = reason  # (TargetHealth Reason, Description), unhealthy only
            tg.deregistered_targets.pop(run.ip, None)
    if state == "initial" and runs and lbs:
        tgs = ", ".join(lb.get("targetGroupArn", "") for lb in lbs)
        _event(sched.svc, f"registered {len(runs)} targets in (target-group {tgs})")


def _deregister(sched: Scheduler, runs: list[TaskRun]) -> None:
    lbs = sched.svc.load_balancers or []
    removed = 0
    for lb in lbs:
        tg = _elbv2(sched.account, sched.region).target_groups.get(lb.get("targetGroupArn"))
        for run in runs if tg else []:
            if run.ip and tg.targets.pop(run.ip, None):
                removed += 1
    if removed:
        tgs = ", ".join(lb.get("targetGroupArn", "") for lb in lbs)
        _event(sched.svc, f"deregistered {removed} targets in (target-group {tgs})")


# =============================================================================================
# The pipeline's ECS standard deploy action


class DeployHandle:
    """What the pipeline's Deploy action watches: one deployment until it settles."""

    def __init__(self, sched: Scheduler, dep: dict):
        self.sched, self.dep = sched, dep
        self.deployment_id = dep["id"]
        self.deadline = CLOCK.aws_now() + DEPLOY_ACTION_TIMEOUT

    @property
    def state(self) -> str:
        if self.dep["rolloutState"] in ("COMPLETED", "FAILED"):
            return self.dep["rolloutState"]
        if self.dep not in self.sched.svc.deployments or CLOCK.aws_now() > self.deadline:
            return "FAILED"
        return "IN_PROGRESS"

    @property
    def reason(self) -> str:
        if self.dep["rolloutState"] == "FAILED":
            return f"Deployment {self.deployment_id} failed. {self.dep['rolloutStateReason']}"
        if self.dep not in self.sched.svc.deployments:
            return (f"The Amazon ECS service deployment {self.deployment_id} was replaced by a "
                    "newer deployment.")
        return (f"The Amazon ECS service deployment {self.deployment_id} did not reach a steady "
                "state within 60 minutes.")


def _find_service(account: str, region: str, cluster: str, name: str):
    ecs = _ecs(account, region)
    svc = ecs.services.get(f"{cluster.split('/')[-1]}:{name.split('/')[-1]}")
    if svc is None or svc.status != "ACTIVE":
        raise AwsError("ServiceNotFoundException",
                       f"The Amazon ECS service {name} does not exist in cluster {cluster}.")
    return ecs, svc


def container_names(account: str, region: str, cluster: str, service: str) -> list[str]:
    """The container names of the service's task definition."""
    ecs, svc = _find_service(account, region, cluster, service)
    return [c.get("name") for c in ecs.describe_task_definition(svc.task_definition)
            .container_definitions]


def deploy_facts(account: str, region: str, cluster: str, service: str) -> dict:
    """What the deploy action's permission checks need to know (service_roles
    "pipeline.deploy.ecs"): the service, its roles, the revision it would register."""
    ecs, svc = _find_service(account, region, cluster, service)
    td = ecs.describe_task_definition(svc.task_definition)
    nxt = (ecs._get_last_task_definition_revision_id(td.family) or 0) + 1
    return {"service_arn": svc.arn, "execution_role": _execution_role(td),
            "task_role": _task_role(td), "tagged": bool(td.tags),
            "new_revision": f"arn:aws:ecs:{region}:{account}:task-definition/{td.family}:{nxt}"}


def _new_revision(ecs, svc, image):
    """Register a copy of the service's task definition with the built image (tags too).
    `image`: a URI (the first container's), one imagedefinitions.json entry {"name",
    "imageUri"} or a list of them."""
    td = ecs.describe_task_definition(svc.task_definition)
    containers = [dict(c) for c in td.container_definitions]
    entries = image if isinstance(image, list) else [image] if image else []
    for entry in entries if containers else []:
        image_container = None
        if isinstance(entry, dict):
            image_container, entry = entry.get("name"), entry.get("imageUri")
        target = next((c for c in containers if c.get("name") == image_container), containers[0])
        target["image"] = entry
    kwargs = {k: getattr(td, k, None) for k in ("cpu", "memory", "task_role_arn",
                                                "execution_role_arn", "runtime_platform")}
    return ecs.register_task_definition(
        td.family, containers, volumes=td.volumes, network_mode=td.network_mode, tags=td.tags,
        placement_constraints=getattr(td, "placement_constraints", None),
        requires_compatibilities=getattr(td, "requires_compatibilities", None), **kwargs)


def start_deploy(account: str, region: str, cluster: str, service: str, image,
                 fail: bool = False) -> DeployHandle:
    """The ECS standard deploy action: new revision, UpdateService, watch the deployment."""
    ecs, svc = _find_service(account, region, cluster, service)
    td = _new_revision(ecs, svc, image)
    svc.task_definition = td.arn
    sched = scheduler_of(svc)
    return DeployHandle(sched, sched.new_deployment(td.arn, fail=fail))


def scheduler_of(svc) -> Scheduler:
    sched = getattr(svc, "pw_sched", None)
    if sched is None:
        sched = svc.pw_sched = Scheduler(svc._account_id, svc.region_name, svc)
        SCHEDULERS.append(sched)
    return sched


# =============================================================================================
# moto patches


def _patch_ecs() -> None:
    """Services get a scheduler; UpdateService starts deployments; deletion stops tasks."""
    from moto.ecs.models import EC2ContainerServiceBackend

    if getattr(EC2ContainerServiceBackend.create_service, "pw_rollout", False):
        return
    create = EC2ContainerServiceBackend.create_service
    update = EC2ContainerServiceBackend.update_service
    delete = EC2ContainerServiceBackend.delete_service

    def create_service(self, *args, **kwargs):
        svc = create(self, *args, **kwargs)
        svc.running_count, svc.pending_count = 0, 0
        if svc.deployments and svc.task_definition:
            sched = scheduler_of(svc)
            svc.deployments[:] = []
            sched.new_deployment(svc.task_definition)
        return svc

    def update_service(self, service_properties):
        props = dict(service_properties)
        before = self._get_service(props.get("cluster", "default"), props.get("service", ""))
        deployments = list(before.deployments)
        old_td, old_count = before.task_definition, before.desired_count
        svc = update(self, service_properties)
        svc.deployments[:] = deployments  # moto rewrites the first deployment's id in place
        if props.get("task_definition"):
            svc.task_definition = self.describe_task_definition(props["task_definition"]).arn
        sched = getattr(svc, "pw_sched", None)
        if sched is None:
            return svc
        if svc.task_definition != old_td or props.get("force_new_deployment"):
            sched.new_deployment(svc.task_definition)
        elif sched.primary is not None:
            if svc.desired_count != old_count:
                sched.primary.update(desiredCount=svc.desired_count, updatedAt=utcnow())
            sched.reset_throttle()
        sched._counts()
        return svc

    def delete_service(self, cluster_name, service_name, force):
        svc = delete(self, cluster_name, service_name, force)
        sched = getattr(svc, "pw_sched", None)
        if sched is not None:
            sched.shut_down()
            SCHEDULERS.remove(sched)
            svc.pw_sched = None
        return svc

    create_service.pw_rollout = True
    EC2ContainerServiceBackend.create_service = create_service
    EC2ContainerServiceBackend.update_service = update_service
    EC2ContainerServiceBackend.delete_service = delete_service


def _patch_create_service_config() -> None:
    # moto's CreateService drops deploymentConfiguration (UpdateService keeps it: moto copies
    # every property it is given), so the circuit breaker setting would be lost.
    from moto.ecs.responses import EC2ContainerServiceResponse

    original = EC2ContainerServiceResponse.create_service
    if getattr(original, "pw_rollout", False):
        return

    def create_service(self):
        result = original(self)
        config = self._get_param("deploymentConfiguration")
        if config is not None:
            result.result["service"].deployment_configuration = config
        return result

    create_service.pw_rollout = True
    EC2ContainerServiceResponse.create_service = create_service


def _patch_list_tasks() -> None:
    # moto ignores ListTasks' serviceName filter and lists stopped tasks by default; AWS lists
    # RUNNING-desired tasks unless desiredStatus says otherwise.
    from moto.ecs.models import EC2ContainerServiceBackend

    original = EC2ContainerServiceBackend.list_tasks
    if getattr(original, "pw_rollout", False):
        return

    def list_tasks(self, cluster_str=None, container_instance=None, family=None,
                   started_by=None, service_name=None, desiredStatus=None):
        tasks = original(self, cluster_str, container_instance, family, started_by, None,
                         desiredStatus or "RUNNING")
        if service_name:
            tasks = [t for t in tasks if t.group == f"service:{service_name.split('/')[-1]}"]
        return tasks

    list_tasks.pw_rollout = True
    EC2ContainerServiceBackend.list_tasks = list_tasks


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
            reason, desc = t.get("pw_reason") or HEALTH[state]
            return FakeHealthStatus(t["Id"], t["Port"], self.health_check_port, state, reason, desc)
        return original(self, target, ec2_backend)

    health_for.pw_patched = True
    FakeTargetGroup.health_for = health_for


def _tick(now: float) -> None:
    aws_now = CLOCK.aws_now()
    for sched in list(SCHEDULERS):
        try:
            sched.advance(aws_now)
        except Exception:  # a bug of ours: log it once, leave the other services running
            import traceback

            traceback.print_exc()
            SCHEDULERS.remove(sched)


def install() -> None:
    _patch_ecs()
    _patch_create_service_config()
    _patch_list_tasks()
    _patch_health()
    add_ticker(_tick)
