"""CodeBuild builds that run in time and write their log lines, as on AWS.

moto's builds jump to SUCCEEDED on the first BatchGetBuilds, append duplicate phases on every
poll, use ISO strings where AWS sends epoch seconds, and write no logs. We answer StartBuild,
BatchGetBuilds and StopBuild ourselves; the builds stay registered in moto's CodeBuild backend
(build_history / build_metadata_history) so ListBuilds and ListBuildsForProject keep working.
Phases advance from the shared ticker (registry.add_ticker) on the AWS clock; each phase writes
the lines a docker build-and-push buildspec prints into the build's CloudWatch Logs stream.

The build runs as the project's service role (service_roles "build.*" steps), checked when
each phase ends, as CodeBuild meets them:
- PROVISIONING: CodeBuild assumes the role and opens the log stream (logs:CreateLogGroup if
  the group is missing, CreateLogStream, PutLogEvents). AWS fails the build there when it
  cannot write logs (ACCESS_DENIED "Service role ... does not allow AWS CodeBuild to create
  Amazon CloudWatch Logs log streams ..."), so the sandbox does too;
- DOWNLOAD_SOURCE: reading the input artifact (s3:GetObject), and for a full clone
  (CODEBUILD_CLONE_REF) using the connection;
- PRE_BUILD: `aws ecr get-login-password` (ecr:GetAuthorizationToken);
- POST_BUILD: `docker push` (the ECR layer and image actions on the repository); the image
  lands in ECR only when the push is allowed and the repository exists;
- UPLOAD_ARTIFACTS: writing the output artifact (s3:PutObject).
A refusal fails that phase with CodeBuild's context and the command's output in the log.

When the source is a repository the practice GitHub holds (github.py), the build really runs
its buildspec (buildspec_runner.py): each phase's commands start when the phase starts, and
the phase ends when both its AWS duration has passed and its commands are done (a phase
whose commands take longer lasts longer, on the AWS clock too). The simulated lines above are
for every other source.

Durations: a phase's startTime/endTime are wall-clock times (what the student saw);
`durationInSeconds` is the phase's length on the AWS clock, i.e. how long it takes on AWS
(equal to endTime - startTime divided by the time scale while the pace does not change).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import time
import uuid

from . import buildspec_runner, github, run_holds, service_roles
from .registry import AWS_DURATIONS, CLOCK, AwsError, RequestInfo, add_ticker, json_op

PREFIX = "CodeBuild_20161006"
FAIL_CONTEXT = ("COMMAND_EXECUTION_ERROR",
                "Error while executing command: npm test. Reason: exit status 1")
# A failure in these phases ends the build (straight to FINALIZING); after BUILD, POST_BUILD
# still runs, as CodeBuild does.
ABORTING_PHASES = ("PROVISIONING", "DOWNLOAD_SOURCE", "INSTALL", "PRE_BUILD", "POST_BUILD",
                   "UPLOAD_ARTIFACTS")


def _phase_plan() -> list[tuple[str, float]]:
    """Phases and their AWS durations (seconds), summing to provisioning + build."""
    return [("SUBMITTED", 0.5), ("QUEUED", 1.0),
            ("PROVISIONING", AWS_DURATIONS["codebuild_provisioning"] - 1.5),
            ("DOWNLOAD_SOURCE", 3.0), ("INSTALL", 5.0), ("PRE_BUILD", 7.0),
            ("BUILD", AWS_DURATIONS["build"] - 37.0), ("POST_BUILD", 18.0),
            ("UPLOAD_ARTIFACTS", 2.0), ("FINALIZING", 2.0), ("COMPLETED", 0.0)]


# build id -> our run state (the AWS-shaped dict lives in moto's history list).
RUNS: dict[str, "BuildRun"] = {}


def _cb(account: str, region: str):
    from moto.codebuild.models import codebuild_backends

    return codebuild_backends[account][region]


def _logs(account: str, region: str):
    from moto.logs.models import logs_backends

    return logs_backends[account][region]


def _c(msg: str) -> str:
    """A line from CodeBuild's agent (as opposed to the commands' own output)."""
    return "[Container] {ts}.000000 " + msg


def _image_tag(account: str, region: str, repo_uri: str, build: dict) -> str:
    """The tag Pipewright's buildspec pushes: the short commit, plus the build number when the
    repository's tags are immutable (a second build of the same commit needs a new tag).
    Until the sandbox runs the buildspec itself, this mirrors crates/core/src/buildspec.rs."""
    from moto.ecr.models import ecr_backends

    tag = (build.get("resolvedSourceVersion") or "manual")[:7]
    name = repo_uri.split("/", 1)[1] if "/" in repo_uri else ""
    repo = ecr_backends[account][region].repositories.get(name)
    if repo is not None and getattr(repo, "image_tag_mutability", "MUTABLE") == "IMMUTABLE":
        tag = f"{tag}-b{build['buildNumber']}"
    return tag


class BuildRun:
    """Drives one build dict through its phases and writes its log lines."""

    def __init__(self, account: str, region: str, build: dict, project: dict, fail: bool,
                 artifacts: dict | None = None):
        self.account, self.region, self.build, self.fail = account, region, build, fail
        self.artifacts = artifacts or {}  # {"input": {bucket, key, connection}, "output": ...}
        self.plan = _phase_plan()
        self.idx = 0
        self.phase_started = CLOCK.aws_now()  # on the AWS clock
        env = {v["name"]: v.get("value", "")
               for v in (project.get("environment") or {}).get("environmentVariables") or []}
        self.env = env
        self.repo_uri = env.get("REPOSITORY_URI") or \
            f"{account}.dkr.ecr.{region}.amazonaws.com/{project['name']}"
        self.tag = _image_tag(account, region, self.repo_uri, build)
        build["pw_image_uri"] = f"{self.repo_uri}:{self.tag}"
        build["pw_container_name"] = env.get("CONTAINER_NAME")
        self.role = project.get("serviceRole") or ""
        self.session = "AWSCodeBuild-" + build["id"].split(":", 1)[1]
        self.logs_ok = False  # the log stream is open (checked in PROVISIONING)
        self.stopped = False
        self.held_until: float | None = None  # a held phase ends no earlier (run_holds)
        self.runner = _runner_for(self, project)  # the buildspec really runs (held sources)
        if self.runner is not None:
            build["pw_image_uri"] = build["pw_container_name"] = None
            self.runner.start("SUBMITTED")

    @property
    def done(self) -> bool:
        return self.build["buildComplete"]

    def check(self, step: str, **facts):
        return service_roles.check(step, self.account, self.region, self.role, self.session,
                                   source_arn=self.build["arn"], **facts)

    def advance(self, now: float) -> None:
        """Move on to where the AWS clock `now` says the build is."""
        if self.runner is not None:
            self._write(self.runner.take_lines())  # the commands' output, as it comes
        while not self.done:
            name, aws_secs = self.plan[self.idx]
            if name == "COMPLETED":
                self._complete(CLOCK.wall_time_of(self.phase_started))
                return
            if run_holds.phase_held(self.build.get("projectName", ""), name):
                self.held_until = now
                return
            if now - self.phase_started < aws_secs:
                return
            end = max(self.phase_started + aws_secs, self.held_until or 0.0)
            self.held_until = None
            if self.runner is not None:
                if not self.runner.ready(name):
                    return  # the phase's commands are still running
                end = max(end, min(now, self.runner.finished_at(name) or end))
                self._write(self.runner.take_lines())
            status, context, lines = _phase_outcome(self, name)
            self._end_phase(end, status, context, lines)

    def _end_phase(self, at: float, status: str, context: tuple | None, lines: list) -> None:
        phase = self.build["phases"][-1]
        wall = CLOCK.wall_time_of(at)
        phase.update(phaseStatus=status, endTime=wall,
                     durationInSeconds=int(round(at - self.phase_started)))
        if context:
            phase["contexts"] = [{"statusCode": context[0], "message": context[1]}]
        self._write(lines + _lines_after(phase["phaseType"], status, context))
        names = [p for p, _ in self.plan]
        if self.runner is not None:
            nxt = self.runner.next_phase(phase["phaseType"], status)
            if status != "SUCCEEDED" and phase["phaseType"] in ("PROVISIONING",
                                                                "DOWNLOAD_SOURCE"):
                nxt = "FINALIZING"
            self.idx = names.index(nxt) if nxt else self.idx + 1
        elif status == "FAILED" and phase["phaseType"] in ABORTING_PHASES:
            self.idx = names.index("FINALIZING")
        else:
            self.idx += 1
        self.phase_started = at
        name = self.plan[self.idx][0]
        self.build["currentPhase"] = name
        self.build["phases"].append({"phaseType": name, "startTime": wall})
        if self.runner is not None:
            self.runner.start(name)
            self._write(self.runner.lines_before(name))
        else:
            self._write(_lines_before(self, name))

    def _complete(self, wall: float) -> None:
        statuses = [p.get("phaseStatus") for p in self.build["phases"]]
        self.build["buildStatus"] = "STOPPED" if self.stopped else \
            "TIMED_OUT" if "TIMED_OUT" in statuses else \
            "FAILED" if "FAILED" in statuses else "SUCCEEDED"
        self.build["endTime"] = wall
        self.build["buildComplete"] = True

    def stop(self, now: float) -> None:
        if self.done:
            return
        self.stopped = True
        phase = self.build["phases"][-1]
        phase.update(phaseStatus="STOPPED", endTime=now,
                     durationInSeconds=int(round(CLOCK.aws_now() - self.phase_started)))
        self._write([_c(f"Phase complete: {phase['phaseType']} State: STOPPED")])
        self.idx = len(self.plan) - 1
        self.build["currentPhase"] = "COMPLETED"
        self.build["phases"].append({"phaseType": "COMPLETED", "startTime": now})
        self._complete(now)
        if self.runner is not None:  # kill what the build runs, off the ticker's thread
            import threading

            threading.Thread(target=self.runner.close, daemon=True).start()

    def _write(self, lines: list[str]) -> None:
        if not lines or not self.logs_ok:
            return
        logs = self.build["logs"]
        now = time.time()
        stamp = time.strftime("%Y/%m/%d %H:%M:%S", time.gmtime(now))
        events = [{"timestamp": int(now * 1000), "message": line.replace("{ts}", stamp)}
                  for line in lines]
        _logs(self.account, self.region).put_log_events(logs["groupName"], logs["streamName"],
                                                         events)


# ---------------------------------------------------------------------------------------------
# What happens when each phase ends: (status, context or None, output lines)

OK = ("SUCCEEDED", None, [])


def _phase_outcome(run: BuildRun, phase: str) -> tuple[str, tuple | None, list[str]]:
    if phase == "PROVISIONING":
        return _provision(run)
    if run.runner is not None:
        return _runner_outcome(run, phase)
    if phase == "DOWNLOAD_SOURCE":
        return _download_source(run)
    if phase == "PRE_BUILD":
        return _ecr_login(run)
    if phase == "BUILD" and run.fail:
        return "FAILED", FAIL_CONTEXT, []
    if phase == "POST_BUILD":
        return _push(run)
    if phase == "UPLOAD_ARTIFACTS":
        return _upload_artifacts(run)
    return OK


def _runner_outcome(run: BuildRun, phase: str):
    """A phase of a build whose buildspec really runs: the role's checks CodeBuild itself
    makes (reading the source, writing the artifact), then what the commands did."""
    if phase == "DOWNLOAD_SOURCE":
        refused = _download_source(run)
        if refused[0] != "SUCCEEDED":
            return refused
    if phase == "UPLOAD_ARTIFACTS":
        status, context, lines = run.runner.result(phase)
        if status != "SUCCEEDED":
            return status, context, lines
        refused = _upload_artifacts(run)
        if refused[0] == "SUCCEEDED":
            run.build["pw_artifact_files"] = dict(run.runner.files)
        return refused[0], refused[1], lines + refused[2]
    return run.runner.result(phase)


def _runner_for(run: BuildRun, project: dict):
    """A Runner when the build's source is a repository the practice GitHub holds: the
    pipeline's source artifact, or a GITHUB project source (sourceVersion: branch or commit)."""
    src = run.artifacts.get("input") or {}
    repository, commit = src.get("repository"), src.get("commitId")
    full_clone = bool(src.get("fullClone"))
    source = project.get("source") or {}
    if not repository and source.get("type") == "GITHUB":
        # github.com's URL, or the practice GitHub's own (…/_github/owner/repo.git)
        m = re.match(r"^(?:https://github\.com|https?://127\.0\.0\.1:\d+/_github)/"
                     r"([^/]+/[^/]+?)(?:\.git)?/?$", source.get("location") or "")
        repo = github.held(m.group(1)) if m else None
        if repo is not None:
            version = run.build.get("pw_source_version") or project.get("sourceVersion")
            commit = github.resolve(repo, version or repo.default_branch)
            if commit is None:
                return None
            repository, full_clone = repo.full_name, True
    if not repository or not commit or github.held(repository) is None \
            or shutil.which("bash") is None:
        return None
    run.build["resolvedSourceVersion"] = commit
    return buildspec_runner.Runner(run, repository, commit, full_clone, project)


