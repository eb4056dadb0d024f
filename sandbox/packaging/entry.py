"""The frozen sandbox's entry point (PyInstaller freezes this file, see freeze.py).

    pipewright-sandbox [--port N] [--time-scale X]    the sandbox, exactly as `sandbox/run`
    pipewright-sandbox --smoke-test                   start a copy of itself and check it (smoke.py)
"""

import sys


def run() -> int:
    if sys.argv[1:2] == ["--smoke-test"]:
        import smoke

        return smoke.main(sys.argv[2:])
    from pipewright_sandbox.__main__ import main

    return main()


if __name__ == "__main__":
    sys.exit(run())
