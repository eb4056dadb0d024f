"""The practice GitHub: real git repositories, GitHub's REST API shapes, raw files and git's
smart HTTP protocol, under the sandbox's own port.

Repositories are bare git repositories in this run's scratch folder (registry.scratch_root),
so commits have real ids and `git clone` / `git ls-remote` work against them. At start the
sandbox holds the lecture's sample (sample_repo.py, branch `master` only); students copy it
under their own owner/name (`POST /_sandbox/github/fork`) and commit to it through
`POST /_sandbox/push` with file changes (triggers.py calls `commit_files`).

Served under `/_github` (registry.PREFIX_APPS):
- `/_github/api/...` — api.github.com: `GET /repos/{o}/{r}`, `/branches`, `/branches/{b}`,
  `/contents/{path}?ref=`, `/commits/{ref}`; GitHub's JSON, its 404s ("Not Found" with
  `documentation_url`) and its unauthenticated rate limit (60 an hour, on the sandbox's AWS
  clock; any Authorization header counts as authenticated: 5000);
- `/_github/raw/{o}/{r}/{ref}/{path}` — raw.githubusercontent.com (not rate limited);
- `/_github/{o}/{r}/raw/{ref}/{path}` — github.com's raw link (302 to the raw host shape);
- `/_github/{o}/{r}.git/info/refs?service=git-upload-pack` and `POST .../git-upload-pack` —
  git's smart HTTP (fetch only: pushes go through POST /_sandbox/push).
Other modules ask `held(full_name)`, `resolve`, `read_file`, `checkout`.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import threading
import time
import zlib
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote

from . import registry, sample_repo
from .registry import CLOCK, control

API_VERSION_DOCS = "https://docs.github.com/rest"
_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
_OWNER_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")
_RESERVED_OWNERS = {"api", "raw"}  # path segments of /_github itself
_SHA_RE = re.compile(r"^[0-9a-f]{4,40}$")
STUDENT = ("Sandbox Student", "student@example.invalid")


class GitError(Exception):
    pass


@dataclass
class Repo:
    owner: str
    name: str
    path: str
    private: bool = False
    fork: bool = False
    parent: str | None = None
    id: int = 0
    created: float = field(default_factory=time.time)
    pushed: float = field(default_factory=time.time)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def default_branch(self) -> str:
        head = _git(self.path, "symbolic-ref", "--short", "HEAD").decode().strip()
        return head


_REPOS: dict[str, Repo] = {}
_REPOS_LOCK = threading.RLock()
_TREES: dict[tuple[str, str], dict] = {}  # (repo path, commit) -> {path: (mode, type, sha)}
_next_id = [700000000]


# =============================================================================================
# git


def _git_env(extra: dict | None = None) -> dict:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": registry.scratch_root(),
           "LC_ALL": "C", "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
           "GIT_TERMINAL_PROMPT": "0"}
    env.update(extra or {})
    return env


def _git(git_dir: str | None, *args: str, input: bytes | None = None,
         env: dict | None = None, check: bool = True) -> bytes:
    cmd = ["git"] + (["--git-dir", git_dir] if git_dir else []) + list(args)
    proc = subprocess.run(cmd, input=input, capture_output=True, env=_git_env(env), timeout=60)
    if check and proc.returncode != 0:
        raise GitError(f"git {' '.join(args[:2])}: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout


def _blob_sha(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _fi_path(path: str) -> str:
    """A path as git fast-import reads it (C-quoted when it needs to be)."""
    if any(c in path for c in '"\n\\') or path.startswith(" "):
        return '"' + path.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    return path


def _fast_import(repo: Repo, ref: str, parent: str | None, changes: dict[str, bytes | None],
                 message: str, author: tuple[str, str], when: int) -> str:
    """One commit on `ref` (parent `parent`) with `changes` (path -> content, None deletes)."""
    ident = f"{author[0]} <{author[1]}> {when} +0000"
    msg = message.encode()
    out = [f"commit {ref}\nauthor {ident}\ncommitter {ident}\n".encode(),
           b"data %d\n" % len(msg), msg, b"\n"]
    if parent:
        out.append(f"from {parent}\n".encode())
    for path, content in sorted(changes.items()):
        if content is None:
            out.append(f"D {_fi_path(path)}\n".encode())
        else:
            out += [f"M 100644 inline {_fi_path(path)}\n".encode(), b"data %d\n" % len(content),
                    content, b"\n"]
    out.append(b"\n")
    _git(repo.path, "fast-import", "--quiet", "--force", input=b"".join(out))
    return _git(repo.path, "rev-parse", "--verify", ref).decode().strip()


def _new_bare(path: str, branch: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    _git(None, "init", "--quiet", "--bare", "--initial-branch", branch, path)


def _repo_dir(full_name: str) -> str:
    owner, name = full_name.split("/", 1)
    return os.path.join(registry.scratch_root(), "github", owner.lower(), name.lower() + ".git")


# =============================================================================================
# The repositories


def held(full_name: str | None) -> Repo | None:
    """The repository the sandbox holds under that owner/name (case-insensitive), or None."""
    with _REPOS_LOCK:
        return _REPOS.get((full_name or "").lower())


def _check_name(full_name) -> tuple[str, str]:
    if not isinstance(full_name, str) or full_name.count("/") != 1:
        raise ValueError(f"repository must be \"owner/name\", not {full_name!r}")
    owner, name = full_name.split("/")
    if not _OWNER_RE.match(owner) or owner.lower() in _RESERVED_OWNERS \
            or not _NAME_RE.match(name) or name in (".", ".."):
        raise ValueError(f"not a valid GitHub owner/name: {full_name!r}")
    return owner, name


def _seed(repo: Repo, branch: str) -> str:
    files = {p: c.encode() for p, c in sample_repo.FILES.items()}
    return _fast_import(repo, f"refs/heads/{branch}", None, files, sample_repo.SEED_MESSAGE,
                        sample_repo.SEED_AUTHOR, sample_repo.SEED_DATE)


def create_from_seed(full_name: str, default_branch: str = sample_repo.SAMPLE_BRANCH,
                     private: bool = False, parent: str | None = None) -> Repo:
    """A repository holding the lecture's sample at its seed commit (replacing any it held)."""
    owner, name = _check_name(full_name)
    path = _repo_dir(full_name)
    shutil.rmtree(path, ignore_errors=True)
    _new_bare(path, default_branch)
    with _REPOS_LOCK:
        old = _REPOS.get(full_name.lower())
        _next_id[0] += 1
        repo = Repo(owner, name, path, private=private, fork=parent is not None, parent=parent,
                    id=old.id if old else _next_id[0])
        _seed(repo, default_branch)
        _REPOS[full_name.lower()] = repo
    _forget_trees(path)
    return repo