def _provision(run: BuildRun):
    """CodeBuild assumes the service role and opens the build's log stream."""
    logs = run.build["logs"]
    if logs.get("cloudWatchLogs", {}).get("status") == "DISABLED":
        refusal = run.check("build.logs", only=())  # no calls: just whether it can assume
        return ("FAILED", ("ACCESS_DENIED", refusal.message), []) if refusal else OK
    group, stream = logs["groupName"], logs["streamName"]
    backend = _logs(run.account, run.region)
    new_group = group not in backend.groups
    refusal = run.check("build.logs", group=group, stream=stream, new_group=new_group)
    if refusal and refusal.kind == "assume":
        return "FAILED", ("ACCESS_DENIED", refusal.message), []
    if refusal:
        return "FAILED", ("ACCESS_DENIED", (
            f"Service role {run.role} does not allow AWS CodeBuild to create Amazon CloudWatch "
            f"Logs log streams for build {run.build['arn']}. Error message: "
            f"{refusal.message}")), []
    if new_group:
        backend.create_log_group(group, tags={})
    if stream not in backend.groups[group].streams:
        backend.create_log_stream(group, stream)
    run.logs_ok = True
    return OK


def _download_source(run: BuildRun):
    src = run.artifacts.get("input") or {}
    refusal = run.check("build.source", bucket=src.get("bucket", ""), key=src.get("key"),
                        connection=src.get("connection"))
    if refusal is None:
        return OK
    version = run.build.get("resolvedSourceVersion") or ""
    if refusal.action == "s3:GetObject":
        message = (f"AccessDenied: {refusal.message}\n\tstatus code: 403, request id: "
                   f"{_request_id()}, host id: {_request_id()} for primary source and source "
                   f"version arn:aws:s3:::{src.get('bucket')}/{src.get('key')}")
    else:
        message = (f"AccessDeniedException: {refusal.message} for primary source and source "
                   f"version {version}")
    return "FAILED", ("CLIENT_ERROR", message), []


