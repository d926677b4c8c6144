"""MF1303: lifecycle meets 7-year retention without transitions AWS ignores for Aurora (spec 13.3)."""

from __future__ import annotations

import json

from tests.helpers import codes, dedent, findings, fix_text

FLAWED = dedent(
    """
    Parameters:
      Tier:
        Type: String
        AllowedValues: [live, sandbox]
    Conditions:
      IsLive: !Equals [!Ref Tier, live]
    Resources:
      Ledger:
        Type: AWS::RDS::DBCluster
        Properties:
          Engine: aurora-postgresql
      Plan:
        Type: AWS::Backup::BackupPlan
        Properties:
          BackupPlan:
            BackupPlanName: p
            BackupPlanRule:
              - RuleName: daily   # every night
                TargetBackupVault: !Ref Vault
                ScheduleExpression: cron(30 2 * * ? *)
                Lifecycle:
                  MoveToColdStorageAfterDays: 30
                  DeleteAfterDays: 365
      Vault:
        Type: AWS::Backup::BackupVault
      Selection:
        Type: AWS::Backup::BackupSelection
        Properties:
          BackupPlanId: !Ref Plan
          BackupSelection:
            SelectionName: db
            IamRoleArn: !Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:role/backup
            Resources:
              - !Sub arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:cluster:${Ledger}
    """
)

FIXED = FLAWED.replace("              MoveToColdStorageAfterDays: 30\n", "").replace(
    "              DeleteAfterDays: 365\n",
    "              DeleteAfterDays: 365\n"
    "          - !If\n"
    "              - IsLive\n"
    "              - RuleName: MonthlyLongTermRetention\n"
    "                TargetBackupVault: !Ref Vault\n"
    "                ScheduleExpression: cron(30 2 1 * ? *)\n"
    "                Lifecycle:\n"
    "                  DeleteAfterDays: 2557\n"
    "              - !Ref AWS::NoValue\n",
)


def test_fires_on_short_retention_and_on_the_ignored_transition() -> None:
    found = {f.path[-1]: f for f in findings(FLAWED, ["MF1303"])}
    assert set(found) == {"BackupPlanRule", "MoveToColdStorageAfterDays"}
    assert all(f.resource == "Plan" for f in found.values())
    assert found["BackupPlanRule"].fix.safe and found["BackupPlanRule"].fix.impact == "update"
    # Removing a setting from a deployed plan is a deletion, whatever the rule argues about it.
    transition = found["MoveToColdStorageAfterDays"].fix
    assert not transition.safe and transition.impact == "deletion"


def test_fix_adds_the_production_monthly_rule_and_drops_the_transition() -> None:
    fixed = fix_text(FLAWED, ["MF1303"])
    assert fixed == FIXED
    assert "# every night" in fixed


def test_written_lifecycles_are_valid() -> None:
    from fixers.rules.backup.mf1303_lifecycle import RETENTION_DAYS, long_term_rule

    rule = long_term_rule({"TargetBackupVault": "v"})
    life = rule["Lifecycle"]
    assert "MoveToColdStorageAfterDays" not in life  # AWS ignores it for Aurora
    assert life["DeleteAfterDays"] == RETENTION_DAYS == 2557 >= 7 * 365
    assert rule["ScheduleExpression"] == "cron(0 5 1 * ? *)"


def test_silent_when_retention_is_met_or_plan_protects_no_database() -> None:
    assert codes(FIXED, ["MF1303"]) == []
    forever = FLAWED.replace("DeleteAfterDays: 365", "DeleteAfterDays: 3653").replace(
        "MoveToColdStorageAfterDays: 30", "MoveToColdStorageAfterDays: 3000"
    )
    # Long enough retention; the transition is still reported as ignored for Aurora.
    assert codes(forever, ["MF1303"]) == ["MF1303"]
    efs = FLAWED.replace("cluster:${Ledger}", "file-system/${Files}").replace(
        ":rds:", ":elasticfilesystem:"
    )
    efs = efs.replace(
        "      Ledger:\n        Type: AWS::RDS::DBCluster\n        Properties:\n          Engine: aurora-postgresql\n",
        "",
    )
    assert codes(efs, ["MF1303"]) == []


def test_json_adds_is_production_and_copies_windows_and_tags() -> None:
    data = {
        "Resources": {
            "Db": {"Type": "AWS::RDS::DBInstance", "Properties": {"Engine": "postgres"}},
            "Plan": {
                "Type": "AWS::Backup::BackupPlan",
                "Properties": {
                    "BackupPlan": {
                        "BackupPlanName": "p",
                        "BackupPlanRule": [
                            {
                                "RuleName": "daily",
                                "TargetBackupVault": "vault",
                                "StartWindowMinutes": 60,
                                "RecoveryPointTags": {"app": "ledger"},
                                "Lifecycle": {"DeleteAfterDays": 35},
                            }
                        ],
                    }
                },
            },
        }
    }
    text = json.dumps(data, indent=2) + "\n"
    fixed = fix_text(text, ["MF1303"])
    result = json.loads(fixed)
    assert result["Conditions"] == {
        "IsProduction": {"Fn::Equals": [{"Ref": "Environment"}, "production"]}
    }
    rules = result["Resources"]["Plan"]["Properties"]["BackupPlan"]["BackupPlanRule"]
    assert rules[1] == {
        "Fn::If": [
            "IsProduction",
            {
                "RuleName": "MonthlyLongTermRetention",
                "TargetBackupVault": "vault",
                "ScheduleExpression": "cron(0 5 1 * ? *)",
                "StartWindowMinutes": 60,
                "Lifecycle": {"DeleteAfterDays": 2557},
                "RecoveryPointTags": {"app": "ledger"},
            },
            {"Ref": "AWS::NoValue"},
        ]
    }
    assert fixed == json.dumps(result, indent=2) + "\n"


def test_a_plan_keeping_2557_days_with_an_ignored_transition_is_only_told_of_the_transition():
    from tests.helpers import dedent, findings

    template = dedent(
        """
        Resources:
          Db:
            Type: AWS::RDS::DBCluster
            Properties:
              Engine: aurora-postgresql
          Plan:
            Type: AWS::Backup::BackupPlan
            Properties:
              BackupPlan:
                BackupPlanName: p
                BackupPlanRule:
                  - RuleName: monthly
                    TargetBackupVault: vault
                    Lifecycle:
                      MoveToColdStorageAfterDays: 90
                      DeleteAfterDays: 2557
        """
    )
    (f,) = findings(template, ["MF1303"])
    assert f.path[-1] == "MoveToColdStorageAfterDays"
    assert "does not meet" not in f.title and "regulatory" not in f.title
    assert "ignores" in f.message and (f.kind, f.severity) == ("convention", "low")
    short = template.replace("DeleteAfterDays: 2557", "DeleteAfterDays: 365")
    retention = [x for x in findings(short, ["MF1303"]) if x.path[-1] == "BackupPlanRule"]
    assert "365 days" in retention[0].message and "convention" in retention[0].message
    assert (retention[0].kind, retention[0].severity) == ("convention", "low")