def fork(full_name: str, source: str, private: bool = False,
         default_branch: str | None = None) -> tuple[Repo, bool]:
    """Copy `source` (all its branches, as they are now) to `full_name`; an existing one is
    returned as it is (created False)."""
    owner, name = _check_name(full_name)
    existing = held(full_name)
    if existing is not None:
        return existing, False
    src = held(source)
    if src is None:
        raise LookupError(f"the sandbox holds no repository {source}")
    path = _repo_dir(full_name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with src.lock:
        _git(None, "clone", "--quiet", "--bare", src.path, path)
    _git(path, "remote", "remove", "origin", check=False)
    src_default = src.default_branch
    if default_branch and default_branch != src_default:
        _git(path, "branch", "-m", src_default, default_branch)
        _git(path, "symbolic-ref", "HEAD", f"refs/heads/{default_branch}")
    with _REPOS_LOCK:
        _next_id[0] += 1
        repo = Repo(owner, name, path, private=private, fork=True, parent=src.full_name,
                    id=_next_id[0])
        _REPOS[full_name.lower()] = repo
    return repo, True


def _forget_trees(path: str) -> None:
    for key in [k for k in _TREES if k[0] == path]:
        del _TREES[key]


def branches(repo: Repo) -> dict[str, str]:
    out = _git(repo.path, "for-each-ref", "--format=%(refname:strip=2) %(objectname)",
               "refs/heads").decode()
    return dict(line.split(" ", 1) for line in out.splitlines() if line)


def resolve(repo: Repo, ref: str | None) -> str | None:
    """The commit a branch, tag or (short) commit id names, or None."""
    ref = ref or repo.default_branch
    if not ref or ref.startswith("-") or any(c in ref for c in " \t\n:^~?*[\\") or ".." in ref:
        return None
    for candidate in (f"refs/heads/{ref}", f"refs/tags/{ref}"):
        out = _git(repo.path, "rev-parse", "--verify", "--quiet", candidate + "^{commit}",
                   check=False).decode().strip()
        if out:
            return out
    if _SHA_RE.match(ref):
        out = _git(repo.path, "rev-parse", "--verify", "--quiet", ref + "^{commit}",
                   check=False).decode().strip()
        return out or None
    return None


def tree(repo: Repo, commit: str) -> dict[str, tuple[str, str, str]]:
    """Every path of a commit (directories too): path -> (mode, "blob"/"tree", sha)."""
    key = (repo.path, commit)
    cached = _TREES.get(key)
    if cached is None:
        out = _git(repo.path, "ls-tree", "-r", "-t", "-z", "--full-tree", commit)
        cached = {}
        for entry in out.split(b"\0"):
            if not entry:
                continue
            meta, path = entry.split(b"\t", 1)
            mode, kind, sha = meta.decode().split()
            cached[path.decode("utf-8", "surrogateescape")] = (mode, kind, sha)
        _TREES[key] = cached
    return cached


def blob(repo: Repo, sha: str) -> bytes:
    return _git(repo.path, "cat-file", "blob", sha)


def read_file(repo: Repo, commit: str, path: str) -> bytes | None:
    entry = tree(repo, commit).get(path.strip("/"))
    if entry is None or entry[1] != "blob":
        return None
    return blob(repo, entry[2])


def commit_info(repo: Repo, sha: str) -> dict:
    raw = _git(repo.path, "cat-file", "commit", sha).decode("utf-8", "replace")
    head, _, message = raw.partition("\n\n")
    info: dict = {"sha": sha, "parents": [], "message": message.rstrip("\n")}
    for line in head.splitlines():
        key, _, value = line.partition(" ")
        if key == "tree":
            info["tree"] = value
        elif key == "parent":
            info["parents"].append(value)
        elif key in ("author", "committer"):
            m = re.match(r"^(.*) <(.*)> (\d+) [+-]\d{4}$", value)
            if m:
                info[key] = {"name": m.group(1), "email": m.group(2),
                             "date": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                   time.gmtime(int(m.group(3))))}
    return info