def _request_id() -> str:
    return uuid.uuid4().hex[:16].upper()


def _login_command(run: BuildRun) -> str:
    return (f"aws ecr get-login-password --region {run.region} | docker login --username AWS "
            f"--password-stdin {run.account}.dkr.ecr.{run.region}.amazonaws.com")


def _ecr_login(run: BuildRun):
    refusal = run.check("build.ecr_login")
    command = _login_command(run)
    if refusal is None:
        return "SUCCEEDED", None, [
            "WARNING! Your password will be stored unencrypted in /root/.docker/config.json.",
            "Login Succeeded",
            _c("Running command IMAGE_TAG=$(echo $CODEBUILD_RESOLVED_SOURCE_VERSION | cut -c 1-7)")]
    return "FAILED", ("COMMAND_EXECUTION_ERROR", f"Error while executing command: {command}. "
                      "Reason: exit status 1"), [
        "", f"An error occurred (AccessDeniedException) when calling the GetAuthorizationToken "
        f"operation: {refusal.message}",
        "Error: Cannot perform an interactive login from a non TTY device",
        _c(f"Command did not exit successfully {command} exit status 1")]


def _push(run: BuildRun):
    """`docker push` of both tags; the image lands in ECR only when it is allowed."""
    from moto.ecr.models import ecr_backends

    if run.fail:  # the build failed: nothing was built to push
        return OK
    uri, name = run.repo_uri, run.repo_uri.split("/", 1)[1] if "/" in run.repo_uri else ""
    command = "docker push $REPOSITORY_URI:$IMAGE_TAG"
    failed = ("FAILED", ("COMMAND_EXECUTION_ERROR",
                         f"Error while executing command: {command}. Reason: exit status 1"))
    lines = [f"The push refers to repository [{uri}]"]
    refusal = run.check("build.push", repository=name)
    if refusal is not None:
        return (*failed, lines + [f"denied: {refusal.message}",
                                  _c(f"Command did not exit successfully {command} exit status 1")])
    if name not in ecr_backends[run.account][run.region].repositories:
        return (*failed, lines + [
            f"name unknown: The repository with name '{name}' does not exist in the registry "
            f"with id '{run.account}'",
            _c(f"Command did not exit successfully {command} exit status 1")])
    digest = _push_image(run, name)
    if digest is None:  # an immutable tag that exists: docker push fails as on AWS
        return (*failed, lines + [
            f"tag invalid: The image tag '{run.tag}' already exists in the '{name}' repository "
            "and cannot be overwritten because the repository is immutable.",
            _c(f"Command did not exit successfully {command} exit status 1")])
    return "SUCCEEDED", None, lines + [
        f"{run.tag}: digest: {digest} size: 1783",
        _c("Running command echo Writing image definitions file..."),
        "Writing image definitions file...",
        _c("Running command printf '[{\"name\":\"%s\",\"imageUri\":\"%s\"}]' $CONTAINER_NAME "
           "$REPOSITORY_URI:$IMAGE_TAG > imagedefinitions.json")]


