"""MF1411: an Aurora Serverless v1 cluster, past its end of life (beyond the spec)."""

from __future__ import annotations

from collections.abc import Iterator

from fixers import cfn, values
from fixers.document import Document
from fixers.model import Finding
from fixers.rules import Rule


class ServerlessV1(Rule):
    code = "MF1411"
    spec = ()
    title = "Aurora Serverless v1 is past its end of life"
    area = "database"
    kind = "defect"
    severity = "high"
    fix_applicability = "none"
    deploy_impact = "none"
    why = """
        AWS ended Aurora Serverless v1 on March 31, 2025: new v1 clusters cannot be created
        (since January 8, 2025), and the clusters left are migrated by AWS during a maintenance
        window, to Serverless v2 or, if that fails, to a provisioned cluster enrolled in paid
        RDS Extended Support. A template with `EngineMode: serverless` no longer deploys a new
        stack and describes a database that is not what AWS runs.
    """
    bad = """
        Database:
          Type: AWS::RDS::DBCluster
          Properties:
            Engine: aurora-postgresql
            EngineMode: serverless
            ScalingConfiguration: {MinCapacity: 2, MaxCapacity: 8}
    """
    good = """
        Database:
          Type: AWS::RDS::DBCluster
          Properties:
            Engine: aurora-postgresql
            EngineVersion: '16.6'
            ServerlessV2ScalingConfiguration: {MinCapacity: 0.5, MaxCapacity: 8}
        DatabaseInstance:
          Type: AWS::RDS::DBInstance
          Properties:
            DBClusterIdentifier: !Ref Database
            DBInstanceClass: db.serverless
            Engine: aurora-postgresql
    """
    fix_safety = """
        No automatic fix. `EngineMode` is create-only: changing it in the template makes
        CloudFormation create a new, empty cluster and delete the old one. The migration is
        AWS's documented path (upgrade the v1 cluster in place to a provisioned cluster on a
        v2-compatible engine version, add a `db.serverless` instance), and the template is then
        rewritten to describe the result (`EngineMode: provisioned` or removed,
        `ServerlessV2ScalingConfiguration`, a `DBInstance`), usually with an engine major
        version upgrade to test first.
    """
    notes = """
        Any `EngineMode` value the template can give (a literal, a parameter's allowed values, a
        branch of `Fn::If`) that is `serverless` is reported.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        for lid, res in cfn.of_type(doc.data, "AWS::RDS::DBCluster"):
            value = cfn.props(res).get("EngineMode")
            if value is None or not values.can_be(doc.data, value, "serverless"):
                continue
            yield self.finding(
                ("Resources", lid, "Properties", "EngineMode"),
                f"{lid} is an Aurora Serverless v1 cluster (EngineMode serverless), which AWS ended "
                "on March 31, 2025. Migrate it to Serverless v2 (a provisioned cluster with a "
                "db.serverless instance); EngineMode is create-only, so changing the template "
                "alone would replace the cluster with an empty one.",
            )
