"""MF0304: the Aurora cluster's reader endpoint is an output beside the writer endpoint (spec 3.4)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn
from fixers.document import Document
from fixers.edits import register_names
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.database.common import (
    aurora_clusters,
    cluster_instances,
    ensure_output,
    output_with_value,
    serverless_v1,
)

OUTPUT = "DatabaseReadEndpoint"
register_names(OUTPUT)


def _getatt(lid: str, attr: str) -> dict:
    return {"Fn::GetAtt": [lid, attr]}


def scales_readers(data: dict[str, Any], cluster: str) -> bool:
    """Whether Application Auto Scaling adds Aurora replicas to the cluster
    (``rds:cluster:ReadReplicaCount``)."""
    for _, target in cfn.of_type(data, "AWS::ApplicationAutoScaling::ScalableTarget"):
        p = cfn.props(target)
        if p.get("ScalableDimension") == "rds:cluster:ReadReplicaCount" and cluster in cfn.refs(
            p.get("ResourceId")
        ):
            return True
    return False


def has_readers(data: dict[str, Any], cluster: str) -> bool:
    """Whether the template gives the cluster reader instances: a second member instance, or
    replica auto scaling."""
    return len(cluster_instances(data, cluster)) >= 2 or scales_readers(data, cluster)


class ReadEndpointOutput(Rule):
    code = "MF0304"
    spec = ("3.4",)
    title = "The cluster's reader endpoint is not an output"
    area = "database"
    kind = "convention"
    severity = "low"
    fix_applicability = "safe"
    deploy_impact = "none"
    why = """
        The template outputs the Aurora cluster's writer endpoint but not its reader endpoint, so
        read traffic (reports, reconciliation, the read side of the API) has no supported way to
        find the readers and ends up on the writer, or on a hard-coded instance endpoint that
        breaks at the next failover. The reader endpoint (`ReadEndpoint.Address`) load-balances
        over the replicas and follows failovers. The output is exported like the template's
        other outputs (same `Export` naming), so other stacks can import it.
    """
    bad = """
        Outputs:
          DatabaseEndpoint:
            Value: !GetAtt AuroraCluster.Endpoint.Address
            Export:
              Name: !Sub '${AWS::StackName}-DatabaseEndpoint'
    """
    good = """
        Outputs:
          DatabaseEndpoint:
            Value: !GetAtt AuroraCluster.Endpoint.Address
            Export:
              Name: !Sub '${AWS::StackName}-DatabaseEndpoint'
          DatabaseReadEndpoint:
            Description: Aurora cluster reader endpoint (load-balanced over the replicas)
            Value: !GetAtt AuroraCluster.ReadEndpoint.Address
            Export:
              Name: !Sub '${AWS::StackName}-DatabaseReadEndpoint'
    """
    fix_safety = """
        Safe (none): an output changes no resource. Export names must be unique in the account
        and Region; the new one follows the pattern the template's exports already use.
    """
    notes = """
        Premise: the cluster has reader instances for the reader endpoint to lead to. Fires only
        where the template outputs the cluster's writer endpoint (`Endpoint.Address`), no output
        carries `ReadEndpoint.Address`, and the cluster has readers: a second member instance,
        or replica auto scaling (`rds:cluster:ReadReplicaCount`). A convention of the platform
        (its outputs), severity low. No longer reported: Aurora Serverless v1 clusters
        (`EngineMode: serverless`, which have no reader instances) and clusters with a single
        instance (the reader endpoint then leads to the writer).
    """

    def add_output(self, doc: Document, name: str, description: str, value: Any) -> None:
        ensure_output(doc, name, description, value)

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for lid, cluster in aurora_clusters(data):
            if serverless_v1(data, cluster) or not has_readers(data, lid):
                continue  # no reader instances: the reader endpoint would lead to the writer
            writer = output_with_value(data, _getatt(lid, "Endpoint.Address"))
            if writer is None or output_with_value(data, _getatt(lid, "ReadEndpoint.Address")):
                continue
            yield self.finding(
                ("Resources", lid),
                f"Outputs carry {lid}'s writer endpoint ({writer}) but not the reader endpoint of "
                "its replicas; the platform's convention outputs both.",
                Fix(
                    title=f"Add the output {OUTPUT} of {lid}.ReadEndpoint.Address",
                    action="add_output",
                    args=(
                        OUTPUT,
                        "Aurora cluster reader endpoint (load-balanced over the replicas)",
                        _getatt(lid, "ReadEndpoint.Address"),
                    ),
                    impact="none",
                    impact_detail="a new output; no resource changes",
                ),
            )