def _upload_artifacts(run: BuildRun):
    out = run.artifacts.get("output") or {}
    refusal = run.check("build.artifacts", bucket=out.get("bucket", ""), key=out.get("key"))
    if refusal is None:
        return OK
    return "FAILED", ("CLIENT_ERROR", (
        f"AccessDenied: {refusal.message}\n\tstatus code: 403, request id: {_request_id()}, "
        f"host id: {_request_id()} for primary artifact")), []


# ---------------------------------------------------------------------------------------------
# Log lines


def _lines_before(run: BuildRun, phase: str) -> list[str]:
    src = "/codebuild/output/src" + run.build["id"][-6:] + "/src"
    if phase == "DOWNLOAD_SOURCE":
        return [_c("Running on CodeBuild On-demand"), _c("Waiting for agent ping"),
                _c("Waiting for DOWNLOAD_SOURCE")]
    if phase == "INSTALL":
        return [_c(f"CODEBUILD_SRC_DIR={src}"), _c(f"YAML location is {src}/buildspec.yml"),
                _c("Processing environment variables"), _c(f"Moving to directory {src}"),
                _c("Entering phase INSTALL")]
    if phase == "PRE_BUILD":
        return [_c("Entering phase PRE_BUILD"), _c("Running command echo Logging in to Amazon ECR..."),
                "Logging in to Amazon ECR...", _c(f"Running command {_login_command(run)}")]
    if phase == "BUILD":
        lines = [_c("Entering phase BUILD"), _c("Running command echo Build started on `date`"),
                 _c("Running command npm install && npm test")]
        if run.fail:
            return lines + ["npm ERR! Test failed.  See above for more details.",
                            _c("Command did not exit successfully npm install && npm test exit status 1")]
        digest = hashlib.sha256(run.build["id"].encode()).hexdigest()
        return lines + ["  1 passing (12ms)", _c("Running command docker build -t $REPOSITORY_URI:$IMAGE_TAG ."),
                        "#1 [internal] load build definition from Dockerfile",
                        "#2 [1/5] FROM docker.io/library/node:18-alpine",
                        "#3 [2/5] WORKDIR /app", "#4 [3/5] COPY package*.json ./",
                        "#5 [4/5] RUN npm ci --omit=dev", "#6 [5/5] COPY . .",
                        f"#7 writing image sha256:{digest} done",
                        f"#7 naming to {run.repo_uri}:{run.tag} done"]
    if phase == "POST_BUILD":
        lines = [_c("Entering phase POST_BUILD")]
        return lines if run.fail else lines + [
            _c("Running command docker push $REPOSITORY_URI:$IMAGE_TAG")]
    if phase == "UPLOAD_ARTIFACTS":
        return [_c("Entering phase UPLOAD_ARTIFACTS"), _c("Expanding base directory path: ."),
                _c("Assembling file list"), _c("Expanding imagedefinitions.json"),
                _c("Found 1 file(s)")]
    return []


