"""MF1411: Aurora Serverless v1, past its end of life (beyond the spec)."""

from __future__ import annotations

from tests.helpers import codes, dedent, findings

TEMPLATE = dedent(
    """
    Resources:
      Cluster:
        Type: AWS::RDS::DBCluster
        Properties:
          Engine: aurora-postgresql
          EngineMode: serverless
          ScalingConfiguration:
            MinCapacity: 2
            MaxCapacity: 8
    """
)


def test_fires_without_a_fix():
    (f,) = findings(TEMPLATE, ["MF1411"])
    assert f.path[-1] == "EngineMode" and f.fix is None and "create-only" in f.message


def test_silent_on_provisioned_and_serverless_v2():
    v2 = TEMPLATE.replace("      EngineMode: serverless\n", "").replace(
        "ScalingConfiguration", "ServerlessV2ScalingConfiguration"
    )
    assert codes(v2, ["MF1411"]) == []
    assert codes(TEMPLATE.replace("serverless", "provisioned"), ["MF1411"]) == []
