"""Sections 6 and 8 on the analysed sample (YAML and JSON) and on a second flawed template with
other names and layout: every gap found at the right resource, fixed without new cfn-lint
errors, converging, and independent of the order the fixes run in."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from tests.helpers import findings, run_fix

ROOT = Path(__file__).resolve().parents[2]
CODES = ["MF0601", "MF0602", "MF0603", "MF0604", "MF0801", "MF0802", "MF0803", "MF0804"]

SAMPLE_EXPECTED = [
    ("MF0601", "ApplicationLoadBalancer"),
    ("MF0602", "ALBListener"),
    ("MF0603", "ALBTargetGroupBlueGreen"),
    ("MF0604", "ApplicationLoadBalancer"),
    ("MF0801", "ECSLogGroup"),
    ("MF0802", None),
    ("MF0803", "AuroraPrimaryInstance"),
    ("MF0803", "AuroraReplicaInstance"),
    # 8.4: the sample's service is unconditional, so its alarms outlive nothing; MF0501's fix
    # (the service's own, empty repository) gates the service and these alarms together.
]
FLAWED_EXPECTED = [
    ("MF0601", "FrontDoor"),
    ("MF0602", "PlainListener"),
    ("MF0603", "CandidatePool"),
    ("MF0604", "FrontDoor"),
    ("MF0801", "GatewayLogs"),
    ("MF0802", None),
    ("MF0803", "Ledger"),
]
CASES = {
    "sample.yaml": ("sample_templates/transaction-platform.yaml", SAMPLE_EXPECTED),
    "sample.json": ("sample_templates/transaction-platform.json", SAMPLE_EXPECTED),
    "flawed.yaml": ("tests/fixtures/alb-monitoring-flawed.yaml", FLAWED_EXPECTED),
}


@functools.cache
def _text(name: str) -> str:
    return (ROOT / CASES[name][0]).read_text()


@functools.cache
def _fixed(name: str):
    return run_fix(_text(name), CODES, validate=True)


@pytest.mark.parametrize("name", list(CASES))
def test_every_gap_is_found_at_its_resource(name: str) -> None:
    found = sorted((f.code, f.resource) for f in findings(_text(name), CODES))
    assert found == sorted(CASES[name][1], key=lambda x: (x[0], x[1] or ""))


@pytest.mark.slow  # validates with cfn-lint: part of the whole suite, not the fast subset
@pytest.mark.parametrize("name", list(CASES))
def test_fix_adds_no_cfn_lint_error_and_converges(name: str) -> None:
    result = _fixed(name)
    assert not result.rule_errors
    assert [o.finding.code for o in result.outcomes if o.status != "applied"] == []
    assert result.lint_new == []
    assert [f.code for f in result.remaining if f.fix is not None] == []
    assert run_fix(result.new_text, CODES).new_text == result.new_text


@pytest.mark.slow  # validates with cfn-lint: part of the whole suite, not the fast subset
@pytest.mark.parametrize("name", list(CASES))
def test_order_of_the_fixes_does_not_matter(name: str) -> None:
    together = _fixed(name).new_text
    for order in (CODES, list(reversed(CODES))):
        text = _text(name)
        for code in order:
            text = run_fix(text, [code]).new_text
        assert text == together, order


def test_comments_of_the_sample_survive() -> None:
    fixed = _fixed("sample.yaml").new_text
    for line in _text("sample.yaml").splitlines():
        if line.strip().startswith("#"):
            assert line in fixed


def test_production_grade_template_has_no_finding() -> None:
    good = (ROOT / "tests/fixtures/alb-monitoring-good.yaml").read_text()
    assert findings(good, CODES) == []
