"""MF1301: the copy destination is a vault ARN built from parameters (spec 13.1)."""

from __future__ import annotations

import json
import re

from tests.helpers import codes, findings, fix_text, fixture

FLAWED = fixture("mf1301/before.yaml")

FIXED = fixture("mf1301/after.yaml")

ARN = re.compile(
    r"arn:\$\{AWS::Partition\}:backup:\$\{DestinationRegion\}:\$\{[A-Za-z:]+\}:backup-vault:\$\{DRBackupVaultName\}"
)


def test_fires_on_the_literal_name() -> None:
    (finding,) = findings(FLAWED, ["MF1301"])
    assert finding.resource == "Plan"
    assert finding.path[-1] == "DestinationBackupVaultArn"
    assert "not an ARN" in finding.message
    assert finding.fix.impact == "update" and not finding.fix.safe


def test_fix_builds_the_arn_from_parameters_under_the_account_condition() -> None:
    fixed = fix_text(FLAWED, ["MF1301"])
    assert fixed == FIXED
    assert "# to the disaster-recovery account" in fixed
    assert "Default: payments-dr" in fixed  # today's literal name is the default


def test_same_account_name_without_account_parameter_stays_unconditional() -> None:
    text = FLAWED.split("  Copier:")[0].replace(
        "  DisasterAccount:\n    Type: String\n    Default: ''\n", "  Other:\n    Type: String\n"
    )
    fixed = fix_text(text, ["MF1301"])
    assert "HasBackupAccount" not in fixed
    assert "${AWS::AccountId}:backup-vault:${DRBackupVaultName}" in fixed


def test_silent_when_built_with_intrinsics() -> None:
    assert codes(FIXED, ["MF1301"]) == []
    assert codes(FLAWED.replace("payments-dr", "!GetAtt DrVault.BackupVaultArn"), ["MF1301"]) == []


def test_json_literal_arn_keeps_its_region_and_account_as_defaults() -> None:
    data = {
        "Resources": {
            "P": {
                "Type": "AWS::Backup::BackupPlan",
                "Properties": {
                    "BackupPlan": {
                        "BackupPlanName": "p",
                        "BackupPlanRule": [
                            {
                                "RuleName": "r",
                                "TargetBackupVault": "v",
                                "CopyActions": [
                                    {
                                        "DestinationBackupVaultArn": "arn:aws:backup:eu-west-2:123456789012:backup-vault:dr"
                                    }
                                ],
                            }
                        ],
                    }
                },
            }
        }
    }
    text = json.dumps(data, indent=2) + "\n"
    fixed = fix_text(text, ["MF1301"])
    result = json.loads(fixed)
    params = result["Parameters"]
    assert params["BackupAccountId"]["Default"] == "123456789012"
    assert params["BackupRegion"]["Default"] == "eu-west-2"
    assert params["DRBackupVaultName"]["Default"] == "dr"
    (item,) = result["Resources"]["P"]["Properties"]["BackupPlan"]["BackupPlanRule"][0][
        "CopyActions"
    ]
    cond, action, other = item["Fn::If"]
    assert cond == "HasBackupAccount" and other == {"Ref": "AWS::NoValue"}
    template, variables = action["DestinationBackupVaultArn"]["Fn::Sub"]
    assert ARN.fullmatch(template)
    assert variables == {
        "DestinationRegion": {
            "Fn::If": ["HasBackupRegion", {"Ref": "BackupRegion"}, {"Ref": "AWS::Region"}]
        }
    }
    for name in ("BackupAccountId", "BackupRegion", "DRBackupVaultName"):
        assert re.fullmatch(params[name]["AllowedPattern"], params[name]["Default"])
        assert re.fullmatch(params[name]["AllowedPattern"], "") or name == "DRBackupVaultName"
    assert fixed == json.dumps(result, indent=2) + "\n"


SUB_DESTINATION = """\
Resources:
  Plan:
    Type: AWS::Backup::BackupPlan
    Properties:
      BackupPlan:
        BackupPlanName: p
        BackupPlanRule:
          - RuleName: daily
            TargetBackupVault: vault
            CopyActions:
              - DestinationBackupVaultArn: !Sub 'arn:aws:backup:${AWS::Region}:${AWS::AccountId}:backup-vault:my-dr-vault'
"""


def test_hard_coded_text_inside_a_sub_is_reported_and_fixed() -> None:
    # Recall: the vault name (and the partition) written inside an Fn::Sub string.
    from tests.helpers import codes, findings, fix_text

    (f,) = findings(SUB_DESTINATION, ["MF1301"])
    assert "the vault name 'my-dr-vault'" in f.message and "partition 'aws'" in f.message
    assert (f.kind, f.severity) == ("convention", "low") and f.fix is not None
    fixed = fix_text(SUB_DESTINATION, ["MF1301"])
    assert "${DRBackupVaultName}" in fixed and "arn:${AWS::Partition}:backup:" in fixed
    assert "${AWS::AccountId}" in fixed and "HasBackupAccount" not in fixed
    assert "Default: my-dr-vault" in fixed
    assert codes(fixed, ["MF1301"]) == []
    built = SUB_DESTINATION.replace("my-dr-vault", "${VaultName}").replace(
        "Resources:", "Parameters:\n  VaultName:\n    Type: String\n    Default: dr\nResources:"
    )
    assert codes(built, ["MF1301"]) == []
