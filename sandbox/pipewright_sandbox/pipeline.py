"""CodePipeline executions that progress in time, the way AWS runs a V2 pipeline.

moto marks every execution "Succeeded" at once and lacks GetPipelineState, ListActionExecutions,
StopPipelineExecution and RetryStageExecution. This module answers the execution operations
itself (AWS's JSON shapes, epoch-second timestamps), keeps its runs on moto's pipeline objects
(so they vanish with the pipeline), and moves them on from one daemon ticker thread:
stages in declaration order, actions within a stage by runOrder. The Build stage drives a real
moto CodeBuild build (codebuild_runs), the Deploy stage an ECS rollout (ecs_rollout).

Execution modes (V2): SUPERSEDED and QUEUED both lock a stage to one execution at a time;
an execution that finishes a stage waits at the next stage's inbound transition. SUPERSEDED:
a newer execution arriving there replaces the older waiting one (which becomes Superseded),
and an execution never enters a stage a newer one already entered. QUEUED: waiting
executions enter in arrival order, none is dropped. PARALLEL: no locks at all.

Every action runs as the pipeline's service role (service_roles "pipeline.*" steps): a
role CodePipeline cannot assume, or one whose policies refuse a call the action makes, fails
the action with AWS's message in errorDetails. DisableStageTransition/EnableStageTransition
hold executions at a stage's inbound transition (or after a stage, Outbound) until enabled.

Pushes start executions through triggers.py (POST /_sandbox/push); this module's control
route is POST /_sandbox/fail-stage (the next N runs of a stage fail); run_holds.py holds a run
at a stage until a test releases it.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any

from . import codebuild_runs, ecs_rollout, github, run_holds, service_roles
from .registry import (
    AWS_DURATIONS,
    CLOCK,
    STATE_LOCK,
    AwsError,
    RequestInfo,
    add_ticker,
    control,
    json_op,
)

PREFIX = "CodePipeline_20150709"
ACTIVE = ("InProgress", "Stopping")

# (pipeline name, stage name) -> how many upcoming runs of that stage must fail.
FAIL_STAGE: dict[tuple[str, str], int] = {}
# (repository, branch) -> last pushed commit {"commitId", "message", "time"}.
LAST_PUSH: dict[tuple[str, str], dict] = {}
# Active executions (InProgress/Stopping); the ticker only looks at these.
_ACTIVE_RUNS: list["Execution"] = []


# ---------------------------------------------------------------- model

def _backend(account: str, region: str):
    from moto.codepipeline.models import codepipeline_backends

    return codepipeline_backends[account][region]


def _pipeline(account: str, region: str, name: str):
    cp = _backend(account, region).pipelines.get(name)
    if cp is None:
        raise AwsError("PipelineNotFoundException",
                       f"Account '{account}' does not have a pipeline with name '{name}'")
    if not hasattr(cp, "pw_runs"):
        cp.pw_runs = {}  # pipelineExecutionId -> Execution, in start order
        cp.pw_region, cp.pw_account = region, account
    return cp


def _mode(cp) -> str:
    return cp.pipeline.get("executionMode") or "SUPERSEDED"


class ActionRun:
    """One attempt of one action inside one pipeline execution."""

    def __init__(self, exe: "Execution", stage: str, decl: dict, fail: bool):
        self.id = str(uuid.uuid4())
        self.exe, self.stage, self.decl, self.fail = exe, stage, decl, fail
        self.name = decl["name"]
        self.status = "InProgress"
        self.start = self.updated = time.time()
        self.ends_at = CLOCK.aws_now()  # AWS clock time at which a timed action ends
        self.session = str(int(self.start * 1000))  # the role session CodePipeline opens
        self.summary: str | None = None
        self.ext_id: str | None = None
        self.ext_url: str | None = None
        self.ext_summary: str | None = None
        self.error: dict | None = None
        self.out_vars: dict = {}
        self.percent: int | None = None
        self.handle: Any = None  # build id / rollout, per provider
        self.polled = False  # a CodeBuild action made its first BatchGetBuilds
        self.updated_by: str | None = None

    def finish(self, status: str, error: dict | None = None) -> None:
        self.status, self.error = status, error
        self.updated = time.time()


class Execution:
    """One pipeline execution: where it is, what it ran, how it was started."""

    def __init__(self, cp, trigger: dict, variables: list, overrides: list, push: dict | None):
        self.cp = cp
        self.id = str(uuid.uuid4())
        self.name = cp.pipeline["name"]
        self.version = cp.pipeline.get("version", 1)
        self.decl = cp.pipeline  # the declaration as of the start
        self.stages = [s["name"] for s in cp.pipeline["stages"]]
        self.mode = _mode(cp)
        self.trigger = trigger
        self.variables = variables
        self.overrides = {o["actionName"]: o for o in overrides}
        self.push = push
        self.status = "InProgress"
        self.status_summary: str | None = None
        self.stop_reason: str | None = None
        self.abandon = False
        self.start = self.updated = time.time()
        self.idx = 0  # current (or next) stage
        self.waiting = True  # waiting at stage idx's inbound transition
        self.stage_status: dict[str, str] = {}
        self.entered: dict[str, float] = {}
        self.actions: list[ActionRun] = []  # every attempt, oldest first
        self.current: dict[str, ActionRun] = {}  # latest attempt per action name
        self.source_revisions: list[dict] = []
        self.artifacts: dict[str, dict] = {}  # output artifact name -> what it carries
        self.stage_fail = False  # this attempt of the current stage must fail
        self.rerun: set[str] | None = None  # a FAILED_ACTIONS retry reruns only these

    @property
    def stage(self) -> str:
        return self.stages[self.idx]

    def stage_decl(self, name: str) -> dict:
        return next(s for s in self.decl["stages"] if s["name"] == name)

    def touch(self) -> None:
        self.updated = time.time()

    def end(self, status: str) -> None:
        self.status = status
        self.touch()
        if self in _ACTIVE_RUNS:
            _ACTIVE_RUNS.remove(self)


# ---------------------------------------------------------------- starting

def start_execution(cp, trigger: dict, variables=None, overrides=None, push=None) -> Execution:
    exe = Execution(cp, trigger, variables or [], overrides or [], push)
    cp.pw_runs[exe.id] = exe
    _ACTIVE_RUNS.append(exe)
    _tick_pipeline(cp, time.time())  # enter Source at once if the stage is free
    return exe


def _caller_arn(account: str) -> str:
    # What moto's GetCallerIdentity reports for the default credentials.
    return f"arn:aws:sts::{account}:user/moto"


@json_op(PREFIX, "StartPipelineExecution")
def start_pipeline_execution(body: dict, info: RequestInfo) -> dict:
    cp = _pipeline(info.account_id, info.region, body["name"])
    trigger = {"triggerType": "StartPipelineExecution", "triggerDetail": _caller_arn(info.account_id)}
    exe = start_execution(cp, trigger, body.get("variables"), body.get("sourceRevisions"))
    return {"pipelineExecutionId": exe.id}


def _patch_create_pipeline() -> None:
    """AWS starts a pipeline once when it is created (trigger CreatePipeline); so do we."""
    from moto.codepipeline.models import CodePipelineBackend

    original = CodePipelineBackend.create_pipeline
    if getattr(original, "pw_patched", False):
        return

    def create_pipeline(self, pipeline, tags):
        result = original(self, pipeline, tags)
        cp = _pipeline(self.account_id, self.region_name, pipeline["name"])
        trigger = {"triggerType": "CreatePipeline", "triggerDetail": _caller_arn(self.account_id)}
        start_execution(cp, trigger)
        return result

    create_pipeline.pw_patched = True
    CodePipelineBackend.create_pipeline = create_pipeline


# ---------------------------------------------------------------- progression

def _tick_all(now: float) -> None:
    pipelines = {id(e.cp): e.cp for e in list(_ACTIVE_RUNS)}
    for cp in pipelines.values():
        live = _backend(cp.pw_account, cp.pw_region).pipelines.get(cp.pipeline["name"])
        if live is not cp:  # deleted: its runs die with it
            for e in [e for e in _ACTIVE_RUNS if e.cp is cp]:
                _ACTIVE_RUNS.remove(e)
            continue
        _tick_pipeline(cp, now)


def _tick_pipeline(cp, now: float) -> None:
    for exe in list(cp.pw_runs.values()):  # oldest first: FIFO entry for QUEUED
        if exe.status not in ACTIVE:
            continue
        if exe.waiting:
            _try_enter(cp, exe, now)
        else:
            _advance_stage(exe, now)


def _holder(cp, exe: Execution, stage: str) -> Execution | None:
    for other in cp.pw_runs.values():
        if other is not exe and other.status in ACTIVE and not other.waiting \
                and other.stage == stage and other.stage_status.get(stage) in ACTIVE:
            return other
    return None


def _try_enter(cp, exe: Execution, now: float) -> None:
    if exe.status == "Stopping":  # a stop before entering: nothing is in flight
        exe.end("Stopped")
        return
    stage = exe.stage
    held = _transition_disabled(cp, stage, "Inbound") or (
        exe.idx > 0 and _transition_disabled(cp, exe.stages[exe.idx - 1], "Outbound"))
    if exe.mode == "SUPERSEDED":
        ids = list(cp.pw_runs)
        for o in [cp.pw_runs[i] for i in ids[ids.index(exe.id) + 1:]]:  # newer ones
            waiting_here = o.status in ACTIVE and o.waiting and o.stage == stage
            if stage in o.entered or waiting_here:
                exe.end("Superseded")
                return
    if held:
        return  # waits at the disabled transition (listed in the stage's inboundExecutions)
    if exe.mode != "PARALLEL":
        if _holder(cp, exe, stage):
            return
        if exe.mode == "QUEUED":
            for o in cp.pw_runs.values():
                if o is exe:
                    break
                if o.status in ACTIVE and o.waiting and o.stage == stage:
                    return  # an older one waits for the same stage: it goes first
    _enter_stage(exe, now)


def _enter_stage(exe: Execution, now: float, rerun: set[str] | None = None) -> None:
    """Start running stage exe.idx; `rerun` limits a retry to those action names."""
    stage = exe.stage
    exe.waiting = False
    exe.entered[stage] = now
    exe.stage_status[stage] = "InProgress"
    exe.stage_fail = _consume_failure(exe, stage)
    exe.rerun = rerun
    exe.touch()
    _advance_stage(exe, now)


def _consume_failure(exe: Execution, stage: str) -> bool:
    key = (exe.name, stage)
    if FAIL_STAGE.get(key, 0) > 0:
        FAIL_STAGE[key] -= 1
        return True
    return False


def _stage_actions(exe: Execution, stage: str) -> list[dict]:
    return sorted(exe.stage_decl(stage)["actions"], key=lambda a: a.get("runOrder", 1))


def _advance_stage(exe: Execution, now: float) -> None:
    stage = exe.stage
    actions = _stage_actions(exe, stage)
    running = [r for r in (exe.current.get(a["name"]) for a in actions)
               if r and r.stage == stage and r.status == "InProgress"]
    if running and exe.status != "Stopping" and run_holds.stage_held(exe.name, stage):
        return  # its actions started; they and the stage stay InProgress until released
    for run in running:
        _poll_action(run, now)
    if any(r.status == "InProgress" for r in running):
        return
    if exe.status == "Stopping":
        exe.stage_status[stage] = "Stopped"
        exe.end("Stopped")
        return
    if any(_fresh(exe, a) and exe.current[a["name"]].status == "Failed" for a in actions):
        exe.stage_status[stage] = "Failed"
        exe.end("Failed")
        return
    pending = [a for a in actions if not _fresh(exe, a) or exe.current[a["name"]].status != "Succeeded"]
    if pending:
        order = pending[0].get("runOrder", 1)
        first = actions[0]["name"]
        for decl in [a for a in pending if a.get("runOrder", 1) == order]:
            fail = exe.stage_fail and decl["name"] == first
            _start_action(exe, stage, decl, fail, now)
        return
    exe.stage_status[stage] = "Succeeded"
    exe.touch()
    if exe.idx + 1 < len(exe.stages):
        exe.idx += 1
        exe.waiting = True
        _try_enter(exe.cp, exe, now)
    else:
        exe.end("Succeeded")


def _fresh(exe: Execution, decl: dict) -> bool:
    """Whether the action ran in the current stage attempt (a retry keeps what it may)."""
    run = exe.current.get(decl["name"])
    if run is None or run.stage != exe.stage:
        return False
    return run.start >= exe.entered[exe.stage] or (
        exe.rerun is not None and decl["name"] not in exe.rerun)


def _start_action(exe: Execution, stage: str, decl: dict, fail: bool, now: float) -> None:
    run = ActionRun(exe, stage, decl, fail)
    exe.actions.append(run)
    exe.current[decl["name"]] = run
    exe.touch()
    provider = decl["actionTypeId"]["provider"]
    starter = PROVIDERS.get(provider, _start_generic)
    starter(run, now)


def _poll_action(run: ActionRun, now: float) -> None:
    provider = run.decl["actionTypeId"]["provider"]
    poller = POLLERS.get(provider, _poll_timer)
    poller(run, now)
    if run.status != "InProgress":
        run.exe.touch()


# ---------------------------------------------------------------- providers

def _start_generic(run: ActionRun, now: float) -> None:
    run.ends_at = CLOCK.aws_now() + AWS_DURATIONS["source"]
    run.summary = None


def _poll_timer(run: ActionRun, now: float) -> None:
    if CLOCK.aws_now() < run.ends_at:
        return
    if run.fail:
        run.finish("Failed", {"code": "JobFailed", "message": "Action failed (sandbox fail-stage)"})
    else:
        run.finish("Succeeded")


def _revision_for(exe: Execution, cfg: dict, action_name: str) -> dict | None:
    """The commit the source action takes: an override, the push that started the run, the
    branch head of a repository the practice GitHub holds (None: no such branch), or the
    last push (made up when there was none) for any other repository."""
    repo, branch = cfg.get("FullRepositoryId", ""), cfg.get("BranchName", "")
    override = exe.overrides.get(action_name)
    if override:
        return {"commitId": override["revisionValue"],
                "message": f"Commit {override['revisionValue'][:7]}"}
    if exe.push and exe.push.get("repository") == repo:
        return exe.push
    held = github.held(repo)
    if held is not None:
        head = github.branches(held).get(branch)
        if head is None:
            return None
        info = github.commit_info(held, head)
        return {"commitId": head, "message": info["message"], "time": time.time()}
    return LAST_PUSH.get((repo, branch)) or _made_up_commit(repo, branch)


def _made_up_commit(repo: str, branch: str) -> dict:
    commit = {"commitId": uuid.uuid4().hex + uuid.uuid4().hex[:8], "message": "Initial commit",
              "time": time.time()}
    LAST_PUSH[(repo, branch)] = commit
    return commit


def _role_of(run: ActionRun) -> str:
    return run.exe.cp.pipeline.get("roleArn", "")


def _artifact_key(exe: "Execution", artifact: str) -> str:
    """Where CodePipeline keeps an artifact in the store (names truncated as AWS does)."""
    return f"{exe.name[:20]}/{artifact[:20]}/{exe.id[:7]}"


def _artifact_store(exe: "Execution") -> str:
    return (exe.decl.get("artifactStore") or {}).get("location", "")


def _check_role(run: ActionRun, step: str, **facts):
    """service_roles.check for this action, as the pipeline role in the action's session."""
    region = run.decl.get("region") or run.exe.cp.pw_region
    pipeline_arn = f"arn:aws:codepipeline:{run.exe.cp.pw_region}:{run.exe.cp.pw_account}:" \
                   f"{run.exe.name}"
    return service_roles.check(step, run.exe.cp.pw_account, region, _role_of(run), run.session,
                               source_arn=pipeline_arn, **facts)


