"""MF0402: psycopg2 from a Lambda layer every deploy passes; no conditional hosted fallback
(spec 4.2)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from fixers import cfn
from fixers.document import Document
from fixers.rules import all_rules
from tests.conftest import SAMPLES
from tests.helpers import as_json, codes, findings, fix_text, fixture, run_fix

FLAWED = fixture("rotation-placeholder.yaml")
ROTATION = ["MF0401", "MF0402", "MF0403", "MF0404"]

PARAMS = """\
Parameters:
  PsycopgLayerArn:
    Type: String
    Description: 'ARN of a Lambda layer version in this Region with psycopg2 (python/psycopg2) built for the rotation function''s runtime and architecture; required: without it rotation cannot import its PostgreSQL driver.'
    AllowedPattern: arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+
    ConstraintDescription: must be a layer version ARN, arn:<partition>:lambda:<region>:<account>:layer:<name>:<version>
"""

FIXED = FLAWED.replace("Resources:\n", PARAMS + "Resources:\n", 1).replace(
    "              return {'statusCode': 200}\n",
    "              return {'statusCode': 200}\n      Layers:\n        - !Ref PsycopgLayerArn\n",
)

# What this rule wrote before: a conditional layer, and the AWS-hosted function as a fallback in
# Fn::If around HostedRotationLambda, under the Secrets Manager transform.
PREVIOUS_SHAPE = (
    FLAWED.replace(
        "Resources:\n",
        """\
Parameters:
  PsycopgLayerS3Bucket: {Type: String, Default: ''}
  PsycopgLayerS3Key: {Type: String, Default: ''}
Conditions:
  HasPsycopgLayer: !And [!Not [!Equals [!Ref PsycopgLayerS3Bucket, '']], !Not [!Equals [!Ref PsycopgLayerS3Key, '']]]
Transform: AWS::SecretsManager-2024-09-16
Resources:
""",
        1,
    )
    .replace(
        "              return {'statusCode': 200}\n",
        "              return {'statusCode': 200}\n"
        "      Layers: !If [HasPsycopgLayer, [!Ref PsycopgLayer], !Ref AWS::NoValue]\n",
    )
    .replace(
        "      RotationLambdaARN: !GetAtt Rotator.Arn\n",
        "      RotationLambdaARN: !If [HasPsycopgLayer, !GetAtt Rotator.Arn, !Ref AWS::NoValue]\n"
        "      HostedRotationLambda: !If\n"
        "        - HasPsycopgLayer\n"
        "        - !Ref AWS::NoValue\n"
        "        - RotationType: PostgreSQLSingleUser\n",
    )
    + """\
  PsycopgLayer:
    Type: AWS::Lambda::LayerVersion
    Condition: HasPsycopgLayer
    Properties:
      Content: {S3Bucket: !Ref PsycopgLayerS3Bucket, S3Key: !Ref PsycopgLayerS3Key}
      CompatibleRuntimes: [python3.12]
