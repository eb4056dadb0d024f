"""CodeBuild's build container, for sources the practice GitHub holds: the buildspec runs.

codebuild_runs.BuildRun drives the phases on the AWS clock; when the build's source is a
repository github.py holds, it hands each phase's work to a Runner:

- DOWNLOAD_SOURCE: a scratch folder under the sandbox's scratch root (`src/` the pushed
  commit: CodePipeline's zip, or a full clone with .git for CODEBUILD_CLONE_REF; `home/`,
  `tmp/`, `bin/`), and the buildspec: the project's inline one, or the file it names
  (default `buildspec.yml`) from the commit. A missing or malformed buildspec fails the phase
  with YAML_FILE_ERROR, as CodeBuild does.
- INSTALL, PRE_BUILD, BUILD, POST_BUILD: the phase's `commands` then its `finally`, in one
  bash session kept for the whole build (buildspec 0.2: variables and the working folder
  carry over), each command's output into the build's log as CodeBuild prints it. A failing
  command ends the phase's commands (finally still runs) and fails the phase
  (COMMAND_EXECUTION_ERROR "Error while executing command: X. Reason: exit status N").
  After a failed INSTALL or PRE_BUILD the build goes to FINALIZING; after a failed BUILD,
  POST_BUILD and UPLOAD_ARTIFACTS still run unless the phase says `on-failure: ABORT`;
  `on-failure: CONTINUE` goes on to the next phase. CODEBUILD_BUILD_SUCCEEDING is 0 once a
  phase failed.
- UPLOAD_ARTIFACTS: `artifacts.files` (globs, `base-directory`, `discard-paths`) become the
  output artifact's files (the ECS deploy action reads imagedefinitions.json from them); no
  match: CLIENT_ERROR "no matching artifact paths found".
- FINALIZING: the shell and everything it started are killed, the scratch folder removed.

The environment is scrubbed: CodeBuild's variables (CODEBUILD_*, AWS_REGION,
AWS_DEFAULT_REGION), the buildspec's `env.variables` under the project's environment
variables (which win, as on CodeBuild), HOME and TMPDIR in the scratch folder, and PATH =
the stand-ins' bin folder + the system's folders. Guards (not CodeBuild's): proxies pointing
nowhere and DOCKER_HOST at a socket that does not exist, so a tool called by its full path
reaches neither the network nor the host's Docker. Commands get the build's time limit
(timeoutInMinutes on the AWS clock, at least MIN_COMMAND_SECONDS of wall time each).
This is not a security boundary: the commands are the student's own repository's, run as the
user running the sandbox, as they would be in their terminal.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
import traceback
import uuid

from . import github, registry, standins
from .registry import CLOCK

PHASE_KEYS = {"INSTALL": "install", "PRE_BUILD": "pre_build", "BUILD": "build",
              "POST_BUILD": "post_build"}
TOOLS = ("aws", "docker", "npm", "npx", "node", "yarn", "curl", "wget", "pip", "pip3",
         "apt-get", "apt", "yum", "dnf")
SYSTEM_PATH = ("/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin")
MIN_COMMAND_SECONDS = 10.0  # wall seconds a command may always take, whatever the time scale
CLIENT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "standin_client.py")


def _c(msg: str) -> str:
    return "[Container] {ts}.000000 " + msg


class YamlError(Exception):
    pass


class Stopped(Exception):
    """The build was stopped (or finalized) while its commands ran."""


def load_buildspec(text: str) -> dict:
    """The buildspec as CodeBuild reads it; YamlError with CodeBuild's kind of message."""
    import yaml

    try:
        spec = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        raise YamlError(f"yaml: {where}{getattr(err, 'problem', None) or err}")
    if not isinstance(spec, dict):
        raise YamlError("YAML file is empty or not a mapping")
    if str(spec.get("version")) not in ("0.1", "0.2"):
        raise YamlError(f"invalid buildspec version: {spec.get('version')!r} (expected 0.2)")
    phases = spec.get("phases") or {}
    if not isinstance(phases, dict):
        raise YamlError("phases must be a mapping")
    for key, phase in phases.items():
        if key not in PHASE_KEYS.values():
            raise YamlError(f"unknown phase {key!r}: expected install, pre_build, build, "
                            "post_build")
        if phase is None:
            continue
        if not isinstance(phase, dict):
            raise YamlError(f"phase {key} must be a mapping")
        for block in ("commands", "finally"):
            cmds = phase.get(block) or []
            if not isinstance(cmds, list):
                raise YamlError(f"Expected {block} to be a list in phase {key}")
            for i, cmd in enumerate(cmds):
                if not isinstance(cmd, (str, int, float)):
                    raise YamlError(f"Expected Commands[{i}] to be of string type: found subkeys "
                                    f"instead at phase {key}")
        if phase.get("on-failure") not in (None, "ABORT", "CONTINUE"):
            raise YamlError(f"on-failure in phase {key} must be ABORT or CONTINUE")
    env = spec.get("env") or {}
    if not isinstance(env, dict):
        raise YamlError("env must be a mapping")
    return spec


