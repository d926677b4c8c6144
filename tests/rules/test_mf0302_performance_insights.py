"""MF0302: Performance Insights retention by environment and the database key (spec 3.2)."""

from __future__ import annotations

import json

from tests.helpers import codes, dedent, findings, fix_text

FLAWED = dedent(
    """
    Parameters:
      Env:
        Type: String
        AllowedValues: [production, test]
    Conditions:
      Prod: !Equals [production, !Ref Env]
    Resources:
      StorageKey:   # the cluster's own key
        Type: AWS::KMS::Key
        Properties:
          KeyPolicy:
            Version: '2012-10-17'
            Statement:
              - Effect: Allow
                Principal:
                  AWS: !Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:root
                Action: kms:*
                Resource: '*'
      Db:
        Type: AWS::RDS::DBCluster
        Properties:
          Engine: aurora-postgresql
          StorageEncrypted: true
          KmsKeyId: !Ref StorageKey
      Node:
        Type: AWS::RDS::DBInstance
        Properties:
          Engine: aurora-postgresql
          DBClusterIdentifier: !Ref Db
          DBInstanceClass: db.r6g.large
          EnablePerformanceInsights: true
          PerformanceInsightsRetentionPeriod: 7   # one week everywhere
    """
)

FIXED = FLAWED.replace(
    "PerformanceInsightsRetentionPeriod: 7   # one week everywhere",
    "PerformanceInsightsKMSKeyId: !GetAtt StorageKey.Arn\n"
    "      PerformanceInsightsRetentionPeriod: !If [Prod, 731, 7]   # one week everywhere",
)


def test_fires_twice_retention_safe_key_unsafe() -> None:
    found = {f.path[-1]: f for f in findings(FLAWED, ["MF0302"])}
    assert set(found) == {"PerformanceInsightsRetentionPeriod", "PerformanceInsightsKMSKeyId"}
    retention, key = (
        found["PerformanceInsightsRetentionPeriod"],
        found["PerformanceInsightsKMSKeyId"],
    )
    assert retention.resource == key.resource == "Node"
    assert retention.fix.safe and retention.fix.impact == "update"
    # The schema lists PerformanceInsightsKMSKeyId as conditionally create-only on instances.
    assert not key.fix.safe and key.fix.impact == "replacement"


def test_fix_uses_the_clusters_key_and_the_templates_condition() -> None:
    assert fix_text(FLAWED, ["MF0302"]) == FIXED


def test_safe_fixes_alone_fix_the_retention_only() -> None:
    from tests.helpers import run_fix

    text = run_fix(FLAWED, ["MF0302"], unsafe=False).new_text
    assert "!If [Prod, 731, 7]" in text and "PerformanceInsightsKMSKeyId" not in text


def test_silent_when_right_or_absent() -> None:
    assert codes(FIXED, ["MF0302"]) == []
    mapped = FLAWED.replace(
        "PerformanceInsightsRetentionPeriod: 7",
        "PerformanceInsightsRetentionPeriod: !FindInMap [PI, !Ref Env, Days]",
    )
    mapped = mapped.replace(
        "      EnablePerformanceInsights: true\n",
        "      EnablePerformanceInsights: true\n      PerformanceInsightsKMSKeyId: !ImportValue pi-key\n",
    )
    assert codes(mapped, ["MF0302"]) == []
    assert codes(
        FLAWED.replace(
            "PerformanceInsightsRetentionPeriod: 7", "PerformanceInsightsRetentionPeriod: 731"
        ),
        ["MF0302"],
    ) == ["MF0302"]


