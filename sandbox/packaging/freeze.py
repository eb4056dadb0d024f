"""Freezes the sandbox (moto + pipewright_sandbox) into one folder with PyInstaller.

    python sandbox/packaging/freeze.py [--dist DIR] [--work DIR]

Run it with the Python of a venv made from sandbox/packaging/requirements.txt (exact pins).
Writes DIR/pipewright-sandbox/ (default sandbox/packaging/dist/pipewright-sandbox/), whose
`pipewright-sandbox` (`.exe` on Windows) takes the same arguments as `sandbox/run` and
prints the same `PIPEWRIGHT_SANDBOX_URL=...` line; the app ships that folder as a resource
(src-tauri/tauri.package.conf.json). One folder, not one file: a one-file build runs as two
processes and its child can outlive a killed launcher.

moto loads its service backends with importlib and reads its JSON data through
importlib.resources, and moto, Flask and Werkzeug read package versions at import, so the
build collects moto's submodules and data and copies those packages' metadata. The
pipewright_sandbox feature modules are also imported by name, so every one of them goes in.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SANDBOX = HERE.parent
NAME = "pipewright-sandbox"

# Distributions whose metadata is read at run time (importlib.metadata.version).
METADATA = ("moto", "boto3", "botocore", "responses", "werkzeug", "flask", "flask-cors")

# Never imported by the server: test tools and GUI toolkits.
EXCLUDES = ("tkinter", "pytest", "_pytest", "pluggy", "iniconfig", "IPython", "matplotlib")


def pyinstaller_args(dist: Path, work: Path) -> list[str]:
    args = [
        str(HERE / "entry.py"),
        "--name", NAME,
        "--onedir",
        "--console",
        "--noconfirm",
        "--log-level", "WARN",
        "--distpath", str(dist),
        "--workpath", str(work),
        "--specpath", str(work),
        "--paths", str(SANDBOX),
        "--paths", str(HERE),
        "--collect-submodules", "moto",
        "--collect-data", "moto",
        "--hidden-import", "smoke",
    ]
    # collect_submodules would import the package in a helper process that does not see
    # --paths; list its modules from the source folder instead.
    for module in sorted((SANDBOX / "pipewright_sandbox").glob("*.py")):
        if module.stem != "__init__":
            args += ["--hidden-import", f"pipewright_sandbox.{module.stem}"]
    for dist_name in METADATA:
        args += ["--copy-metadata", dist_name]
    for module in EXCLUDES:
        args += ["--exclude-module", module]
    return args


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dist", type=Path, default=HERE / "dist")
    p.add_argument("--work", type=Path, default=HERE / "build")
    args = p.parse_args(argv)
    import PyInstaller.__main__

    PyInstaller.__main__.run(pyinstaller_args(args.dist.resolve(), args.work.resolve()))
    exe = args.dist.resolve() / NAME / (NAME + (".exe" if sys.platform == "win32" else ""))
    if not exe.is_file():
        print(f"freeze.py: {exe} was not built", file=sys.stderr)
        return 1
    print(exe)
    return 0


if __name__ == "__main__":
    sys.exit(main())
