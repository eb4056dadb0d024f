"""The AWS operations Pipewright's engine calls, read from its Rust source.

The frozen sandbox's smoke test (smoke.py) must exercise every one of them; a test
(tests/test_packaging.py) checks that it does, so a new call in the engine fails that test
until the smoke test covers it. Needs botocore (for the operation names), not the frozen build.

    python sandbox/packaging/lab_operations.py      prints them, one `service Operation` a line
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = (ROOT / "crates" / "core" / "src", ROOT / "src-tauri" / "src")

# Rust SDK crate suffix / AwsContext accessor -> botocore service name.
CRATES = {
    "sts": "sts", "iam": "iam", "s3": "s3", "ec2": "ec2", "elasticloadbalancingv2": "elbv2",
    "ecs": "ecs", "ecr": "ecr", "codebuild": "codebuild", "codepipeline": "codepipeline",
    "codestarconnections": "codestar-connections", "cloudwatchlogs": "logs",
    "resourcegroupstagging": "resourcegroupstaggingapi", "scheduler": "scheduler",
}
ACCESSORS = {
    "sts": "sts", "iam": "iam", "s3": "s3", "ec2": "ec2", "elbv2": "elbv2", "ecs": "ecs",
    "ecr": "ecr", "codebuild": "codebuild", "codepipeline": "codepipeline",
    "connections": "codestar-connections", "logs": "logs", "tagging": "resourcegroupstaggingapi",
    "scheduler": "scheduler",
}


def _service_operations() -> dict[str, dict[str, str]]:
    """botocore service -> {snake_case method: OperationName}."""
    import botocore.session
    from botocore import xform_name

    session = botocore.session.get_session()
    out = {}
    for service in CRATES.values():
        model = session.get_service_model(service)
        out[service] = {xform_name(op): op for op in model.operation_names}
    return out


def used_operations() -> set[tuple[str, str]]:
    """(botocore service, OperationName) for every SDK call in the engine and the app."""
    ops = _service_operations()
    crate_re = re.compile(r"aws_sdk_([a-z0-9]+)")
    accessor_re = re.compile(r"\.(" + "|".join(ACCESSORS) + r")\(\)")
    # A client's operation method takes no argument (`iam.create_role()`); builder setters do.
    call_re = re.compile(r"\.\s*([a-z][a-z0-9_]*)\s*\(\s*\)")
    found = set()
    for folder in SOURCES:
        for path in folder.rglob("*.rs"):
            text = path.read_text(encoding="utf-8")
            services = {CRATES[c] for c in crate_re.findall(text) if c in CRATES}
            services |= {ACCESSORS[a] for a in accessor_re.findall(text)}
            calls = set(call_re.findall(text))
            for service in services:
                for method in calls & ops[service].keys():
                    found.add((service, ops[service][method]))
    return found


if __name__ == "__main__":
    for service, op in sorted(used_operations()):
        print(service, op)
    sys.exit(0)
