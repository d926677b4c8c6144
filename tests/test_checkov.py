"""checkov (pinned, installed in its own virtual environment at test time, never a runtime
dependency) reports nothing on the resources the fixes add to the sample, except the exceptions
the rules' docs argue: CKV_AWS_18 on the access-log bucket itself, CKV_AWS_51 on the ECR
repository (MF0501), and on the rotation function CKV_AWS_116, CKV_AWS_115 and CKV_AWS_173
(MF0401)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fixers.template import Template
from tests.conftest import ROOT, SAMPLES

CHECKOV_VERSION = "3.3.30"
VENV = ROOT / ".cache" / f"checkov-{CHECKOV_VERSION}"
ALLOWED = {
    ("CKV_AWS_18", "AWS::S3::Bucket"),
    ("CKV_AWS_51", "AWS::ECR::Repository"),
}
ROTATION_FUNCTION_ALLOWED = {"CKV_AWS_116", "CKV_AWS_115", "CKV_AWS_173"}


def _checkov() -> Path:
    exe = VENV / "bin" / "checkov"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [
                str(VENV / "bin" / "pip"),
                "install",
                "--quiet",
                "--disable-pip-version-check",
                f"checkov=={CHECKOV_VERSION}",
            ],
            check=True,
        )
    return exe


def _failed(path: Path) -> list[tuple[str, str, str]]:
    env = {**os.environ, "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false", "BC_SKIP_MAPPING": "TRUE"}
    out = subprocess.run(
        [
            str(_checkov()),
            "-f",
            str(path),
            "--framework",
            "cloudformation",
            "-o",
            "json",
            "--quiet",
            "--compact",
            "--skip-download",
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    report = json.loads(out.stdout)
    if isinstance(report, list):
        report = report[0]
    failed = []
    for check in report["results"]["failed_checks"]:
        rtype, _, lid = check["resource"].partition(".")
        failed.append((check["check_id"], rtype, lid))
    return failed


@pytest.mark.slow
@pytest.mark.parametrize(
    "name", ["transaction-platform.fixed.yaml", "transaction-platform.fixed.json"]
)
def test_checkov_finds_nothing_on_what_the_fixes_add(name: str) -> None:
    fixed = SAMPLES / name
    original = SAMPLES / name.replace(".fixed", "")
    added = set(Template(fixed.read_text()).data["Resources"]) - set(
        Template(original.read_text()).data["Resources"]
    )
    assert added, "the fixes add resources"
    rotation_functions = {
        lid
        for lid, res in Template(fixed.read_text()).data["Resources"].items()
        if res.get("Type") == "AWS::Lambda::Function"
        and "lambda_handler" in str(res.get("Properties", {}).get("Handler"))
    }
    unexpected = []
    for check, rtype, lid in _failed(fixed):
        if lid in rotation_functions and check in ROTATION_FUNCTION_ALLOWED:
            continue
        if lid in added and (check, rtype) not in ALLOWED:
            unexpected.append((check, rtype, lid))
    assert not unexpected, unexpected
