"""The commands a build runs that reach outside the build container, played by the sandbox.

buildspec_runner.py puts small stand-in scripts (standin_client.py) first on the build's PATH
for `aws`, `docker`, `npm`, `npx`, `node`, `yarn`, and for the commands that would download
(`curl`, `wget`, `pip`, `pip3`, `apt-get`, `apt`, `yum`, `dnf`). Each forwards its arguments,
working folder and environment to `POST /_sandbox/build-agent`; this module answers as the
real tool would, as the build's service role where AWS is involved:

- `aws ecr get-login-password` (service_roles "build.ecr_login"), `aws sts
  get-caller-identity`, `aws --version`; `aws ecr get-login` is gone from AWS CLI v2 (as on
  CodeBuild's current images); anything else: "not supported in the sandbox".
- `docker login` (ECR: a token from get-login-password for that region; Docker Hub: any
  credentials, which lift the `toomanyrequests` fault; other hosts: no such host),
  `docker build` (reads the Dockerfile and the context: FROM is pulled or found locally,
  COPY/ADD sources must exist, ENV/WORKDIR/EXPOSE/CMD/ENTRYPOINT are kept; RUN steps are
  recorded, not executed), `docker pull`, `docker tag`, `docker push` (ECR as the build role:
  "build.push"; another account's registry is denied, a missing repository is "name
  unknown", an immutable tag "tag invalid"), `docker images`. Without privileged mode on the
  project every daemon command fails as Docker does without its daemon.
- `npm install|ci` (nothing is downloaded; `ci` needs a lock file, as npm's), `npm test` /
  `npm run X` (jest is evaluated by node_app.py; other scripts run in the build's shell),
  `npx jest`; `node`: only `--version` (the sandbox does not run JavaScript).
- downloads: "Could not resolve host" (no network in the sandbox's builds).

Images built here are kept per build (the build container's docker daemon); a push stores
the image in moto's ECR and its metadata (IMAGES: exposed ports, command, environment, and
what node_app.py understood of the app) under the manifest's digest, where ecs_rollout.py
finds it for target health.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import json
import os
import posixpath
import re
import shlex
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlparse

from . import node_app, service_roles
from .registry import STATE_LOCK, control

# buildspec_runner registers its runners here: build id -> runner (with .token, .run, .docker)
AGENTS: dict[str, object] = {}
# manifest digest -> what the sandbox knows of the image (buildspec_runner's builds only)
IMAGES: dict[str, dict] = {}
# ECR passwords handed out by get-login-password -> {"region", "account", "expires"}
TOKENS: dict[str, dict] = {}
DOCKERHUB = {"rateLimited": False}

ECR_HOST = re.compile(r"^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com$")
DOCKER_HUB = ("docker.io", "index.docker.io", "registry-1.docker.io")
PUBLIC_ECR = "public.ecr.aws"
NO_DAEMON = ("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the "
             "docker daemon running?\n")
RATE_LIMIT = ("toomanyrequests: You have reached your unauthenticated pull rate limit. "
              "https://www.docker.com/increase-rate-limit")
NODE_VERSION, NPM_VERSION = "v18.20.4", "10.7.0"


@dataclass
class Result:
    stdout: str = ""
    stderr: str = ""
    code: int = 0
    exec: str | None = None  # a shell command the stand-in runs itself afterwards

    def json(self) -> dict:
        out = {"stdout": self.stdout, "stderr": self.stderr, "exitCode": self.code}
        if self.exec is not None:
            out["exec"] = self.exec
        return out


def fail(text: str, code: int = 1) -> Result:
    return Result(stderr=text if text.endswith("\n") else text + "\n", code=code)


# =============================================================================================
# Image references


_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_REF = re.compile(
    r"^(?:(?P<host>(?:[a-zA-Z0-9-]+\.)+[a-zA-Z0-9-]+(?::\d+)?|localhost(?::\d+)?|"
    r"[a-zA-Z0-9-]+:\d+)/)?(?P<path>" + _COMPONENT + r"(?:/" + _COMPONENT + r")*)"
    r"(?::(?P<tag>[\w][\w.-]{0,127}))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?$")


@dataclass(frozen=True)
class Ref:
    host: str
    path: str
    tag: str

    @property
    def name(self) -> str:
        return f"{self.host}/{self.path}"

    def __str__(self) -> str:
        return f"{self.name}:{self.tag}"

    @property
    def short(self) -> str:
        """How docker shows it (Docker Hub names without docker.io/library/)."""
        if self.host == "docker.io":
            path = self.path[len("library/"):] if self.path.startswith("library/") else self.path
            return f"{path}:{self.tag}"
        return str(self)


def parse_ref(text: str) -> Ref | None:
    m = _REF.match(text or "")
    if not m:
        return None
    host, path = m.group("host"), m.group("path")
    if host in (None, "index.docker.io", "registry-1.docker.io"):
        host = "docker.io"
    if host == "docker.io" and "/" not in path:
        path = "library/" + path
    return Ref(host, path, m.group("tag") or "latest")


# =============================================================================================
# The build's docker daemon


@dataclass
class Image:
    id: str
    config: dict
    layers: list[dict]
    meta: dict  # workdir, env, cmd, entrypoint, expose, fs (image path -> context file), app
    tags: set = field(default_factory=set)


@dataclass
class DockerState:
    logins: dict = field(default_factory=dict)  # host -> (username, password)
    images: dict = field(default_factory=dict)  # str(Ref) -> Image

    def find(self, text: str) -> Image | None:
        ref = parse_ref(text)
        if ref is not None and str(ref) in self.images:
            return self.images[str(ref)]
        text = text.removeprefix("sha256:")
        if len(text) >= 4 and re.fullmatch(r"[0-9a-f]+", text):
            for image in self.images.values():
                if image.id.removeprefix("sha256:").startswith(text):
                    return image
        return None

    def tag(self, image: Image, ref: Ref) -> None:
        old = self.images.get(str(ref))
        if old is not None and old is not image:
            old.tags.discard(str(ref))
        self.images[str(ref)] = image
        image.tags.add(str(ref))


def _sha(data) -> str:
    if isinstance(data, str):
        data = data.encode()
    return "sha256:" + hashlib.sha256(data).hexdigest()


# Base images the sandbox knows by name (command and environment of the official images).
_OFFICIAL = {
    "node": {"Cmd": ["node"], "Entrypoint": ["docker-entrypoint.sh"],
             "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
    "python": {"Cmd": ["python3"], "Env": ["PATH=/usr/local/bin:/usr/bin:/bin"]},
    "nginx": {"Cmd": ["nginx", "-g", "daemon off;"], "ExposedPorts": {"80/tcp": {}},
              "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
}


def _pulled_image(ref: Ref) -> Image:
    """A base image from a public registry: metadata only (its layers are one made-up hash)."""
    base = ref.path.rsplit("/", 1)[-1]
    cfg = dict(_OFFICIAL.get(base, {"Cmd": ["/bin/sh"],
                                    "Env": ["PATH=/usr/local/bin:/usr/bin:/bin"]}))
    layer = _sha(f"layer:{ref}")
    config = {"architecture": "amd64", "os": "linux", "config": cfg,
              "rootfs": {"type": "layers", "diff_ids": [layer]}}
    image = Image(_sha(json.dumps(config, sort_keys=True)), config,
                  [{"digest": layer, "size": 40_000_000}],
                  {"workdir": "/", "env": _env_dict(cfg.get("Env")), "cmd": cfg.get("Cmd"),
                   "entrypoint": cfg.get("Entrypoint"), "expose": [], "fs": {},
                   "runtime": base, "app": None})
    return image


def _env_dict(pairs) -> dict:
    return dict(p.split("=", 1) for p in pairs or [] if "=" in p)


# =============================================================================================
# The control route the stand-ins call


@control("POST", "/_sandbox/build-agent")
def build_agent(body: dict, query: dict):
    runner = AGENTS.get(body.get("build", ""))
    if runner is None or body.get("token") != getattr(runner, "token", None):
        return 403, {"error": "Forbidden", "message": "not a running build of this sandbox"}, \
            "application/json"
    tool, args = str(body.get("tool", "")), [str(a) for a in body.get("args") or []]
    env = {str(k): str(v) for k, v in (body.get("env") or {}).items()}
    cwd = os.path.realpath(str(body.get("cwd") or runner.src))
    try:
        handler = TOOLS.get(tool)
        result = handler(runner, args, cwd, env, body.get("stdin") or "") if handler else \
            fail(f"{tool}: not a sandbox stand-in", 127)
    except OutsideScratch as err:
        result = fail(str(err))
    return result.json()


@control("POST", "/_sandbox/dockerhub")
def dockerhub_route(body: dict, query: dict):
    """`{"rateLimited": true}`: anonymous Docker Hub pulls fail with toomanyrequests."""
    if "rateLimited" in body:
        if not isinstance(body["rateLimited"], bool):
            raise ValueError("rateLimited must be true or false")
        DOCKERHUB["rateLimited"] = body["rateLimited"]
    return dict(DOCKERHUB)


@control("GET", "/_sandbox/dockerhub")
def dockerhub_get(body: dict, query: dict):
    return dict(DOCKERHUB)


class OutsideScratch(Exception):
    pass


def _inside(runner, path: str) -> str:
    real = os.path.realpath(path)
    root = os.path.realpath(runner.root)
    if real != root and not real.startswith(root + os.sep):
        raise OutsideScratch(f"(sandbox) {path}: the sandbox's builds only read and write "
                             "inside their own scratch folder")
    return real


# =============================================================================================
# aws


def _region(args: list[str], env: dict) -> str | None:
    if "--region" in args and args.index("--region") + 1 < len(args):
        return args[args.index("--region") + 1]
    for a in args:
        if a.startswith("--region="):
            return a.split("=", 1)[1]
    return env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")


def aws(runner, args, cwd, env, stdin) -> Result:
    words = [a for a in args if not a.startswith("--")]
    if args[:1] == ["--version"]:
        return Result("aws-cli/2.15.30 Python/3.11.8 Linux/5.10 exe/x86_64 (sandbox stand-in)\n")
    if words[:2] == ["ecr", "get-login"]:
        return fail("\nusage: aws [options] <command> <subcommand> [<subcommand> ...] "
                    "[parameters]\nTo see help text, you can run:\n\n  aws help\n  aws "
                    "<command> help\n  aws <command> <subcommand> help\n\naws: error: argument "
                    "operation: Invalid choice, valid choices are:\n\nbatch-check-layer-"
                    "availability           | batch-delete-image\nbatch-get-image              "
                    "            | get-authorization-token\nget-login-password               "
                    "        | put-image\n...\n", 252)
    run = runner.run
    region = _region(args, env)
    if words[:2] in (["ecr", "get-login-password"], ["sts", "get-caller-identity"]) and not region:
        return fail("\nYou must specify a region. You can also configure your region by running "
                    "\"aws configure\".", 253)
    if words[:2] == ["ecr", "get-login-password"]:
        with STATE_LOCK:
            refusal = service_roles.check("build.ecr_login", run.account, region, run.role,
                                          run.session, source_arn=run.build["arn"])
        if refusal is not None:
            return fail(f"\nAn error occurred (AccessDeniedException) when calling the "
                        f"GetAuthorizationToken operation: {refusal.message}", 254)
        expires = time.time() + 12 * 3600
        token = base64.b64encode(json.dumps({
            "payload": base64.b64encode(os.urandom(48)).decode(),
            "datakey": base64.b64encode(os.urandom(32)).decode(), "version": "2",
            "type": "DATA_KEY", "expiration": int(expires)}).encode()).decode()
        TOKENS[token] = {"region": region, "account": run.account, "expires": expires}
        return Result(token + "\n")
    if words[:2] == ["sts", "get-caller-identity"]:
        arn = service_roles.assumed_role_arn(run.account, run.role, run.session)
        role_id = "AROA" + hashlib.sha1(run.role.encode()).hexdigest()[:17].upper()
        return Result(json.dumps({"UserId": f"{role_id}:{run.session}", "Account": run.account,
                                  "Arn": arn}, indent=4) + "\n")
    return fail(f"aws: `aws {' '.join(args)}` is not supported in the sandbox (its aws "
                "stand-in knows: ecr get-login-password, sts get-caller-identity, --version)",
                252)


# =============================================================================================
# docker


def _daemon_needed(runner) -> Result | None:
    env = (runner.run.build.get("environment") or {})
    if not env.get("privilegedMode"):
        return fail(NO_DAEMON)
    return None


def docker(runner, args, cwd, env, stdin) -> Result:
    if not args or args[0] in ("--help", "help"):
        return Result("Usage:  docker [OPTIONS] COMMAND\n\n(sandbox stand-in: login, build, pull, "
                      "tag, push, images, version)\n")
    if args[0] in ("--version", "-v"):
        return Result("Docker version 26.1.4, build 5650f9b (sandbox stand-in)\n")
    sub, rest = args[0], args[1:]
    if sub == "image" and rest[:1] in (["ls"], ["list"]):
        sub, rest = "images", rest[1:]
    if sub == "image" and rest[:1] in (["build"], ["push"], ["pull"], ["tag"]):
        sub, rest = rest[0], rest[1:]
    if sub == "buildx" and rest[:1] == ["build"]:
        sub, rest = "build", rest[1:]
    handler = {"login": docker_login, "build": docker_build, "pull": docker_pull,
               "tag": docker_tag, "push": docker_push, "images": docker_images,
               "version": docker_version}.get(sub)
    if handler is None:
        return fail(f"docker: '{sub}' is not supported in the sandbox (its docker stand-in "
                    "knows: login, build, pull, tag, push, images, version)")
    no_daemon = _daemon_needed(runner)
    if no_daemon is not None:
        return no_daemon
    return handler(runner, rest, cwd, env, stdin)


def docker_version(runner, args, cwd, env, stdin) -> Result:
    return Result("Client:\n Version:           26.1.4 (sandbox stand-in)\n\nServer:\n "
                  "Engine:\n  Version:          26.1.4 (sandbox stand-in)\n")


def _options(args: list[str], with_value: set[str], flags: set[str]) -> tuple[dict, list[str]]:
    """docker-style options: {name: [values]}, positionals. Raises ValueError on unknown."""
    opts: dict[str, list] = {}
    pos: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("-") and a != "-":
            name, eq, value = a.partition("=")
            if name in with_value:
                if not eq:
                    i += 1
                    if i >= len(args):
                        raise ValueError(f"flag needs an argument: {name}")
                    value = args[i]
                opts.setdefault(name, []).append(value)
            elif name in flags:
                opts.setdefault(name, []).append(True)
            else:
                raise ValueError(f"unknown flag: {name}")
        else:
            pos.append(a)
        i += 1
    return opts, pos


def _host_of(server: str) -> str:
    server = re.sub(r"^https?://", "", server).rstrip("/")
    return server.split("/", 1)[0]


def docker_login(runner, args, cwd, env, stdin) -> Result:
    try:
        opts, pos = _options(args, {"-u", "--username", "-p", "--password"},
                             {"--password-stdin"})
    except ValueError as err:
        return fail(str(err))
    user = (opts.get("-u") or opts.get("--username") or [""])[-1]
    password = (opts.get("-p") or opts.get("--password") or [""])[-1]
    if opts.get("--password-stdin"):
        password = stdin.rstrip("\n").rstrip("\r")
        if not password:
            return fail("Error: Cannot perform an interactive login from a non TTY device")
    elif not password:
        return fail("Error: Cannot perform an interactive login from a non TTY device")
    host = _host_of(pos[0]) if pos else "docker.io"
    if host in DOCKER_HUB:
        host = "docker.io"
    m = ECR_HOST.match(host)
    if m:
        token = TOKENS.get(password)
        if user != "AWS" or token is None or token["region"] != m.group(2) \
                or token["expires"] < time.time():
            return fail(f"Error response from daemon: login attempted to https://{host}/v2/ "
                        "failed with status: 400 Bad Request")
    elif host == "docker.io":
        pass  # the sandbox cannot check a Docker Hub account: any credentials are taken
    else:
        return fail(f"Error response from daemon: Get \"https://{host}/v2/\": dial tcp: lookup "
                    f"{host}: no such host")
    runner.docker.logins[host] = (user, password)
    home = env.get("HOME") or runner.home
    config = os.path.join(_inside(runner, home), ".docker", "config.json")
    os.makedirs(os.path.dirname(config), exist_ok=True)
    auths = {}
    try:
        with open(config) as f:
            auths = json.load(f).get("auths", {})
    except (OSError, ValueError):
        pass
    key = "https://index.docker.io/v1/" if host == "docker.io" else host
    auths[key] = {"auth": base64.b64encode(f"{user}:{password}".encode()).decode()}
    with open(config, "w") as f:
        json.dump({"auths": auths}, f, indent="\t")
    return Result(f"WARNING! Your password will be stored unencrypted in {config}.\nConfigure a "
                  "credential helper to remove this warning. See\nhttps://docs.docker.com/engine/"
                  "reference/commandline/login/#credentials-store\n\nLogin Succeeded\n")


def _pull(runner, ref: Ref) -> tuple[Image | None, str]:
    """Pull an image as the build's daemon would: (image, "") or (None, why)."""
    m = ECR_HOST.match(ref.host)
    if m:
        return _pull_ecr(runner, ref, m.group(1), m.group(2))
    if ref.host == "docker.io":
        if DOCKERHUB["rateLimited"] and "docker.io" not in runner.docker.logins:
            return None, RATE_LIMIT
        return _pulled_image(ref), ""
    if ref.host == PUBLIC_ECR:
        return _pulled_image(ref), ""
    return None, (f"Get \"https://{ref.host}/v2/\": dial tcp: lookup {ref.host}: no such host")


