"""CodePipeline executions in the sandbox: push triggers, Source → Build → Deploy in time,
CodeBuild phases and logs, the ECS rollout and target health, failure and retry, stop,
and the three V2 execution modes. Runs against the sandbox at time scale 0.01."""

import time
import uuid

import pytest

from conftest import ControlError
from lab import (builds_of, executions, held, make_pipeline, uid, wait_all_done, wait_aws_time,
                 wait_done, wait_for, wait_ticks)

TRIGGERS = [{"providerType": "CodeStarSourceConnection", "gitConfiguration": {
    "sourceActionName": "Source",
    "push": [{"branches": {"includes": ["main", "release/**"], "excludes": ["release/wip*"]},
              "filePaths": {"includes": ["src/**", "package.json"]}}]}}]


def test_push_filters_and_full_run(client, control, infra):
    cp = client("codepipeline")
    repo = f"ktb/{uid('repo')}"
    name = make_pipeline(client, infra, repo=repo, deploy=True, triggers=TRIGGERS)
    first = executions(cp, name)
    assert [e["trigger"]["triggerType"] for e in first] == ["CreatePipeline"]
    wait_all_done(cp, name)

    # Pushes the filters reject start nothing.
    for push in ({"branch": "feature/x", "paths": ["src/app.js"]},
                 {"branch": "release/wip-1", "paths": ["src/app.js"]},
                 {"branch": "main", "paths": ["docs/README.md"]}):
        out = control("/_sandbox/push", {"repository": repo, "commitId": uuid.uuid4().hex,
                                         "message": "no", **push})
        assert out["started"] == [], push
    assert len(executions(cp, name)) == 1

    commit = uuid.uuid4().hex + "abcdefgh"
    out = control("/_sandbox/push", {"repository": repo, "branch": "release/1.2",
                                     "commitId": commit, "message": "Change greeting",
                                     "paths": ["src/app.js"]})
    assert [s["pipelineName"] for s in out["started"]] == [name]
    exe_id = out["started"][0]["pipelineExecutionId"]

    # Stages enter in order: Source, then Build, then Deploy.
    seen = []

    def progressed():
        state = cp.get_pipeline_state(name=name)
        for st in state["stageStates"]:
            latest = st.get("latestExecution", {})
            if latest.get("pipelineExecutionId") == exe_id and st["stageName"] not in seen:
                seen.append(st["stageName"])
        e = cp.get_pipeline_execution(pipelineName=name, pipelineExecutionId=exe_id)
        return e["pipelineExecution"]["status"] != "InProgress"
    wait_for(progressed, 15)
    assert seen == ["Source", "Build", "Deploy"]
    exe = cp.get_pipeline_execution(pipelineName=name, pipelineExecutionId=exe_id)["pipelineExecution"]
    assert exe["status"] == "Succeeded"
    assert exe["trigger"]["triggerType"] == "WebhookV2"
    assert exe["artifactRevisions"][0]["revisionId"] == commit

    summary = executions(cp, name)[0]
    assert summary["pipelineExecutionId"] == exe_id  # newest first
    assert summary["sourceRevisions"] == [{
        "actionName": "Source", "revisionId": commit, "revisionSummary": "Change greeting",
        "revisionUrl": f"https://github.com/{repo}/commit/{commit}"}]
    assert summary["executionMode"] == "SUPERSEDED"

    state = cp.get_pipeline_state(name=name)
    assert [s["stageName"] for s in state["stageStates"]] == ["Source", "Build", "Deploy"]
    for st in state["stageStates"]:
        assert st["inboundTransitionState"]["enabled"] is True
        assert st["latestExecution"] == {"pipelineExecutionId": exe_id, "status": "Succeeded",
                                         "type": "STANDARD"}
        latest = st["actionStates"][0]["latestExecution"]
        assert latest["status"] == "Succeeded" and latest["externalExecutionId"]
    source_state = state["stageStates"][0]["actionStates"][0]
    assert source_state["currentRevision"]["revisionId"] == commit
    assert source_state["latestExecution"]["summary"] == "Change greeting"

    details = cp.list_action_executions(pipelineName=name,
                                        filter={"pipelineExecutionId": exe_id})["actionExecutionDetails"]
    assert [d["stageName"] for d in details] == ["Deploy", "Build", "Source"]
    build = details[1]
    assert build["input"]["configuration"] == {"ProjectName": infra["project"]}
    assert build["input"]["region"] == "ap-northeast-2"
    assert build["output"]["outputArtifacts"][0]["name"] == "BuildArtifact"
    assert details[2]["output"]["outputVariables"]["CommitId"] == commit

    check_build(client, infra, build["output"]["executionResult"]["externalExecutionId"])
    check_rollout(client, infra, commit)


