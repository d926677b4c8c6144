"""MF0403: the rotation role may call GetRandomPassword and use the secret's key (spec 4.3)."""

from __future__ import annotations

from fixers.document import Document
from tests.helpers import as_json, codes, findings, fix_text, fixture

FLAWED = fixture("rotation-placeholder.yaml")

GRANT = """\
                Resource: !Ref Creds
              - Sid: GenerateRotatedPasswords
                Effect: Allow
                Action: secretsmanager:GetRandomPassword
                Resource: '*'
"""
FIXED = FLAWED.replace("                Resource: !Ref Creds\n", GRANT)

KEY_RESOURCES = """\
  CredsKey:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: true
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal:
              AWS: !Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:root
            Action: kms:*
            Resource: '*'
  CredsKeyAlias:
    Type: AWS::KMS::Alias
    Properties:
      AliasName: alias/creds
      TargetKeyId: !Ref CredsKey
"""


def with_key(text: str) -> str:
    return (
        text.replace(
            "        ExcludeCharacters: '\"@/\\'\n",
            "        ExcludeCharacters: '\"@/\\'\n      KmsKeyId: !Ref CredsKeyAlias\n",
        )
        + KEY_RESOURCES
    )


KEYED = with_key(FLAWED)


def test_fires_when_the_role_cannot_generate_passwords() -> None:
    (finding,) = findings(FLAWED, ["MF0403"])
    assert finding.resource == "RotatorRole"
    assert "GetRandomPassword" in finding.message
    assert finding.fix is not None and finding.fix.safe and finding.fix.impact == "update"


def test_fix_byte_for_byte_and_converges() -> None:
    fixed = fix_text(FLAWED, ["MF0403"])
    assert fixed == FIXED
    assert "# the secret only" in fixed


def test_json_twin_is_fixed_byte_for_byte() -> None:
    assert fix_text(as_json(FLAWED), ["MF0403"]) == as_json(FIXED)


def test_the_key_behind_an_alias_is_granted_on_its_arn_only() -> None:
    data = Document.from_text(fix_text(KEYED, ["MF0403"])).data
    statements = data["Resources"]["RotatorRole"]["Properties"]["Policies"][0]["PolicyDocument"][
        "Statement"
    ]
    by_sid = {s.get("Sid"): s for s in statements}
    assert by_sid["GenerateRotatedPasswords"]["Resource"] == "*"  # AWS allows only '*' for it
    assert by_sid["UseCredsKey"] == {
        "Sid": "UseCredsKey",
        "Effect": "Allow",
        "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
        "Resource": {"Fn::GetAtt": ["CredsKey", "Arn"]},
    }
    for s in statements:  # least privilege: only GetRandomPassword has a '*' resource
        assert s["Resource"] != "*" or s["Action"] == "secretsmanager:GetRandomPassword"


def test_a_key_added_later_is_granted_then_and_converges() -> None:
    first = fix_text(FLAWED, ["MF0403"])
    later = with_key(first)
    (finding,) = findings(later, ["MF0403"])
    assert "CredsKey" in finding.message
    assert fix_text(later, ["MF0403"]) == fix_text(KEYED, ["MF0403"])


def test_silent_when_granted_elsewhere_under_other_names() -> None:
    text = (
        FLAWED
        + """\
  RotatorExtras:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: extras
      Roles: [!Ref RotatorRole]
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Action: secretsmanager:Get*
            Resource: '*'
"""
    )
    assert codes(text, ["MF0403"]) == []


def test_silent_without_rotation() -> None:
    assert codes(FLAWED.split("  Schedule:\n")[0], ["MF0403"]) == []


# The shape MF0402 used to write: the AWS-hosted function as a fallback in Fn::If around
# HostedRotationLambda, under the Secrets Manager transform. MF0402 reports it (it needs a human
# decision); this rule no longer keeps the hosted branch's KmsKeyArn in step with the secret.
HOSTED_FALLBACK = """\
      RotationLambdaARN: !If [HasLayer, !GetAtt Rotator.Arn, !Ref AWS::NoValue]
      HostedRotationLambda: !If
        - HasLayer
        - !Ref AWS::NoValue
        - RotationType: PostgreSQLSingleUser
"""


def with_hosted_fallback(text: str) -> str:
    return text.replace(
        "Resources:\n",
        "Parameters:\n  LayerArn: {Type: String, Default: ''}\n"
        "Conditions:\n  HasLayer: !Not [!Equals [!Ref LayerArn, '']]\n"
        "Transform: AWS::SecretsManager-2024-09-16\nResources:\n",
        1,
    ).replace("      RotationLambdaARN: !GetAtt Rotator.Arn\n", HOSTED_FALLBACK)


def test_the_hosted_branch_of_the_old_fallback_is_left_alone() -> None:
    text = with_hosted_fallback(KEYED)
    (finding,) = findings(text, ["MF0403"])  # the role, not the hosted branch's KmsKeyArn
    assert finding.path == ("Resources", "RotatorRole", "Properties", "Policies")
    fixed = fix_text(text, ["MF0403"])
    assert HOSTED_FALLBACK in fixed
    before, after = Document.from_text(text).data, Document.from_text(fixed).data
    assert after["Resources"]["Schedule"] == before["Resources"]["Schedule"]
    assert "UseCredsKey" in fixed  # the role is still granted the key


def test_aws_managed_policies_count_and_unknown_ones_keep_it_silent() -> None:
    # SecretsManagerReadWrite grants secretsmanager:* (GetRandomPassword included) on '*'.
    managed = FLAWED.replace(
        "      Policies:\n        - PolicyName: rotate\n",
        "      ManagedPolicyArns:\n"
        "        - !Sub arn:${AWS::Partition}:iam::aws:policy/SecretsManagerReadWrite\n"
        "      Policies:\n        - PolicyName: rotate\n",
    )
    assert codes(managed, ["MF0403"]) == []
    # It grants no kms:Decrypt: a customer-managed key of the secret is still missing.
    (finding,) = findings(with_key(managed), ["MF0403"])
    assert "may not use CredsKey" in finding.message
    # A managed policy whose grants the template does not show: nothing is claimed.
    unknown = FLAWED.replace(
        "      Policies:\n        - PolicyName: rotate\n",
        "      ManagedPolicyArns:\n"
        "        - arn:aws:iam::aws:policy/SomeTeamRotationPolicy\n"
        "      Policies:\n        - PolicyName: rotate\n",
    )
    assert codes(unknown, ["MF0403"]) == []
