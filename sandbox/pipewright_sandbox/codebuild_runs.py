"""CodeBuild builds that run in time and write their log lines, as on AWS.

moto's builds jump to SUCCEEDED on the first BatchGetBuilds, append duplicate phases on every
poll, use ISO strings where AWS sends epoch seconds, and write no logs. We answer StartBuild,
BatchGetBuilds and StopBuild ourselves; the builds stay registered in moto's CodeBuild backend
(build_history / build_metadata_history) so ListBuilds and ListBuildsForProject keep working.
Phases advance from the shared ticker (pipeline.add_ticker); each phase writes the lines a
docker build-and-push buildspec prints into the build's CloudWatch Logs stream.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid

from .registry import AWS_DURATIONS, CLOCK, STATE_LOCK, AwsError, RequestInfo, json_op

PREFIX = "CodeBuild_20161006"
FAIL_CONTEXT = ("COMMAND_EXECUTION_ERROR",
                "Error while executing command: npm test. Reason: exit status 1")


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


class BuildRun:
    """Drives one build dict through its phases and writes its log lines."""

    def __init__(self, account: str, region: str, build: dict, project: dict, fail: bool):
        self.account, self.region, self.build, self.fail = account, region, build, fail
        self.plan = _phase_plan()
        self.idx = 0
        self.phase_started = time.time()
        env = {v["name"]: v.get("value", "")
               for v in (project.get("environment") or {}).get("environmentVariables") or []}
        self.env = env
        self.repo_uri = env.get("REPOSITORY_URI") or \
            f"{account}.dkr.ecr.{region}.amazonaws.com/{project['name']}"
        self.tag = (build.get("resolvedSourceVersion") or "latest")[:7]
        build["pw_image_uri"] = f"{self.repo_uri}:{self.tag}"
        build["pw_container_name"] = env.get("CONTAINER_NAME")
        self.stopped = False

    @property
    def done(self) -> bool:
        return self.build["buildComplete"]

    def advance(self, now: float) -> None:
        while not self.done:
            name, aws_secs = self.plan[self.idx]
            if name == "COMPLETED":
                self._complete(now)
                return
            if now - self.phase_started < CLOCK.seconds(aws_secs):
                return
            failed = self.fail and name == "BUILD"
            self._end_phase(self.phase_started + CLOCK.seconds(aws_secs),
                            "FAILED" if failed else "SUCCEEDED", FAIL_CONTEXT if failed else None)

    def _end_phase(self, at: float, status: str, context: tuple | None) -> None:
        phase = self.build["phases"][-1]
        phase.update(phaseStatus=status, endTime=at,
                     durationInSeconds=int(round((at - phase["startTime"]) / CLOCK.scale)))
        if context:
            phase["contexts"] = [{"statusCode": context[0], "message": context[1]}]
        self._write(_lines_after(self, phase["phaseType"], status))
        self.idx += 1
        self.phase_started = at
        name = self.plan[self.idx][0]
        self.build["currentPhase"] = name
        self.build["phases"].append({"phaseType": name, "startTime": at})
        self._write(_lines_before(self, name))

    def _complete(self, now: float) -> None:
        statuses = [p.get("phaseStatus") for p in self.build["phases"]]
        self.build["buildStatus"] = "STOPPED" if self.stopped else \
            "FAILED" if "FAILED" in statuses else "SUCCEEDED"
        self.build["endTime"] = now
        self.build["buildComplete"] = True
        if self.build["buildStatus"] == "SUCCEEDED":
            _push_image(self)

    def stop(self, now: float) -> None:
        if self.done:
            return
        self.stopped = True
        phase = self.build["phases"][-1]
        phase.update(phaseStatus="STOPPED", endTime=now,
                     durationInSeconds=int(round((now - phase["startTime"]) / CLOCK.scale)))
        self._write([f"Phase complete: {phase['phaseType']} State: STOPPED"])
        self.idx = len(self.plan) - 1
        self.build["currentPhase"] = "COMPLETED"
        self.build["phases"].append({"phaseType": "COMPLETED", "startTime": now})
        self._complete(now)

    def _write(self, lines: list[str]) -> None:
        if not lines:
            return
        logs = self.build["logs"]
        backend = _logs(self.account, self.region)
        group, stream = logs.get("groupName"), logs.get("streamName")
        if not group or not stream:
            return
        if group not in backend.groups:
            backend.create_log_group(group, tags={})
        if stream not in backend.groups[group].streams:
            backend.create_log_stream(group, stream)
        now = time.time()
        stamp = time.strftime("%Y/%m/%d %H:%M:%S", time.gmtime(now))
        events = [{"timestamp": int(now * 1000), "message": line.replace("{ts}", stamp)}
                  for line in lines]
        backend.put_log_events(group, stream, events)


def _c(msg: str) -> str:
    """A line from CodeBuild's agent (as opposed to the commands' own output)."""
    return "[Container] {ts}.000000 " + msg


def _lines_before(run: BuildRun, phase: str) -> list[str]:
    region, account, uri, tag = run.region, run.account, run.repo_uri, run.tag
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
                "Logging in to Amazon ECR...",
                _c(f"Running command aws ecr get-login-password --region {region} | docker login "
                   f"--username AWS --password-stdin {account}.dkr.ecr.{region}.amazonaws.com"),
                "WARNING! Your password will be stored unencrypted in /root/.docker/config.json.",
                "Login Succeeded",
                _c("Running command IMAGE_TAG=$(echo $CODEBUILD_RESOLVED_SOURCE_VERSION | cut -c 1-7)")]
    if phase == "BUILD":
        lines = [_c("Entering phase BUILD"), _c("Running command echo Build started on `date`"),
                 _c("Running command npm install && npm test")]
        if run.fail:
            return lines + ["npm ERR! Test failed.  See above for more details.",
                            _c("Command did not exit successfully npm install && npm test exit status 1")]
        digest = hashlib.sha256(run.build["id"].encode()).hexdigest()
        return lines + ["  1 passing (12ms)", _c("Running command docker build -t $REPOSITORY_URI:latest ."),
                        "#1 [internal] load build definition from Dockerfile",
                        "#2 [1/5] FROM docker.io/library/node:18-alpine",
                        "#3 [2/5] WORKDIR /app", "#4 [3/5] COPY package*.json ./",
                        "#5 [4/5] RUN npm ci --omit=dev", "#6 [5/5] COPY . .",
                        f"#7 writing image sha256:{digest} done",
                        f"#7 naming to {uri}:latest done",
                        _c("Running command docker tag $REPOSITORY_URI:latest $REPOSITORY_URI:$IMAGE_TAG")]
    if phase == "POST_BUILD":
        return [_c("Entering phase POST_BUILD"), _c("Running command docker push $REPOSITORY_URI:latest"),
                f"The push refers to repository [{uri}]", "latest: digest: sha256:"
                + hashlib.sha256(uri.encode()).hexdigest() + " size: 1783",
                _c("Running command docker push $REPOSITORY_URI:$IMAGE_TAG"),
                f"{tag}: digest: sha256:" + hashlib.sha256(uri.encode()).hexdigest() + " size: 1783",
                _c("Running command echo Writing image definitions file..."),
                "Writing image definitions file...",
                _c("Running command printf '[{\"name\":\"%s\",\"imageUri\":\"%s\"}]' $CONTAINER_NAME "
                   "$REPOSITORY_URI:$IMAGE_TAG > imagedefinitions.json")]
    if phase == "UPLOAD_ARTIFACTS":
        return [_c("Entering phase UPLOAD_ARTIFACTS"), _c("Expanding base directory path: ."),
                _c("Assembling file list"), _c("Expanding imagedefinitions.json"),
                _c("Found 1 file(s)")]
    return []


def _lines_after(run: BuildRun, phase: str, status: str) -> list[str]:
    if phase in ("SUBMITTED", "QUEUED", "PROVISIONING"):
        return []
    lines = [_c(f"Phase complete: {phase} State: {status}")]
    code, msg = FAIL_CONTEXT if status == "FAILED" else ("", "")
    return lines + [_c(f"Phase context status code: {code} Message: {msg}")]


def _push_image(run: BuildRun) -> None:
    """Land the built image in ECR when REPOSITORY_URI names a repository we hold."""
    from moto.ecr.models import ecr_backends

    name = run.repo_uri.split("/", 1)[1] if "/" in run.repo_uri else ""
    ecr = ecr_backends[run.account][run.region]
    if name not in ecr.repositories:
        return
    manifest = json.dumps({"schemaVersion": 2, "mediaType":
                           "application/vnd.docker.distribution.manifest.v2+json",
                           "config": {"digest": "sha256:" + hashlib.sha256(
                               run.build["id"].encode()).hexdigest(), "size": 1457,
                               "mediaType": "application/vnd.docker.container.image.v1+json"},
                           "layers": []})
    for tag in (run.tag, "latest"):
        try:
            ecr.put_image(name, manifest, tag)
        except Exception:  # an immutable tag already there: AWS's push would fail too
            pass


def _project(account: str, region: str, name: str) -> dict:
    cb = _cb(account, region)
    project = cb.codebuild_projects.get(name.split("/")[-1] if name.startswith("arn:") else name)
    if project is None:
        raise AwsError("ResourceNotFoundException",
                       f"Project cannot be found: arn:aws:codebuild:{region}:{account}:project/{name}")
    return project.project_metadata


def start_build(account: str, region: str, project_name: str, source_version: str | None,
                fail: bool = False, initiator: str | None = None, env_overrides=None) -> dict:
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
                 "cloudWatchLogs": {"status": "ENABLED", "groupName": group,
                                    **({"streamName": cw["streamName"]} if cw.get("streamName") else {})},
                 "s3Logs": {"status": "DISABLED", "encryptionDisabled": False}},
        "timeoutInMinutes": project.get("timeoutInMinutes") or 60,
        "queuedTimeoutInMinutes": project.get("queuedTimeoutInMinutes") or 480,
        "buildComplete": False, "initiator": initiator or "moto",
        "encryptionKey": project.get("encryptionKey"),
    }
    if project.get("vpcConfig"):
        build["vpcConfig"] = project["vpcConfig"]
    cb.build_metadata_history[name].append(build)
    RUNS[build_id] = BuildRun(account, region, build, project, fail)
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
    for build_id, run in list(RUNS.items()):
        if not run.done:
            run.advance(now)


def install() -> None:
    from .pipeline import add_ticker

    add_ticker(_tick)