# =============================================================================================
# The shell


class Shell:
    """One bash for the whole build: each command runs in it as `{ command\n} </dev/null`."""

    def __init__(self, cwd: str, env: dict):
        self.proc = subprocess.Popen(["bash", "--noprofile", "--norc"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=cwd,
                                     env=env, start_new_session=True)
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True, name="build-shell-out").start()

    def _read(self) -> None:
        for line in iter(self.proc.stdout.readline, b""):
            self.lines.put(line)
        self.lines.put(None)

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def run(self, command: str, deadline: float, on_line) -> int | None:
        """Exit status of the command (None: it ran out of time and was killed)."""
        marker = f"__PW_DONE_{uuid.uuid4().hex}__"
        script = f"{{ {command}\n}} </dev/null\nprintf '%s %d\\n' '{marker}' \"$?\"\n"
        try:
            self.proc.stdin.write(script.encode())
            self.proc.stdin.flush()
        except OSError:
            return self.proc.wait()
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill()
                return None
            try:
                line = self.lines.get(timeout=min(left, 0.5))
            except queue.Empty:
                continue
            if line is None:  # the command ended the shell (exit)
                return self.proc.wait()
            text = line.decode("utf-8", "replace").rstrip("\n")
            if marker in text:
                before, _, after = text.partition(marker)
                if before:
                    on_line(before)
                return int(after.strip() or 1)
            on_line(text)

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass


# =============================================================================================
# The runner