def check_build(client, infra, build_id):
    cb = client("codebuild")
    assert build_id.startswith(infra["project"] + ":")
    assert build_id in cb.list_builds_for_project(projectName=infra["project"])["ids"]
    b = cb.batch_get_builds(ids=[build_id])["builds"][0]
    b2 = cb.batch_get_builds(ids=[build_id])["builds"][0]  # polling adds nothing
    assert b["buildStatus"] == "SUCCEEDED" and b["currentPhase"] == "COMPLETED"
    kinds = [p["phaseType"] for p in b2["phases"]]
    assert kinds == ["SUBMITTED", "QUEUED", "PROVISIONING", "DOWNLOAD_SOURCE", "INSTALL",
                     "PRE_BUILD", "BUILD", "POST_BUILD", "UPLOAD_ARTIFACTS", "FINALIZING",
                     "COMPLETED"]
    assert all(p["phaseStatus"] == "SUCCEEDED" for p in b2["phases"][:-1])
    logs = client("logs").get_log_events(logGroupName=b["logs"]["groupName"],
                                         logStreamName=b["logs"]["streamName"])["events"]
    text = "\n".join(e["message"] for e in logs)
    assert b["logs"]["groupName"] == f"/aws/codebuild/{infra['project']}"
    assert "Login Succeeded" in text and "docker build" in text
    assert f"The push refers to repository [{infra['repo_uri']}]" in text
    assert "imagedefinitions.json" in text


def check_rollout(client, infra, commit):
    ecs, elb = client("ecs"), client("elbv2")
    svc = ecs.describe_services(cluster=infra["cluster"], services=[infra["service"]])["services"][0]
    assert [(d["status"], d["rolloutState"]) for d in svc["deployments"]] == [("PRIMARY", "COMPLETED")]
    assert svc["runningCount"] == svc["desiredCount"] == 1
    assert svc["events"][0]["message"].endswith("has reached a steady state.")
    td = ecs.describe_task_definition(taskDefinition=svc["taskDefinition"])["taskDefinition"]
    assert td["containerDefinitions"][0]["image"] == f"{infra['repo_uri']}:{commit[:7]}"
    health = elb.describe_target_health(TargetGroupArn=infra["tg"])["TargetHealthDescriptions"]
    assert [h["TargetHealth"]["State"] for h in health] == ["healthy"]
    assert health[0]["Target"]["Port"] == 3000


def test_fail_stage_then_retry(client, control, infra):
    cp = client("codepipeline")
    name = uid("pipe")
    control("/_sandbox/fail-stage", {"pipelineName": name, "stageName": "Build", "times": 1})
    make_pipeline(client, infra, repo=f"ktb/{uid('repo')}", name=name)
    exe_id = executions(cp, name)[0]["pipelineExecutionId"]
    assert wait_done(cp, name, exe_id) == "Failed"
    build_stage = cp.get_pipeline_state(name=name)["stageStates"][1]
    assert build_stage["latestExecution"]["status"] == "Failed"
    err = build_stage["actionStates"][0]["latestExecution"]["errorDetails"]
    assert err["code"] == "JobFailed"
    assert err["message"].startswith("Build terminated with state: FAILED. Phase: BUILD, "
                                     "Code: COMMAND_EXECUTION_ERROR")
    failed_build = builds_of(cp, name, exe_id)[0]["output"]["executionResult"]["externalExecutionId"]
    b = client("codebuild").batch_get_builds(ids=[failed_build])["builds"][0]
    assert b["buildStatus"] == "FAILED"
    assert [p["phaseStatus"] for p in b["phases"] if p["phaseType"] == "BUILD"] == ["FAILED"]

    with pytest.raises(cp.exceptions.StageNotRetryableException):
        cp.retry_stage_execution(pipelineName=name, stageName="Source",
                                 pipelineExecutionId=exe_id, retryMode="FAILED_ACTIONS")
    out = cp.retry_stage_execution(pipelineName=name, stageName="Build",
                                   pipelineExecutionId=exe_id, retryMode="FAILED_ACTIONS")
    assert out["pipelineExecutionId"] == exe_id
    assert cp.get_pipeline_execution(pipelineName=name, pipelineExecutionId=exe_id)[
        "pipelineExecution"]["status"] == "InProgress"
    assert wait_done(cp, name, exe_id) == "Succeeded"
    assert [b["status"] for b in builds_of(cp, name, exe_id)] == ["Failed", "Succeeded"]