def _pull_ecr(runner, ref: Ref, account: str, region: str) -> tuple[Image | None, str]:
    from moto.ecr.models import ecr_backends

    run = runner.run
    if ref.host not in runner.docker.logins:
        return None, "no basic auth credentials"
    with STATE_LOCK:
        refusal = service_roles.check("build.pull", run.account, region, run.role, run.session,
                                      repository=ref.path, registry=account,
                                      source_arn=run.build["arn"])
        if refusal is not None:
            return None, f"denied: {refusal.message}"
        repo = ecr_backends[run.account][region].repositories.get(ref.path) \
            if account == run.account else None
        if repo is None:
            return None, (f"repository {ref.name} not found: name unknown: The repository with "
                          f"name '{ref.path}' does not exist in the registry with id '{account}'")
        found = next((i for i in repo.images if ref.tag in i.image_tags), None)
        if found is None:
            return None, (f"manifest for {ref} not found: manifest unknown: Requested image not "
                          "found")
        digest = found.image_digest
    meta = IMAGES.get(digest)
    if meta is None:  # pushed by someone else (e.g. a bootstrap image): metadata unknown
        return _pulled_image(ref), ""
    return Image(meta["id"], meta["config"], meta["layers"], dict(meta["meta"])), ""


def docker_pull(runner, args, cwd, env, stdin) -> Result:
    try:
        opts, pos = _options(args, {"--platform"}, {"-q", "--quiet", "-a", "--all-tags"})
    except ValueError as err:
        return fail(str(err))
    if len(pos) != 1:
        return fail("\"docker pull\" requires exactly 1 argument.")
    ref = parse_ref(pos[0])
    if ref is None:
        return fail(f"invalid reference format: repository name ({pos[0]}) must be lowercase"
                    if pos[0] != pos[0].lower() else "invalid reference format")
    image, why = _pull(runner, ref)
    if image is None:
        return fail(f"Error response from daemon: {why}")
    runner.docker.tag(image, ref)
    return Result(f"{ref.tag}: Pulling from {ref.path}\n{image.layers[0]['digest'][7:19]}: Pull "
                  f"complete\nDigest: {_sha(image.id)}\nStatus: Downloaded newer image for "
                  f"{ref.short}\n{ref}\n")