def _lines_after(phase: str, status: str, context: tuple | None) -> list[str]:
    if phase in ("SUBMITTED", "QUEUED", "PROVISIONING"):
        return []
    code, msg = context if status == "FAILED" and context else ("", "")
    return [_c(f"Phase complete: {phase} State: {status}"),
            _c(f"Phase context status code: {code} Message: {msg}")]


def _push_image(run: BuildRun, name: str) -> str | None:
    """Land the built image in ECR under the build's tag; returns its digest, or None when the
    tag exists in an immutable repository (ImageTagAlreadyExistsException)."""
    from moto.ecr.models import ecr_backends

    ecr = ecr_backends[run.account][run.region]
    manifest = json.dumps({"schemaVersion": 2, "mediaType":
                           "application/vnd.docker.distribution.manifest.v2+json",
                           "config": {"digest": "sha256:" + hashlib.sha256(
                               run.build["id"].encode()).hexdigest(), "size": 1457,
                               "mediaType": "application/vnd.docker.container.image.v1+json"},
                           "layers": []})
    try:
        ecr.put_image(name, manifest, run.tag)
    except Exception as exc:
        if "AlreadyExists" in type(exc).__name__ or "already exists" in str(exc):
            return None
        raise
    return "sha256:" + hashlib.sha256(manifest.encode()).hexdigest()