def test_stop_and_abandon(client, infra):
    cp = client("codepipeline")
    name = make_pipeline(client, infra, repo=f"ktb/{uid('repo')}", mode="PARALLEL")
    first = executions(cp, name)[0]["pipelineExecutionId"]
    wait_for(lambda: builds_of(cp, name, first))  # in Build
    cp.stop_pipeline_execution(pipelineName=name, pipelineExecutionId=first, abandon=False,
                               reason="changed my mind")
    assert cp.get_pipeline_execution(pipelineName=name, pipelineExecutionId=first)[
        "pipelineExecution"]["status"] == "Stopping"
    second = cp.start_pipeline_execution(name=name)["pipelineExecutionId"]
    wait_for(lambda: builds_of(cp, name, second))
    cp.stop_pipeline_execution(pipelineName=name, pipelineExecutionId=second, abandon=True)
    assert cp.get_pipeline_execution(pipelineName=name, pipelineExecutionId=second)[
        "pipelineExecution"]["status"] == "Stopped"
    assert builds_of(cp, name, second)[0]["status"] == "Abandoned"
    with pytest.raises(cp.exceptions.PipelineExecutionNotStoppableException):
        cp.stop_pipeline_execution(pipelineName=name, pipelineExecutionId=second)

    assert wait_done(cp, name, first) == "Stopped"
    assert builds_of(cp, name, first)[0]["status"] == "Succeeded"  # it was let finish
    summary = next(e for e in executions(cp, name) if e["pipelineExecutionId"] == first)
    assert summary["stopTrigger"] == {"reason": "changed my mind"}
    assert summary["trigger"]["triggerType"] == "CreatePipeline"


def test_queued_runs_one_at_a_time_in_order(client, infra):
    cp = client("codepipeline")
    name = make_pipeline(client, infra, repo=f"ktb/{uid('repo')}", mode="QUEUED")
    ids = [executions(cp, name)[0]["pipelineExecutionId"]]
    ids += [cp.start_pipeline_execution(name=name)["pipelineExecutionId"] for _ in range(2)]
    assert [e["pipelineExecutionId"] for e in executions(cp, name)] == ids[::-1]
    ex = wait_all_done(cp, name, 25)
    assert [e["status"] for e in ex] == ["Succeeded"] * 3
    builds = builds_of(cp, name)
    assert [b["pipelineExecutionId"] for b in builds] == ids
    for earlier, later in zip(builds, builds[1:]):
        assert earlier["lastUpdateTime"] <= later["startTime"]


def test_superseded_replaces_waiting_execution(client, infra):
    cp = client("codepipeline")
    name = make_pipeline(client, infra, repo=f"ktb/{uid('repo')}", mode="SUPERSEDED")
    first = executions(cp, name)[0]["pipelineExecutionId"]
    wait_for(lambda: builds_of(cp, name, first))
    second = cp.start_pipeline_execution(name=name)["pipelineExecutionId"]

    def waiting():
        inbound = cp.get_pipeline_state(name=name)["stageStates"][1].get("inboundExecution")
        return inbound and inbound["pipelineExecutionId"] == second
    wait_for(waiting, 5)
    third = cp.start_pipeline_execution(name=name)["pipelineExecutionId"]
    ex = {e["pipelineExecutionId"]: e["status"] for e in wait_all_done(cp, name, 20)}
    assert ex == {first: "Succeeded", second: "Superseded", third: "Succeeded"}
    assert [b["pipelineExecutionId"] for b in builds_of(cp, name)] == [first, third]


def test_parallel_runs_at_once(client, infra):
    cp = client("codepipeline")
    name = make_pipeline(client, infra, repo=f"ktb/{uid('repo')}", mode="PARALLEL")
    ids = [executions(cp, name)[0]["pipelineExecutionId"]]
    ids += [cp.start_pipeline_execution(name=name)["pipelineExecutionId"] for _ in range(2)]
    ex = wait_all_done(cp, name, 15)
    assert {e["status"] for e in ex} == {"Succeeded"}
    assert {e["executionMode"] for e in ex} == {"PARALLEL"}
    builds = builds_of(cp, name)
    assert len(builds) == 3
    assert builds[-1]["startTime"] < builds[0]["lastUpdateTime"]  # they overlapped