def _source_refusal(run: ActionRun, cfg: dict) -> str | None:
    """AWS's words when the pipeline role may not use the connection or write the artifact."""
    arts = run.decl.get("outputArtifacts") or [{"name": "SourceArtifact"}]
    bucket = _artifact_store(run.exe)
    refusal = _check_role(run, "pipeline.source", connection=cfg.get("ConnectionArn", ""),
                          bucket=bucket, key=_artifact_key(run.exe, arts[0]["name"]))
    if refusal is None:
        return None
    if refusal.kind == "assume":
        return refusal.message
    if refusal.action.endswith(":UseConnection"):
        return (f"Unable to use Connection: {cfg.get('ConnectionArn')}. The provided role does "
                "not have sufficient permissions.")
    return (f"The service role or action role doesn’t have the permissions required to access "
            f"the Amazon S3 bucket named {bucket}. Update the IAM role permissions, and then try "
            f"again. Error: Amazon S3:AccessDenied:{refusal.message}")


def _connection_problem(arn: str | None) -> str | None:
    try:
        from .connections import get_connection
    except ImportError:  # framework not there yet: treat connections as usable
        return None
    conn = get_connection(arn) if arn else None
    if conn is None:
        return f"Connection {arn} does not exist or is not accessible."
    if conn.get("ConnectionStatus") != "AVAILABLE":
        # AWS's wording for a connection that was never completed in the console.
        return (f"Unable to use Connection: {arn}. The provided connection is not in "
                f"AVAILABLE state. Current state: {conn.get('ConnectionStatus')}")
    return None


