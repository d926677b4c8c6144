"""SARIF 2.1.0 and GitHub annotations: valid against the official schema, every finding at its
line, fingerprints that survive lines moving, fixes as replacements that reproduce the fix."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from fixers.sarif import apply_replacements, replacements
from tests.conftest import SAMPLES
from tui.cli import main

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())
YAML = SAMPLES / "transaction-platform.yaml"
JSON = SAMPLES / "transaction-platform.json"


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    code = main(list(argv))
    return code, json.loads(capsys.readouterr().out)


def validate(log: dict) -> None:
    validator = jsonschema.Draft4Validator(
        SCHEMA, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message[:200]}" for e in errors[:5]]


@pytest.fixture(scope="module")
def sample_sarif() -> dict:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["--check", "--format", "sarif", "--jobs", "1", str(YAML)])
    assert code == 1
    return json.loads(out.getvalue())


@pytest.mark.slow  # validates with cfn-lint: part of the whole suite, not the fast subset
def test_sample_sarif_is_valid_and_complete(
    sample_sarif: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    validate(sample_sarif)
    run = sample_sarif["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "meridian-fix" and driver["version"]
    assert (
        run["tool"]["extensions"][0]["name"] == "cfn-lint"
        and run["tool"]["extensions"][0]["version"]
    )
    rules = {r["id"]: r for r in driver["rules"]}
    assert "MF0101" in rules and "MF0001" in rules
    assert all(r["help"]["markdown"].startswith(f"# {r['id']}") for r in rules.values())
    # Every finding of the JSON report is a result at its line and column.
    _, report = run_json(capsys, "--check", "--format", "json", str(YAML))
    expected = sorted((f["code"], f["line"], f["column"]) for f in report["files"][0]["findings"])
    results = run["results"]
    got = []
    for r in results:
        loc = r["locations"][0]["physicalLocation"]
        assert driver["rules"][r["ruleIndex"]]["id"] == r["ruleId"]
        assert loc["artifactLocation"]["uri"].endswith("transaction-platform.yaml")
        got.append((r["ruleId"], loc["region"]["startLine"], loc["region"]["startColumn"]))
        assert r["partialFingerprints"]["meridianFix/v2"]
    assert sorted(got) == expected and len(expected) > 10
    assert len({r["partialFingerprints"]["meridianFix/v2"] for r in results}) == len(results)


@pytest.mark.slow  # validates with cfn-lint: part of the whole suite, not the fast subset
def test_fixes_are_replacements_that_reproduce_the_fix(sample_sarif: dict) -> None:
    original = YAML.read_text()
    fixed = [r for r in sample_sarif["runs"][0]["results"] if "fixes" in r]
    assert fixed, "no result carries its fix"
    for r in fixed:
        change = r["fixes"][0]["artifactChanges"][0]
        new = apply_replacements(original, change["replacements"])
        assert new != original
        assert replacements(original, new) == change["replacements"]
    # The MF0601 fix adds a bucket and points the load balancer at it.
    alb = next(r for r in fixed if r["ruleId"] == "MF0601")
    new = apply_replacements(original, alb["fixes"][0]["artifactChanges"][0]["replacements"])
    assert "access_logs.s3.enabled" in new


def test_replacements_round_trip_edge_cases() -> None:
    for a, b in [
        ("a\nb\nc\n", "a\nx\nb\nc\n"),
        ("a\nb\nc\n", "a\nc\n"),
        ("a\nb", "a\nb\nc"),
        ("", "x\n"),
        ("a\r\nb\r\n", "a\r\nB\r\n"),
    ]:
        assert apply_replacements(a, replacements(a, b)) == b


def test_fingerprints_survive_a_line_inserted_above(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = YAML.read_text()
    before = tmp_path / "before.yaml"
    after = tmp_path / "after.yaml"
    before.write_text(text)
    lines = text.splitlines(keepends=True)
    after.write_text(
        "".join(lines[:3] + ["# a comment inserted above every finding\n", "\n"] + lines[3:])
    )

    def prints(path: Path) -> dict[str, int]:
        _, log = run_json(capsys, "--check", "--format", "sarif", "--select", "MF06", str(path))
        validate(log)
        return {
            r["partialFingerprints"]["meridianFix/v2"]: r["locations"][0]["physicalLocation"][
                "region"
            ]["startLine"]
            for r in log["runs"][0]["results"]
        }

    a, b = prints(before), prints(after)
    assert a and set(a) == set(b)
    assert all(b[fp] == a[fp] + 2 for fp in a)


def test_json_sample_sarif_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    code, log = run_json(capsys, "--check", "--format", "sarif", "--select", "MF01,MF06", str(JSON))
    assert code == 1
    validate(log)
    assert log["runs"][0]["artifacts"][0]["sourceLanguage"] == "json"
    assert all(
        r["locations"][0]["physicalLocation"]["region"]["startLine"] > 1
        for r in log["runs"][0]["results"]
    )


def test_unreadable_file_is_a_notification(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("Resources: [unclosed\n")
    code, log = run_json(capsys, "--check", "--format", "sarif", str(bad))
    assert code == 2
    validate(log)
    notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert notes and notes[0]["level"] == "error"
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is False


def test_github_annotations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--check", "--format", "github", "--select", "MF0101", str(YAML)])
    out = capsys.readouterr().out.splitlines()
    assert code == 1
    assert len(out) == 1
    line = out[0]
    assert line.startswith("::warning file=") and ",line=" in line and ",col=" in line
    assert "title=MF0101 " in line and "::DB subnet group" in line