def docker_tag(runner, args, cwd, env, stdin) -> Result:
    if len(args) != 2:
        return fail("\"docker tag\" requires exactly 2 arguments.")
    image = runner.docker.find(args[0])
    if image is None:
        return fail(f"Error response from daemon: No such image: {args[0]}")
    ref = parse_ref(args[1])
    if ref is None:
        return fail(f"Error parsing reference: \"{args[1]}\" is not a valid repository/tag: "
                    "invalid reference format")
    runner.docker.tag(image, ref)
    return Result()


def docker_images(runner, args, cwd, env, stdin) -> Result:
    lines = ["REPOSITORY                                   TAG        IMAGE ID       SIZE"]
    for key, image in sorted(runner.docker.images.items()):
        ref = parse_ref(key)
        name = ref.short.rsplit(":", 1)[0]
        lines.append(f"{name:<44} {ref.tag:<10} {image.id[7:19]}   "
                     f"{sum(layer['size'] for layer in image.layers) // 1_000_000}MB")
    return Result("\n".join(lines) + "\n")


# --- docker build ------------------------------------------------------------------------------


class BuildError(Exception):
    pass


def _dockerfile_lines(text: str) -> list[tuple[int, str, str]]:
    """(line number, INSTRUCTION, arguments), continuation lines joined, comments dropped."""
    out, buf, start = [], "", 0
    for no, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not buf and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if buf and line.lstrip().startswith("#"):
            continue
        if not buf:
            start = no
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        word, _, rest = buf.strip().partition(" ")
        out.append((start, word.upper(), rest.strip()))
        buf = ""
    if buf.strip():
        word, _, rest = buf.strip().partition(" ")
        out.append((start, word.upper(), rest.strip()))
    return out