def _start_source(run: ActionRun, now: float) -> None:
    cfg = run.decl.get("configuration", {})
    run.ends_at = CLOCK.aws_now() + AWS_DURATIONS["source"]
    problem = _source_refusal(run, cfg) or _connection_problem(cfg.get("ConnectionArn"))
    if problem:
        run.handle = problem
        return
    commit = _revision_for(run.exe, cfg, run.name)
    repo = cfg.get("FullRepositoryId", "")
    if commit is None:  # AWS's words when the branch is not in the repository
        run.handle = (f"[GitHub] No Branch [{cfg.get('BranchName', '')}] found for "
                      f"FullRepositoryName [{repo}]")
        return
    url = f"https://github.com/{repo}/commit/{commit['commitId']}"
    run.handle = None
    run.ext_id, run.ext_url = commit["commitId"], url
    run.summary = run.ext_summary = commit.get("message", "")
    run.out_vars = {
        "AuthorDate": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(commit.get("time", now))),
        "BranchName": cfg.get("BranchName", ""), "CommitId": commit["commitId"],
        "CommitMessage": commit.get("message", ""), "ConnectionArn": cfg.get("ConnectionArn", ""),
        "FullRepositoryId": repo,
    }
    clone = cfg.get("OutputArtifactFormat") == "CODEBUILD_CLONE_REF"
    held = github.held(repo)
    for art in run.decl.get("outputArtifacts", []):
        run.exe.artifacts[art["name"]] = {
            "commitId": commit["commitId"],
            # A full clone hands CodeBuild the connection to clone through.
            "connection": cfg.get("ConnectionArn") if clone else None,
            # What a build of it checks out (only from a repository the sandbox holds).
            "repository": held.full_name if held else None, "fullClone": clone}
    if not any(r["actionName"] == run.name for r in run.exe.source_revisions):
        run.exe.source_revisions.append({
            "actionName": run.name, "revisionId": commit["commitId"],
            "revisionSummary": commit.get("message", ""), "revisionUrl": url})