def test_json_cluster_without_key_gets_the_database_key() -> None:
    data = {
        "Resources": {
            "Cluster": {
                "Type": "AWS::RDS::DBCluster",
                "Properties": {"Engine": "aurora-postgresql", "PerformanceInsightsEnabled": True},
            }
        }
    }
    text = json.dumps(data, indent=4) + "\n"
    fixed = fix_text(text, ["MF0302"])
    result = json.loads(fixed)
    props = result["Resources"]["Cluster"]["Properties"]
    assert props["PerformanceInsightsKmsKeyId"] == {"Fn::GetAtt": ["DatabaseKMSKey", "Arn"]}
    assert props["PerformanceInsightsRetentionPeriod"] == {"Fn::If": ["IsProduction", 731, 7]}
    key = result["Resources"]["DatabaseKMSKey"]
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == key["UpdateReplacePolicy"] == "Retain"
    for st in key["Properties"]["KeyPolicy"]["Statement"]:
        assert st["Principal"] != "*" and st["Principal"].get("AWS") != "*"
    # On a cluster the key property is not create-only: an update, safe.
    (k,) = [f for f in findings(text, ["MF0302"]) if f.path[-1] == "PerformanceInsightsKmsKeyId"]
    assert k.fix.impact == "update" and k.fix.safe
    assert fixed == json.dumps(result, indent=4) + "\n"


def test_performance_insights_off_entirely_is_reported() -> None:
    # Recall: monitoring switched off entirely (the rule used to read only enabled instances).
    off = FLAWED.replace("EnablePerformanceInsights: true", "EnablePerformanceInsights: false")
    (f,) = findings(off, ["MF0302"])
    assert f.resource == "Db" and "Performance Insights off" in f.message
    assert (f.kind, f.severity) == ("hardening", "low")
    assert f.fix is None  # an instance sets it off explicitly: the cluster must not contradict
    unset = FLAWED.replace("      EnablePerformanceInsights: true\n", "")
    (g,) = findings(unset, ["MF0302"])
    assert g.fix is not None and g.fix.safe
    fixed = fix_text(unset, ["MF0302"])
    assert "PerformanceInsightsEnabled: true" in fixed and codes(fixed, ["MF0302"]) == []
    advanced = unset.replace(
        "      KmsKeyId: !Ref StorageKey\n",
        "      KmsKeyId: !Ref StorageKey\n      DatabaseInsightsMode: advanced\n",
    )
    assert "DatabaseInsightsMode" in advanced
    assert [x.resource for x in findings(advanced, ["MF0302"]) if "off" in x.message] == []


def test_not_claimed_where_performance_insights_is_not_supported() -> None:
    small_mysql = dedent(
        """
        Resources:
          Db:
            Type: AWS::RDS::DBInstance
            Properties:
              Engine: MySQL
              DBInstanceClass: db.t3.small
        """
    )
    assert codes(small_mysql, ["MF0302"]) == []
    assert codes(small_mysql.replace("db.t3.small", "db.m6g.large"), ["MF0302"]) == ["MF0302"]
    v1 = dedent(
        """
        Resources:
          Db:
            Type: AWS::RDS::DBCluster
            Properties:
              Engine: aurora-postgresql
              EngineMode: serverless
        """
    )
    assert codes(v1, ["MF0302"]) == []


def test_the_off_message_states_only_what_the_template_shows() -> None:
    # retool / widdix rds-postgres: a standalone instance that never sets the property.
    instance = dedent(
        """
        Parameters:
          Insights:
            Type: String
            Default: 'false'
        Resources:
          Db:
            Type: AWS::RDS::DBInstance
            Properties:
              Engine: postgres
              DBInstanceClass: db.m6g.large
        """
    )
    (f,) = findings(instance, ["MF0302"])
    assert (f.kind, f.severity) == ("hardening", "low")
    assert "EnablePerformanceInsights is not set, and RDS leaves it off" in f.message
    assert "Standard mode" not in f.message
    fixed = fix_text(instance, ["MF0302"])
    assert "      EnablePerformanceInsights: true\n" in fixed
    from_param = instance.replace(
        "      DBInstanceClass: db.m6g.large\n",
        "      DBInstanceClass: db.m6g.large\n      EnablePerformanceInsights: !Ref Insights\n",
    )
    (g,) = findings(from_param, ["MF0302"])
    assert "EnablePerformanceInsights is false (default of parameter Insights)" in g.message
    on = instance.replace(
        "      DBInstanceClass: db.m6g.large\n",
        "      DBInstanceClass: db.m6g.large\n      EnablePerformanceInsights: true\n",
    )
    assert [x for x in findings(on, ["MF0302"]) if "off" in x.message] == []