_INSTRUCTIONS = {"FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV", "ADD", "COPY",
                 "ENTRYPOINT", "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL",
                 "HEALTHCHECK", "SHELL"}


def _exec_form(args: str) -> list[str] | None:
    if args.startswith("["):
        try:
            value = json.loads(args)
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                return value
        except ValueError:
            pass
    return None


def _subst(text: str, env: dict) -> str:
    """Dockerfile variable substitution: $X, ${X}, ${X:-default}."""
    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)",
                  lambda m: (env.get(m.group(1) or m.group(3)) or (m.group(2) or ""))
                  if (m.group(1) or m.group(3)) else m.group(0), text)


def _dockerignore(context: str) -> list[tuple[bool, str]]:
    try:
        with open(os.path.join(context, ".dockerignore")) as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    rules = []
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        neg = line.startswith("!")
        pattern = posixpath.normpath(line.lstrip("!").strip().lstrip("/"))
        rules.append((neg, pattern))
    return rules


def _ignored(rel: str, rules) -> bool:
    ignored = False
    parts = rel.split("/")
    prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    for neg, pattern in rules:
        pat = pattern.replace("**/", "*").replace("/**", "/*")
        if any(fnmatch.fnmatchcase(p, pat) for p in prefixes):
            ignored = not neg
    return ignored


def _context_files(context: str) -> dict[str, str]:
    """relative path -> sha256 of the file, for every file the context sends."""
    rules = _dockerignore(context)
    files = {}
    for dirpath, dirnames, filenames in os.walk(context):
        dirnames.sort()
        for f in sorted(filenames):
            full = os.path.join(dirpath, f)
            rel = os.path.relpath(full, context).replace(os.sep, "/")
            if _ignored(rel, rules):
                continue
            try:
                with open(full, "rb") as fh:
                    files[rel] = hashlib.sha256(fh.read()).hexdigest()
            except OSError:
                continue
    return files


@dataclass
class Stage:
    name: str | None
    base: str
    workdir: str = "/"
    env: dict = field(default_factory=dict)
    cmd: list | None = None
    entrypoint: list | None = None
    expose: list = field(default_factory=list)
    fs: dict = field(default_factory=dict)  # image path (no leading /) -> context file
    layers: list = field(default_factory=list)
    runtime: str | None = None


