"""MF0402: psycopg2 from a layer when one is given, else the AWS-hosted rotation (spec 4.2)."""

from __future__ import annotations

from fixers.document import Document
from tests.helpers import as_json, codes, findings, fix_text, fixture

FLAWED = fixture("rotation-placeholder.yaml")

PARAMS = """\
Parameters:
  PsycopgLayerS3Bucket:
    Type: String
    Default: ''
    Description: S3 bucket of a Lambda layer zip with psycopg2 (python/psycopg2) built for the rotation function's runtime; leave empty to rotate with the AWS-hosted function instead.
  PsycopgLayerS3Key:
    Type: String
    Default: ''
    Description: S3 key of the psycopg2 layer zip in PsycopgLayerS3Bucket; leave empty with it.
Conditions:
  HasPsycopgLayer: !And [!Not [!Equals [!Ref PsycopgLayerS3Bucket, '']], !Not [!Equals [!Ref PsycopgLayerS3Key, '']]]
Transform: AWS::SecretsManager-2024-09-16
"""

FIXED = (
    FLAWED.replace("Resources:\n", PARAMS + "Resources:\n", 1)
    .replace(
        "              return {'statusCode': 200}\n",
        "              return {'statusCode': 200}\n"
        "      Layers: !If\n        - HasPsycopgLayer\n        - - !Ref PsycopgLayer\n        - !Ref AWS::NoValue\n",
    )
    .replace(
        "      SecretId: !Ref Creds\n      RotationLambdaARN: !GetAtt Rotator.Arn\n",
        "      HostedRotationLambda: !If\n"
        "        - HasPsycopgLayer\n"
        "        - !Ref AWS::NoValue\n"
        "        - ExcludeCharacters: '\"@/\\'\n"
        "          RotationType: PostgreSQLSingleUser\n"
        "      SecretId: !Ref Creds\n"
        "      RotationLambdaARN: !If [HasPsycopgLayer, !GetAtt Rotator.Arn, !Ref AWS::NoValue]\n",
    )
    + """\
  PsycopgLayer:
    Type: AWS::Lambda::LayerVersion
    Condition: HasPsycopgLayer
    Properties:
      Description: psycopg2 for the PostgreSQL secret rotation function
      Content:
        S3Bucket: !Ref PsycopgLayerS3Bucket
        S3Key: !Ref PsycopgLayerS3Key
      CompatibleRuntimes:
        - python3.12
"""
)


def test_fires_on_a_postgres_rotation_function_without_a_layer() -> None:
    (finding,) = findings(FLAWED, ["MF0402"])
    assert finding.resource == "Rotator"
    assert finding.path == ("Resources", "Rotator", "Properties", "Layers")
    # The hosted fallback adds the Secrets Manager transform: deploys need CAPABILITY_AUTO_EXPAND.
    assert finding.fix is not None and not finding.fix.safe and finding.fix.impact == "unknown"
    assert "CAPABILITY_AUTO_EXPAND" in finding.fix.impact_detail


def test_fix_byte_for_byte_and_converges() -> None:
    fixed = fix_text(FLAWED, ["MF0402"])
    assert fixed == FIXED
    assert "# the VPC" in fixed


def test_json_twin_is_fixed_byte_for_byte() -> None:
    assert fix_text(as_json(FLAWED), ["MF0402"]) == as_json(FIXED)


def test_every_parameter_setting_rotates_with_a_function_that_has_its_driver() -> None:
    data = Document.from_text(FIXED).data
    cond = data["Conditions"]["HasPsycopgLayer"]
    # True only when both the bucket and the key are given.
    assert cond == {
        "Fn::And": [
            {"Fn::Not": [{"Fn::Equals": [{"Ref": "PsycopgLayerS3Bucket"}, ""]}]},
            {"Fn::Not": [{"Fn::Equals": [{"Ref": "PsycopgLayerS3Key"}, ""]}]},
        ]
    }
    assert data["Parameters"]["PsycopgLayerS3Bucket"]["Default"] == ""
    assert data["Resources"]["PsycopgLayer"]["Condition"] == "HasPsycopgLayer"
    fn = data["Resources"]["Rotator"]["Properties"]
    assert fn["Layers"] == {
        "Fn::If": ["HasPsycopgLayer", [{"Ref": "PsycopgLayer"}], {"Ref": "AWS::NoValue"}]
    }
    sched = data["Resources"]["Schedule"]["Properties"]
    # Layer given: the template's function (with the layer); not given: the hosted function.
    assert sched["RotationLambdaARN"]["Fn::If"][0] == "HasPsycopgLayer"
    assert sched["RotationLambdaARN"]["Fn::If"][2] == {"Ref": "AWS::NoValue"}
    hosted = sched["HostedRotationLambda"]["Fn::If"]
    assert hosted[0] == "HasPsycopgLayer" and hosted[1] == {"Ref": "AWS::NoValue"}
    assert hosted[2]["RotationType"] == "PostgreSQLSingleUser"
    assert data["Transform"] == "AWS::SecretsManager-2024-09-16"


def test_hosted_rotation_follows_the_function_into_the_vpc() -> None:
    data = Document.from_text(fix_text(FLAWED, ["MF0402", "MF0404"])).data
    hosted = data["Resources"]["Schedule"]["Properties"]["HostedRotationLambda"]["Fn::If"][2]
    # Comma-joined strings, as HostedRotationLambda requires.
    assert hosted["VpcSubnetIds"] == {"Fn::Join": [",", [{"Ref": "AppA"}, {"Ref": "AppB"}]]}
    assert hosted["VpcSecurityGroupIds"] == {"Fn::Join": [",", [{"Ref": "LambdaSecurityGroup"}]]}


def test_an_existing_transform_is_kept() -> None:
    text = FLAWED.replace("Resources:\n", "Transform: AWS::Serverless-2016-10-31\nResources:\n", 1)
    data = Document.from_text(fix_text(text, ["MF0402"])).data
    assert data["Transform"] == ["AWS::Serverless-2016-10-31", "AWS::SecretsManager-2024-09-16"]


def test_silent_with_an_unconditional_layer() -> None:
    text = FLAWED.replace(
        "      Runtime: python3.12\n",
        "      Runtime: python3.12\n      Layers: [arn:aws:lambda:us-east-1:123456789012:layer:pg:3]\n",
    )
    assert codes(text, ["MF0402"]) == []


def test_silent_when_already_right_under_other_names() -> None:
    fixed = (
        fix_text(FLAWED, ["MF0402"])
        .replace("HasPsycopgLayer", "DriverLayerGiven")
        .replace("PsycopgLayer", "DriverLayer")
    )
    assert codes(fixed, ["MF0402"]) == []


def test_silent_for_another_engine_and_without_rotation() -> None:
    assert (
        codes(FLAWED.replace("Engine: aurora-postgresql", "Engine: aurora-mysql"), ["MF0402"]) == []
    )
    assert codes(FLAWED.split("  Schedule:\n")[0], ["MF0402"]) == []
