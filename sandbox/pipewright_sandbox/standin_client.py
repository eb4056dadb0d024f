"""The stand-in commands on a sandbox build's PATH (aws, docker, npm, ...): a thin client.

Run as `python -I -S standin_client.py AGENT_JSON TOOL ARGS...` by the wrapper scripts
buildspec_runner.py writes into the build's bin folder (standard library only, nothing from
the sandbox is imported, so it starts fast). It sends the command line, working folder and
environment to the sandbox (`POST /_sandbox/build-agent`, standins.py), prints what comes back
on stdout and stderr, and exits with its status. When the answer carries `exec` (an npm
script), it runs that command with `sh -c` itself, in the build's process tree.
"""

import json
import os
import subprocess
import sys
import urllib.request


def main(argv):
    if len(argv) < 3:
        sys.stderr.write("usage: standin_client.py AGENT_JSON TOOL [ARGS...]\n")
        return 2
    with open(argv[1]) as f:
        agent = json.load(f)
    tool, args = argv[2], argv[3:]
    stdin = ""
    if tool == "docker" and args[:1] == ["login"] and "--password-stdin" in args:
        stdin = sys.stdin.read()
    body = json.dumps({"build": agent["build"], "token": agent["token"], "tool": tool,
                       "args": args, "cwd": os.getcwd(), "env": dict(os.environ),
                       "stdin": stdin}).encode()
    request = urllib.request.Request(agent["url"] + "/_sandbox/build-agent", data=body,
                                     headers={"Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1 only
    try:
        with opener.open(request, timeout=3600) as response:
            answer = json.loads(response.read())
    except Exception as exc:  # the sandbox is gone or refused: say so, as the tool failing
        sys.stderr.write(f"{tool}: the sandbox did not answer its stand-in ({exc})\n")
        return 1
    sys.stdout.write(answer.get("stdout", ""))
    sys.stdout.flush()
    sys.stderr.write(answer.get("stderr", ""))
    sys.stderr.flush()
    if answer.get("exec") is not None:
        env = dict(os.environ)
        env["PATH"] = os.path.join(os.getcwd(), "node_modules", ".bin") + os.pathsep + \
            env.get("PATH", "")
        return subprocess.call(["sh", "-c", answer["exec"]], env=env)
    return int(answer.get("exitCode", 1))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
