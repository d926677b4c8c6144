"""Suppressions in template Metadata (template and resource level, YAML and JSON), counted and
listed, and an unused one reported as MF0001."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import SAMPLES
from tui.cli import main

YAML = (SAMPLES / "transaction-platform.yaml").read_text()
RESOURCE_BLOCK = """    Metadata:
      meridian-fix:
        ignore:
          - code: MF0101
            reason: moving the database is planned for next quarter
          - MF0602          # nothing of MF0602 is on a subnet group: unused
"""
TEMPLATE_BLOCK = """  meridian-fix:
    ignore:
      - code: MF0602
        reason: TLS terminates at the CDN in front of the load balancer
"""


def yaml_with_suppressions() -> str:
    text = YAML.replace(
        "  DBSubnetGroup:\n    Type: AWS::RDS::DBSubnetGroup\n",
        "  DBSubnetGroup:\n    Type: AWS::RDS::DBSubnetGroup\n" + RESOURCE_BLOCK,
        1,
    )
    assert RESOURCE_BLOCK in text
    return text.replace("\nMetadata:\n", "\nMetadata:\n" + TEMPLATE_BLOCK, 1)


def json_with_suppressions() -> str:
    data = json.loads((SAMPLES / "transaction-platform.json").read_text())
    data["Metadata"]["meridian-fix"] = {
        "ignore": [{"code": "MF0602", "reason": "TLS terminates at the CDN"}]
    }
    data["Resources"]["DBSubnetGroup"]["Metadata"] = {
        "meridian-fix": {"ignore": ["MF0101", {"code": "MF0602"}]}
    }
    return json.dumps(data, indent=2) + "\n"


def report(capsys: pytest.CaptureFixture[str], path: Path, *extra: str) -> tuple[int, dict]:
    code = main(["--check", "--format", "json", "--select", "MF01,MF03,MF06", *extra, str(path)])
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("kind", ["yaml", "json"])
def test_template_and_resource_suppressions(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = tmp_path / f"plain.{kind}"
    plain.write_text(
        YAML if kind == "yaml" else (SAMPLES / "transaction-platform.json").read_text()
    )
    _, before = report(capsys, plain)
    codes_before = {f["code"] for f in before["files"][0]["findings"]}
    assert {"MF0101", "MF0602"} <= codes_before

    path = tmp_path / f"t.{kind}"
    path.write_text(yaml_with_suppressions() if kind == "yaml" else json_with_suppressions())
    code, after = report(capsys, path)
    file = after["files"][0]
    codes = [f["code"] for f in file["findings"]]
    assert "MF0101" not in codes and "MF0602" not in codes
    suppressed = {s["code"]: s["suppression"] for s in file["suppressed"]}
    assert suppressed["MF0101"]["scope"] == "DBSubnetGroup"
    assert suppressed["MF0602"]["scope"] == "template"
    assert suppressed["MF0602"]["reason"].startswith("TLS terminates")
    assert after["summary"]["suppressed"] == len(file["suppressed"]) >= 2
    # The resource's MF0602 entry suppresses nothing: reported as MF0001 at its line, with no fix.
    unused = [f for f in file["findings"] if f["code"] == "MF0001"]
    assert len(unused) == 1 and unused[0]["fix"] is None and "MF0602" in unused[0]["message"]
    assert unused[0]["path"][:4] == ["Resources", "DBSubnetGroup", "Metadata", "meridian-fix"]
    assert unused[0]["line"] > 1
    assert code == 1


def test_show_suppressed_and_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(yaml_with_suppressions())
    main(["--check", "--select", "MF01,MF03,MF06", "--show-suppressed", str(path)])
    out, err = capsys.readouterr()
    assert "suppressed by MF0101 (resource Metadata" in out and "moving the database" in out
    assert "suppressed by MF0602 (template Metadata" in out
    assert "2 suppressed" in err
    main(["--check", "--select", "MF01,MF03,MF06", str(path)])
    out, _ = capsys.readouterr()
    assert "suppressed by" not in out


def test_unused_check_can_be_ignored_and_respects_selection(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(yaml_with_suppressions())
    _, doc = report(capsys, path, "--ignore", "MF0001")
    assert all(f["code"] != "MF0001" for f in doc["files"][0]["findings"])
    # The MF06 rules do not run: the resource's MF0602 entry is not "unused".
    assert main(["--check", "--format", "json", "--select", "MF01", str(path)]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert [f["code"] for f in doc["files"][0]["findings"] if f["code"] == "MF0001"] == []


def test_unknown_code_and_bad_shape_are_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = YAML.replace(
        "\nMetadata:\n",
        "\nMetadata:\n  meridian-fix:\n    ignore:\n      - MF9999\n      - [not, a, code]\n",
        1,
    )
    path = tmp_path / "t.yaml"
    path.write_text(text)
    _, doc = report(capsys, path)
    messages = [f["message"] for f in doc["files"][0]["findings"] if f["code"] == "MF0001"]
    assert len(messages) == 2
    assert any("no rule code starts with MF9999" in m for m in messages)
    assert any("invalid" in m for m in messages)