def _poll_source(run: ActionRun, now: float) -> None:
    if CLOCK.aws_now() < run.ends_at:
        return
    if run.handle:  # connection or permission problem
        run.finish("Failed", {"code": "JobFailed", "message": run.handle})
    elif run.fail:
        run.finish("Failed", {"code": "JobFailed", "message":
                              f"[GitHub] Upload to S3 failed for {run.ext_id or 'source'}: "
                              "the sandbox was told to fail this stage"})
    else:
        run.finish("Succeeded")


def _commit_of(run: ActionRun) -> str | None:
    for art in run.decl.get("inputArtifacts", []):
        info = run.exe.artifacts.get(art["name"])
        if info and info.get("commitId"):
            return info["commitId"]
    return run.exe.source_revisions[0]["revisionId"] if run.exe.source_revisions else None


def _start_codebuild(run: ActionRun, now: float) -> None:
    cfg = run.decl.get("configuration", {})
    region = run.decl.get("region") or run.exe.cp.pw_region
    refusal = _check_role(run, "pipeline.build", project=cfg.get("ProjectName", ""),
                          only=("codebuild:StartBuild",))
    if refusal:
        run.finish("Failed", {"code": "JobFailed", "message": _sdk_error(
            "startBuild", refusal, "AWSCodeBuild")})
        return
    try:
        build = codebuild_runs.start_build(
            run.exe.cp.pw_account, region, cfg.get("ProjectName", ""), _commit_of(run),
            fail=run.fail, initiator=f"codepipeline/{run.exe.name}",
            artifacts=_build_artifacts(run))
    except AwsError as err:
        run.finish("Failed", {"code": "JobFailed", "message": err.message})
        return
    run.handle = (region, build["id"])
    run.ext_id = build["id"]
    run.ext_url = (f"https://console.aws.amazon.com/codebuild/home?region={region}"
                   f"#/builds/{build['id']}/view/new")


