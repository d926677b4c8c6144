"""MF0302: Performance Insights keeps two years in production and uses the database key (spec 3.2)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn, kms, kms_edits, schema, values
from fixers.document import Document, EditError
from fixers.edits import set_property, wrap_if_production
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.database.common import (
    allowed_classes,
    aurora_clusters,
    cluster_instances,
    engines,
    serverless_v1,
)

PROD_RETENTION = 731
NONPROD_RETENTION = 7
# PI settings per resource type: (enabled property, retention property, key property)
PI_PROPS = {
    "AWS::RDS::DBInstance": (
        "EnablePerformanceInsights",
        "PerformanceInsightsRetentionPeriod",
        "PerformanceInsightsKMSKeyId",
    ),
    "AWS::RDS::DBCluster": (
        "PerformanceInsightsEnabled",
        "PerformanceInsightsRetentionPeriod",
        "PerformanceInsightsKmsKeyId",
    ),
}
# Valid retention: 7, 31 * n (n = 1..23) or 731 days.
VALID_RETENTION = {7, 731, *(31 * n for n in range(1, 24))}


def _enabled(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


# Instance classes Performance Insights / Database Insights do not support (AWS user guides,
# "DB engine, Region, and instance class support for Database Insights").
_SMALL = (
    "db.t2.micro",
    "db.t2.small",
    "db.t3.micro",
    "db.t3.small",
    "db.t4g.micro",
    "db.t4g.small",
)


def _supported(engine: str, classes: list[str] | None) -> bool:
    """Whether Performance Insights runs on every class the template allows: Aurora and RDS
    PostgreSQL on all; Aurora MySQL not on db.t2, db.t3, db.t4g.micro/small; RDS MySQL and
    MariaDB not on the micro and small burstable classes. Other engines, and classes the
    template does not show, are not claimed."""
    if engine in ("aurora-postgresql", "postgres"):
        return True
    if classes is None:
        return False
    if engine == "aurora-mysql":
        return not any(c.startswith(("db.t2.", "db.t3.")) or c in _SMALL for c in classes)
    if engine in ("mysql", "mariadb"):
        return not any(c in _SMALL for c in classes)
    return False


def monitoring_off(data: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(resource, property to enable, whether a fix may enable it) for each database with
    Performance Insights off in every case: an Aurora cluster (not Serverless v1) whose
    cluster, member instances and ``DatabaseInsightsMode`` never turn it on, or a DB instance
    outside a cluster that never does, on an engine and classes that support it."""
    out = []
    res = cfn.resources(data)
    for lid, cluster in aurora_clusters(data):
        p = cfn.props(cluster)
        members = cluster_instances(data, lid)
        if serverless_v1(data, cluster) or not members:
            continue
        if values.can_be(data, p.get("PerformanceInsightsEnabled"), True) or values.can_be(
            data, p.get("DatabaseInsightsMode"), "advanced"
        ):
            continue
        member_props = [cfn.props(res[m]) for m in members]
        if any(
            values.can_be(data, mp.get("EnablePerformanceInsights"), True) for mp in member_props
        ):
            continue
        found = engines(data, cluster)
        classes: list[str] | None = []
        for mp in member_props:
            c = allowed_classes(data, mp.get("DBInstanceClass"))
            classes = None if c is None or classes is None else classes + c
        if len(set(found)) != 1 or not _supported(found[0], classes):
            continue
        explicit_off = any("EnablePerformanceInsights" in mp for mp in member_props)
        out.append((lid, "PerformanceInsightsEnabled", not explicit_off))
    for lid, inst in cfn.of_type(data, "AWS::RDS::DBInstance"):
        p = cfn.props(inst)
        if "DBClusterIdentifier" in p or values.can_be(
            data, p.get("EnablePerformanceInsights"), True
        ):
            continue
        if values.can_be(data, p.get("DatabaseInsightsMode"), "advanced"):
            continue
        found = engines(data, inst)
        if len(set(found)) != 1 or not _supported(
            found[0], allowed_classes(data, p.get("DBInstanceClass"))
        ):
            continue
        out.append((lid, "EnablePerformanceInsights", True))
    return out


