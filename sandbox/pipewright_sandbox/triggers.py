"""Push triggers: a `git push` to GitHub starts the pipelines that watch it.

`POST /_sandbox/push` plays GitHub's push webhook: every pipeline whose
CodeStarSourceConnection source action watches the repository starts, if its trigger
filters match (V2 `triggers`: branch, file path and tag globs, excludes winning), or, without
triggers, if the push is to the action's BranchName and DetectChanges is not false
(EventBridge change detection). The execution itself is pipeline.py's.

A push may carry file changes (`files`): for a repository the practice GitHub holds
(github.py) they become a real commit on the branch first, and the push is that commit
(`paths` are the files it changed). A push without files to a held repository pushes the
branch's head. Repositories the sandbox does not hold are pushed as given (a made-up commit
id when none is given), as before.
"""

from __future__ import annotations

import re
import time
import uuid

from . import github
from .pipeline import LAST_PUSH, _pipeline, start_execution
from .registry import ACCOUNT_ID, STATE_LOCK, control


def _glob(pattern: str) -> re.Pattern:
    """AWS trigger globs: `*` stays within a path segment, `**` crosses `/`, `?` one char,
    `[...]` a class, `{a,b}` alternatives."""
    out, i = "", 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**", i):
            out, i = out + ".*", i + 2
            continue
        if c == "*":
            out += "[^/]*"
        elif c == "?":
            out += "[^/]"
        elif c == "[":
            end = pattern.find("]", i)
            if end < 0:
                out += re.escape(c)
            else:
                cls = pattern[i + 1:end].replace("!", "^", 1) if pattern[i + 1:i + 2] == "!" \
                    else pattern[i + 1:end]
                out, i = out + f"[{cls}]", end
        elif c == "{":
            end = pattern.find("}", i)
            if end < 0:
                out += re.escape(c)
            else:
                alts = pattern[i + 1:end].split(",")
                out, i = out + "(?:" + "|".join(re.escape(a) for a in alts) + ")", end
        else:
            out += re.escape(c)
        i += 1
    return re.compile(out + r"\Z")


def _filter_ok(flt: dict | None, values: list[str], any_of: bool = True) -> bool:
    """Include/exclude filter on some values; excludes win over includes."""
    if not flt:
        return True
    inc = [_glob(p) for p in flt.get("includes", [])]
    exc = [_glob(p) for p in flt.get("excludes", [])]

    def one(v: str) -> bool:
        if any(p.match(v) for p in exc):
            return False
        return not inc or any(p.match(v) for p in inc)

    return any(one(v) for v in values)


def _push_matches(entry: dict, push: dict) -> bool:
    if entry.get("tags"):
        return bool(push.get("tags")) and _filter_ok(entry["tags"], push["tags"])
    if not push.get("branch"):
        return False
    if not _filter_ok(entry.get("branches"), [push["branch"]]):
        return False
    if entry.get("filePaths"):
        return _filter_ok(entry["filePaths"], push.get("paths") or [])
    return True


def _fires(decl: dict, action: dict, push: dict) -> str | None:
    """The trigger type a push fires this source action with, or None."""
    cfg = action.get("configuration", {})
    triggers = [t for t in decl.get("triggers") or [] if t.get("providerType") ==
                "CodeStarSourceConnection"]
    if triggers:
        mine = [t["gitConfiguration"] for t in triggers
                if t.get("gitConfiguration", {}).get("sourceActionName") == action["name"]]
        # pullRequest filters only react to pull request events, never to a push.
        if any(_push_matches(e, push) for g in mine for e in g.get("push") or []):
            return "WebhookV2"  # what AWS records for a V2 git trigger
        return None
    if str(cfg.get("DetectChanges", "true")).lower() == "false":
        return None
    if push.get("branch") and push["branch"] == cfg.get("BranchName"):
        # Connection-based change detection without triggers goes through EventBridge.
        return "CloudWatchEvent"
    return None


def _not_found(error: str, message: str):
    return 404, {"error": error, "message": message}, "application/json"


@control("POST", "/_sandbox/push")
def push_route(body: dict, query: dict):
    from moto.codepipeline.models import codepipeline_backends

    repository, branch, files = body["repository"], body.get("branch"), body.get("files")
    commit_id, message = body.get("commitId"), body.get("message", "")
    paths = body.get("paths") or []
    repo = github.held(repository)
    if files is not None and repo is None:
        return _not_found("NotFound", f"the sandbox holds no repository {repository}: file "
                          "changes can only be pushed to a repository it holds (POST "
                          "/_sandbox/github/fork makes one)")
    if repo is not None and files is not None:
        if not branch:
            raise ValueError("a push with files needs a branch")
        try:
            commit_id, paths = github.commit_files(
                repository, branch, files, message or None, body.get("author"),
                bool(body.get("createBranch")), body.get("from"))
        except LookupError as err:
            return _not_found("BranchNotFound", str(err))
        message = github.commit_info(repo, commit_id)["message"]
    elif repo is not None and branch:
        head = github.branches(repo).get(branch)
        if head is None:
            return _not_found("BranchNotFound", f"error: src refspec {branch} does not match any "
                              f"(the repository {repo.full_name} has no branch {branch})")
        commit_id = (commit_id and github.resolve(repo, commit_id)) or head
        message = message or github.commit_info(repo, commit_id)["message"]
    push = {"repository": repository, "branch": branch,
            "commitId": commit_id or uuid.uuid4().hex + uuid.uuid4().hex[:8],
            "message": message, "paths": paths,
            "tags": body.get("tags") or [], "time": time.time()}
    started = []
    with STATE_LOCK:
        if push["branch"]:
            LAST_PUSH[(push["repository"], push["branch"])] = push
        for region, backend in list(dict.items(codepipeline_backends[ACCOUNT_ID])):
            for name in list(backend.pipelines):
                cp = _pipeline(ACCOUNT_ID, region, name)
                for stage in cp.pipeline["stages"]:
                    for action in stage["actions"]:
                        if action["actionTypeId"]["provider"] != "CodeStarSourceConnection" or \
                                action.get("configuration", {}).get("FullRepositoryId") != \
                                push["repository"]:
                            continue
                        kind = _fires(cp.pipeline, action, push)
                        if kind and not any(s["pipelineName"] == name and s["region"] == region
                                            for s in started):
                            trigger = {"triggerType": kind, "triggerDetail":
                                       action["configuration"].get("ConnectionArn", "")}
                            exe = start_execution(cp, trigger, push=push)
                            started.append({"pipelineName": name, "pipelineExecutionId": exe.id,
                                            "region": region})
    return {"started": started, "commitId": push["commitId"], "paths": push["paths"]}