def _sdk_error(call: str, refusal, service: str) -> str:
    """How CodePipeline's job worker reports a refused API call it made as the role."""
    if refusal.kind == "assume":
        return refusal.message
    return (f"Error calling {call}: {refusal.message} (Service: {service}; Status Code: 400; "
            f"Error Code: AccessDeniedException; Request ID: {uuid.uuid4()}; Proxy: null)")


def _build_artifacts(run: ActionRun) -> dict:
    """Where the build reads its input and writes its output (for its role's checks)."""
    bucket = _artifact_store(run.exe)
    out: dict = {}
    for art in run.decl.get("inputArtifacts", [])[:1]:
        info = run.exe.artifacts.get(art["name"]) or {}
        out["input"] = {"bucket": bucket, "key": _artifact_key(run.exe, art["name"]),
                        "connection": info.get("connection"),
                        "repository": info.get("repository"), "commitId": info.get("commitId"),
                        "fullClone": info.get("fullClone", False), "artifact": art["name"]}
    for art in run.decl.get("outputArtifacts", [])[:1]:
        out["output"] = {"bucket": bucket, "key": _artifact_key(run.exe, art["name"])}
    return out


def _poll_codebuild(run: ActionRun, now: float) -> None:
    if not run.polled:  # the first BatchGetBuilds after StartBuild
        refusal = _check_role(run, "pipeline.build", only=("codebuild:BatchGetBuilds",),
                              project=run.decl.get("configuration", {}).get("ProjectName", ""))
        if refusal:
            run.finish("Failed", {"code": "JobFailed", "message": _sdk_error(
                "batchGetBuilds", refusal, "AWSCodeBuild")})
            return
        run.polled = True
    region, build_id = run.handle
    build = codebuild_runs.get_build(run.exe.cp.pw_account, region, build_id)
    if build is None or build["buildStatus"] == "IN_PROGRESS":
        return
    if build["buildStatus"] == "SUCCEEDED":
        for art in run.decl.get("outputArtifacts", []):
            run.exe.artifacts[art["name"]] = {"commitId": _commit_of(run),
                                              "imageUri": build.get("pw_image_uri"),
                                              "containerName": build.get("pw_container_name"),
                                              # a build that ran its buildspec: its files
                                              "files": codebuild_runs.artifact_files(build)}
        run.finish("Succeeded")
    else:
        run.finish("Failed", {"code": "JobFailed", "message": codebuild_runs.failure_message(build)})


def _image_definitions(run: ActionRun, cluster: str, service: str, region: str):
    """What the deploy action deploys: the imagedefinitions.json entries of the input artifact
    of a build that ran its buildspec (checked as AWS's ECS deploy action checks them), or
    the simulated build's image. Raises AwsError with the action's error."""
    cfg = run.decl.get("configuration", {})
    for art in run.decl.get("inputArtifacts", []):
        info = run.exe.artifacts.get(art["name"]) or {}
        if info.get("files") is None:
            if info.get("imageUri"):  # a simulated build: what imagedefinitions.json would say
                return {"name": info.get("containerName"), "imageUri": info["imageUri"]}
            continue
        name = cfg.get("FileName") or "imagedefinitions.json"
        data = info["files"].get(name)
        if data is None:
            raise AwsError("ConfigurationError", "Exception while trying to read the image "
                           f"artifact file from the artifact: {art['name']}.")
        try:
            entries = json.loads(data.decode("utf-8"))
            if not isinstance(entries, list) or not entries or not all(
                    isinstance(e, dict) and isinstance(e.get("name"), str)
                    and isinstance(e.get("imageUri"), str) for e in entries):
                raise ValueError
        except ValueError:
            raise AwsError("ConfigurationError", "Exception while trying to parse the image URI "
                           f"file from the artifact: {art['name']}.")
        names = ecs_rollout.container_names(run.exe.cp.pw_account, region, cluster, service)
        for entry in entries:
            if entry["name"] not in names:
                raise AwsError("ConfigurationError",
                               f"The AWS ECS container {entry['name']} does not exist")
        return entries
    return None


def _start_ecs(run: ActionRun, now: float) -> None:
    cfg = run.decl.get("configuration", {})
    region = run.decl.get("region") or run.exe.cp.pw_region
    cluster, service = cfg.get("ClusterName", "default"), cfg.get("ServiceName", "")
    arts = run.decl.get("inputArtifacts") or [{"name": "BuildArtifact"}]
    try:
        facts = ecs_rollout.deploy_facts(run.exe.cp.pw_account, region, cluster, service)
        refusal = _check_role(run, "pipeline.deploy.ecs", bucket=_artifact_store(run.exe),
                              key=_artifact_key(run.exe, arts[0]["name"]), **facts)
        if refusal:
            run.finish("Failed", {"code": "JobFailed", "message": refusal.message})
            return
        image = _image_definitions(run, cluster, service, region)
        run.handle = ecs_rollout.start_deploy(run.exe.cp.pw_account, region, cluster, service,
                                              image, fail=run.fail)
    except AwsError as err:
        code = err.code if err.code == "ConfigurationError" else "JobFailed"
        run.finish("Failed", {"code": code, "message": err.message})
        return
    run.ext_id = run.handle.deployment_id
    run.ext_url = (f"https://console.aws.amazon.com/ecs/home?region={region}#/clusters/"
                   f"{cfg.get('ClusterName')}/services/{cfg.get('ServiceName')}/details")