def commit_files(full_name: str, branch: str, files: dict, message: str | None = None,
                 author: dict | None = None, create_branch: bool = False,
                 base: str | None = None) -> tuple[str, list[str]]:
    """A real commit on `branch` changing `files` (path -> new text, None deletes); returns
    (commit id, changed paths). A missing branch is created from `base` (default: the default
    branch) only with create_branch. Raises LookupError / ValueError with what git would say."""
    repo = held(full_name)
    if repo is None:
        raise LookupError(f"the sandbox holds no repository {full_name}")
    if not isinstance(files, dict) or not files:
        raise ValueError("files must be an object of path -> content (or null to delete)")
    with repo.lock:
        parent = resolve(repo, branch) if branch in branches(repo) else None
        if parent is None:
            if not create_branch:
                raise LookupError(f"error: src refspec {branch} does not match any (the "
                                  f"repository has no branch {branch}; set createBranch to "
                                  "make it)")
            parent = resolve(repo, base or repo.default_branch)
            if parent is None:
                raise LookupError(f"no branch or commit {base} to create {branch} from")
        current = tree(repo, parent)
        changes: dict[str, bytes | None] = {}
        for raw_path, content in files.items():
            path = str(raw_path).strip("/")
            if not path or any(p in ("", ".", "..", ".git") for p in path.split("/")):
                raise ValueError(f"not a file path in a repository: {raw_path!r}")
            entry = current.get(path)
            if content is None:
                if entry is None or entry[1] != "blob":
                    raise ValueError(f"fatal: pathspec '{path}' did not match any files")
                changes[path] = None
            elif not isinstance(content, str):
                raise ValueError(f"the content of {path} must be text (or null to delete)")
            else:
                data = content.encode()
                if entry is not None and entry[1] == "tree":
                    raise ValueError(f"{path} is a directory in the repository")
                if entry is None or entry[2] != _blob_sha(data):
                    changes[path] = data
        if not changes:
            raise ValueError(f"nothing to commit on {branch}: the files are unchanged")
        who = (STUDENT[0], STUDENT[1])
        if author:
            who = (str(author.get("name") or who[0]), str(author.get("email") or who[1]))
        sha = _fast_import(repo, f"refs/heads/{branch}", parent, changes,
                           message or "Update " + ", ".join(sorted(changes)), who,
                           int(time.time()))
        repo.pushed = time.time()
    return sha, sorted(changes)


