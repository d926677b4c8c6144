"""MF0304: the Aurora cluster's reader endpoint is an output beside the writer endpoint (spec 3.4)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers.document import Document
from fixers.edits import register_names
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.database.common import aurora_clusters, ensure_output, output_with_value

OUTPUT = "DatabaseReadEndpoint"
register_names(OUTPUT)


def _getatt(lid: str, attr: str) -> dict:
    return {"Fn::GetAtt": [lid, attr]}


class ReadEndpointOutput(Rule):
    code = "MF0304"
    spec = ("3.4",)
    title = "The cluster's reader endpoint is not an output"
    area = "database"
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
        Fires only where the template outputs the cluster's writer endpoint (`Endpoint.Address`)
        and no output carries `ReadEndpoint.Address`.
    """

    def add_output(self, doc: Document, name: str, description: str, value: Any) -> None:
        ensure_output(doc, name, description, value)

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for lid, _ in aurora_clusters(data):
            writer = output_with_value(data, _getatt(lid, "Endpoint.Address"))
            if writer is None or output_with_value(data, _getatt(lid, "ReadEndpoint.Address")):
                continue
            yield self.finding(
                ("Resources", lid),
                f"Outputs carry {lid}'s writer endpoint ({writer}) but not its reader endpoint.",
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