def _poll_ecs(run: ActionRun, now: float) -> None:
    rollout = run.handle
    if rollout.state == "IN_PROGRESS":
        return
    if rollout.state == "COMPLETED":
        run.summary = run.ext_summary = None
        run.finish("Succeeded")
    else:
        run.finish("Failed", {"code": "JobFailed", "message": rollout.reason})


PROVIDERS = {"CodeStarSourceConnection": _start_source, "CodeBuild": _start_codebuild,
             "ECS": _start_ecs}
POLLERS = {"CodeStarSourceConnection": _poll_source, "CodeBuild": _poll_codebuild,
           "ECS": _poll_ecs}


# ---------------------------------------------------------------- views (AWS shapes)

def _drop_none(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None}


def _execution(cp, exe_id: str) -> Execution:
    exe = cp.pw_runs.get(exe_id)
    if exe is None:
        raise AwsError("PipelineExecutionNotFoundException",
                       f"Pipeline execution with id '{exe_id}' not found in pipeline "
                       f"'{cp.pipeline['name']}'")
    return exe


def _entity_url(decl: dict, region: str) -> str | None:
    cfg, provider = decl.get("configuration", {}), decl["actionTypeId"]["provider"]
    if provider == "CodeStarSourceConnection":
        return f"https://github.com/{cfg.get('FullRepositoryId')}/tree/{cfg.get('BranchName')}"
    if provider == "CodeBuild":
        return (f"https://console.aws.amazon.com/codebuild/home?region={region}"
                f"#/projects/{cfg.get('ProjectName')}/view")
    if provider == "ECS":
        return (f"https://console.aws.amazon.com/ecs/home?region={region}#/clusters/"
                f"{cfg.get('ClusterName')}/services/{cfg.get('ServiceName')}/details")
    return None


def _action_execution(run: ActionRun) -> dict:
    return _drop_none({
        "actionExecutionId": run.id, "status": run.status, "summary": run.summary,
        "lastStatusChange": run.updated, "externalExecutionId": run.ext_id,
        "externalExecutionUrl": run.ext_url, "percentComplete": run.percent,
        "errorDetails": run.error, "lastUpdatedBy": run.updated_by,
    })


def _stage_state(cp, stage: dict) -> dict:
    name = stage["name"]
    runs = [e for e in cp.pw_runs.values() if name in e.entered]
    latest = max(runs, key=lambda e: e.entered[name], default=None)
    inbound = [e for e in cp.pw_runs.values()
               if e.status in ACTIVE and e.waiting and e.stage == name and e.idx > 0]
    actions = []
    for decl in stage["actions"]:
        state = {"actionName": decl["name"],
                 "entityUrl": _entity_url(decl, decl.get("region") or cp.pw_region)}
        run = latest.current.get(decl["name"]) if latest else None
        if run and run.stage == name:
            state["latestExecution"] = _action_execution(run)
            if decl["actionTypeId"]["category"] == "Source" and run.ext_id:
                state["currentRevision"] = {"revisionId": run.ext_id,
                                            "revisionChangeId": run.ext_id,
                                            "created": run.start}
                state["revisionUrl"] = run.ext_url
        actions.append(_drop_none(state))
    out = {"stageName": name, "inboundTransitionState": _transition_state(cp, name),
           "actionStates": actions}
    if latest:
        out["latestExecution"] = {"pipelineExecutionId": latest.id, "type": "STANDARD",
                                  "status": _stage_status(latest, name)}
    if inbound:
        waiting = [{"pipelineExecutionId": e.id, "status": "InProgress", "type": "STANDARD"}
                   for e in inbound]
        out["inboundExecution"] = waiting[0]
        out["inboundExecutions"] = waiting
    return out


def _stage_status(exe: Execution, stage: str) -> str:
    status = exe.stage_status[stage]
    if status == "InProgress" and exe.status == "Stopping":
        return "Stopping"
    return status


def _epoch(dt) -> float:
    # moto keeps naive UTC datetimes; .timestamp() would read them as local time.
    import calendar

    if dt.tzinfo is not None:
        return dt.timestamp()
    return calendar.timegm(dt.timetuple()) + dt.microsecond / 1e6


@json_op(PREFIX, "GetPipelineState")
def get_pipeline_state(body: dict, info: RequestInfo) -> dict:
    cp = _pipeline(info.account_id, info.region, body["name"])
    return {
        "pipelineName": cp.pipeline["name"], "pipelineVersion": cp.pipeline.get("version", 1),
        "stageStates": [_stage_state(cp, s) for s in cp.pipeline["stages"]],
        "created": _epoch(cp._created), "updated": _epoch(cp._updated),
    }


def _trigger_and_mode(exe: Execution) -> dict:
    return {"trigger": exe.trigger, "executionMode": exe.mode, "executionType": "STANDARD"}


@json_op(PREFIX, "GetPipelineExecution")
def get_pipeline_execution(body: dict, info: RequestInfo) -> dict:
    cp = _pipeline(info.account_id, info.region, body["pipelineName"])
    exe = _execution(cp, body["pipelineExecutionId"])
    revisions = []
    for run in exe.actions:
        if run.decl["actionTypeId"]["category"] == "Source" and run.ext_id:
            for art in run.decl.get("outputArtifacts", []):
                revisions.append({"name": art["name"], "revisionId": run.ext_id,
                                  "revisionChangeIdentifier": run.ext_id,
                                  "revisionSummary": run.summary, "created": run.start,
                                  "revisionUrl": run.ext_url})
    return {"pipelineExecution": _drop_none({
        "pipelineName": exe.name, "pipelineVersion": exe.version, "pipelineExecutionId": exe.id,
        "status": exe.status, "statusSummary": exe.status_summary,
        "artifactRevisions": revisions,
        "variables": [{"name": v["name"], "resolvedValue": v.get("value", "")}
                      for v in exe.variables],
        **_trigger_and_mode(exe)})}