def checkout(repo: Repo, commit: str, dest: str, full_clone: bool = False) -> None:
    """The commit's files in `dest` (a fresh folder): CodePipeline's zip (no .git), or a full
    clone (with .git, the commit checked out) for OutputArtifactFormat CODEBUILD_CLONE_REF."""
    if full_clone:
        _git(None, "clone", "--quiet", "--no-checkout", repo.path, dest)
        git_dir = os.path.join(dest, ".git")
        _git(git_dir, "--work-tree", dest, "checkout", "--quiet", "--detach", commit)
        _git(git_dir, "remote", "set-url", "origin", f"{web_url()}/{repo.full_name}.git")
        return
    os.makedirs(dest, exist_ok=True)
    for path, (mode, kind, sha) in tree(repo, commit).items():
        target = os.path.join(dest, *path.split("/"))
        if kind == "tree":
            os.makedirs(target, exist_ok=True)
        elif kind == "blob":
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as f:  # a symlink (120000) becomes a file of its target
                f.write(blob(repo, sha))
            if mode == "100755":
                os.chmod(target, 0o755)


# =============================================================================================
# URLs and GitHub's JSON


def web_url() -> str:
    return registry.SELF_URL + "/_github"


def api_url() -> str:
    return web_url() + "/api"


def raw_url() -> str:
    return web_url() + "/raw"


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def _owner_json(login: str) -> dict:
    oid = int(hashlib.sha1(login.lower().encode()).hexdigest()[:7], 16)
    return {"login": login, "id": oid, "node_id": "U_" + base64.b64encode(
        str(oid).encode()).decode().rstrip("="), "type": "User", "site_admin": False,
        "url": f"{api_url()}/users/{login}", "html_url": f"{web_url()}/{login}"}


def _repo_json(repo: Repo) -> dict:
    api = f"{api_url()}/repos/{repo.full_name}"
    html = f"{web_url()}/{repo.full_name}"
    out = {
        "id": repo.id, "node_id": "R_" + base64.b64encode(str(repo.id).encode()).decode(),
        "name": repo.name, "full_name": repo.full_name, "private": repo.private,
        "owner": _owner_json(repo.owner), "html_url": html, "description":
        "Sample Express app for the CI/CD pipeline lecture", "fork": repo.fork, "url": api,
        "branches_url": api + "/branches{/branch}", "contents_url": api + "/contents/{+path}",
        "commits_url": api + "/commits{/sha}", "git_url": f"git://{html.split('://', 1)[1]}.git",
        "clone_url": html + ".git", "created_at": _iso(repo.created),
        "updated_at": _iso(repo.pushed), "pushed_at": _iso(repo.pushed), "size": 12,
        "language": "JavaScript", "default_branch": repo.default_branch,
        "visibility": "private" if repo.private else "public", "archived": False,
        "disabled": False, "has_issues": True, "forks_count": 0, "stargazers_count": 0,
        "watchers_count": 0, "open_issues_count": 0,
    }
    if repo.parent:
        parent = held(repo.parent)
        if parent is not None:
            out["parent"] = out["source"] = {"id": parent.id, "name": parent.name,
                                             "full_name": parent.full_name,
                                             "private": parent.private,
                                             "html_url": f"{web_url()}/{parent.full_name}"}
    return out