def test_pending_connection_fails_source(client, infra):
    cp = client("codepipeline")
    pending = client("codestar-connections").create_connection(
        ProviderType="GitHub", ConnectionName=uid("pending"))["ConnectionArn"]
    name = make_pipeline(client, infra, repo=f"ktb/{uid('repo')}", conn=pending)
    exe_id = executions(cp, name)[0]["pipelineExecutionId"]
    assert wait_done(cp, name, exe_id) == "Failed"
    source = cp.get_pipeline_state(name=name)["stageStates"][0]
    err = source["actionStates"][0]["latestExecution"]["errorDetails"]
    assert err["code"] == "JobFailed" and pending in err["message"]
    assert "Build" not in [d["stageName"] for d in cp.list_action_executions(
        pipelineName=name)["actionExecutionDetails"]]


def test_unknown_pipeline_and_execution(client):
    cp = client("codepipeline")
    with pytest.raises(cp.exceptions.PipelineNotFoundException):
        cp.get_pipeline_state(name="nope")
    with pytest.raises(cp.exceptions.PipelineNotFoundException):
        cp.start_pipeline_execution(name="nope")


def test_disabled_transition_holds_the_run_until_enabled(client, control, infra):
    """The product creates the pipeline with all stages and holds the first run before Deploy
    until the ECS service exists."""
    cp = client("codepipeline")
    name = make_pipeline(client, infra, repo=f"ktb/{uid('repo')}", deploy=True)
    cp.disable_stage_transition(pipelineName=name, stageName="Deploy", transitionType="Inbound",
                                reason="Waiting for the ECS service")
    exe_id = executions(cp, name)[0]["pipelineExecutionId"]

    def held():
        deploy = cp.get_pipeline_state(name=name)["stageStates"][2]
        return deploy if deploy.get("inboundExecutions") else None
    deploy = wait_for(held, 10)
    assert deploy["inboundExecutions"] == [{"pipelineExecutionId": exe_id,
                                            "status": "InProgress", "type": "STANDARD"}]
    state = deploy["inboundTransitionState"]
    assert state["enabled"] is False and state["disabledReason"] == "Waiting for the ECS service"
    assert state["lastChangedBy"].startswith("arn:aws:") and state["lastChangedAt"]
    assert "latestExecution" not in deploy
    wait_ticks(control)  # still held: nothing enters a disabled transition
    assert cp.get_pipeline_execution(pipelineName=name, pipelineExecutionId=exe_id)[
        "pipelineExecution"]["status"] == "InProgress"
    assert "latestExecution" not in cp.get_pipeline_state(name=name)["stageStates"][2]

    cp.enable_stage_transition(pipelineName=name, stageName="Deploy", transitionType="Inbound")
    state = cp.get_pipeline_state(name=name)["stageStates"][2]
    assert state["inboundTransitionState"]["enabled"] is True
    assert state["latestExecution"]["pipelineExecutionId"] == exe_id
    assert wait_done(cp, name, exe_id, 15) == "Succeeded"


def test_hold_run_keeps_a_stage_in_progress_until_released(client, control, infra):
    cp, cb = client("codepipeline"), client("codebuild")
    name = uid("pipe")
    control("/_sandbox/hold-run", {"pipelineName": name, "stageName": "Build"})
    try:
        make_pipeline(client, infra, repo=f"ktb/{uid('repo')}", name=name, deploy=True)
        exe_id = executions(cp, name)[0]["pipelineExecutionId"]
        wait_for(lambda: held(control, pipelineName=name, stageName="Build") == [exe_id], 10)
        build_id = cp.get_pipeline_state(name=name)["stageStates"][1]["actionStates"][0][
            "latestExecution"]["externalExecutionId"]
        # The build CodePipeline started runs to its end meanwhile; the stage waits on.
        wait_for(lambda: cb.batch_get_builds(ids=[build_id])["builds"][0]["buildStatus"]
                 == "SUCCEEDED", 15)
        wait_ticks(control)
        stages = cp.get_pipeline_state(name=name)["stageStates"]
        assert stages[1]["latestExecution"]["status"] == "InProgress"
        assert stages[1]["actionStates"][0]["latestExecution"]["status"] == "InProgress"
        assert "latestExecution" not in stages[2]
        assert held(control, pipelineName=name, stageName="Build") == [exe_id]

        control(f"/_sandbox/hold-run?pipelineName={name}&stageName=Build", method="DELETE")
        assert wait_done(cp, name, exe_id, 15) == "Succeeded"
        assert held(control, pipelineName=name, stageName="Build") is None
    finally:
        control("/_sandbox/hold-run", method="DELETE")


