"""MF0304: the cluster's reader endpoint is an output, exported like the others (spec 3.4)."""

from __future__ import annotations

import json

from tests.helpers import codes, dedent, findings, fix_text

FLAWED = dedent(
    """
    Resources:
      Ledger:
        Type: AWS::RDS::DBCluster
        Properties:
          Engine: aurora-postgresql
      Writer:
        Type: AWS::RDS::DBInstance
        Properties:
          DBClusterIdentifier: !Ref Ledger
          DBInstanceClass: db.r6g.large
          Engine: aurora-postgresql
      Reader:
        Type: AWS::RDS::DBInstance
        Properties:
          DBClusterIdentifier: !Ref Ledger
          DBInstanceClass: db.r6g.large
          Engine: aurora-postgresql
    Outputs:
      # Writer endpoint for the application.
      LedgerWriter:
        Value: !GetAtt Ledger.Endpoint.Address
        Export:
          Name: !Sub 'ledger-${AWS::StackName}-LedgerWriter-export'
    """
)


def test_fires_on_the_cluster() -> None:
    (finding,) = findings(FLAWED, ["MF0304"])
    assert finding.resource == "Ledger" and finding.fix.safe and finding.fix.impact == "none"
    assert "LedgerWriter" in finding.message


def test_fix_copies_the_export_naming_and_keeps_comments() -> None:
    fixed = fix_text(FLAWED, ["MF0304"])
    assert fixed == FLAWED + (
        "  DatabaseReadEndpoint:\n"
        "    Description: Aurora cluster reader endpoint (load-balanced over the replicas)\n"
        "    Value: !GetAtt Ledger.ReadEndpoint.Address\n"
        "    Export:\n"
        "      Name: !Sub 'ledger-${AWS::StackName}-DatabaseReadEndpoint-export'\n"
    )
    assert "# Writer endpoint for the application." in fixed


def test_silent_when_present_under_another_name_or_no_writer_output() -> None:
    other = FLAWED + "  Reader:\n    Value: !GetAtt [Ledger, ReadEndpoint.Address]\n"
    assert codes(other, ["MF0304"]) == []
    assert codes(FLAWED.split("Outputs:")[0], ["MF0304"]) == []
    assert (
        codes(
            FLAWED.replace("aurora-postgresql", "postgres").replace(
                "Engine: postgres", "Engine: postgres"
            ),
            ["MF0304"],
        )
        == []
    )


def test_json_without_exports_adds_a_plain_output() -> None:
    data = {
        "Resources": {
            "C": {"Type": "AWS::RDS::DBCluster", "Properties": {"Engine": "aurora-mysql"}},
            "Readers": {
                "Type": "AWS::ApplicationAutoScaling::ScalableTarget",
                "Properties": {
                    "ResourceId": {"Fn::Sub": "cluster:${C}"},
                    "ScalableDimension": "rds:cluster:ReadReplicaCount",
                    "ServiceNamespace": "rds",
                    "MinCapacity": 1,
                    "MaxCapacity": 4,
                },
            },
        },
        "Outputs": {"Endpoint": {"Value": {"Fn::GetAtt": ["C", "Endpoint.Address"]}}},
    }
    text = json.dumps(data, indent=2) + "\n"
    fixed = fix_text(text, ["MF0304"])
    data["Outputs"]["DatabaseReadEndpoint"] = {
        "Description": "Aurora cluster reader endpoint (load-balanced over the replicas)",
        "Value": {"Fn::GetAtt": ["C", "ReadEndpoint.Address"]},
    }
    assert fixed == json.dumps(data, indent=2) + "\n"


def test_silent_without_readers_serverless_v1_or_a_single_instance() -> None:
    # Aurora Serverless v1 has no reader instances (corpus: no such template reports).
    v1 = FLAWED.replace(
        "      Engine: aurora-postgresql\n  Writer:",
        "      Engine: aurora-postgresql\n      EngineMode: serverless\n  Writer:",
    )
    assert "EngineMode: serverless" in v1 and codes(v1, ["MF0304"]) == []
    # One instance (DMS/DMSAuroraToS3FullLoadAndOngoingReplication.yaml): the reader endpoint
    # would lead to the writer.
    single = FLAWED.split("  Reader:\n")[0] + "Outputs:" + FLAWED.split("Outputs:")[1]
    assert "Reader:" not in single and codes(single, ["MF0304"]) == []
    (finding,) = findings(FLAWED, ["MF0304"])
    assert (finding.kind, finding.severity) == ("convention", "low")