def _off_text(data: dict[str, Any], lid: str, noun: str) -> str:
    """How the template leaves Performance Insights off, in its own terms."""
    p = cfn.props(cfn.resources(data)[lid])
    if noun == "Aurora cluster":
        return (
            "neither PerformanceInsightsEnabled on the cluster nor EnablePerformanceInsights on "
            "its instances is true, and DatabaseInsightsMode is not advanced"
        )
    if "EnablePerformanceInsights" not in p:
        return "EnablePerformanceInsights is not set, and RDS leaves it off"
    sources = sorted(
        {
            o.source
            for o in values.options(data, p["EnablePerformanceInsights"], defaults_only=True)
            if o.source != "literal"
        }
    )
    return "EnablePerformanceInsights is false" + (f" ({', '.join(sources)})" if sources else "")


def _retention_gap(value: Any) -> bool:
    """A literal (or absent) retention shorter than two years: the same for every environment."""
    if value is None:
        return True
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, str)) and str(value).strip().isdigit():
        return int(str(value).strip()) < PROD_RETENTION
    return False  # Fn::If, Ref, a mapping value: set another way


def database_key_value(doc: Document, resource: dict[str, Any]) -> Any:
    """The KMS key Performance Insights should use: the database's own key.

    The storage key of the instance's cluster (or of a cluster itself) when it is a key of the
    template, the same value when it comes from elsewhere (a parameter, an import), else the
    database key of the template (added as ``DatabaseKMSKey`` when missing)."""
    data = doc.data
    p = cfn.props(resource)
    cluster = cfn.ref_target(p.get("DBClusterIdentifier"))
    source = cfn.props(cfn.resources(data).get(cluster, {})) if cluster else p
    value = source.get("KmsKeyId")
    if value is None and "KmsKeyId" in p:
        value = p.get("KmsKeyId")
    if value is not None:
        key = kms.referenced_key(doc, value)
        return kms.key_arn(key) if key else value
    return kms.key_arn(kms_edits.ensure_database_key(doc))


