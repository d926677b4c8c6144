"""The command: exit statuses, one line per bad file, --jobs output equal to serial, --check
importing neither textual nor cfn-lint, --list-rules as a table."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLES
from tui.cli import main

YAML = (SAMPLES / "transaction-platform.yaml").read_text()


def test_check_imports_neither_textual_nor_cfn_lint(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from tui.cli import main\n"
        f"rc = main(['--check', '--format', 'sarif', '--select', 'MF06', {str(SAMPLES / 'transaction-platform.json')!r}])\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'cfnlint'))\n"
        "print('IMPORTED', bad, file=sys.stderr)\n"
        "sys.exit(0 if not bad else 3)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-500:]


def test_bad_files_get_one_line_and_the_others_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(YAML)
    bad = tmp_path / "bad.yaml"
    bad.write_text("Resources: [oops\n")
    code = main(
        ["--check", "--select", "MF06", str(bad), str(tmp_path / "missing.yaml"), str(good)]
    )
    out, err = capsys.readouterr()
    assert code == 2
    assert len([line for line in err.splitlines() if "bad.yaml" in line]) == 1
    assert len([line for line in err.splitlines() if "missing.yaml" in line]) == 1
    assert "good.yaml:" in out


def test_exit_status_and_templates_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clean = tmp_path / "clean.yaml"
    clean.write_text("Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n")
    other = tmp_path / "workflow.yaml"
    other.write_text("on: push\njobs: {}\n")
    assert main(["--check", str(clean)]) == 0
    assert main(["--check", str(other)]) == 2
    assert main(["--check", "--templates-only", str(other), str(clean)]) == 0
    flawed = tmp_path / "flawed.yaml"
    flawed.write_text(YAML)
    assert main(["--check", "--select", "MF06", str(flawed)]) == 1
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        main(["--check", "--select", "MF99", str(clean)])
    assert exc.value.code == 2


def test_jobs_give_the_same_json_in_input_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = []
    for i in range(4):
        p = tmp_path / f"t{i}.yaml"
        p.write_text(YAML if i % 2 == 0 else "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n")
        files.append(str(p))
    outputs = []
    for jobs in ("1", "2"):
        assert (
            main(["--check", "--format", "json", "--select", "MF06", "--jobs", jobs, *files]) == 1
        )
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
    assert [f["path"] for f in json.loads(outputs[0])["files"]] == files


def test_list_rules_table_and_explain_mf0001(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--list-rules"]) == 0
    out = capsys.readouterr().out
    assert "MF0001" in out and "MF0101" in out and "Spec" in out
    assert main(["--explain", "MF0001"]) == 0
    assert "Unused or invalid suppression" in capsys.readouterr().out


def test_summary_table_by_area(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for i in range(2):
        (tmp_path / f"t{i}.yaml").write_text(YAML)
    main(["--check", "--select", "MF06,MF01", "--jobs", "1", str(tmp_path)])
    err = capsys.readouterr().err
    assert "Findings by area" in err and "load balancer" in err and "network" in err
    assert "\x1b[" not in err  # no colours when not a terminal


def test_a_folder_skips_files_that_only_mention_a_section(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A JSON report of an earlier run names "Resources" in its finding paths; a notes file
    # says the word too. Neither has the section as a key, so neither is read as a template.
    (tmp_path / "stack.yaml").write_text((SAMPLES / "transaction-platform.yaml").read_text())
    (tmp_path / "findings.json").write_text(
        json.dumps({"files": [{"findings": [{"path": ["Resources", "VPC"]}]}]})
    )
    (tmp_path / "notes.yml").write_text("text: the Resources of the stack\n")
    code = main(["--check", "--format", "json", str(tmp_path)])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [Path(f["path"]).name for f in doc["files"]] == ["stack.yaml"]