def _copy(stage: Stage, args: str, files: dict, stages: dict, ctx_id: str) -> None:
    """Apply COPY/ADD to the stage's files (BuildError when a source is missing)."""
    words = _exec_form(args) or shlex.split(args)
    source_stage = None
    flags = [w for w in words if w.startswith("--")]
    words = [w for w in words if not w.startswith("--")]
    for flag in flags:
        if flag.startswith("--from="):
            source_stage = flag.split("=", 1)[1]
    if len(words) < 2:
        raise BuildError("COPY requires at least two arguments")
    *srcs, dest = words
    if any(re.match(r"^https?://", s) for s in srcs):
        host = urlparse(next(s for s in srcs if re.match(r"^https?://", s))).hostname
        raise BuildError(f"failed to load cache key: Get \"{srcs[0]}\": dial tcp: lookup {host}: "
                         "no such host")
    dest_abs = posixpath.normpath(posixpath.join(stage.workdir, dest)).lstrip("/")
    if source_stage is not None:  # image path of the other stage -> context file
        other = stages.get(source_stage)
        if other is None:
            raise BuildError(f"invalid from flag value {source_stage}: stage not found")
        pool = dict(other.fs)
    else:  # context file -> itself
        pool = {p: p for p in files}
    multi = len(srcs) > 1 or dest.endswith("/") or dest in (".", "./")
    added = {}
    for src in srcs:
        pattern = posixpath.normpath(src.lstrip("/")) if src not in (".", "./") else "."
        if pattern == ".":
            matched = {p: p for p in pool}
            for p, f in matched.items():
                added[posixpath.join(dest_abs, p).lstrip("/")] = pool[p]
            continue
        hits = [p for p in pool if fnmatch.fnmatchcase(p, pattern)]
        under = [p for p in pool if p.startswith(pattern + "/")]
        if not hits and not under:
            raise BuildError(f"failed to compute cache key: failed to calculate checksum of ref "
                             f"{ctx_id}::{ctx_id[:25]}: \"/{pattern}\": not found")
        for p in hits:
            name = posixpath.basename(p)
            target = posixpath.join(dest_abs, name) if multi or any(
                c in src for c in "*?[") else dest_abs
            added[target.lstrip("/")] = pool[p]
        for p in under:
            added[posixpath.join(dest_abs, p[len(pattern) + 1:]).lstrip("/")] = pool[p]
    stage.fs.update(added)
    layer = _sha(json.dumps(sorted((k, files.get(v, v)) for k, v in added.items())))
    stage.layers.append({"digest": layer, "size": 1024 + 100 * len(added)})


def _entry_file(stage: Stage, read_image) -> str | None:
    """The JavaScript file the image's command runs with node, or None."""
    command = (stage.entrypoint or []) + (stage.cmd or [])
    if command[:1] == ["docker-entrypoint.sh"]:
        command = command[1:]
    if len(command) == 1 and " " in command[0]:
        command = shlex.split(command[0])
    if command[:1] == ["/bin/sh"] and command[1:2] == ["-c"] and len(command) > 2:
        command = shlex.split(command[2])
    if command[:1] == ["npm"] and command[1:] in (["start"], ["run", "start"]):
        pkg = read_image(posixpath.join(stage.workdir, "package.json").lstrip("/"))
        try:
            script = json.loads(pkg or "{}").get("scripts", {}).get("start")
        except ValueError:
            script = None
        command = shlex.split(script) if script else []
    if command[:1] == ["node"] and len(command) >= 2 and not command[1].startswith("-"):
        return posixpath.normpath(posixpath.join(stage.workdir, command[1])).lstrip("/")
    return None


def understand_app(stage: Stage, context: str) -> dict:
    """What node_app.py understands of the app this stage's image starts (JSON-able)."""
    def read_image(path: str) -> str | None:
        path = posixpath.normpath(path).lstrip("/")
        rel = stage.fs.get(path)
        if rel is None:
            return None
        try:
            with open(os.path.join(context, *rel.split("/")), encoding="utf-8") as f:
                return f.read()
        except (OSError, UnicodeDecodeError):
            return None

    entry = _entry_file(stage, read_image)
    if entry is None:
        return {"understood": False, "why": "the image's command is not `node FILE`"}
    app = node_app.load_app(read_image, entry)
    if not app.understood:
        return {"understood": False, "why": app.why_not}
    return {"understood": True, "entry": "/" + entry, "portEnv": app.port_env,
            "portDefault": app.port_default,
            "routes": [{"method": r.method, "path": r.path, "status": r.status, "body": r.body}
                       for r in app.routes]}


def app_from_meta(meta: dict | None) -> node_app.App | None:
    """The node_app.App an image's metadata describes, or None when not understood."""
    info = (meta or {}).get("app") or {}
    if not info.get("understood"):
        return None
    return node_app.App(routes=[node_app.Route(r["method"], r["path"], r["status"], r["body"])
                                for r in info["routes"]],
                        port_env=info.get("portEnv"), port_default=info.get("portDefault"))


