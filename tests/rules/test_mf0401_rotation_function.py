"""MF0401: a placeholder rotation function becomes a complete PostgreSQL rotation (spec 4.1)."""

from __future__ import annotations

import textwrap

from fixers.document import Document
from fixers.rules.rotation.common import rotation_source
from tests.helpers import as_json, codes, findings, fix_text, fixture

# A small rotation set-up with its own names: the secret Creds of the Aurora PostgreSQL cluster
# Ledger, rotated by Rotator (a placeholder) with the role RotatorRole. The MF0402 to MF0404 tests
# share it.
FLAWED = fixture("rotation-placeholder.yaml")


CODE = textwrap.indent(rotation_source(), "          ")
FIXED = (
    FLAWED.replace("      Handler: index.handler\n", "      Handler: index.lambda_handler\n")
    .replace(
        """          def handler(event, context):
              # TODO: createSecret / setSecret / testSecret / finishSecret
              return {'statusCode': 200}
""",
        CODE
        + """      Environment:
        Variables:
          EXCLUDE_CHARACTERS: '"@/\\'
          SECRETS_MANAGER_ENDPOINT: !Sub https://secretsmanager.${AWS::Region}.${AWS::URLSuffix}
      Timeout: 60
""",
    )
    .replace(
        "    DependsOn: CredsLink\n",
        "    DependsOn:\n      - CredsLink\n      - SecretRotationLambdaPermission\n",
    )
    + """  SecretRotationLambdaPermission:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !GetAtt Rotator.Arn
      Action: lambda:InvokeFunction
      Principal: secretsmanager.amazonaws.com
      SourceAccount: !Ref AWS::AccountId
"""
)


def test_fires_on_a_placeholder_whatever_its_comments_say() -> None:
    (finding,) = findings(FLAWED, ["MF0401"])
    assert finding.resource == "Rotator"
    assert finding.path == ("Resources", "Rotator", "Properties", "Code", "ZipFile")
    assert finding.fix is not None and not finding.fix.safe
    assert finding.fix.impact == "update"


def test_fix_inlines_the_rotation_function_byte_for_byte_and_converges() -> None:
    fixed = fix_text(FLAWED, ["MF0401"])
    assert fixed == FIXED
    assert "# the VPC" in fixed and "# the secret only" in fixed


def test_fixed_function_is_what_secrets_manager_can_run() -> None:
    data = Document.from_text(fix_text(FLAWED, ["MF0401"])).data
    fn = data["Resources"]["Rotator"]["Properties"]
    assert fn["Code"]["ZipFile"] == rotation_source()
    assert fn["Handler"] == "index.lambda_handler" and fn["Runtime"] == "python3.12"
    assert 30 <= fn["Timeout"] <= 900
    # The endpoint follows the partition; the password alphabet is the secret's (RDS-safe).
    assert fn["Environment"]["Variables"]["SECRETS_MANAGER_ENDPOINT"] == {
        "Fn::Sub": "https://secretsmanager.${AWS::Region}.${AWS::URLSuffix}"
    }
    assert set('"@/') <= set(fn["Environment"]["Variables"]["EXCLUDE_CHARACTERS"])
    perm = data["Resources"]["SecretRotationLambdaPermission"]["Properties"]
    assert perm["Principal"] == "secretsmanager.amazonaws.com"
    assert perm["SourceAccount"] == {"Ref": "AWS::AccountId"}
    assert data["Resources"]["Schedule"]["Properties"]["RotationRules"] == {
        "AutomaticallyAfterDays": 30
    }


def test_json_twin_is_fixed_byte_for_byte() -> None:
    assert fix_text(as_json(FLAWED), ["MF0401"]) == as_json(FIXED)


def test_silent_on_a_real_rotation_function_under_other_names() -> None:
    # Complete code, an existing permission limited to the account: nothing to say.
    fixed = fix_text(FLAWED, ["MF0401"]).replace(
        "SecretRotationLambdaPermission", "InvokeByRotation"
    )
    assert codes(fixed, ["MF0401"]) == []


def test_silent_without_a_rotation_schedule() -> None:
    text = FLAWED.split("  Schedule:\n")[0]
    assert codes(text, ["MF0401"]) == []


def test_silent_for_code_from_s3() -> None:
    text = FLAWED.replace(
        """        ZipFile: |
          def handler(event, context):
              # TODO: createSecret / setSecret / testSecret / finishSecret
              return {'statusCode': 200}
""",
        "        S3Bucket: artifacts\n        S3Key: rotation.zip\n",
    )
    # Code it cannot read is not judged; what Secrets Manager needs to invoke it is.
    (finding,) = findings(text, ["MF0401"])
    assert finding.fix is None and "No AWS::Lambda::Permission" in finding.message
    permitted = text + (
        "  RotatorInvoke:\n"
        "    Type: AWS::Lambda::Permission\n"
        "    Properties:\n"
        "      FunctionName: !GetAtt Rotator.Arn\n"
        "      Action: lambda:InvokeFunction\n"
        "      Principal: secretsmanager.amazonaws.com\n"
    )
    assert codes(permitted, ["MF0401"]) == []


def test_mysql_placeholder_is_reported_without_a_fix() -> None:
    (finding,) = findings(
        FLAWED.replace("Engine: aurora-postgresql", "Engine: aurora-mysql"), ["MF0401"]
    )
    assert finding.fix is None


def test_partial_config_of_the_real_code_is_completed() -> None:
    fixed = fix_text(FLAWED, ["MF0401"])
    broken = fixed.replace("      Timeout: 60\n", "      Timeout: 3\n")
    (finding,) = findings(broken, ["MF0401"])
    assert "Timeout" in finding.message
    assert fix_text(broken, ["MF0401"]) == fixed


def test_a_custom_resource_handler_named_as_the_rotation_function_is_reported_not_replaced() -> (
    None
):
    from tests.helpers import fixture as _fixture

    text = _fixture("rotation-placeholder.yaml") + (
        "  RotationStack:\n"
        "    Type: Custom::RotationStack\n"
        "    Properties:\n"
        "      ServiceToken: !GetAtt Rotator.Arn\n"
    )
    found = findings(text, ["MF0401", "MF0402", "MF0403", "MF0404"])
    assert [f.code for f in found] == ["MF0401"]
    (finding,) = found
    assert finding.path == ("Resources", "Schedule", "Properties", "RotationLambdaARN")
    assert "RotationStack" in finding.message and "ServiceToken" in finding.message
    assert finding.fix is None