class PerformanceInsights(Rule):
    code = "MF0302"
    spec = ("3.2",)
    title = "Performance Insights is off, keeps 7 days everywhere or uses the AWS managed key"
    area = "database"
    kind = "hardening"
    severity = "low"
    fix_applicability = "unsafe"
    deploy_impact = "replacement"
    why = """
        Performance Insights holds the database's load history and the text of the SQL that ran,
        which for a transaction platform can contain account and card data. Seven days of history
        is too short to investigate a production incident or a slow trend found at month end;
        production keeps the two years (731 days) Performance Insights offers, non-production
        the free 7 days: `!If [IsProduction, 731, 7]`. Without `PerformanceInsightsKMSKeyId`
        (on `AWS::RDS::DBInstance`; `PerformanceInsightsKmsKeyId` on `AWS::RDS::DBCluster`),
        the data is encrypted with the AWS managed `aws/rds` key, whose policy the platform
        cannot control or audit; it should use the database's customer-managed key.
    """
    bad = """
        AuroraPrimaryInstance:
          Type: AWS::RDS::DBInstance
          Properties:
            EnablePerformanceInsights: true
            PerformanceInsightsRetentionPeriod: 7
    """
    good = """
        AuroraPrimaryInstance:
          Type: AWS::RDS::DBInstance
          Properties:
            EnablePerformanceInsights: true
            PerformanceInsightsKMSKeyId: !GetAtt DatabaseKMSKey.Arn
            PerformanceInsightsRetentionPeriod: !If [IsProduction, 731, 7]
    """
    notes = """
        Premise: Performance Insights (the database load history that CloudWatch Database
        Insights shows; on Aurora it is set for the cluster, and `DatabaseInsightsMode:
        advanced` requires it) is on and keeps the default 7 days everywhere or uses `aws/rds`,
        or it is off entirely. Performance Insights off entirely is `hardening` (severity low:
        an operational-visibility control of the Well-Architected performance pillar, no data
        at risk; no CIS or Security Hub control asks for it); its message says how the template
        leaves it off (the property unset, which RDS takes as off; `false`; a parameter's
        default) and what is then not collected, nothing more. It is reported for Aurora clusters with instances (cluster, instances and
        `DatabaseInsightsMode` all leave it off) and DB instances outside a cluster, only on
        engines and classes that support it (Aurora and RDS PostgreSQL: all; Aurora MySQL: not
        db.t2, db.t3, db.t4g.micro/small; RDS MySQL and MariaDB: not the micro and small
        burstable classes; other engines, Aurora Serverless v1 and classes the template does not
        show are not claimed). Its fix turns it on (on the cluster for Aurora, without a fix
        where an instance sets it off explicitly); the retention and key findings then follow.
        AWS ends the Performance Insights console on 31 July 2026; its API, retention and
        CloudFormation properties continue under Database Insights.
    """
    fix_safety = """
        Turning Performance Insights on is an update without downtime. Two further findings,
        two fixes. The retention is safe (update, no interruption); the production
        condition is added when the template has none. The key is unsafe on an instance: the
        schema lists `PerformanceInsightsKMSKeyId` as conditionally create-only on
        `AWS::RDS::DBInstance` (a new physical key replaces the instance), and a deployed instance
        with Performance Insights on already uses the `aws/rds` key, so setting the key replaces
        it (an Aurora instance is replaced by a new one in the cluster; the cluster's data stays).
        On `AWS::RDS::DBCluster` the schema lists `PerformanceInsightsKmsKeyId` in neither
        create-only list: an update. The key is the cluster's own storage key when it is a key of
        the template (or the same value when it comes from a parameter), else the database key,
        added as `DatabaseKMSKey` (rotating, retained, no `*` principal) when the template has none.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for lid, prop, fixable in monitoring_off(data):
            noun = "Aurora cluster" if prop == "PerformanceInsightsEnabled" else "DB instance"
            yield self.finding(
                ("Resources", lid),
                f"{noun} {lid} has Performance Insights off ({_off_text(data, lid, noun)}): "
                "no history of its database load by wait event, SQL statement and user is kept "
                "to investigate a slow or stuck database (a Well-Architected performance "
                "monitoring practice).",
                Fix(
                    title=f"Turn Performance Insights on for {lid}",
                    action="set_property",
                    args=(lid, prop, True),
                    impact="update",
                    impact_detail="turning Performance Insights on causes no downtime",
                )
                if fixable
                else None,
                kind="hardening",
                severity="low",
            )
        for rtype, (enabled, retention, key_prop) in PI_PROPS.items():
            for lid, res in cfn.of_type(data, rtype):
                p = cfn.props(res)
                if not _enabled(p.get(enabled)):
                    continue
                if _retention_gap(p.get(retention)):
                    current = p.get(retention)
                    yield self.finding(
                        ("Resources", lid, "Properties", retention),
                        f"{lid} keeps Performance Insights data {current or NONPROD_RETENTION} days in every environment; "
                        f"keep {PROD_RETENTION} days in production.",
                        Fix(
                            title=f"Keep Performance Insights {PROD_RETENTION} days in production, {NONPROD_RETENTION} elsewhere",
                            action="apply_retention",
                            args=(lid, retention),
                            impact="update",
                            impact_detail="retention changes in place, no interruption",
                        ),
                    )
                if key_prop not in p:
                    impact = schema.property_change_impact(
                        rtype, key_prop, schema.regions_for(doc.path)
                    )
                    if impact == schema.POSSIBLE_REPLACEMENT:
                        # The condition holds: Performance Insights is on, so the deployed
                        # instance already has a key (aws/rds), and a new one replaces it.
                        impact = schema.REPLACEMENT
                    detail = {
                        schema.REPLACEMENT: "a new Performance Insights key on a deployed instance replaces it "
                        "(conditionally create-only, and the instance already has a key)",
                        schema.UPDATE: "the key changes in place",
                    }.get(
                        impact, "the resource schemas cannot be read: the deploy impact is unknown"
                    )
                    yield self.finding(
                        ("Resources", lid, "Properties", key_prop),
                        f"{lid} encrypts Performance Insights data with the AWS managed key; use the database's customer-managed key.",
                        Fix(
                            title="Encrypt Performance Insights with the database key",
                            action="apply_key",
                            args=(lid, key_prop),
                            impact=impact,
                            impact_detail=detail,
                        ),
                    )

    @staticmethod
    def apply_retention(doc: Document, lid: str, prop: str) -> None:
        current = doc.get(("Resources", lid, "Properties", prop))
        nonprod = NONPROD_RETENTION
        if (
            current is not None
            and str(current).strip().isdigit()
            and int(str(current)) in VALID_RETENTION
        ):
            nonprod = int(str(current))
        wrap_if_production(doc, ("Resources", lid, "Properties", prop), PROD_RETENTION, nonprod)

    @staticmethod
    def apply_key(doc: Document, lid: str, prop: str) -> None:
        res = cfn.resources(doc.data).get(lid)
        if res is None:
            raise EditError(f"{lid} is gone")
        set_property(doc, lid, prop, database_key_value(doc, res))