def docker_build(runner, args, cwd, env, stdin) -> Result:
    try:
        opts, pos = _options(args, {"-t", "--tag", "-f", "--file", "--build-arg", "--platform",
                                    "--progress", "--network", "--target", "--label",
                                    "--cache-from"},
                             {"--no-cache", "--pull", "-q", "--quiet", "--load", "--rm"})
    except ValueError as err:
        return fail(f"ERROR: {err}")
    if len(pos) != 1:
        return fail("ERROR: \"docker buildx build\" requires exactly 1 argument.")
    tags = []
    for t in (opts.get("-t") or []) + (opts.get("--tag") or []):
        ref = parse_ref(t)
        if ref is None:
            return fail(f"ERROR: invalid tag \"{t}\": invalid reference format")
        tags.append(ref)
    if re.match(r"^(https?|git)://|^git@", pos[0]):
        host = urlparse(pos[0]).hostname or pos[0]
        return fail(f"ERROR: failed to solve: failed to read dockerfile: dial tcp: lookup {host}: "
                    "no such host")
    context = _inside(runner, os.path.join(cwd, pos[0]))
    if not os.path.isdir(context):
        return fail(f"ERROR: unable to prepare context: path \"{pos[0]}\" not found")
    dockerfile_arg = (opts.get("-f") or opts.get("--file") or [None])[-1]
    dockerfile = _inside(runner, os.path.join(cwd, dockerfile_arg) if dockerfile_arg
                         else os.path.join(context, "Dockerfile"))
    shown = dockerfile_arg or "Dockerfile"
    out = ["#0 building with \"default\" instance using docker driver", "",
           "#1 [internal] load build definition from " + os.path.basename(shown)]
    try:
        with open(dockerfile, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        out += ["#1 transferring dockerfile: 2B done", "#1 DONE 0.0s",
                f"ERROR: failed to solve: failed to read dockerfile: open {shown}: no such file "
                "or directory"]
        return Result("\n".join(out) + "\n", code=1)
    out += [f"#1 transferring dockerfile: {len(text.encode())}B done", "#1 DONE 0.0s", ""]
    build_args = dict(a.split("=", 1) if "=" in a else (a, env.get(a, ""))
                      for a in opts.get("--build-arg") or [])
    try:
        image, lines, n = _build(runner, text, context, build_args, bool(opts.get("--pull")),
                                 (opts.get("--target") or [None])[-1])
    except BuildError as err:
        return Result("\n".join(out + [f"ERROR: failed to solve: {err}"]) + "\n", code=1)
    out += lines
    out += [f"#{n} exporting to image", f"#{n} exporting layers done",
            f"#{n} writing image {image.id} done"]
    for ref in tags:
        runner.docker.tag(image, ref)
        out.append(f"#{n} naming to {ref} done")
    if not tags:
        runner.docker.images[image.id] = image
    out.append(f"#{n} DONE 0.1s")
    return Result("\n".join(out) + "\n")


def _build(runner, text: str, context: str, build_args: dict, pull: bool,
           target: str | None) -> tuple[Image, list[str], int]:
    """The image a Dockerfile makes, the build's progress lines, the next step number."""
    instructions = _dockerfile_lines(text)
    for no, word, _ in instructions:
        if word not in _INSTRUCTIONS:
            raise BuildError(f"dockerfile parse error on line {no}: unknown instruction: {word}")
    if not any(word == "FROM" for _, word, _ in instructions):
        raise BuildError("dockerfile parse error: no build stage in current context")
    files = _context_files(context)
    ctx_id = uuid.uuid4().hex
    stages: dict[str, Stage] = {}
    order: list[Stage] = []
    lines: list[str] = []
    step = 2
    args = dict(build_args)
    steps_total = sum(1 for _, w, _ in instructions if w in ("FROM", "COPY", "ADD", "RUN",
                                                            "WORKDIR"))
    k = 0
    stage: Stage | None = None
    lines += ["#0 (sandbox) FROM, COPY/ADD, ENV, WORKDIR, EXPOSE, CMD and ENTRYPOINT are "
              "evaluated; RUN steps are recorded, not executed", ""]
    for no, word, rest in instructions:
        if word == "ARG" and stage is None:
            name, _, default = rest.partition("=")
            args.setdefault(name.strip(), default.strip().strip('"'))
            continue
        if word == "FROM":
            k += 1
            parts = _subst(rest, args).split()
            flags = [p for p in parts if p.startswith("--")]
            parts = [p for p in parts if not p.startswith("--")]
            base = parts[0] if parts else ""
            name = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else None
            stage = _from(runner, base, stages, pull, lines, step, k, steps_total, no, flags)
            step += 1
            stage.name = name
            if name:
                stages[name] = stage
            stages[str(len(order))] = stage
            order.append(stage)
            continue
        if stage is None:
            raise BuildError(f"dockerfile parse error on line {no}: {word} before FROM")
        if word in ("COPY", "ADD"):
            k += 1
            lines.append(f"#{step} [{k}/{steps_total}] {word} {rest}")
            _copy(stage, _subst(rest, {**stage.env, **args}), files, stages, ctx_id)
            lines += [f"#{step} DONE 0.0s", ""]
            step += 1
        elif word == "RUN":
            k += 1
            lines += [f"#{step} [{k}/{steps_total}] RUN {rest}",
                      f"#{step} (sandbox) not executed", f"#{step} DONE 0.0s", ""]
            stage.layers.append({"digest": _sha(f"run:{rest}:{stage.base}"), "size": 4_000_000})
            step += 1
        elif word == "WORKDIR":
            k += 1
            stage.workdir = posixpath.normpath(posixpath.join(stage.workdir,
                                                              _subst(rest, stage.env)))
            lines += [f"#{step} [{k}/{steps_total}] WORKDIR {rest}", f"#{step} DONE 0.0s", ""]
            step += 1
        elif word == "ENV":
            for key, value in _env_pairs(rest):
                stage.env[key] = _subst(value, stage.env)
        elif word == "EXPOSE":
            for p in _subst(rest, {**stage.env, **args}).split():
                port = p.split("/")[0]
                if port.isdigit():
                    stage.expose.append(f"{port}/{(p.split('/') + ['tcp'])[1]}")
                else:
                    raise BuildError(f"dockerfile parse error on line {no}: invalid containerPort:"
                                     f" {p}")
        elif word == "CMD":
            stage.cmd = _exec_form(rest) or ["/bin/sh", "-c", rest]
        elif word == "ENTRYPOINT":
            stage.entrypoint = _exec_form(rest) or ["/bin/sh", "-c", rest]
    final = stages.get(target) if target else order[-1]
    if target and final is None:
        raise BuildError(f"target stage \"{target}\" could not be found")
    app = understand_app(final, context)
    config = {"architecture": "amd64", "os": "linux", "created": time.strftime(
        "%Y-%m-%dT%H:%M:%S.000000000Z", time.gmtime()),
        "config": {"Env": [f"{k}={v}" for k, v in final.env.items()],
                   "Cmd": final.cmd, "Entrypoint": final.entrypoint,
                   "WorkingDir": "" if final.workdir == "/" else final.workdir,
                   "ExposedPorts": {p: {} for p in final.expose},
                   "Labels": {"sandbox.build": runner.run.build["id"]}},
        "rootfs": {"type": "layers", "diff_ids": [layer["digest"] for layer in final.layers]}}
    image_id = _sha(json.dumps(config, sort_keys=True))
    meta = {"workdir": final.workdir, "env": dict(final.env), "cmd": final.cmd,
            "entrypoint": final.entrypoint, "expose": list(final.expose), "fs": dict(final.fs),
            "runtime": final.runtime, "app": app,
            "source": {"repository": runner.repository, "commit": runner.commit}}
    return Image(image_id, config, list(final.layers), meta), lines, step


def _env_pairs(rest: str) -> list[tuple[str, str]]:
    if "=" not in rest.split(" ", 1)[0]:  # legacy `ENV KEY value`
        key, _, value = rest.partition(" ")
        return [(key, value.strip())]
    return [tuple(w.split("=", 1)) for w in shlex.split(rest) if "=" in w]


def _from(runner, base: str, stages: dict, pull: bool, lines: list, step: int, k: int,
          total: int, no: int, flags: list) -> Stage:
    if base in stages:
        parent = stages[base]
        stage = Stage(None, base, parent.workdir, dict(parent.env), parent.cmd,
                      parent.entrypoint, list(parent.expose), dict(parent.fs),
                      list(parent.layers), parent.runtime)
        lines += [f"#{step} [{k}/{total}] FROM {base}", f"#{step} DONE 0.0s", ""]
        return stage
    if base == "scratch":
        return Stage(None, base)
    ref = parse_ref(base)
    if ref is None:
        raise BuildError(f"dockerfile parse error on line {no}: FROM requires a valid image: "
                         f"{base}: invalid reference format")
    image = None if pull else runner.docker.images.get(str(ref))
    lines.append(f"#{step} [internal] load metadata for {ref}")
    if image is None:
        image, why = _pull(runner, ref)
        if image is None:
            lines += [f"#{step} ERROR: {why}", "------",
                      f" > [internal] load metadata for {ref}:", "------"]
            if why == RATE_LIMIT:
                raise BuildError(
                    f"{base}: failed to resolve source metadata for {ref}: failed to copy: "
                    f"httpReadSeeker: failed open: unexpected status code https://registry-1."
                    f"docker.io/v2/{ref.path}/manifests/sha256:{hashlib.sha256(str(ref).encode()).hexdigest()}"
                    f": 429 Too Many Requests - Server message: {RATE_LIMIT}")
            raise BuildError(f"{base}: failed to resolve source metadata for {ref}: {why}")
        runner.docker.tag(image, ref)
    lines += [f"#{step} DONE 0.4s", "", f"#{step} [{k}/{total}] FROM {ref}@{_sha(image.id)}",
              f"#{step} DONE 0.0s", ""]
    cfg = image.config.get("config") or {}
    meta = image.meta
    return Stage(None, str(ref), meta.get("workdir") or cfg.get("WorkingDir") or "/",
                 dict(meta.get("env") or _env_dict(cfg.get("Env"))),
                 meta.get("cmd", cfg.get("Cmd")), meta.get("entrypoint", cfg.get("Entrypoint")),
                 list(meta.get("expose") or list((cfg.get("ExposedPorts") or {}).keys())),
                 dict(meta.get("fs") or {}), list(image.layers), meta.get("runtime"))


# --- docker push -------------------------------------------------------------------------------


def docker_push(runner, args, cwd, env, stdin) -> Result:
    from moto.ecr.models import ecr_backends

    try:
        opts, pos = _options(args, {"--platform"}, {"-q", "--quiet", "-a", "--all-tags"})
    except ValueError as err:
        return fail(str(err))
    if len(pos) != 1:
        return fail("\"docker push\" requires exactly 1 argument.")
    ref = parse_ref(pos[0])
    if ref is None:
        return fail("invalid reference format")
    image = runner.docker.images.get(str(ref))
    if image is None:
        return fail(f"An image does not exist locally with the tag: {ref.short.rsplit(':', 1)[0]}"
                    if ":" not in pos[0].rsplit("/", 1)[-1] else
                    f"tag does not exist: {pos[0]}")
    head = f"The push refers to repository [{ref.name if ref.host != 'docker.io' else 'docker.io/' + ref.path}]\n"
    preparing = "".join(f"{layer['digest'][7:19]}: Preparing\n" for layer in image.layers)
    m = ECR_HOST.match(ref.host)
    if not m:
        if ref.host in DOCKER_HUB:
            return Result(head + preparing, "denied: requested access to the resource is denied\n",
                          1)
        return Result(head, f"Get \"https://{ref.host}/v2/\": dial tcp: lookup {ref.host}: no "
                      "such host\n", 1)
    account, region = m.group(1), m.group(2)
    if ref.host not in runner.docker.logins:
        return Result(head + preparing, "no basic auth credentials\n", 1)
    run = runner.run
    with STATE_LOCK:
        if account != run.account:
            # Another account's registry: the role needs its own permission and the
            # repository's policy (which the sandbox cannot grant) must allow it too.
            refusal = service_roles.check("build.push", run.account, region, run.role,
                                          run.session, only=("ecr:InitiateLayerUpload",),
                                          repository=ref.path, registry=account,
                                          source_arn=run.build["arn"])
            why = refusal.message if refusal else service_roles.Refusal(
                "resource", run.role, service_roles.CODEBUILD,
                service_roles.assumed_role_arn(run.account, run.role, run.session),
                "ecr:InitiateLayerUpload",
                f"arn:aws:ecr:{region}:{account}:repository/{ref.path}").message
            return Result(head + preparing, f"denied: {why}\n", 1)
        refusal = service_roles.check("build.push", run.account, region, run.role, run.session,
                                      repository=ref.path, source_arn=run.build["arn"])
        if refusal is not None:
            return Result(head + preparing, f"denied: {refusal.message}\n", 1)
        ecr = ecr_backends[run.account][region]
        if ref.path not in ecr.repositories:
            return Result(head + preparing, f"name unknown: The repository with name "
                          f"'{ref.path}' does not exist in the registry with id '{account}'\n", 1)
        manifest = json.dumps({
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {"mediaType": "application/vnd.docker.container.image.v1+json",
                       "size": len(json.dumps(image.config)), "digest": image.id},
            "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                        "size": layer["size"], "digest": layer["digest"]}
                       for layer in image.layers]}, indent=3)
        repo = ecr.repositories[ref.path]
        same = next((i for i in repo.images if i.image_manifest == manifest), None)
        if same is not None and ref.tag in same.image_tags:
            digest = same.image_digest
        else:
            try:
                digest = ecr.put_image(ref.path, manifest, ref.tag).image_digest
            except Exception as exc:
                if "AlreadyExists" not in type(exc).__name__:
                    raise
                return Result(head + preparing, (
                    f"tag invalid: The image tag '{ref.tag}' already exists in the '{ref.path}' "
                    "repository and cannot be overwritten because the repository is "
                    "immutable.\n"), 1)
        IMAGES[digest] = {"id": image.id, "config": image.config, "layers": image.layers,
                          "meta": image.meta}
    pushed = "".join(f"{layer['digest'][7:19]}: Pushed\n" for layer in image.layers)
    return Result(head + preparing + pushed +
                  f"{ref.tag}: digest: {digest} size: {len(manifest)}\n")