def _project(account: str, region: str, name: str) -> dict:
    cb = _cb(account, region)
    project = cb.codebuild_projects.get(name.split("/")[-1] if name.startswith("arn:") else name)
    if project is None:
        raise AwsError("ResourceNotFoundException",
                       f"Project cannot be found: arn:aws:codebuild:{region}:{account}:project/{name}")
    return project.project_metadata


def start_build(account: str, region: str, project_name: str, source_version: str | None,
                fail: bool = False, initiator: str | None = None, env_overrides=None,
                artifacts: dict | None = None) -> dict:
    """Start a progressing build; returns its AWS-shaped dict (also kept in moto)."""
    project = _project(account, region, project_name)
    name = project["name"]
    cb = _cb(account, region)
    build_id = f"{name}:{uuid.uuid4()}"
    cb.build_history.setdefault(name, []).append(build_id)
    now = time.time()
    env = dict(project.get("environment") or {})
    if env_overrides:
        env["environmentVariables"] = list(env.get("environmentVariables") or []) + env_overrides
    cw = ((project.get("logsConfig") or {}).get("cloudWatchLogs") or {})
    uid = build_id.split(":", 1)[1]
    group = cw.get("groupName") or f"/aws/codebuild/{name}"
    stream = f"{cw['streamName']}/{uid}" if cw.get("streamName") else uid
    build = {
        "id": build_id, "arn": f"arn:aws:codebuild:{region}:{account}:build/{build_id}",
        "buildNumber": len(cb.build_history[name]), "startTime": now,
        "currentPhase": "SUBMITTED", "buildStatus": "IN_PROGRESS",
        "sourceVersion": source_version or project.get("sourceVersion") or "refs/heads/main",
        "resolvedSourceVersion": source_version or uuid.uuid4().hex + uuid.uuid4().hex[:8],
        "projectName": name,
        "phases": [{"phaseType": "SUBMITTED", "startTime": now}],
        "source": project.get("source") or {}, "secondarySources": [],
        "secondarySourceVersions": [], "artifacts": {"location": ""},
        "secondaryArtifacts": [], "cache": project.get("cache") or {"type": "NO_CACHE"},
        "environment": env, "serviceRole": project.get("serviceRole"),
        "logs": {"groupName": group, "streamName": stream,
                 "deepLink": f"https://console.aws.amazon.com/cloudwatch/home?region={region}"
                             f"#logsV2:log-groups/log-group/{group.replace('/', '$252F')}"
                             f"/log-events/{stream.replace('/', '$252F')}",
                 "cloudWatchLogsArn": f"arn:aws:logs:{region}:{account}:log-group:{group}"
                                      f":log-stream:{stream}",
                 "cloudWatchLogs": {"status": cw.get("status") or "ENABLED", "groupName": group,
                                    **({"streamName": cw["streamName"]} if cw.get("streamName") else {})},
                 "s3Logs": {"status": "DISABLED", "encryptionDisabled": False}},
        "timeoutInMinutes": project.get("timeoutInMinutes") or 60,
        "queuedTimeoutInMinutes": project.get("queuedTimeoutInMinutes") or 480,
        "buildComplete": False, "initiator": initiator or "moto",
        "encryptionKey": project.get("encryptionKey"),
    }
    if project.get("vpcConfig"):
        build["vpcConfig"] = project["vpcConfig"]
    if source_version:
        build["pw_source_version"] = source_version
    cb.build_metadata_history[name].append(build)
    RUNS[build_id] = BuildRun(account, region, build, project, fail, artifacts)
    return build