"""
)


def assert_documented_rotation_shape(text: str) -> None:
    """What the issue asks of every template the fixes write: no Fn::If around (or inside)
    HostedRotationLambda, no HostedRotationLambda beside RotationLambdaARN, at most one
    RotationSchedule per secret, and no transform added."""
    data = Document.from_text(text).data
    per_secret: Counter[Any] = Counter()
    for lid, schedule in cfn.of_type(data, "AWS::SecretsManager::RotationSchedule"):
        props = cfn.props(schedule)
        per_secret[str(props.get("SecretId"))] += 1
        if "HostedRotationLambda" in props:
            hosted = props["HostedRotationLambda"]
            assert not any(isinstance(v, dict) and "Fn::If" in v for _, v in cfn.walk(hosted)), (
                f"{lid}: Fn::If in HostedRotationLambda"
            )
            assert "RotationLambdaARN" not in props, f"{lid}: both rotation function properties"
        assert "Condition" not in schedule, f"{lid}: a schedule under a condition"
    assert all(n == 1 for n in per_secret.values()), per_secret
    assert "Transform" not in data


def test_fires_on_a_postgres_rotation_function_without_a_layer() -> None:
    (finding,) = findings(FLAWED, ["MF0402"])
    assert finding.resource == "Rotator"
    assert finding.path == ("Resources", "Rotator", "Properties", "Layers")
    assert "psycopg2" in finding.message
    # A parameter without a default: every deploy must pass it, so the fix is unsafe (unknown).
    fix = finding.fix
    assert fix is not None and not fix.safe and fix.impact == "unknown"
    assert "without a default" in fix.impact_detail
    assert "PsycopgLayerArn" in fix.title
    # No transform, so no CAPABILITY_AUTO_EXPAND (the detail says so, rather than requiring it).
    assert "No transform is added" in fix.impact_detail


def test_fix_byte_for_byte_and_converges() -> None:
    fixed = fix_text(FLAWED, ["MF0402"])
    assert fixed == FIXED
    assert "# the VPC" in fixed
    assert "# the secret only" in fixed


def test_json_twin_is_fixed_byte_for_byte() -> None:
    assert fix_text(as_json(FLAWED), ["MF0402"]) == as_json(FIXED)


def test_a_second_pass_changes_nothing() -> None:
    for text in (FIXED, as_json(FIXED)):
        again = run_fix(text, ["MF0402"])
        assert again.new_text == text
        assert again.outcomes == [] and codes(text, ["MF0402"]) == []


def test_the_function_always_has_its_driver_and_the_schedule_is_plain() -> None:
    data = Document.from_text(FIXED).data
    param = data["Parameters"]["PsycopgLayerArn"]
    assert "Default" not in param  # every deploy passes the ARN
    assert param["Type"] == "String"
    assert data["Resources"]["Rotator"]["Properties"]["Layers"] == [{"Ref": "PsycopgLayerArn"}]
    assert "Conditions" not in data
    sched = data["Resources"]["Schedule"]["Properties"]
    assert sched["RotationLambdaARN"] == {"Fn::GetAtt": ["Rotator", "Arn"]}
    assert "HostedRotationLambda" not in sched
    assert_documented_rotation_shape(FIXED)


@pytest.mark.parametrize(
    "arn, ok",
    [
        ("arn:aws:lambda:eu-west-1:123456789012:layer:psycopg2:3", True),
        ("arn:aws-us-gov:lambda:us-gov-west-1:123456789012:layer:psycopg2-py312:12", True),
        ("arn:aws-cn:lambda:cn-north-1:123456789012:layer:pg_driver:1", True),
        ("arn:aws:lambda:eu-west-1:123456789012:layer:psycopg2", False),  # no version
        ("", False),
        ("psycopg2", False),
    ],
)
def test_the_parameter_accepts_layer_version_arns_only(arn: str, ok: bool) -> None:
    import re

    pattern = Document.from_text(FIXED).data["Parameters"]["PsycopgLayerArn"]["AllowedPattern"]
    # CloudFormation matches AllowedPattern against the whole value.
    assert bool(re.fullmatch(pattern, arn)) is ok


def test_every_rotation_fix_together_writes_the_documented_shape() -> None:
    """With MF0401 (the real function), MF0403 and MF0404, on the fixture and on the sample."""
    fixed = fix_text(FLAWED, ROTATION)
    assert_documented_rotation_shape(fixed)
    data = Document.from_text(fixed).data
    assert data["Resources"]["Rotator"]["Properties"]["Layers"] == [{"Ref": "PsycopgLayerArn"}]
    for name in ("transaction-platform.yaml", "transaction-platform.json"):
        sample = fix_text((SAMPLES / name).read_text(encoding="utf-8"), ROTATION)
        assert_documented_rotation_shape(sample)
        fn = Document.from_text(sample).data["Resources"]["DatabaseSecretRotationLambda"]
        assert fn["Properties"]["Layers"] == [{"Ref": "PsycopgLayerArn"}]


@pytest.mark.slow  # validates with cfn-lint: part of the whole suite, not the fast subset
def test_the_fixed_template_validates() -> None:
    result = run_fix(FLAWED, ["MF0402"], validate=True)
    assert result.lint_new == [] and not result.rule_errors


def test_declared_impact_is_what_the_edits_do() -> None:
    """The impact the engine derives from the edits on the deployed template: a parameter
    without a default is unknown (every deploy must pass it); the fix declares no less."""
    from fixers import impact
    from fixers.model import IMPACTS

    # A template with a Parameters section already (as the sample has).
    text = FLAWED.replace(
        "Resources:\n",
        "Parameters:\n  Stage:\n    Type: String\n    Default: prod\nResources:\n",
        1,
    )
    for source, expected in ((text, "unknown"), (FLAWED, None)):
        doc = Document.from_text(source)
        (finding,) = findings(source, ["MF0402"])
        assert finding.fix is not None and finding.fix.impact == "unknown"
        mark = doc.mark()
        all_rules()["MF0402"].fix(doc, finding)
        derived = impact.derive(doc, doc.edits[mark.edited :])
        assert IMPACTS.index(derived.impact) <= IMPACTS.index(finding.fix.impact)
        if expected:
            assert derived.impact == expected
            assert "PsycopgLayerArn without a default" in derived.detail


def test_an_unrelated_parameter_of_the_same_name_is_kept() -> None:
    text = FLAWED.replace(
        "Resources:\n",
        "Parameters:\n  PsycopgLayerArn:\n    Type: String\n    Default: x\nResources:\n",
        1,
    )
    data = Document.from_text(fix_text(text, ["MF0402"])).data
    assert data["Parameters"]["PsycopgLayerArn"] == {"Type": "String", "Default": "x"}
    assert data["Resources"]["Rotator"]["Properties"]["Layers"] == [{"Ref": "PsycopgLayerArn2"}]


def test_apply_is_idempotent() -> None:
    doc = Document.from_text(FLAWED)
    rule = all_rules()["MF0402"]
    rule.apply(doc, "Rotator")
    once = doc.text
    rule.apply(doc, "Rotator")
    assert doc.text == once == FIXED


def test_silent_with_an_unconditional_layer() -> None:
    text = FLAWED.replace(
        "      Runtime: python3.12\n",
        "      Runtime: python3.12\n      Layers: [arn:aws:lambda:us-east-1:123456789012:layer:pg:3]\n",
    )
    assert codes(text, ["MF0402"]) == []


def test_silent_when_already_right_under_other_names() -> None:
    fixed = FIXED.replace("PsycopgLayerArn", "DriverLayer")
    assert codes(fixed, ["MF0402"]) == []


def test_silent_for_another_engine_and_without_rotation() -> None:
    assert (
        codes(FLAWED.replace("Engine: aurora-postgresql", "Engine: aurora-mysql"), ["MF0402"]) == []
    )
    assert codes(FLAWED.split("  Schedule:\n")[0], ["MF0402"]) == []


def test_silent_when_the_hosted_function_rotates_alone() -> None:
    """HostedRotationLambda used unconditionally, under the transform, is a documented shape:
    no template function is invoked, so no driver is needed."""
    text = "Transform: AWS::SecretsManager-2024-09-16\n" + FLAWED.replace(
        "      RotationLambdaARN: !GetAtt Rotator.Arn\n",
        "      HostedRotationLambda:\n        RotationType: PostgreSQLSingleUser\n",
    )
    assert codes(text, ["MF0402"]) == []


def test_a_conditional_layer_is_reported_without_a_fix() -> None:
    text = FIXED.replace(
        "      Layers:\n        - !Ref PsycopgLayerArn\n",
        "      Layers: !If [HasLayer, [!Ref PsycopgLayerArn], !Ref AWS::NoValue]\n",
    ).replace(
        "Resources:\n",
        "Conditions:\n  HasLayer: !Not [!Equals [!Ref PsycopgLayerArn, '']]\nResources:\n",
        1,
    )
    (finding,) = findings(text, ["MF0402"])
    assert finding.path == ("Resources", "Rotator", "Properties", "Layers")
    assert "only when HasLayer" in finding.message and "unconditionally" in finding.message
    assert finding.fix is None
    assert run_fix(text, ["MF0402"]).new_text == text


def test_the_previous_hosted_fallback_is_reported_without_a_fix() -> None:
    """Fn::If around HostedRotationLambda (the transform runs before conditions are evaluated)
    and the conditional layer behind it: both reported, neither rewritten."""
    found = findings(PREVIOUS_SHAPE, ["MF0402"])
    assert {f.path for f in found} == {
        ("Resources", "Rotator", "Properties", "Layers"),
        ("Resources", "Schedule", "Properties", "HostedRotationLambda"),
    }
    assert all(f.fix is None for f in found)
    hosted = next(f for f in found if f.path[-1] == "HostedRotationLambda")
    assert "inside Fn::If" in hosted.message and "before any condition" in hosted.message
    assert run_fix(PREVIOUS_SHAPE, ["MF0402"]).new_text == PREVIOUS_SHAPE


def test_a_hosted_function_beside_the_template_function_is_reported() -> None:
    text = FIXED.replace(
        "      RotationLambdaARN: !GetAtt Rotator.Arn\n",
        "      RotationLambdaARN: !GetAtt Rotator.Arn\n"
        "      HostedRotationLambda:\n        RotationType: PostgreSQLSingleUser\n",
    )
    (finding,) = findings(text, ["MF0402"])
    assert finding.path[-1] == "HostedRotationLambda" and finding.fix is None
    assert "inside Fn::If" not in finding.message
