"""Baselines: with one written for the flawed sample the same template passes, a newly
introduced gap fails; fingerprints do not depend on lines; --fail-on a severity."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import SAMPLES
from tests.helpers import fix_text
from tui.cli import main

YAML = (SAMPLES / "transaction-platform.yaml").read_text()
SELECT = ["--select", "MF05,MF06"]


def check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    code = main(["--check", "--format", "json", *SELECT, *argv])
    return code, json.loads(capsys.readouterr().out)


def test_baseline_passes_the_same_template_and_fails_a_new_gap(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = tmp_path / "stack.yaml"
    baseline = tmp_path / "meridian-baseline.json"
    # Existing template: the sample with its target group health checks already right.
    template.write_text(fix_text(YAML, ["MF0506"]))
    code = main(
        ["--check", *SELECT, "--baseline", str(baseline), "--write-baseline", str(template)]
    )
    assert code == 0
    written = json.loads(baseline.read_text())
    assert list(written["files"]) == ["stack.yaml"]  # relative to the baseline's folder
    assert all(len(e["fingerprint"]) == 32 for e in written["files"]["stack.yaml"])
    capsys.readouterr()

    code, doc = check(capsys, "--baseline", str(baseline), str(template))
    assert code == 0, doc["summary"]
    assert doc["summary"]["baselined"] == doc["summary"]["findings"] > 0
    assert doc["summary"]["failing"] == 0

    # Moving every line down does not make old findings new.
    template.write_text("# a new first line\n" + template.read_text())
    code, _ = check(capsys, "--baseline", str(baseline), str(template))
    assert code == 0

    # Bring back the aggressive health checks: only those findings are new, and they fail.
    # MF0506's finding is the platform's convention: it fails a run only when --fail-on says so.
    template.write_text(YAML)
    code, doc = check(capsys, "--baseline", str(baseline), str(template))
    assert code == 0 and doc["summary"]["failing"] == 0
    code, doc = check(capsys, "--fail-on", "all", "--baseline", str(baseline), str(template))
    assert code == 1
    new = [f["code"] for f in doc["files"][0]["findings"] if not f["baselined"]]
    assert new and set(new) == {"MF0506"}
    assert doc["summary"]["failing"] == len(new)


def test_fail_on_severity(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    template = tmp_path / "stack.yaml"
    template.write_text(YAML)
    _, doc = check(capsys, str(template))
    severities = {f["severity"] for f in doc["files"][0]["findings"]}
    assert "critical" not in severities  # MF05/MF06 of the sample
    code, doc = check(capsys, "--fail-on", "critical", str(template))
    assert code == 0 and doc["summary"]["failing"] == 0 and doc["summary"]["findings"] > 0
    code, _ = check(capsys, "--fail-on", "medium", str(template))
    assert code == 1


def test_missing_or_bad_baseline_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = tmp_path / "stack.yaml"
    template.write_text(YAML)
    assert main(["--check", *SELECT, "--baseline", str(tmp_path / "none.json"), str(template)]) == 2
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    assert main(["--check", *SELECT, "--baseline", str(bad), str(template)]) == 2
    assert "not a meridian-fix baseline" in capsys.readouterr().err


def test_a_reworded_finding_keeps_its_fingerprint_and_old_baselines_still_match(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dataclasses import replace

    from fixers.baseline import fingerprint

    template = tmp_path / "stack.yaml"
    template.write_text(YAML)
    code, doc = check(capsys, str(template))
    finding = doc["files"][0]["findings"][0]
    # The fingerprint is the code and the template path: a new message does not change it.
    from fixers.model import Finding

    f = Finding(finding["code"], (), "t", "low", "ecs", tuple(finding["path"]), "old words")
    assert fingerprint(f) == fingerprint(replace(f, message="new words")) == finding["fingerprint"]
    # A baseline written with the first fingerprints (which hashed the message) still matches:
    # its entries record code and path.
    legacy = {
        "version": 1,
        "fingerprint": "meridianFix/v1",
        "files": {
            "stack.yaml": [
                {
                    "code": f["code"],
                    "path": "/".join(map(str, f["path"])),
                    "message": "what an earlier version said",
                    "fingerprint": "0" * 32,
                }
                for f in doc["files"][0]["findings"]
            ]
        },
    }
    baseline = tmp_path / "old-baseline.json"
    baseline.write_text(json.dumps(legacy))
    code, doc = check(capsys, "--fail-on", "all", "--baseline", str(baseline), str(template))
    assert code == 0
    assert doc["summary"]["baselined"] == doc["summary"]["findings"] > 0


def check_all(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    code = main(["--check", "--format", "json", *argv])
    return code, json.loads(capsys.readouterr().out)


def test_fail_on_kinds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    template = tmp_path / "stack.yaml"
    template.write_text(YAML)
    _, doc = check_all(capsys, str(template))
    findings = doc["files"][0]["findings"]
    kinds = {f["kind"] for f in findings}
    assert kinds == {"defect", "hardening", "convention"}
    default_failing = sum(f["kind"] != "convention" for f in findings)
    assert doc["summary"]["failing"] == default_failing < len(findings)
    assert doc["summary"]["by_kind"] == {
        k: sum(f["kind"] == k for f in findings) for k in ("defect", "hardening", "convention")
    }
    _, doc = check_all(capsys, "--fail-on", "convention", str(template))
    assert doc["summary"]["failing"] == sum(f["kind"] == "convention" for f in findings)
    _, doc = check_all(capsys, "--fail-on", "all,high", str(template))
    assert doc["summary"]["failing"] == sum(f["severity"] in ("high", "critical") for f in findings)
    # Kinds select findings too, and combine with code prefixes.
    _, doc = check_all(capsys, "--select", "defect", str(template))
    assert {f["kind"] for f in doc["files"][0]["findings"]} == {"defect"}
    _, doc = check_all(capsys, "--select", "MF05,convention", str(template))
    got = doc["files"][0]["findings"]
    assert got and all(f["code"].startswith("MF05") and f["kind"] == "convention" for f in got)
    _, doc = check_all(capsys, "--ignore", "convention", str(template))
    assert "convention" not in {f["kind"] for f in doc["files"][0]["findings"]}