def _commit_json(repo: Repo, sha: str) -> dict:
    info = commit_info(repo, sha)
    api = f"{api_url()}/repos/{repo.full_name}"
    return {
        "sha": sha, "node_id": "C_" + sha[:20],
        "commit": {"author": info.get("author"), "committer": info.get("committer"),
                   "message": info["message"],
                   "tree": {"sha": info.get("tree"), "url": f"{api}/git/trees/{info.get('tree')}"},
                   "url": f"{api}/git/commits/{sha}", "comment_count": 0,
                   "verification": {"verified": False, "reason": "unsigned", "signature": None,
                                    "payload": None}},
        "url": f"{api}/commits/{sha}", "html_url": f"{web_url()}/{repo.full_name}/commit/{sha}",
        "author": None, "committer": None,
        "parents": [{"sha": p, "url": f"{api}/commits/{p}",
                     "html_url": f"{web_url()}/{repo.full_name}/commit/{p}"}
                    for p in info["parents"]],
    }


def _content_json(repo: Repo, ref: str, path: str, entry: tuple[str, str, str],
                  with_content: bool) -> dict:
    mode, kind, sha = entry
    api = f"{api_url()}/repos/{repo.full_name}"
    qref = quote(ref, safe="")
    qpath = quote(path)
    is_file = kind == "blob"
    html = f"{web_url()}/{repo.full_name}/{'blob' if is_file else 'tree'}/{ref}/{qpath}"
    out = {
        "type": ("symlink" if mode == "120000" else "file") if is_file else
        ("submodule" if kind == "commit" else "dir"),
        "name": path.rsplit("/", 1)[-1], "path": path, "sha": sha, "size": 0,
        "url": f"{api}/contents/{qpath}?ref={qref}",
        "git_url": f"{api}/git/{'blobs' if is_file else 'trees'}/{sha}", "html_url": html,
        "download_url": f"{raw_url()}/{repo.full_name}/{ref}/{qpath}" if is_file else None,
    }
    out["_links"] = {"self": out["url"], "git": out["git_url"], "html": html}
    if is_file:
        data = blob(repo, sha)
        out["size"] = len(data)
        if with_content:
            b64 = base64.b64encode(data).decode()
            out["content"] = "".join(b64[i:i + 60] + "\n" for i in range(0, len(b64), 60))
            out["encoding"] = "base64"
    return out


# =============================================================================================
# The HTTP side: a small WSGI app under /_github


def _send(start_response, status: int, body, ctype: str = "application/json; charset=utf-8",
          headers: list | None = None):
    if isinstance(body, (dict, list)):
        data = json.dumps(body, indent=2).encode()
    elif isinstance(body, str):
        data = body.encode()
    else:
        data = body
    from .app import _status_line

    start_response(_status_line(status), [("Content-Type", ctype),
                                          ("Content-Length", str(len(data)))] + (headers or []))
    return [data]


def _not_found(doc: str, message: str = "Not Found") -> tuple[int, dict]:
    return 404, {"message": message, "documentation_url": f"{API_VERSION_DOCS}/{doc}",
                 "status": "404"}


# GitHub's limits for the REST API ("Rate limits for the REST API"): 60 an hour without
# authentication, 5000 with. Counted on the sandbox's AWS clock, so the hour passes at the
# sandbox's pace.
RATE_LIMITS = {False: 60, True: 5000}
_RATE: dict[bool, list[float]] = {False: [0.0, 0], True: [0.0, 0]}  # [window start, used]
_RATE_LOCK = threading.Lock()


