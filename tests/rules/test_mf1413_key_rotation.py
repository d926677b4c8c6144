"""MF1413: a customer-managed symmetric KMS key without automatic rotation (beyond the spec)."""

from __future__ import annotations

from tests.helpers import as_json, codes, dedent, findings, fix_text

TEMPLATE = dedent(
    """
    Resources:
      DatabaseKey:
        Type: AWS::KMS::Key
        DeletionPolicy: Retain
        UpdateReplacePolicy: Retain
        Properties:
          Description: database key  # the team's key
          KeyPolicy:
            Version: '2012-10-17'
            Statement:
              - Effect: Allow
                Principal:
                  AWS: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root'
                Action: kms:*
                Resource: '*'
    """
)
FIXED = TEMPLATE.replace(
    "      Description: database key  # the team's key\n",
    "      Description: database key  # the team's key\n      EnableKeyRotation: true\n",
)


def test_fires_on_a_key_without_rotation():
    (f,) = findings(TEMPLATE, ["MF1413"])
    assert f.path == ("Resources", "DatabaseKey")
    assert (f.kind, f.severity) == ("hardening", "medium") and f.fix.safe
    assert f.fix.impact == "update"


def test_fix_yaml_and_json():
    assert fix_text(TEMPLATE, ["MF1413"]) == FIXED
    assert fix_text(as_json(TEMPLATE), ["MF1413"]) == as_json(FIXED)


def test_explicit_false_is_fixed_in_place():
    off = FIXED.replace("EnableKeyRotation: true", "EnableKeyRotation: false")
    (f,) = findings(off, ["MF1413"])
    assert f.path[-1] == "EnableKeyRotation"
    assert fix_text(off, ["MF1413"]) == FIXED


def test_silent_when_rotating_or_when_kms_cannot_rotate_the_key():
    assert codes(FIXED, ["MF1413"]) == []
    asymmetric = TEMPLATE.replace(
        "      Description: database key",
        "      KeySpec: RSA_2048\n      Description: database key",
    )
    assert codes(asymmetric, ["MF1413"]) == []
    external = TEMPLATE.replace(
        "      Description: database key", "      Origin: EXTERNAL\n      Description: database key"
    )
    assert codes(external, ["MF1413"]) == []


def test_silent_where_a_condition_turns_rotation_off_only_for_asymmetric_keys():
    conditional = dedent(
        """
            Parameters:
              KeySpec:
                Type: String
                Default: SYMMETRIC_DEFAULT
                AllowedValues: [SYMMETRIC_DEFAULT, RSA_2048]
            Conditions:
              HasSymmetricKey: !Equals [!Ref KeySpec, SYMMETRIC_DEFAULT]
            """
    ) + TEMPLATE.replace(
        "      Description: database key",
        "      KeySpec: !Ref KeySpec\n"
        "      EnableKeyRotation: !If [HasSymmetricKey, true, false]\n"
        "      Description: database key",
    )
    assert codes(conditional, ["MF1413"]) == []
    always_off = conditional.replace(
        "!If [HasSymmetricKey, true, false]", "!If [HasSymmetricKey, false, false]"
    )
    (f,) = findings(always_off, ["MF1413"])
    assert f.fix is None and "HasSymmetricKey is true" in f.message


def test_a_second_pass_finds_nothing_and_changes_no_byte() -> None:
    for text in (FIXED, as_json(FIXED)):
        assert codes(text, ["MF1413"]) == []
        assert fix_text(text, ["MF1413"]) == text
