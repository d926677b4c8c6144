"""MF1433: a PostgreSQL (or SQL Server) parameter group lets clients connect without TLS."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn, values
from fixers.document import Document
from fixers.edits import set_value
from fixers.model import Finding, Fix
from fixers.rules import Rule

GROUP_TYPES = ("AWS::RDS::DBParameterGroup", "AWS::RDS::DBClusterParameterGroup")
PARAMETER = "rds.force_ssl"
OFF = ("0", "false", "off")


def users(data: dict[str, Any], group: str) -> list[str]:
    """The template's databases that use a parameter group."""
    return [
        lid
        for lid, res in cfn.of_type(data, "AWS::RDS::DBInstance", "AWS::RDS::DBCluster")
        if group
        in cfn.refs(
            [
                cfn.props(res).get("DBParameterGroupName"),
                cfn.props(res).get("DBClusterParameterGroupName"),
            ]
        )
    ]


class ForceSSL(Rule):
    code = "MF1433"
    spec = ()
    title = "Database parameter group lets clients connect without TLS (rds.force_ssl 0)"
    area = "database"
    kind = "hardening"
    severity = "medium"
    fix_applicability = "unsafe"
    deploy_impact = "update"
    why = """
        `rds.force_ssl: 0` lets a client connect to RDS or Aurora PostgreSQL (and RDS for SQL
        Server) in clear text: passwords of drivers that fall back to plain authentication, and
        every row read or written (card numbers, account data), cross the network readable by
        anything that can see the traffic, inside the VPC or over a peering, VPN or Direct
        Connect link. PCI DSS 4.2 and most financial regulators expect encryption in transit
        end to end; AWS documents `rds.force_ssl: 1` as the way to require it (the default since
        PostgreSQL 15 on RDS). A template that writes `0` switches that off on purpose.
    """
    bad = """
        DBParameterGroup:
          Type: AWS::RDS::DBParameterGroup
          Properties:
            Family: postgres16
            Parameters:
              rds.force_ssl: '0'
    """
    good = """
        DBParameterGroup:
          Type: AWS::RDS::DBParameterGroup
          Properties:
            Family: postgres16
            Parameters:
              rds.force_ssl: '1'
    """
    fix_safety = """
        Unsafe (update). `rds.force_ssl` is a dynamic parameter: the parameter group changes in
        place, without a reboot, and from then on the database refuses clients that connect
        without TLS (`sslmode=disable`, or a driver that does not try TLS). Check the clients'
        connection settings (and the rotation function's, which uses TLS by default) first.
    """
    notes = """
        Premise: the parameter group writes `rds.force_ssl` off in some case the template allows
        (a literal, a parameter's default, an `Fn::If` branch). An unset parameter is not
        reported: its default depends on the engine version (on before PostgreSQL 15 it is off),
        which the template does not always state. MySQL's `require_secure_transport` is not read.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for lid, res in cfn.of_type(data, *GROUP_TYPES):
            params = cfn.props(res).get("Parameters")
            if not isinstance(params, dict) or PARAMETER not in params:
                continue
            hits = []
            for sub, written, when in values.branches(params[PARAMETER]):
                for o in values.options(data, written, when, defaults_only=True):
                    if o.known and str(o.value).lower() in OFF:
                        hits.append((sub, written, o))
                        break
            if not hits:
                continue
            used = users(data, lid)
            where = "; ".join(
                f"{'from ' + o.source if o.source != 'literal' else 'written'}"
                + (f" {values.when_text(o.when)}" if o.when else "")
                for _, _, o in hits
            )
            message = (
                f"Parameter group {lid} sets rds.force_ssl to 0 ({where}): "
                + (f"{', '.join(used)} accept" if used else "its databases accept")
                + " clients that connect without TLS."
            )
            paths = tuple(
                ("Resources", lid, "Properties", "Parameters", PARAMETER, *sub)
                for sub, written, _ in hits
                if isinstance(written, (str, int, bool))
            )
            fix = (
                Fix(
                    f"Set rds.force_ssl to 1 in {lid}",
                    action="force",
                    args=paths,
                    impact="update",
                    impact_detail=(
                        "dynamic parameter, no reboot; clients that connect without TLS are refused"
                    ),
                    applicability="unsafe",
                )
                if len(paths) == len(hits)
                else None
            )
            yield self.finding(
                ("Resources", lid, "Properties", "Parameters", PARAMETER), message, fix
            )

    @staticmethod
    def force(doc: Document, *paths: tuple[Any, ...]) -> None:
        for path in paths:
            if str(doc.get(path)).lower() in OFF:
                set_value(doc, path, "1")