def _page(items: list, body: dict, default_max: int) -> tuple[list, str | None]:
    start = int(body.get("nextToken") or 0) if str(body.get("nextToken") or "0").isdigit() else None
    if start is None:
        raise AwsError("InvalidNextTokenException", "The next token is not valid.")
    size = int(body.get("maxResults") or default_max)
    token = str(start + size) if start + size < len(items) else None
    return items[start:start + size], token


@json_op(PREFIX, "ListPipelineExecutions")
def list_pipeline_executions(body: dict, info: RequestInfo) -> dict:
    cp = _pipeline(info.account_id, info.region, body["pipelineName"])
    summaries = []
    for exe in reversed(list(cp.pw_runs.values())):  # newest first, as AWS
        summaries.append(_drop_none({
            "pipelineExecutionId": exe.id, "status": exe.status,
            "statusSummary": exe.status_summary, "startTime": exe.start,
            "lastUpdateTime": exe.updated, "sourceRevisions": list(exe.source_revisions),
            "stopTrigger": {"reason": exe.stop_reason} if exe.stop_reason is not None else None,
            **_trigger_and_mode(exe)}))
    page, token = _page(summaries, body, 100)
    return _drop_none({"pipelineExecutionSummaries": page, "nextToken": token})


def _artifact_details(cp, exe: Execution, arts: list[dict]) -> list[dict]:
    return [{"name": a["name"], "s3location": {
        "bucket": _artifact_store(exe), "key": _artifact_key(exe, a["name"])}} for a in arts]


def _action_detail(cp, run: ActionRun) -> dict:
    decl, exe = run.decl, run.exe
    cfg = dict(decl.get("configuration", {}))
    result = _drop_none({"externalExecutionId": run.ext_id,
                         "externalExecutionSummary": run.ext_summary,
                         "externalExecutionUrl": run.ext_url, "errorDetails": run.error})
    return _drop_none({
        "pipelineExecutionId": exe.id, "actionExecutionId": run.id,
        "pipelineVersion": exe.version, "stageName": run.stage, "actionName": run.name,
        "startTime": run.start, "lastUpdateTime": run.updated, "updatedBy": run.updated_by,
        "status": run.status,
        "input": _drop_none({
            "actionTypeId": decl["actionTypeId"], "configuration": cfg,
            "resolvedConfiguration": cfg, "roleArn": decl.get("roleArn"),
            "region": decl.get("region") or cp.pw_region, "namespace": decl.get("namespace"),
            "inputArtifacts": _artifact_details(cp, exe, decl.get("inputArtifacts", []))}),
        "output": {
            "outputArtifacts": _artifact_details(cp, exe, decl.get("outputArtifacts", []))
            if run.status == "Succeeded" else [],
            "executionResult": result, "outputVariables": run.out_vars},
    })


@json_op(PREFIX, "ListActionExecutions")
def list_action_executions(body: dict, info: RequestInfo) -> dict:
    cp = _pipeline(info.account_id, info.region, body["pipelineName"])
    wanted = (body.get("filter") or {}).get("pipelineExecutionId")
    if wanted:
        runs = list(_execution(cp, wanted).actions)
    else:
        runs = [r for e in cp.pw_runs.values() for r in e.actions]
    runs.sort(key=lambda r: r.start, reverse=True)  # newest first, as AWS
    page, token = _page([_action_detail(cp, r) for r in runs], body, 100)
    return _drop_none({"actionExecutionDetails": page, "nextToken": token})


# ---------------------------------------------------------------- stage transitions

# AWS's constraint on DisableStageTransition's reason (no commas, colons or quotes).
_REASON_RE = re.compile(r"[a-zA-Z0-9!@ \(\)\.\*\?\-]+")
TRANSITION_TYPES = ("Inbound", "Outbound")


def _transitions(cp) -> dict:
    """(stage name, "Inbound"/"Outbound") -> {"enabled": False, ...} while disabled."""
    if not hasattr(cp, "pw_transitions"):
        cp.pw_transitions = {}
    return cp.pw_transitions


def _transition_disabled(cp, stage: str, kind: str) -> bool:
    state = _transitions(cp).get((stage, kind))
    return bool(state) and not state["enabled"]


def _transition_state(cp, stage: str) -> dict:
    """GetPipelineState's inboundTransitionState (just enabled=true until ever changed)."""
    return dict(_transitions(cp).get((stage, "Inbound")) or {"enabled": True})