def get_build(account: str, region: str, build_id: str) -> dict | None:
    run = RUNS.get(build_id)
    return run.build if run else None


def failure_message(build: dict) -> str:
    """What CodePipeline shows for a failed CodeBuild action."""
    for phase in build["phases"]:
        if phase.get("phaseStatus") in ("FAILED", "FAULT", "TIMED_OUT", "STOPPED"):
            ctx = (phase.get("contexts") or [{}])[0]
            return (f"Build terminated with state: {build['buildStatus']}. Phase: "
                    f"{phase['phaseType']}, Code: {ctx.get('statusCode', '')}, Message: "
                    f"{ctx.get('message', '')}")
    return f"Build terminated with state: {build['buildStatus']}"


def artifact_files(build: dict) -> dict | None:
    """The output artifact's files of a build that ran its buildspec (None otherwise)."""
    return build.get("pw_artifact_files")


def _public(build: dict) -> dict:
    return {k: v for k, v in build.items() if not k.startswith("pw_")}


@json_op(PREFIX, "StartBuild")
def start_build_op(body: dict, info: RequestInfo) -> dict:
    build = start_build(info.account_id, info.region, body["projectName"],
                        body.get("sourceVersion"), initiator="moto",
                        env_overrides=body.get("environmentVariablesOverride"))
    return {"build": _public(build)}


@json_op(PREFIX, "BatchGetBuilds")
def batch_get_builds(body: dict, info: RequestInfo) -> dict:
    cb = _cb(info.account_id, info.region)
    known = {b["id"]: b for hist in cb.build_metadata_history.values() for b in hist}
    ids = body.get("ids") or []
    return {"builds": [_public(known[i]) for i in ids if i in known],
            "buildsNotFound": [i for i in ids if i not in known]}


@json_op(PREFIX, "StopBuild")
def stop_build(body: dict, info: RequestInfo) -> dict:
    run = RUNS.get(body.get("id", ""))
    if run is None or run.region != info.region:
        raise AwsError("ResourceNotFoundException", f"Build {body.get('id')} does not exist")
    run.stop(time.time())
    return {"build": _public(run.build)}


def _tick(now: float) -> None:
    aws_now = CLOCK.aws_now()
    for build_id, run in list(RUNS.items()):
        if run.done:
            continue
        try:
            run.advance(aws_now)
        except Exception:  # a bug of ours: log it once, the build stays where it was
            import traceback

            traceback.print_exc()
            run.build["buildComplete"] = True


def install() -> None:
    add_ticker(_tick)
