"""The practice GitHub (github.py): the lecture's sample repository as LECTURE.md describes
it, GitHub's REST API shapes and 404s, raw files, git's smart HTTP (a real `git clone`),
forks, commits through /_sandbox/push, reset, and the API's unauthenticated rate limit."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import urllib.error
import urllib.request

import pytest

from conftest import ControlError
from lab import uid

SAMPLE = "ktb-lecture/ktb-repo"
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def get(url: str, headers: dict | None = None) -> tuple[int, object, dict]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with _OPENER.open(req, timeout=10) as resp:
            raw, status, hdrs = resp.read(), resp.status, dict(resp.headers)
    except urllib.error.HTTPError as err:
        raw, status, hdrs = err.read(), err.code, dict(err.headers)
    try:
        return status, json.loads(raw), hdrs
    except ValueError:
        return status, raw.decode("utf-8", "replace"), hdrs


@pytest.fixture(scope="module")
def gh(control):
    health = control("/_sandbox/health", method="GET")
    control("/_sandbox/github/rate-limit/reset", {})
    return health


def test_health_names_the_practice_github(gh, sandbox_url):
    assert gh["githubUrl"] == f"{sandbox_url}/_github/api"
    assert gh["githubWebUrl"] == f"{sandbox_url}/_github"
    assert gh["githubRawUrl"] == f"{sandbox_url}/_github/raw"
    assert gh["sampleRepository"] == SAMPLE


def content(api: str, repo: str, path: str, ref: str | None = None) -> str:
    status, body, _ = get(f"{api}/repos/{repo}/contents/{path}" + (f"?ref={ref}" if ref else ""))
    assert status == 200, body
    assert body["type"] == "file" and body["encoding"] == "base64"
    return base64.b64decode(body["content"]).decode()


def test_the_lecture_sample_as_described(gh):
    api = gh["githubUrl"]
    status, repo, headers = get(f"{api}/repos/{SAMPLE}")
    assert status == 200
    assert (repo["full_name"], repo["default_branch"], repo["private"]) == (SAMPLE, "master",
                                                                            False)
    assert repo["clone_url"] == f"{gh['githubWebUrl']}/{SAMPLE}.git"
    assert headers["X-RateLimit-Limit"] == "60"
    status, branches, _ = get(f"{api}/repos/{SAMPLE}/branches")
    assert [b["name"] for b in branches] == ["master"]  # one branch: no main
    head = branches[0]["commit"]["sha"]
    assert len(head) == 40
    status, root, _ = get(f"{api}/repos/{SAMPLE}/contents")
    assert {(e["name"], e["type"]) for e in root} >= {
        ("src", "dir"), ("__tests__", "dir"), ("Dockerfile", "file"), ("buildspec.yml", "file"),
        ("package.json", "file")}
    app = content(api, SAMPLE, "src/app.js")
    assert "res.send('Hello, KTB World!!!')" in app and "'/ping'" in app
    assert "process.env.PORT || 3000" in content(api, SAMPLE, "src/server.js")
    pkg = json.loads(content(api, SAMPLE, "package.json", ref="master"))
    assert set(pkg["dependencies"]) == {"express"}
    assert set(pkg["devDependencies"]) == {"jest", "supertest"}
    assert pkg["scripts"]["test"] == "jest"
    assert "toBe('Hello, World!')" in content(api, SAMPLE, "__tests__/app.test.js")
    dockerfile = content(api, SAMPLE, "Dockerfile")
    assert dockerfile.startswith("FROM node:18-alpine\n") and "WORKDIR" not in dockerfile
    assert "EXPOSE 3000" in dockerfile and 'CMD ["node", "src/server.js"]' in dockerfile
    spec = content(api, SAMPLE, "buildspec.yml", ref=head[:7])
    assert "111122223333.dkr.ecr.ap-northeast-1.amazonaws.com/ktb-repo" in spec
    assert "123456789012" not in spec
    assert '"name":"ktb-repo"' in spec and "AWS_DEFAULT_REGION: ap-northeast-1" in spec
    # The same bytes through the raw host shape and github.com's raw link (a redirect).
    status, raw, _ = get(f"{gh['githubRawUrl']}/{SAMPLE}/master/Dockerfile")
    assert (status, raw) == (200, dockerfile)
    status, raw, _ = get(f"{gh['githubWebUrl']}/{SAMPLE}/raw/{head}/Dockerfile")
    assert (status, raw) == (200, dockerfile)
    status, commit, _ = get(f"{api}/repos/{SAMPLE}/branches/master")
    assert commit["commit"]["sha"] == head and commit["commit"]["parents"] == []


def test_github_shaped_404s(gh):
    api = gh["githubUrl"]
    cases = {
        f"{api}/repos/nobody/nothing": ("Not Found", "repos/repos#get-a-repository"),
        f"{api}/repos/{SAMPLE}/branches/main": ("Branch not found",
                                                "branches/branches#get-a-branch"),
        f"{api}/repos/{SAMPLE}/contents/nope.txt": ("Not Found",
                                                    "repos/contents#get-repository-content"),
        f"{api}/repos/{SAMPLE}/contents/Dockerfile?ref=main": (
            "No commit found for the ref main", "repos/contents#get-repository-content"),
    }
    for url, (message, doc) in cases.items():
        status, body, _ = get(url)
        assert status == 404, url
        assert body == {"message": message, "status": "404",
                        "documentation_url": f"https://docs.github.com/rest/{doc}"}, url
    status, body, _ = get(f"{gh['githubRawUrl']}/{SAMPLE}/main/Dockerfile")
    assert (status, body) == (404, "404: Not Found")


def test_git_smart_http_clone(gh, tmp_path):
    url = f"{gh['githubWebUrl']}/{SAMPLE}.git"
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1"}
    refs = subprocess.run(["git", "ls-remote", url], capture_output=True, text=True, env=env,
                          timeout=30)
    assert refs.returncode == 0, refs.stderr
    assert [line.split("\t")[1] for line in refs.stdout.splitlines()] == ["HEAD",
                                                                          "refs/heads/master"]
    status, adv, headers = get(f"{url}/info/refs?service=git-upload-pack")
    assert status == 200 and headers["Content-Type"] == \
        "application/x-git-upload-pack-advertisement"
    assert adv.startswith("001e# service=git-upload-pack\n0000")
    dest = tmp_path / "clone"
    cloned = subprocess.run(["git", "clone", "--quiet", url, str(dest)], capture_output=True,
                            text=True, env=env, timeout=30)
    assert cloned.returncode == 0, cloned.stderr
    assert (dest / "src" / "app.js").read_text().count("Hello, KTB World!!!") == 1
    assert refs.stdout.split()[0] == subprocess.run(
        ["git", "-C", str(dest), "rev-parse", "HEAD"], capture_output=True, text=True,
        env=env).stdout.strip()


def test_fork_push_files_and_reset(gh, control):
    api = gh["githubUrl"]
    mine = f"{uid('student')}/ktb-repo"
    made = control("/_sandbox/github/fork", {"repository": mine})
    assert made["created"] is True and made["defaultBranch"] == "master"
    seed = made["branches"]["master"]
    assert control("/_sandbox/github/fork", {"repository": mine})["created"] is False
    status, repo, _ = get(f"{api}/repos/{mine}")
    assert repo["fork"] is True and repo["parent"]["full_name"] == SAMPLE

    out = control("/_sandbox/push", {
        "repository": mine, "branch": "master", "message": "Fix the greeting test",
        "files": {"__tests__/app.test.js": "// fixed\n", "README.md": None,
                  "src/app.js": content(api, mine, "src/app.js")}})  # unchanged: not a path
    commit = out["commitId"]
    assert out["paths"] == ["README.md", "__tests__/app.test.js"] and out["started"] == []
    status, branch, _ = get(f"{api}/repos/{mine}/branches/master")
    assert branch["commit"]["sha"] == commit
    assert [p["sha"] for p in branch["commit"]["parents"]] == [seed]
    assert branch["commit"]["commit"]["message"] == "Fix the greeting test"
    assert content(api, mine, "__tests__/app.test.js") == "// fixed\n"
    assert "Hello, World!" in content(api, mine, "__tests__/app.test.js", ref=seed)
    assert get(f"{api}/repos/{mine}/contents/README.md")[0] == 404

    # A branch that does not exist is not pushed to unless asked to create it.
    for body in ({"files": {"a.txt": "a"}}, {}):
        with pytest.raises(ControlError) as err:
            control("/_sandbox/push", {"repository": mine, "branch": "main", **body})
        assert err.value.status == 404 and err.value.body["error"] == "BranchNotFound"
    made_main = control("/_sandbox/push", {"repository": mine, "branch": "main",
                                           "createBranch": True, "files": {"a.txt": "a"}})
    status, branches, _ = get(f"{api}/repos/{mine}/branches")
    assert {b["name"]: b["commit"]["sha"] for b in branches} == {"master": commit,
                                                                 "main": made_main["commitId"]}
    with pytest.raises(ControlError) as err:  # nothing changed
        control("/_sandbox/push", {"repository": mine, "branch": "main",
                                   "files": {"a.txt": "a"}})
    assert err.value.status == 400
    # A push without files pushes the branch's head.
    assert control("/_sandbox/push", {"repository": mine, "branch": "master"})["commitId"] == \
        commit
    # Files can only be pushed to a repository the sandbox holds.
    with pytest.raises(ControlError) as err:
        control("/_sandbox/push", {"repository": "someone/else", "branch": "main",
                                   "files": {"a": "b"}})
    assert err.value.status == 404

    reset = control("/_sandbox/github/reset", {"repository": mine})
    assert reset["branches"] == {"master": seed}


def test_api_rate_limit_without_authentication(gh, control):
    api = gh["githubUrl"]
    control("/_sandbox/github/rate-limit/reset", {})
    try:
        for i in range(60):
            status, _, headers = get(f"{api}/repos/{SAMPLE}")
            assert status == 200
        assert headers["X-RateLimit-Remaining"] == "0"
        status, body, _ = get(f"{api}/repos/{SAMPLE}")
        assert status == 403 and body["message"].startswith("API rate limit exceeded")
        # Raw files and git are not counted; an authenticated request has its own limit.
        assert get(f"{gh['githubRawUrl']}/{SAMPLE}/master/Dockerfile")[0] == 200
        status, _, headers = get(f"{api}/repos/{SAMPLE}",
                                 {"Authorization": "Bearer student-token"})
        assert status == 200 and headers["X-RateLimit-Limit"] == "5000"
    finally:
        control("/_sandbox/github/rate-limit/reset", {})