def _rate(authenticated: bool) -> tuple[bool, list[tuple[str, str]]]:
    """Count one API request; (allowed, X-RateLimit headers)."""
    with _RATE_LOCK:
        now = CLOCK.aws_now()
        window = _RATE[authenticated]
        if now - window[0] >= 3600.0:
            window[0], window[1] = now, 0
        limit = RATE_LIMITS[authenticated]
        allowed = window[1] < limit
        if allowed:
            window[1] += 1
        reset = int(time.time() + CLOCK.seconds(3600.0 - (now - window[0])))
        return allowed, [("X-RateLimit-Limit", str(limit)),
                         ("X-RateLimit-Remaining", str(max(0, limit - window[1]))),
                         ("X-RateLimit-Reset", str(reset)),
                         ("X-RateLimit-Used", str(window[1])),
                         ("X-RateLimit-Resource", "core")]


def reset_rate_limit() -> None:
    with _RATE_LOCK:
        for window in _RATE.values():
            window[0], window[1] = CLOCK.aws_now(), 0


def _visible(repo: Repo | None, authenticated: bool) -> Repo | None:
    return repo if repo is not None and (not repo.private or authenticated) else None


def github_app(environ, start_response):
    path = environ.get("PATH_INFO", "")[len("/_github"):] or "/"
    method = environ.get("REQUEST_METHOD", "GET").upper()
    query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
    authenticated = bool(environ.get("HTTP_AUTHORIZATION"))
    parts = [p for p in path.split("/") if p != ""]
    try:
        if parts[:1] == ["api"]:
            allowed, headers = _rate(authenticated)
            if not allowed:
                return _send(start_response, 403, {
                    "message": "API rate limit exceeded for 127.0.0.1. (But here's the good "
                               "news: Authenticated requests get a higher rate limit. Check "
                               "out the documentation for more details.)",
                    "documentation_url": "https://docs.github.com/rest/overview/"
                                         "rate-limits-for-the-rest-api"}, headers=headers)
            if method != "GET":
                status, body = 404, {"message": "Not Found", "documentation_url":
                                     API_VERSION_DOCS, "status": "404"}
            else:
                status, body = _api(parts[1:], query, authenticated)
            return _send(start_response, status, body, headers=headers)
        if parts[:1] == ["raw"] and method == "GET":
            return _raw(start_response, parts[1:], authenticated)
        if len(parts) >= 3 and parts[2] == "raw" and method == "GET":
            target = f"{raw_url()}/{parts[0]}/{parts[1]}/" + "/".join(parts[3:])
            return _send(start_response, 302, "", "text/html", [("Location", target)])
        if len(parts) >= 3 and parts[-2:] == ["info", "refs"] or \
                len(parts) >= 3 and parts[-1] in ("git-upload-pack", "git-receive-pack"):
            return _smart_http(environ, start_response, parts, method, query, authenticated)
    except GitError as err:
        return _send(start_response, 500, {"message": str(err)})
    return _send(start_response, 404, "Not Found", "text/plain; charset=utf-8")


