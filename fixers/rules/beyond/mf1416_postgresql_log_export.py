"""MF1416: an RDS PostgreSQL instance or Aurora PostgreSQL cluster that does not publish its
PostgreSQL log (pgaudit's trail among it) to CloudWatch Logs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn, values
from fixers.document import Document
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.beyond.common import is_member
from fixers.rules.database.common import engines

PROPERTY = "EnableCloudwatchLogsExports"
LOG = "postgresql"
RETENTION = "rds.log_retention_period"
ENGINES = ("postgres", "aurora-postgresql")


def _postgres(data: dict[str, Any], res: dict[str, Any]) -> bool:
    found = engines(data, res)
    return bool(found) and all(e in ENGINES for e in found)


def _exports(data: dict[str, Any], item: Any) -> list[str]:
    return values.texts(data, cfn.unguarded(item))


def _retention(data: dict[str, Any], lid: str) -> tuple[str, int] | None:
    """The parameter group of ``lid`` (or of its cluster's instances) that sets
    ``rds.log_retention_period``, with the minutes it sets."""
    resources = cfn.resources(data)
    holders = [lid] + [
        m
        for m, r in cfn.of_type(data, "AWS::RDS::DBInstance")
        if lid in cfn.refs(cfn.props(r).get("DBClusterIdentifier"))
    ]
    for holder in holders:
        p = cfn.props(resources[holder])
        for group in sorted(
            cfn.refs([p.get("DBParameterGroupName"), p.get("DBClusterParameterGroupName")])
        ):
            params = cfn.props(resources.get(group) or {}).get("Parameters")
            if isinstance(params, dict) and RETENTION in params:
                minutes = values.as_int(values.literal(data, params[RETENTION]))
                if minutes is not None:
                    return group, minutes
    return None


class PostgresLogExport(Rule):
    code = "MF1416"
    spec = ()
    title = "PostgreSQL logs are not published to CloudWatch Logs"
    area = "database"
    kind = "hardening"
    severity = "medium"
    fix_applicability = "safe"
    deploy_impact = "update"
    why = """
        RDS for PostgreSQL and Aurora PostgreSQL write their server log (errors, connections,
        and the audit records pgaudit writes, MF1001) to files on the database host, kept only
        for `rds.log_retention_period` (4320 minutes, 3 days, by default; at most 7 days) and
        gone with the instance. Without `postgresql` in `EnableCloudwatchLogsExports` nothing
        copies them out: an incident found a week later has no audit trail, and nothing can
        alert on the log. AWS Security Hub RDS.36 (RDS for PostgreSQL DB instances) and RDS.37
        (Aurora PostgreSQL DB clusters), both severity medium, ask for the export.
    """
    bad = """
        Database:
          Type: AWS::RDS::DBCluster
          Properties:
            Engine: aurora-postgresql
            DBClusterParameterGroupName: !Ref ClusterParameters   # loads pgaudit
    """
    good = """
        Database:
          Type: AWS::RDS::DBCluster
          Properties:
            Engine: aurora-postgresql
            DBClusterParameterGroupName: !Ref ClusterParameters
            EnableCloudwatchLogsExports:
              - postgresql
    """
    fix_safety = """
        Safe (update, no interruption): the fix adds `postgresql` to `EnableCloudwatchLogsExports`
        (a property CloudFormation changes in place), and RDS starts publishing the log to the
        log group `/aws/rds/instance/<id>/postgresql` (`/aws/rds/cluster/<id>/postgresql` for a
        cluster), creating it if it does not exist. A group RDS creates keeps events forever
        and is encrypted with CloudWatch Logs' own key: define it in the template (with
        retention and a KMS key) to control both. CloudWatch Logs ingestion and storage are
        billed; a statement log (MF1435) makes the volume, and what the log holds, larger.
    """
    notes = """
        Premise: an `AWS::RDS::DBInstance` (not an instance of a cluster: an Aurora cluster
        exports for its instances) or `AWS::RDS::DBCluster` whose `Engine` is `postgres` or
        `aurora-postgresql` in every case the template allows, with no `postgresql` in
        `EnableCloudwatchLogsExports` in some case (the property absent, a list without it, an
        `Fn::If` branch or a parameter default without it). The fix is offered for an absent
        property or a plain list; a value from a parameter or an `Fn::If` is reported without
        one. Aurora Serverless v1 clusters (reported by MF1411) are not read: they publish
        logs through their parameter group, not this property. The `upgrade` and
        `iam-db-auth-error` logs are not asked for. The rule does not claim anything about the
        log group's retention or key beyond what the template shows.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for lid, res in cfn.of_type(data, "AWS::RDS::DBInstance", "AWS::RDS::DBCluster"):
            if (
                is_member(res)
                or not _postgres(data, res)
                or values.can_be(data, cfn.props(res).get("EngineMode"), "serverless")
            ):
                continue
            props = cfn.props(res)
            expr = props.get(PROPERTY)
            missing: list[str] = []
            fixable = True
            for sub, value, when in values.branches(expr, data=data, absent=True):
                cond = f" {values.when_text(when)}" if when else ""
                if value is None or value is values.ABSENT:
                    missing.append(f"no {PROPERTY}{cond}")
                    fixable = fixable and sub == ()
                elif isinstance(value, list):
                    if not any(LOG in _exports(data, item) for item in value):
                        missing.append(f"{PROPERTY} without {LOG}{cond}")
                        fixable = fixable and sub == ()
                else:
                    for o in values.items(data, value):
                        if not (o.known and isinstance(o.value, list)):
                            continue
                        if not any(LOG in _exports(data, item) for item in o.value):
                            source = "" if o.source == "literal" else f" ({o.source})"
                            missing.append(f"{PROPERTY} without {LOG}{source}{cond}")
                            fixable = False
            if not missing:
                continue
            what = "DB cluster" if res.get("Type") == "AWS::RDS::DBCluster" else "DB instance"
            engine = "/".join(sorted(set(engines(data, res))))
            kept = _retention(data, lid)
            where = (
                f"{kept[1]} minutes (rds.log_retention_period of {kept[0]})"
                if kept
                else "rds.log_retention_period (3 days by default)"
            )
            message = (
                f"{what} {lid} ({engine}) has {'; '.join(missing)}: its PostgreSQL log (errors, "
                f"connections, and pgaudit's audit records where pgaudit is loaded) stays on the "
                f"database host for {where} and is not published to CloudWatch Logs."
            )
            path = ("Resources", lid, "Properties", PROPERTY)
            fix = (
                Fix(
                    f"Publish the PostgreSQL log of {lid} to CloudWatch Logs",
                    action="add_list_item",
                    args=(path, LOG),
                    impact="update",
                    impact_detail=(
                        f"in place, no interruption; RDS publishes to /aws/rds/"
                        f"{'cluster' if what == 'DB cluster' else 'instance'}/<id>/postgresql, "
                        "creating that log group (no expiry) unless the template defines it"
                    ),
                )
                if fixable
                else None
            )
            yield self.finding(path if expr is not None else ("Resources", lid), message, fix)