class Runner:
    """The build container of one build (see the module docstring)."""

    def __init__(self, run, repository: str, commit: str, full_clone: bool, project: dict):
        self.run, self.repository, self.commit = run, repository, commit
        self.full_clone = full_clone
        self.project = project
        self.token = uuid.uuid4().hex
        self.root = os.path.join(registry.scratch_root(), "builds", run.build["id"].split(":", 1)[1])
        self.src = os.path.join(self.root, "src")
        self.home = os.path.join(self.root, "home")
        self.docker = standins.DockerState()
        self.spec: dict = {}
        self.spec_path = ""
        self.shell: Shell | None = None
        self.env: dict = {}
        self.failed = False  # a phase failed (CODEBUILD_BUILD_SUCCEEDING=0)
        self.closed = False  # stopped or finalized: no more commands
        self.files: dict[str, bytes] = {}  # the output artifact
        self._out: list[str] = []
        self._lock = threading.Lock()
        self._work: dict[str, dict] = {}  # phase -> {"done", "at", "result"}
        self.started_aws = CLOCK.aws_now()
        standins.AGENTS[run.build["id"]] = self

    # -- what BuildRun asks ----------------------------------------------------------------

    def start(self, phase: str) -> None:
        """Begin the phase's work in a thread (phases without work are done at once)."""
        work = {"DOWNLOAD_SOURCE": self._download_source, "UPLOAD_ARTIFACTS": self._artifacts,
                "FINALIZING": self.close}.get(phase)
        if phase in PHASE_KEYS:
            work = lambda: self._commands(phase)  # noqa: E731
        state = {"done": threading.Event(), "at": None, "result": None}
        self._work[phase] = state
        if work is None:
            state["at"] = CLOCK.aws_now()
            state["done"].set()
            return

        def go():
            try:
                state["result"] = work()
            except Exception as exc:  # a bug of ours: fail the phase, keep the sandbox going
                if os.path.isdir(registry.scratch_root()):  # (not the sandbox exiting)
                    traceback.print_exc()
                state["result"] = ("FAILED", ("CLIENT_ERROR", f"sandbox error: {exc}"), [])
            state["at"] = CLOCK.aws_now()
            state["done"].set()

        threading.Thread(target=go, daemon=True, name=f"build-{phase.lower()}").start()

    def ready(self, phase: str) -> bool:
        state = self._work.get(phase)
        return state is None or state["done"].is_set()

    def finished_at(self, phase: str) -> float | None:
        state = self._work.get(phase)
        return state["at"] if state else None

    def result(self, phase: str):
        state = self._work.get(phase)
        return (state or {}).get("result") or ("SUCCEEDED", None, [])

    def take_lines(self) -> list[str]:
        with self._lock:
            out, self._out = self._out, []
        return out

    def next_phase(self, phase: str, status: str) -> str | None:
        """Where CodeBuild goes after `phase` ended with `status` (None: the next one)."""
        if status == "SUCCEEDED":
            return None
        if status == "TIMED_OUT":
            return "FINALIZING"
        key = PHASE_KEYS.get(phase)
        on_failure = ((self.spec.get("phases") or {}).get(key) or {}).get("on-failure") \
            if key else None
        if on_failure == "CONTINUE":
            return None
        if phase == "BUILD" and on_failure != "ABORT":
            return "POST_BUILD"
        return "FINALIZING"

    def lines_before(self, phase: str) -> list[str]:
        if phase == "DOWNLOAD_SOURCE":
            return [_c("Running on CodeBuild On-demand"), _c("Waiting for agent ping"),
                    _c("Waiting for DOWNLOAD_SOURCE")]
        if phase in PHASE_KEYS:
            return [_c(f"Entering phase {phase}")]
        return []

    # -- the phases --------------------------------------------------------------------------

    def _say(self, *lines: str) -> None:
        with self._lock:
            self._out.extend(lines)

    def _download_source(self):
        repo = github.held(self.repository)
        if repo is None:
            return "FAILED", ("CLIENT_ERROR", f"repository {self.repository} not found for "
                              f"primary source and source version {self.commit}"), []
        shutil.rmtree(self.root, ignore_errors=True)
        for d in ("home", "tmp", "bin"):
            os.makedirs(os.path.join(self.root, d), exist_ok=True)
        github.checkout(repo, self.commit, self.src, self.full_clone)
        self._write_standins()
        self._say(_c(f"CODEBUILD_SRC_DIR={self.src}"))
        inline = (self.project.get("source") or {}).get("buildspec") or ""
        if "\n" in inline.strip():  # an inline buildspec (else the file it names)
            self.spec_path = os.path.join(self.root, "readonly", "buildspec.yml")
            os.makedirs(os.path.dirname(self.spec_path), exist_ok=True)
            with open(self.spec_path, "w") as f:
                f.write(inline)
            text = inline
        else:
            self.spec_path = os.path.join(self.src, inline.strip() or "buildspec.yml")
            try:
                with open(self.spec_path, encoding="utf-8") as f:
                    text = f.read()
            except OSError:
                return "FAILED", ("YAML_FILE_ERROR", f"stat {self.spec_path}: no such file or "
                                  "directory"), []
        self._say(_c(f"YAML location is {self.spec_path}"))
        try:
            self.spec = load_buildspec(text)
        except YamlError as err:
            return "FAILED", ("YAML_FILE_ERROR", str(err)), []
        problem = self._environment()
        if problem:
            return "FAILED", ("CLIENT_ERROR", problem), []
        phases = self.spec.get("phases") or {}
        lines = [_c("Processing environment variables")]
        if not (phases.get("install") or {}).get("runtime-versions"):
            lines.append(_c("No runtime version selected in buildspec."))
        lines += [_c(f"Moving to directory {self.src}"),
                  _c(f"Phases found in YAML: {len(phases)}")]
        for key, phase in phases.items():
            count = len((phase or {}).get("commands") or [])
            lines.append(_c(f" {key.upper()}: {count} commands"))
        return "SUCCEEDED", None, lines

    def _environment(self) -> str | None:
        run, build = self.run, self.run.build
        env = {"PATH": os.pathsep.join([os.path.join(self.root, "bin")] +
                                       [p for p in SYSTEM_PATH if os.path.isdir(p)]),
               "HOME": self.home, "TMPDIR": os.path.join(self.root, "tmp"),
               "LANG": "C.UTF-8", "SHELL": "/bin/bash",
               # guards, not CodeBuild's: no network, not the host's Docker
               "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9",
               "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
               "no_proxy": "", "DOCKER_HOST": f"unix://{self.root}/no-docker.sock"}
        env.update({
            "AWS_REGION": run.region, "AWS_DEFAULT_REGION": run.region,
            "CODEBUILD_BUILD_ARN": build["arn"], "CODEBUILD_BUILD_ID": build["id"],
            "CODEBUILD_BUILD_IMAGE": (build.get("environment") or {}).get("image", ""),
            "CODEBUILD_BUILD_NUMBER": str(build["buildNumber"]),
            "CODEBUILD_BUILD_SUCCEEDING": "1", "CODEBUILD_INITIATOR": build.get("initiator", ""),
            "CODEBUILD_LOG_PATH": build["logs"]["streamName"],
            "CODEBUILD_PROJECT_ARN": f"arn:aws:codebuild:{run.region}:{run.account}:project/"
                                     f"{build['projectName']}",
            "CODEBUILD_RESOLVED_SOURCE_VERSION": self.commit,
            "CODEBUILD_SOURCE_REPO_URL": f"{github.web_url()}/{self.repository}.git",
            "CODEBUILD_SOURCE_VERSION": build.get("sourceVersion") or self.commit,
            "CODEBUILD_SRC_DIR": self.src,
            "CODEBUILD_START_TIME": str(int(build["startTime"] * 1000)),
        })
        spec_env = self.spec.get("env") or {}
        if spec_env.get("parameter-store") or spec_env.get("secrets-manager"):
            return ("the sandbox does not resolve parameter-store or secrets-manager variables "
                    "in the buildspec")
        for k, v in (spec_env.get("variables") or {}).items():
            env[str(k)] = "" if v is None else str(v)
        for var in (build.get("environment") or {}).get("environmentVariables") or []:
            if var.get("type", "PLAINTEXT") != "PLAINTEXT":
                return (f"the sandbox does not resolve {var.get('type')} environment variables "
                        f"({var.get('name')})")
            env[var["name"]] = str(var.get("value", ""))
        self.env = env
        return None

    def _write_standins(self) -> None:
        bin_dir = os.path.join(self.root, "bin")
        agent = os.path.join(self.root, "agent.json")
        with open(agent, "w") as f:
            json.dump({"url": registry.SELF_URL, "build": self.run.build["id"],
                       "token": self.token}, f)
        if getattr(sys, "frozen", False):  # a frozen sandbox runs the client itself
            prefix = f"{shlex.quote(sys.executable)} --standin"
        else:
            prefix = f"{shlex.quote(sys.executable)} -I -S {shlex.quote(CLIENT)}"
        for tool in TOOLS:
            path = os.path.join(bin_dir, tool)
            with open(path, "w") as f:
                f.write(f"#!/bin/sh\nexec {prefix} {shlex.quote(agent)} {tool} \"$@\"\n")
            os.chmod(path, 0o755)

    def _deadline(self) -> float | None:
        """Wall-clock deadline for the next command (None: the build is out of time)."""
        timeout = float(self.run.build.get("timeoutInMinutes") or 60) * 60.0
        left = timeout - (CLOCK.aws_now() - self.started_aws)
        if left <= 0:
            return None
        return time.monotonic() + max(MIN_COMMAND_SECONDS, CLOCK.seconds(left))

    def _shell(self) -> Shell:
        if self.closed:
            raise Stopped()
        if self.shell is None or not self.shell.alive:
            self.shell = Shell(self.src, self.env)
        return self.shell

    def _commands(self, phase: str):
        try:
            return self._run_phase(phase)
        except Stopped:
            return "STOPPED", None, []

    def _run_phase(self, phase: str):
        spec = (self.spec.get("phases") or {}).get(PHASE_KEYS[phase]) or {}
        if phase == "INSTALL":
            for runtime, version in (spec.get("runtime-versions") or {}).items():
                self._say(_c(f"Running command echo \"Installing {runtime} version {version} "
                             "...\""), f"Installing {runtime} version {version} ...")
        shell = self._shell()
        if self.failed:  # CODEBUILD_BUILD_SUCCEEDING follows the build
            shell.run("export CODEBUILD_BUILD_SUCCEEDING=0", time.monotonic() + 10,
                      lambda line: None)
        failed: tuple | None = None
        for block in ("commands", "finally"):
            for raw in spec.get(block) or []:
                if failed is not None and block == "commands":
                    break
                command = str(raw)
                outcome = self._one(command)
                if outcome == "timeout":
                    self.failed = True
                    return "TIMED_OUT", ("BUILD_TIMED_OUT", "Build has timed out. "), []
                if outcome != 0 and failed is None:
                    failed = (command, outcome)
        if failed is None:
            return "SUCCEEDED", None, []
        self.failed = True
        command, code = failed
        return "FAILED", ("COMMAND_EXECUTION_ERROR", f"Error while executing command: {command}. "
                          f"Reason: exit status {code}"), []

    def _one(self, command: str):
        """Run one command in the shell, its output into the log; its status or "timeout"."""
        self._say(_c(f"Running command {command}"))
        deadline = self._deadline()
        if deadline is None:
            return "timeout"
        check = subprocess.run(["bash", "-n", "-c", command], capture_output=True,
                               env=self.env, cwd=self.src)
        if check.returncode != 0:  # bash would wait for the rest of the command forever
            self._say(*check.stderr.decode("utf-8", "replace").splitlines())
            code = 2
        else:
            code = self._shell().run(command, deadline, self._say)
            if code is None:
                return "timeout"
        if code != 0:
            self._say("", _c(f"Command did not exit successfully {command} exit status {code}"))
        return code

    def _artifacts(self):
        spec = self.spec.get("artifacts")
        if not spec:
            return "SUCCEEDED", None, []
        patterns = spec.get("files") or []
        if isinstance(patterns, str):
            patterns = [patterns]
        base = os.path.join(self.src, str(spec.get("base-directory") or "."))
        discard = str(spec.get("discard-paths", "no")).lower() in ("yes", "true")
        lines = [_c(f"Expanding base directory path: {spec.get('base-directory') or '.'}"),
                 _c("Assembling file list")]
        found: dict[str, bytes] = {}
        all_files = []
        for dirpath, dirnames, filenames in os.walk(base):
            for f in filenames:
                all_files.append(os.path.relpath(os.path.join(dirpath, f), base)
                                 .replace(os.sep, "/"))
        for pattern in patterns:
            pattern = str(pattern)
            pattern = pattern[2:] if pattern.startswith("./") else pattern
            lines.append(_c(f"Expanding {pattern}"))
            for rel in all_files:
                if _glob_match(rel, pattern):
                    with open(os.path.join(base, *rel.split("/")), "rb") as f:
                        found[os.path.basename(rel) if discard else rel] = f.read()
        if not found:
            return "FAILED", ("CLIENT_ERROR", "no matching artifact paths found"), lines
        lines.append(_c(f"Found {len(found)} file(s)"))
        self.files = found
        return "SUCCEEDED", None, lines

    def close(self):
        self.closed = True
        if self.shell is not None:
            self.shell.kill()
            self.shell = None
        standins.AGENTS.pop(self.run.build["id"], None)
        shutil.rmtree(self.root, ignore_errors=True)
        return "SUCCEEDED", None, []


def _glob_match(rel: str, pattern: str) -> bool:
    """CodeBuild's artifact globs: `**` any folders, `*` within a folder."""
    if pattern in ("**/*", "**"):
        return True
    regex = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            regex, i = regex + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            regex, i = regex + ".*", i + 2
        else:
            c = pattern[i]
            regex += "[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c)
            i += 1
    return re.fullmatch(regex, rel) is not None
