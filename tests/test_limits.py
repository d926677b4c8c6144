"""CloudFormation's template limits: a fix that would push a template over one is rolled back
before any lint, with the limit named; a limit the template broke already is not the fixes'."""

from __future__ import annotations

import re

import pytest

from fixers import limits
from fixers.document import Document
from fixers.engine import Engine, Options


def _template(handles: int, padding: int = 0) -> str:
    """A VPC without flow logs (MF0103's fix adds resources) and ``handles`` other resources."""
    lines = [
        "AWSTemplateFormatVersion: '2010-09-09'",
        "Metadata:",
        f"  Padding: {'x' * padding}" if padding else "  Padding: none",
        "Resources:",
        "  VPC:",
        "    Type: AWS::EC2::VPC",
        "    Properties:",
        "      CidrBlock: 10.0.0.0/16",
    ]
    for i in range(handles):
        lines += [f"  Handle{i:03d}:", "    Type: AWS::CloudFormation::WaitConditionHandle"]
    return "\n".join(lines) + "\n"


def _fix(text: str, validate: bool = False):  # type: ignore[no-untyped-def]
    engine = Engine(Options(fix=True, unsafe_fixes=True, validate=validate, select=["MF0103"]))
    result = engine.run_document(Document.from_text(text, "limits.yaml"))
    (outcome,) = result.outcomes
    return outcome, result


def test_the_limits_are_cfn_lints() -> None:
    from cfnlint.helpers import LIMITS

    assert LIMITS["template"]["body"] == limits.TEMPLATE_BODY_BYTES
    assert {
        s: LIMITS[s]["number"] for s in ("Resources", "Parameters", "Outputs", "Mappings")
    } == limits.SECTION_ENTRIES
    assert LIMITS["Mappings"]["attributes"] == limits.MAPPING_ATTRIBUTES


def test_a_fix_that_fits_is_applied() -> None:
    outcome, result = _fix(_template(400))
    assert outcome.status == "applied"
    assert "FlowLog" in result.new_text


def test_a_fix_that_would_pass_500_resources_is_rolled_back_and_says_why() -> None:
    text = _template(499)  # 500 resources: at the limit
    outcome, result = _fix(text)
    assert outcome.status == "rolled back"
    assert re.fullmatch(
        r"the template would exceed a CloudFormation limit: 50\d resources \(at most 500\)",
        outcome.reason or "",
    )
    assert result.new_text == text


def test_a_limit_broken_before_any_fix_is_not_enforced() -> None:
    outcome, _ = _fix(_template(500))  # 501 resources already: cfn-lint reports it before and after
    assert outcome.status == "applied"


def test_a_fix_that_would_pass_the_body_size_is_rolled_back() -> None:
    base = len(_template(0).encode())
    text = _template(0, padding=limits.TEMPLATE_BODY_BYTES - base - 100)  # 100 bytes left
    assert len(text.encode()) <= limits.TEMPLATE_BODY_BYTES
    outcome, result = _fix(text)
    assert outcome.status == "rolled back"
    assert "bytes (at most 1,000,000)" in (outcome.reason or "")
    assert result.new_text == text


def test_size_counts_bytes_not_characters_and_the_bom() -> None:
    doc = Document.from_text("Description: é\nResources: {}\n", bom=True)
    assert doc.size() == len("Description: é\nResources: {}\n".encode()) + 3
    doc.set(("Outputs",), {"A": {"Value": "é"}})
    assert (
        doc.size() == len(doc.text.encode()) + 3
    )  # measured before the patch is applied, then after


@pytest.mark.parametrize(
    "section,count", [("Parameters", 200), ("Outputs", 200), ("Mappings", 200)]
)
def test_every_section_limit_is_measured(section: str, count: int) -> None:
    data = {section: {f"E{i}": {} for i in range(count + 1)}}
    assert section in limits.measure(data, 10).breaches()
    data[section].popitem()
    assert limits.measure(data, 10).breaches() == {}


def test_each_mapping_has_its_own_limit() -> None:
    wide = {f"K{i}": {"v": i} for i in range(201)}
    before = limits.measure({"Mappings": {"Wide": wide, "Small": {"a": {"v": 1}}}}, 10)
    assert list(before.breaches()) == ["Mappings/Wide"]
    grown = limits.measure(
        {"Mappings": {"Wide": wide, "Small": {f"K{i}": {} for i in range(201)}}}, 10
    )
    assert (
        limits.new_breach(before, grown)
        == "the template would exceed a CloudFormation limit: mapping Small with 201 keys (at most 200)"
    )


def test_the_apps_single_fix_is_held_to_the_limits_too() -> None:
    from fixers.engine import apply_one
    from fixers.rules import select_rules

    text = _template(499)
    doc = Document.from_text(text, "limits.yaml")
    (rule,) = select_rules(["MF0103"], [])
    (finding,) = rule.detect(doc)
    status, reason, _ = apply_one(doc, rule, finding, [])
    assert status == "rolled back" and "(at most 500)" in (reason or "")
    assert doc.text == text
