"""MF0701: the backup vault's name comes from a BackupVaultName parameter (spec 7.1)."""

from __future__ import annotations

import json

from tests.helpers import codes, findings, fix_text, fixture

FLAWED = fixture("mf0701/before.yaml")

FIXED = fixture("mf0701/after.yaml")


def test_fires_safe_with_no_replacement() -> None:
    (finding,) = findings(FLAWED, ["MF0701"])
    assert finding.resource == "Vault" and finding.fix.safe and finding.fix.impact == "none"
    assert "not replaced" in finding.fix.impact_detail


def test_fix_keeps_todays_name_as_default() -> None:
    fixed = fix_text(FLAWED, ["MF0701"])
    assert fixed == FIXED
    from fixers.schema import create_only

    assert "BackupVaultName" in create_only(
        "AWS::Backup::BackupVault"
    )  # why the default must be today's name


def test_silent_when_named_by_intrinsics_or_unnamed() -> None:
    assert (
        codes(FLAWED.replace("payments-vault", "!Sub '${AWS::StackName}-vault'"), ["MF0701"]) == []
    )
    assert (
        codes(
            FLAWED.replace(
                "      BackupVaultName: payments-vault   # one per account and Region\n",
                "      BackupVaultTags: {}\n",
            ),
            ["MF0701"],
        )
        == []
    )


def test_json_reuses_a_taken_name() -> None:
    data = {
        "Parameters": {"BackupVaultName": {"Type": "String", "Default": "other"}},
        "Resources": {
            "V": {"Type": "AWS::Backup::BackupVault", "Properties": {"BackupVaultName": "dr"}}
        },
    }
    text = json.dumps(data, indent=2) + "\n"
    fixed = fix_text(text, ["MF0701"])
    data["Parameters"]["BackupVaultName2"] = {
        "Type": "String",
        "Default": "dr",
        "AllowedPattern": "^[a-zA-Z0-9\\-\\_\\.]{2,50}$",
        "ConstraintDescription": "2 to 50 letters, digits, hyphens, underscores or periods.",
        "Description": "Name of the backup vault that holds this stack's recovery points.",
    }
    data["Resources"]["V"]["Properties"]["BackupVaultName"] = {"Ref": "BackupVaultName2"}
    assert fixed == json.dumps(data, indent=2) + "\n"
