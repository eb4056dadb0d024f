"""Held runs: a pipeline run kept at a stage, or a build kept in a phase, until a test says go.

An in-between state (a stage in progress, a build half way through its phases) lasts a few
ticks at a fast time scale; a test that must see it would race the ticker. With a hold the
state lasts until released:

- `POST /_sandbox/hold-run {"pipelineName": P, "stageName": S}`: a run of P that enters S
  starts the stage's actions and stays there, stage and actions InProgress, until released;
- `POST /_sandbox/hold-run {"projectName": X, "phase": "BUILD"}`: a build of project X does
  not end that phase (the phases before it end and write their log lines) until released;
- `POST /_sandbox/hold-run {"serviceName": S}`: ECS service S's PRIMARY deployment stays
  `rolloutState` IN_PROGRESS (its tasks start, become healthy and replace the old ones as
  usual; only the completion waits) until released;
- `GET /_sandbox/hold-run`: the holds, each with `held`, the executions or builds it is
  holding right now (so a test waits for the run to be there, not for a time);
- `DELETE /_sandbox/hold-run` releases everything; with `?pipelineName=P&stageName=S` or
  `?projectName=X&phase=BUILD` or `?serviceName=S`, that hold only. A released run goes on as if it had taken
  that long.
"""

from __future__ import annotations

from .registry import STATE_LOCK, control

# (pipeline name, stage name) and (project name, phase type) currently held.
STAGES: set[tuple[str, str]] = set()
PHASES: set[tuple[str, str]] = set()
# ECS service names whose rollout does not complete.
SERVICES: set[str] = set()


def stage_held(pipeline: str, stage: str) -> bool:
    return (pipeline, stage) in STAGES


def phase_held(project: str, phase: str) -> bool:
    return (project, phase) in PHASES


def rollout_held(service: str) -> bool:
    return service in SERVICES


def _key(body: dict) -> tuple[str, tuple[str, str] | str]:
    if body.get("serviceName") is not None:
        service = body["serviceName"]
        if not isinstance(service, str) or not service or len(body) != 1:
            raise ValueError('body must be {"serviceName": S} alone, S a non-empty string')
        return "service", service
    if body.get("pipelineName") or body.get("stageName"):
        pipeline, stage = body.get("pipelineName"), body.get("stageName")
        if not isinstance(pipeline, str) or not pipeline or not isinstance(stage, str) or not stage:
            raise ValueError("pipelineName and stageName must both be non-empty strings")
        return "stage", (pipeline, stage)
    project, phase = body.get("projectName"), body.get("phase")
    if not isinstance(project, str) or not project or not isinstance(phase, str) or not phase:
        raise ValueError('body must be {"pipelineName", "stageName"} or {"projectName", "phase"}')
    return "phase", (project, phase.upper())


def _listing() -> dict:
    from . import codebuild_runs, ecs_rollout, pipeline

    holds = []
    for name, stage in sorted(STAGES):
        held = [e.id for e in pipeline._ACTIVE_RUNS
                if e.name == name and not e.waiting and e.stage == stage
                and e.stage_status.get(stage) == "InProgress"]
        holds.append({"pipelineName": name, "stageName": stage, "held": held})
    for project, phase in sorted(PHASES):
        held = [bid for bid, run in codebuild_runs.RUNS.items()
                if not run.done and run.build.get("projectName") == project
                and run.plan[run.idx][0] == phase]
        holds.append({"projectName": project, "phase": phase, "held": held})
    for service in sorted(SERVICES):
        held = [sched.primary["id"] for sched in ecs_rollout.SCHEDULERS
                if sched.svc.name == service and sched.primary
                and sched.primary["rolloutState"] == "IN_PROGRESS"]
        holds.append({"serviceName": service, "held": held})
    return {"holds": holds}


def _set_of(kind: str) -> set:
    return {"stage": STAGES, "phase": PHASES, "service": SERVICES}[kind]


@control("POST", "/_sandbox/hold-run")
def _post_hold(body: dict, query: dict) -> dict:
    kind, key = _key(body)
    with STATE_LOCK:
        _set_of(kind).add(key)
        return _listing()


@control("GET", "/_sandbox/hold-run")
def _get_holds(body: dict, query: dict) -> dict:
    with STATE_LOCK:
        return _listing()


@control("DELETE", "/_sandbox/hold-run")
def _delete_hold(body: dict, query: dict) -> dict:
    with STATE_LOCK:
        if not query:
            STAGES.clear()
            PHASES.clear()
            SERVICES.clear()
        else:
            kind, key = _key(query)
            _set_of(kind).discard(key)
        return _listing()