def _api(parts: list[str], query: dict, authenticated: bool) -> tuple[int, object]:
    if len(parts) < 3 or parts[0] != "repos":
        return 404, {"message": "Not Found", "documentation_url": API_VERSION_DOCS,
                     "status": "404"}
    repo = _visible(held(f"{parts[1]}/{parts[2]}"), authenticated)
    rest = parts[3:]
    if repo is None:
        return _not_found("repos/repos#get-a-repository")
    if not rest:
        return 200, _repo_json(repo)
    if rest[0] == "branches":
        heads = branches(repo)
        if len(rest) == 1:
            api = f"{api_url()}/repos/{repo.full_name}"
            return 200, [{"name": b, "commit": {"sha": s, "url": f"{api}/commits/{s}"},
                          "protected": False} for b, s in sorted(heads.items())]
        name = "/".join(rest[1:])
        if name not in heads:
            return _not_found("branches/branches#get-a-branch", "Branch not found")
        api = f"{api_url()}/repos/{repo.full_name}"
        return 200, {"name": name, "commit": _commit_json(repo, heads[name]),
                     "_links": {"self": f"{api}/branches/{name}",
                                "html": f"{web_url()}/{repo.full_name}/tree/{name}"},
                     "protected": False,
                     "protection": {"enabled": False, "required_status_checks": {
                         "enforcement_level": "off", "contexts": [], "checks": []}},
                     "protection_url": f"{api}/branches/{name}/protection"}
    if rest[0] == "contents":
        doc = "repos/contents#get-repository-content"
        ref = query.get("ref") or repo.default_branch
        commit = resolve(repo, ref)
        if commit is None:
            return _not_found(doc, f"No commit found for the ref {ref}")
        path = "/".join(rest[1:]).strip("/")
        entries = tree(repo, commit)
        if path == "":
            listing = [(p, e) for p, e in entries.items() if "/" not in p]
        else:
            entry = entries.get(path)
            if entry is None:
                return _not_found(doc)
            if entry[1] == "blob":
                return 200, _content_json(repo, ref, path, entry, with_content=True)
            listing = [(p, e) for p, e in entries.items()
                       if p.startswith(path + "/") and "/" not in p[len(path) + 1:]]
        return 200, [_content_json(repo, ref, p, e, with_content=False)
                     for p, e in sorted(listing, key=lambda x: x[0])]
    if rest[0] == "commits" and len(rest) >= 2:
        ref = "/".join(rest[1:])
        commit = resolve(repo, ref)
        if commit is None:
            return 422, {"message": f"No commit found for SHA: {ref}", "documentation_url":
                         f"{API_VERSION_DOCS}/commits/commits#get-a-commit", "status": "422"}
        return 200, _commit_json(repo, commit)
    return 404, {"message": "Not Found", "documentation_url": API_VERSION_DOCS, "status": "404"}


def _raw(start_response, parts: list[str], authenticated: bool):
    text = "text/plain; charset=utf-8"
    if len(parts) < 4:
        return _send(start_response, 400, "400: Invalid request", text)
    repo = _visible(held(f"{parts[0]}/{parts[1]}"), authenticated)
    if repo is None:
        return _send(start_response, 404, "404: Not Found", text)
    rest = parts[2:]
    for i in range(1, len(rest)):  # the ref may hold slashes: the first prefix that resolves
        commit = resolve(repo, "/".join(rest[:i]))
        if commit is not None:
            data = read_file(repo, commit, "/".join(rest[i:]))
            if data is not None:
                return _send(start_response, 200, data, text)
    return _send(start_response, 404, "404: Not Found", text)


def _pkt(line: str) -> bytes:
    data = line.encode()
    return b"%04x" % (len(data) + 4) + data


def _smart_http(environ, start_response, parts, method, query, authenticated):
    """git's smart HTTP protocol for fetching, served by `git upload-pack --stateless-rpc`."""
    owner, name = parts[0], parts[1]
    if name.endswith(".git"):
        name = name[:-4]
    repo = _visible(held(f"{owner}/{name}"), authenticated)
    text = "text/plain; charset=utf-8"
    if repo is None:
        return _send(start_response, 404, "Repository not found.", text)
    service = query.get("service") if parts[-1] == "refs" else parts[-1]
    if service == "git-receive-pack":
        return _send(start_response, 403, "The practice GitHub takes pushes through the "
                     "sandbox's POST /_sandbox/push, not git push.", text)
    if service != "git-upload-pack":
        return _send(start_response, 403, "Only the smart HTTP protocol is served.", text)
    env = {}
    protocol = environ.get("HTTP_GIT_PROTOCOL", "")
    if re.fullmatch(r"version=[0-2]", protocol):
        env["GIT_PROTOCOL"] = protocol
    headers = [("Cache-Control", "no-cache")]
    if parts[-1] == "refs" and method == "GET":
        adv = _git(repo.path, "upload-pack", "--stateless-rpc", "--advertise-refs", repo.path,
                   env=env)
        # As git http-backend: the service line only for protocol v0/v1.
        body = adv if protocol == "version=2" else \
            _pkt("# service=git-upload-pack\n") + b"0000" + adv
        return _send(start_response, 200, body,
                     "application/x-git-upload-pack-advertisement", headers)
    if parts[-1] == "git-upload-pack" and method == "POST":
        from .app import _read_body

        data = _read_body(environ)
        if environ.get("HTTP_CONTENT_ENCODING", "") == "gzip":
            data = gzip.decompress(data)
        elif environ.get("HTTP_CONTENT_ENCODING", "") == "deflate":
            data = zlib.decompress(data)
        out = _git(repo.path, "upload-pack", "--stateless-rpc", repo.path, input=data, env=env)
        return _send(start_response, 200, out, "application/x-git-upload-pack-result", headers)
    return _send(start_response, 405, "Method Not Allowed", text)