# =============================================================================================
# npm, npx, node, yarn


def _package(cwd: str) -> tuple[dict | None, str | None]:
    path = os.path.join(cwd, "package.json")
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return None, (f"npm ERR! code ENOENT\nnpm ERR! syscall open\nnpm ERR! path {path}\n"
                      f"npm ERR! errno -2\nnpm ERR! enoent ENOENT: no such file or directory, "
                      f"open '{path}'\nnpm ERR! enoent This is related to npm not being able to "
                      "find a file.\nnpm ERR! enoent\n")
    try:
        return json.loads(text), None
    except ValueError as err:
        return None, (f"npm ERR! code EJSONPARSE\nnpm ERR! path {path}\nnpm ERR! JSON.parse "
                      f"Invalid package.json: JSONParseError: {err}\n")


def npm(runner, args, cwd, env, stdin) -> Result:
    if args[:1] in (["--version"], ["-v"]):
        return Result(NPM_VERSION + "\n")
    cwd = _inside(runner, cwd)
    words = [a for a in args if not a.startswith("-")]
    sub = words[0] if words else ""
    if sub in ("install", "i", "ci", "add") or not words and args:
        pkg, error = _package(cwd)
        if error:
            return fail(error, 254)
        if sub == "ci" and not any(os.path.exists(os.path.join(cwd, f)) for f in
                                   ("package-lock.json", "npm-shrinkwrap.json")):
            return fail("npm ERR! code EUSAGE\nnpm ERR!\nnpm ERR! The `npm ci` command can only "
                        "install with an existing package-lock.json or\nnpm ERR! "
                        "npm-shrinkwrap.json with lockfileVersion >= 1. Run an install with "
                        "npm@5 or\nnpm ERR! later to generate a package-lock.json file, then try "
                        "again.\n", 1)
        deps = sorted({**(pkg.get("dependencies") or {}), **(pkg.get("devDependencies") or {})})
        return Result(f"(sandbox) npm {sub}: no network in the sandbox's builds: "
                      f"{len(deps)} package(s) not downloaded ({', '.join(deps) or 'none'})\n"
                      f"\nadded 0 packages in 0s\n")
    if sub in ("test", "t", "tst", "start", "run", "run-script"):
        script = sub if sub not in ("t", "tst", "run", "run-script") else "test"
        if sub in ("run", "run-script"):
            if len(words) < 2:
                return fail("(sandbox) npm run without a script name is not supported")
            script = words[1]
        pkg, error = _package(cwd)
        if error:
            return fail(error, 254)
        command = (pkg.get("scripts") or {}).get(script)
        if command is None and script == "start" and os.path.exists(
                os.path.join(cwd, "server.js")):
            command = "node server.js"
        if command is None:
            return fail(f"npm ERR! Missing script: \"{script}\"\nnpm ERR!\nnpm ERR! To see a list "
                        "of scripts, run:\nnpm ERR!   npm run\n", 1)
        header = f"\n> {pkg.get('name', '')}@{pkg.get('version', '')} {script}\n> {command}\n\n"
        if re.match(r"^jest(\s|$)", command.strip()):
            code, output = node_app.run_jest(cwd)
            return Result(header, output, code)
        return Result(header, exec=command)
    return fail(f"npm ERR! (sandbox) `npm {' '.join(args)}` is not supported by the sandbox's npm "
                "stand-in (it knows: install, ci, test, start, run SCRIPT, --version)", 1)


