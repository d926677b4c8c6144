"""MF1416: PostgreSQL logs are not published to CloudWatch Logs (beyond the spec)."""

from __future__ import annotations

import pytest

from tests.conftest import CORPUS as CORPUS_ROOT
from tests.helpers import as_json, codes, dedent, findings, fix_text

CODES = ["MF1416"]
CORPUS = CORPUS_ROOT / "DMS"
CLUSTER = dedent(
    """
    Resources:
      InstanceParams:
        Type: AWS::RDS::DBParameterGroup
        Properties:
          Description: ledger
          Family: aurora-postgresql15
          Parameters:
            rds.log_retention_period: 10080
      Cluster:
        Type: AWS::RDS::DBCluster
        Properties:
          Engine: aurora-postgresql  # the ledger
          MasterUsername: ledger
          ManageMasterUserPassword: true
      Writer:
        Type: AWS::RDS::DBInstance
        Properties:
          Engine: aurora-postgresql
          DBClusterIdentifier: !Ref Cluster
          DBInstanceClass: db.r6g.large
          DBParameterGroupName: !Ref InstanceParams
    """
)
CLUSTER_FIXED = CLUSTER.replace(
    "      Engine: aurora-postgresql  # the ledger\n",
    "      EnableCloudwatchLogsExports:\n        - postgresql\n"
    "      Engine: aurora-postgresql  # the ledger\n",
)
INSTANCE = dedent(
    """
    Resources:
      Database:
        Type: AWS::RDS::DBInstance
        Properties:
          Engine: postgres
          DBInstanceClass: db.t4g.medium
          AllocatedStorage: 20
          MasterUsername: app
          ManageMasterUserPassword: true
          EnableCloudwatchLogsExports:
            - upgrade
    """
)
INSTANCE_FIXED = INSTANCE.replace(
    "        - upgrade\n", "        - postgresql\n        - upgrade\n"
)


def test_fires_on_an_aurora_postgresql_cluster_without_the_export() -> None:
    (f,) = findings(CLUSTER, CODES)
    assert f.path == ("Resources", "Cluster") and f.resource == "Cluster"
    assert (f.kind, f.severity) == ("hardening", "medium")
    assert f.fix is not None and f.fix.safe and f.fix.impact == "update"
    assert "10080 minutes (rds.log_retention_period of InstanceParams)" in f.message


def test_fires_on_an_instance_whose_exports_leave_postgresql_out() -> None:
    (f,) = findings(INSTANCE, CODES)
    assert f.path[-1] == "EnableCloudwatchLogsExports"
    assert "3 days by default" in f.message


@pytest.mark.parametrize("as_text", [lambda t: t, as_json], ids=["yaml", "json"])
@pytest.mark.parametrize(
    ("flawed", "fixed"), [(CLUSTER, CLUSTER_FIXED), (INSTANCE, INSTANCE_FIXED)]
)
def test_fix_byte_for_byte_and_a_second_pass_finds_nothing(as_text, flawed, fixed) -> None:
    assert fix_text(as_text(flawed), CODES) == as_text(fixed)
    assert codes(as_text(fixed), CODES) == []


@pytest.mark.corpus
def test_corpus_dms_source_cluster() -> None:
    for name in ("DMSAuroraToS3FullLoadAndOngoingReplication.yaml",):
        (f,) = findings((CORPUS / name).read_text(encoding="utf-8"), CODES)
        assert f.resource == "AuroraCluster" and f.fix is not None


def test_a_parameter_is_reported_without_a_fix() -> None:
    text = "Parameters:\n  Exports:\n    Type: CommaDelimitedList\n    Default: upgrade\n" + (
        INSTANCE.replace("      EnableCloudwatchLogsExports:\n        - upgrade\n", "")
        + "      EnableCloudwatchLogsExports: !Ref Exports\n"
    )
    (f,) = findings(text, CODES)
    assert f.fix is None and "default of parameter Exports" in f.message


def test_silent_for_other_engines_members_serverless_v1_and_exports() -> None:
    assert codes(CLUSTER_FIXED, CODES) == []
    assert codes(INSTANCE_FIXED, CODES) == []
    mysql = CLUSTER.replace("aurora-postgresql", "aurora-mysql").replace(
        "Family: aurora-mysql15", "Family: aurora-mysql8.0"
    )
    assert codes(mysql, CODES) == []
    v1 = CLUSTER.replace(
        "      Engine: aurora-postgresql  # the ledger\n",
        "      Engine: aurora-postgresql  # the ledger\n      EngineMode: serverless\n",
    )
    assert codes(v1, CODES) == []