def test_hold_run_keeps_a_build_in_a_phase_until_released(client, control, infra):
    cp, cb = client("codepipeline"), client("codebuild")
    project = infra["project"]
    control("/_sandbox/hold-run", {"projectName": project, "phase": "build"})
    try:
        name = make_pipeline(client, infra, repo=f"ktb/{uid('repo')}")
        exe_id = executions(cp, name)[0]["pipelineExecutionId"]
        build_id = wait_for(lambda: (held(control, projectName=project, phase="BUILD")
                                     or [None])[0], 10)
        # Held well past BUILD's length on AWS (83 s): still in BUILD, its log half written.
        wait_aws_time(control, control("/_sandbox/health", method="GET")["awsTime"] + 200)
        b = cb.batch_get_builds(ids=[build_id])["builds"][0]
        assert (b["buildStatus"], b["currentPhase"]) == ("IN_PROGRESS", "BUILD")
        assert [p["phaseType"] for p in b["phases"]][-2:] == ["PRE_BUILD", "BUILD"]
        assert "endTime" not in b["phases"][-1]
        assert cp.get_pipeline_execution(pipelineName=name, pipelineExecutionId=exe_id)[
            "pipelineExecution"]["status"] == "InProgress"

        control("/_sandbox/hold-run", method="DELETE")
        assert wait_done(cp, name, exe_id, 15) == "Succeeded"
        b = cb.batch_get_builds(ids=[build_id])["builds"][0]
        build = next(p for p in b["phases"] if p["phaseType"] == "BUILD")
        assert build["phaseStatus"] == "SUCCEEDED"
        assert build["durationInSeconds"] >= 200  # as long as it was held
    finally:
        control("/_sandbox/hold-run", method="DELETE")


def test_hold_run_refuses_a_half_key(control):
    for body in ({"pipelineName": "p"}, {"stageName": "Build"}, {"projectName": "x"}, {}):
        with pytest.raises(ControlError) as err:
            control("/_sandbox/hold-run", body)
        assert err.value.status == 400, body


def test_stage_transition_errors(client, infra):
    cp = client("codepipeline")
    name = make_pipeline(client, infra, repo=f"ktb/{uid('repo')}")
    with pytest.raises(cp.exceptions.ValidationException) as err:
        cp.disable_stage_transition(pipelineName=name, stageName="Build",
                                    transitionType="Inbound", reason="Wait, then: go")
    assert "at 'reason' failed to satisfy constraint" in str(err.value)
    with pytest.raises(cp.exceptions.ValidationException):
        cp.disable_stage_transition(pipelineName=name, stageName="Build",
                                    transitionType="Sideways", reason="x")
    with pytest.raises(cp.exceptions.StageNotFoundException):
        cp.enable_stage_transition(pipelineName=name, stageName="Nope", transitionType="Inbound")
    with pytest.raises(cp.exceptions.PipelineNotFoundException):
        cp.enable_stage_transition(pipelineName="nope", stageName="Build",
                                   transitionType="Inbound")


def test_outbound_transition_holds_after_the_stage(client, infra):
    cp = client("codepipeline")
    name = make_pipeline(client, infra, repo=f"ktb/{uid('repo')}")
    cp.disable_stage_transition(pipelineName=name, stageName="Source",
                                transitionType="Outbound", reason="Hold")
    exe_id = executions(cp, name)[0]["pipelineExecutionId"]

    def waiting():
        build = cp.get_pipeline_state(name=name)["stageStates"][1]
        return build.get("inboundExecutions")
    wait_for(waiting, 5)
    # The outbound transition is not the Build stage's inbound one.
    assert cp.get_pipeline_state(name=name)["stageStates"][1]["inboundTransitionState"] == \
        {"enabled": True}
    cp.enable_stage_transition(pipelineName=name, stageName="Source", transitionType="Outbound")
    assert wait_done(cp, name, exe_id) == "Succeeded"


def test_fail_stage_deploy_fails_the_rollout(client, control, infra):
    cp = client("codepipeline")
    repo = f"ktb/{uid('repo')}"
    name = make_pipeline(client, infra, repo=repo, deploy=True)
    wait_all_done(cp, name)
    control("/_sandbox/fail-stage", {"pipelineName": name, "stageName": "Deploy", "times": 1})
    out = control("/_sandbox/push", {"repository": repo, "branch": "main",
                                     "commitId": uuid.uuid4().hex, "message": "broken"})
    exe_id = out["started"][0]["pipelineExecutionId"]
    assert wait_done(cp, name, exe_id) == "Failed"
    deploy = cp.get_pipeline_state(name=name)["stageStates"][2]
    err = deploy["actionStates"][0]["latestExecution"]["errorDetails"]
    assert "circuit breaker" in err["message"], err