def _validate_transition(cp, body: dict, with_reason: bool) -> tuple[str, str]:
    stage, kind = body.get("stageName"), body.get("transitionType")
    errors = []
    if kind not in TRANSITION_TYPES:
        errors.append(f"Value '{kind}' at 'transitionType' failed to satisfy constraint: Member "
                      "must satisfy enum value set: [Inbound, Outbound]")
    if with_reason:
        reason = body.get("reason")
        if not isinstance(reason, str) or not 1 <= len(reason) <= 300:
            errors.append(f"Value '{reason}' at 'reason' failed to satisfy constraint: Member "
                          "must have length less than or equal to 300 and greater than or "
                          "equal to 1")
        elif not _REASON_RE.fullmatch(reason):
            errors.append(f"Value '{reason}' at 'reason' failed to satisfy constraint: Member "
                          "must satisfy regular expression pattern: [a-zA-Z0-9!@ \\(\\)"
                          "\\.\\*\\?\\-]+")
    if errors:
        raise AwsError("ValidationException", f"{len(errors)} validation error"
                       f"{'s' if len(errors) > 1 else ''} detected: " + "; ".join(errors))
    if not any(s["name"] == stage for s in cp.pipeline["stages"]):
        raise AwsError("StageNotFoundException",
                       f"Stage {stage} not found in pipeline {cp.pipeline['name']}")
    return stage, kind


@json_op(PREFIX, "DisableStageTransition")
def disable_stage_transition(body: dict, info: RequestInfo) -> dict:
    cp = _pipeline(info.account_id, info.region, body.get("pipelineName", ""))
    stage, kind = _validate_transition(cp, body, with_reason=True)
    _transitions(cp)[(stage, kind)] = {
        "enabled": False, "lastChangedBy": _caller_arn(info.account_id),
        "lastChangedAt": time.time(), "disabledReason": body["reason"]}
    return {}


@json_op(PREFIX, "EnableStageTransition")
def enable_stage_transition(body: dict, info: RequestInfo) -> dict:
    cp = _pipeline(info.account_id, info.region, body.get("pipelineName", ""))
    stage, kind = _validate_transition(cp, body, with_reason=False)
    _transitions(cp)[(stage, kind)] = {
        "enabled": True, "lastChangedBy": _caller_arn(info.account_id),
        "lastChangedAt": time.time()}
    _tick_pipeline(cp, time.time())  # held executions enter now
    return {}


# ---------------------------------------------------------------- stop and retry

@json_op(PREFIX, "StopPipelineExecution")
def stop_pipeline_execution(body: dict, info: RequestInfo) -> dict:
    cp = _pipeline(info.account_id, info.region, body["pipelineName"])
    exe = _execution(cp, body["pipelineExecutionId"])
    abandon = bool(body.get("abandon"))
    if exe.status == "Stopping" and not abandon:
        raise AwsError("DuplicatedStopRequestException",
                       "Execution is already being stopped")
    if exe.status not in ACTIVE:
        raise AwsError("PipelineExecutionNotStoppableException",
                       f"Unable to stop pipeline execution {exe.id}: it is {exe.status}, "
                       "only InProgress executions can be stopped")
    exe.stop_reason = body.get("reason") or ""
    exe.status = "Stopping"
    exe.touch()
    if exe.waiting:
        exe.end("Stopped")
    elif abandon:  # in-flight actions are abandoned; the stage stops at once
        for run in exe.current.values():
            if run.status == "InProgress":
                run.finish("Abandoned")
        exe.stage_status[exe.stage] = "Stopped"
        exe.end("Stopped")
    return {"pipelineExecutionId": exe.id}


@json_op(PREFIX, "RetryStageExecution")
def retry_stage_execution(body: dict, info: RequestInfo) -> dict:
    cp = _pipeline(info.account_id, info.region, body["pipelineName"])
    stage = body["stageName"]
    if not any(s["name"] == stage for s in cp.pipeline["stages"]):
        raise AwsError("StageNotFoundException",
                       f"Stage {stage} not found in pipeline {cp.pipeline['name']}")
    exe = _execution(cp, body["pipelineExecutionId"])
    runs = [e for e in cp.pw_runs.values() if stage in e.entered]
    latest = max(runs, key=lambda e: e.entered[stage], default=None)
    if latest is not exe:
        raise AwsError("NotLatestPipelineExecutionException",
                       f"Pipeline execution {exe.id} is not the latest execution in stage {stage}")
    if exe.stage_status.get(stage) != "Failed" or exe.status in ACTIVE:
        raise AwsError("StageNotRetryableException",
                       f"Stage {stage} in pipeline execution {exe.id} is not in a Failed state")
    if exe.stage not in [s["name"] for s in exe.decl["stages"]]:
        raise AwsError("ConflictException", "The pipeline structure changed since this execution")
    rerun = None
    if body.get("retryMode", "FAILED_ACTIONS") == "FAILED_ACTIONS":
        rerun = {a["name"] for a in _stage_actions(exe, stage)
                 if not (exe.current.get(a["name"]) and exe.current[a["name"]].stage == stage
                         and exe.current[a["name"]].status == "Succeeded")}
    exe.status, exe.stop_reason = "InProgress", None
    _ACTIVE_RUNS.append(exe)
    _enter_stage(exe, time.time(), rerun)
    return {"pipelineExecutionId": exe.id}


# ---------------------------------------------------------------- fail-stage

@control("POST", "/_sandbox/fail-stage")
def fail_stage_route(body: dict, query: dict) -> dict:
    with STATE_LOCK:
        key = (body["pipelineName"], body["stageName"])
        FAIL_STAGE[key] = int(body.get("times", 1))
    return {"pipelineName": key[0], "stageName": key[1], "times": FAIL_STAGE[key]}


def install() -> None:
    _patch_create_pipeline()
    add_ticker(_tick_all)