def npx(runner, args, cwd, env, stdin) -> Result:
    words = [a for a in args if not a.startswith("-")]
    if words[:1] == ["jest"]:
        code, output = node_app.run_jest(_inside(runner, cwd))
        return Result("", output, code)
    return fail(f"(sandbox) npx {' '.join(args)}: the sandbox does not run Node.js packages "
                "(only `npx jest`, evaluated by the sandbox)")


def node(runner, args, cwd, env, stdin) -> Result:
    if args[:1] in (["--version"], ["-v"]):
        return Result(NODE_VERSION + "\n")
    return fail(f"(sandbox) node {' '.join(args)}: the sandbox does not run JavaScript (it "
                "evaluates jest tests itself and reads the app's source for what it serves)")


def yarn(runner, args, cwd, env, stdin) -> Result:
    return fail("(sandbox) yarn is not supported in the sandbox's builds: use npm")


# =============================================================================================
# Downloads: no network in the sandbox's builds


def _first_url(args: list[str]) -> str:
    for a in args:
        if re.match(r"^[a-z]+://", a) or re.match(r"^[\w.-]+(:\d+)?(/|$)", a) and "." in a:
            return a
    return ""


def curl(runner, args, cwd, env, stdin) -> Result:
    url = _first_url(args)
    parsed = urlparse(url if "://" in url else "http://" + url)
    host = parsed.hostname or ""
    if host in ("localhost", "127.0.0.1"):
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        return fail(f"curl: (7) Failed to connect to {host} port {port} after 0 ms: Couldn't "
                    "connect to server", 7)
    return fail(f"curl: (6) Could not resolve host: {host or url}", 6)


def wget(runner, args, cwd, env, stdin) -> Result:
    url = _first_url(args)
    host = urlparse(url if "://" in url else "http://" + url).hostname or url
    return fail(f"--  {url}\nResolving {host} ({host})... failed: Temporary failure in name "
                f"resolution.\nwget: unable to resolve host address '{host}'", 4)


def pip(runner, args, cwd, env, stdin) -> Result:
    if args[:1] in (["--version"], ["-V"]):
        return Result("pip 24.0 (sandbox stand-in)\n")
    return fail("(sandbox) no network in the sandbox's builds: pip cannot download packages\n"
                "ERROR: Could not find a version that satisfies the requirement (from versions: "
                "none)")


def packages(runner, args, cwd, env, stdin) -> Result:
    return fail("(sandbox) no network in the sandbox's builds: system packages cannot be "
                "installed\nE: Unable to locate package", 100)


TOOLS = {"aws": aws, "docker": docker, "npm": npm, "npx": npx, "node": node, "yarn": yarn,
         "curl": curl, "wget": wget, "pip": pip, "pip3": pip, "apt-get": packages,
         "apt": packages, "yum": packages, "dnf": packages}