# =============================================================================================
# Control routes


@control("POST", "/_sandbox/github/reset")
def reset_route(body: dict, query: dict):
    """Put a repository back to the seed: the sample's one commit on master, nothing else."""
    name = body.get("repository") or sample_repo.SAMPLE_REPOSITORY
    repo = held(name)
    if repo is None:
        return 404, {"error": "NotFound", "message": f"the sandbox holds no repository {name}"}, \
            "application/json"
    branch = body.get("defaultBranch") or sample_repo.SAMPLE_BRANCH
    with repo.lock:
        repo = create_from_seed(repo.full_name, branch, repo.private, repo.parent)
    return _summary(repo)


@control("POST", "/_sandbox/github/fork")
def fork_route(body: dict, query: dict):
    """The student's own copy of a repository (by default the lecture's sample)."""
    name = body.get("repository")
    _check_name(name)
    source = body.get("source") or sample_repo.SAMPLE_REPOSITORY
    try:
        repo, created = fork(name, source, bool(body.get("private")), body.get("defaultBranch"))
    except LookupError as err:
        return 404, {"error": "NotFound", "message": str(err)}, "application/json"
    return {**_summary(repo), "created": created}


@control("GET", "/_sandbox/github/repositories")
def list_route(body: dict, query: dict):
    with _REPOS_LOCK:
        repos = list(_REPOS.values())
    return {"repositories": [_summary(r) for r in repos]}


@control("POST", "/_sandbox/github/rate-limit/reset")
def rate_reset_route(body: dict, query: dict):
    reset_rate_limit()
    return {"limit": RATE_LIMITS[False], "remaining": RATE_LIMITS[False]}


def _summary(repo: Repo) -> dict:
    return {"repository": repo.full_name, "defaultBranch": repo.default_branch,
            "private": repo.private, "branches": branches(repo),
            "htmlUrl": f"{web_url()}/{repo.full_name}",
            "cloneUrl": f"{web_url()}/{repo.full_name}.git",
            "apiUrl": f"{api_url()}/repos/{repo.full_name}"}


def _health() -> dict:
    if not AVAILABLE:
        return {"githubUrl": None, "githubWebUrl": None, "githubRawUrl": None,
                "sampleRepository": None, "githubUnavailable": "git is not installed"}
    return {"githubUrl": api_url(), "githubWebUrl": web_url(), "githubRawUrl": raw_url(),
            "sampleRepository": sample_repo.SAMPLE_REPOSITORY}


AVAILABLE = False


def install() -> None:
    """Serve /_github and seed the sample; without git on the machine the practice GitHub is
    off (health says so) and every repository is one the sandbox does not hold."""
    global AVAILABLE
    if _health not in registry.HEALTH_FIELDS:
        registry.HEALTH_FIELDS.append(_health)
    if shutil.which("git") is None:
        import sys

        print("pipewright sandbox: git not found: the practice GitHub is off", file=sys.stderr)
        return
    registry.PREFIX_APPS["/_github"] = github_app
    if held(sample_repo.SAMPLE_REPOSITORY) is None:
        create_from_seed(sample_repo.SAMPLE_REPOSITORY)
    AVAILABLE = True
