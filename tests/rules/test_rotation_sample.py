"""The rotation rules (MF0401 to MF0404) on the flawed Meridian sample, YAML and JSON, and on a
second flawed template with other names and layout; silence on a production-grade one."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixers.document import Document
from fixers.engine import Engine, FileResult, Options
from tests.helpers import codes, findings, fix_text, run_fix

ROOT = Path(__file__).resolve().parent.parent.parent
SAMPLES = ROOT / "sample_templates"
FIXTURES = ROOT / "tests" / "fixtures"
CODES = ["MF0401", "MF0402", "MF0403", "MF0404"]

EXPECTED = {
    ("MF0401", "DatabaseSecretRotationLambda"),
    ("MF0402", "DatabaseSecretRotationLambda"),
    ("MF0403", "DatabaseSecretRotationRole"),
    ("MF0404", "DatabaseSecretRotationLambda"),
}


def one_at_a_time(text: str, order: list[str]) -> str:
    for code in order:
        text = run_fix(text, [code]).new_text
    return text


@pytest.fixture(scope="module")
def validated():
    """``run_fix(text, CODES, validate=True)`` with one engine, so cfn-lint's rules are built once."""
    engine = Engine(Options(select=CODES, fix=True, unsafe_fixes=True, validate=True))

    def run(text: str) -> FileResult:
        return engine.run_document(Document.from_text(text))

    return run


@pytest.fixture(scope="module", params=["transaction-platform.yaml", "transaction-platform.json"])
def sample(request) -> str:
    return (SAMPLES / request.param).read_text(encoding="utf-8")


def test_every_rotation_gap_is_found_at_its_resource(sample: str) -> None:
    assert {(f.code, f.resource) for f in findings(sample, CODES)} == EXPECTED


@pytest.mark.slow  # validates with cfn-lint: part of the whole suite, not the fast subset
def test_fixes_validate_converge_and_do_not_depend_on_order(sample: str, validated) -> None:
    result = validated(sample)
    assert not result.rule_errors
    assert [o for o in result.outcomes if o.status != "applied"] == []
    assert result.lint_new == []
    assert [f.code for f in result.remaining if f.fix is not None] == []
    again = run_fix(result.new_text, CODES)
    assert again.new_text == result.new_text
    assert one_at_a_time(sample, CODES) == result.new_text
    assert one_at_a_time(sample, CODES[::-1]) == result.new_text


@pytest.mark.slow  # validates with cfn-lint: part of the whole suite, not the fast subset
def test_fixed_sample_rotates_with_the_real_function_in_the_vpc(sample: str) -> None:
    data = Document.from_text(fix_text(sample, CODES)).data
    res = data["Resources"]
    fn = res["DatabaseSecretRotationLambda"]["Properties"]
    assert "def set_secret" in fn["Code"]["ZipFile"]
    assert fn["VpcConfig"]["SubnetIds"] == [{"Ref": f"PrivateSubnet{i}"} for i in (1, 2, 3)]
    assert fn["VpcConfig"]["SecurityGroupIds"] == [{"Ref": "LambdaSecurityGroup"}]
    assert res["DatabaseIngressFromRotationLambda"]["Properties"]["GroupId"] == {
        "Ref": "DatabaseSecurityGroup"
    }
    # Its driver from a layer every deploy passes; the secret's one schedule invokes it alone:
    # no hosted fallback, no Fn::If, no transform (MF0402).
    assert fn["Layers"] == [{"Ref": "PsycopgLayerArn"}]
    assert "Default" not in data["Parameters"]["PsycopgLayerArn"]
    schedule = res["DatabaseSecretRotationSchedule"]["Properties"]
    assert schedule["RotationLambdaARN"] == {"Fn::GetAtt": ["DatabaseSecretRotationLambda", "Arn"]}
    assert "HostedRotationLambda" not in schedule
    assert "Transform" not in data


def test_a_secrets_key_added_later_is_granted_to_the_rotation_role() -> None:
    """What MF0201 does (a customer-managed key on the secret) after the rotation fixes: MF0403
    grants it to the rotation function's role, and everything converges."""
    sample = (SAMPLES / "transaction-platform.yaml").read_text(encoding="utf-8")
    fixed = fix_text(sample, CODES)
    doc = Document.from_text(fixed)
    from fixers.kms_edits import ensure_secrets_key

    key = ensure_secrets_key(doc)
    doc.set(("Resources", "DatabaseSecret", "Properties", "KmsKeyId"), {"Ref": key})
    keyed = doc.text
    assert {f.code for f in findings(keyed, CODES)} == {"MF0403"}
    after = run_fix(keyed, ["MF0403"]).new_text
    assert codes(after, CODES) == []
    assert fix_text(after, CODES) == after


def test_combined_with_mf0201_in_any_order() -> None:
    sample = (SAMPLES / "transaction-platform.yaml").read_text(encoding="utf-8")
    together = fix_text(sample, CODES + ["MF0201"])
    assert one_at_a_time(sample, ["MF0201"] + CODES) == together
    assert one_at_a_time(sample, CODES + ["MF0201"]) == together


@pytest.mark.slow  # validates with cfn-lint: part of the whole suite, not the fast subset
def test_second_flawed_template_is_found_and_fixed_the_same_way(validated) -> None:
    text = (FIXTURES / "rotation-flawed.yaml").read_text(encoding="utf-8")
    assert {(f.code, f.resource) for f in findings(text, CODES)} == {
        ("MF0401", "PasswordChanger"),
        ("MF0402", "PasswordChanger"),
        ("MF0403", "PasswordChangerRole"),
        ("MF0404", "PasswordChanger"),
    }
    result = validated(text)
    assert result.lint_new == [] and not result.rule_errors
    assert [f.code for f in result.remaining if f.fix is not None] == []
    assert run_fix(result.new_text, CODES).new_text == result.new_text
    assert one_at_a_time(text, CODES[::-1]) == result.new_text
    assert "# The rotation steps will go here one day." not in result.new_text
    assert result.new_text.startswith("# Payments ledger")


def test_production_grade_template_gives_no_finding() -> None:
    assert codes((FIXTURES / "rotation-good.yaml").read_text(encoding="utf-8"), CODES) == []
