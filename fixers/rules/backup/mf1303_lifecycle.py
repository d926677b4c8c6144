"""MF1303: backup lifecycle meets long-term regulatory retention and is valid (spec 13.3)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from fixers import cfn, values
from fixers.document import Document, EditError
from fixers.edits import add_list_item, ensure_production_condition
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.backup import common as bk

RETENTION_DAYS = 2557  # 7 years, the regulatory retention of financial records
RULE_NAME = "MonthlyLongTermRetention"
DEFAULT_SCHEDULE = "cron(0 5 1 * ? *)"
_DAILY = re.compile(r"cron\((\d{1,2}) (\d{1,2}) \* \* \? \*\)")
# Resource types AWS Backup can move to cold storage (Feature availability by resource).
COLD_CAPABLE = (
    "AWS::EFS::FileSystem",
    "AWS::DynamoDB::Table",
    "AWS::DynamoDB::GlobalTable",
    "AWS::Timestream::Table",
    "AWS::EC2::Volume",
    "AWS::EC2::Instance",
    "AWS::S3::Bucket",
)
DATABASE_TYPES = ("AWS::RDS::DBCluster", "AWS::RDS::DBInstance")


def _rules(plan: dict[str, Any]) -> list[Any]:
    body = cfn.props(plan).get("BackupPlan")
    rules = body.get("BackupPlanRule") if isinstance(body, dict) else None
    return rules if isinstance(rules, list) else []


def _branches(raw: Any) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    """The rule (or copy action) dicts a list item is written as, each with its path suffix
    (fixers.values.branches: through ``Fn::If``)."""
    return [(at, v) for at, v, _ in values.branches(raw) if isinstance(v, dict)]


def _retention_days(data: dict[str, Any], rule: Any) -> list[int] | None:
    """The DeleteAfterDays a rule can keep its recovery points, in days; None when the rule
    keeps them without a deletion date or the template cannot show it (a parameter the
    deployer sets, an import)."""
    if not isinstance(rule, dict):
        return None
    life = rule.get("Lifecycle")
    if not isinstance(life, dict) or "DeleteAfterDays" not in life:
        return None
    out = []
    for o in values.options(data, life["DeleteAfterDays"]):
        days = values.as_int(o.value)
        if days is None or o.source.startswith(("default of parameter", "allowed value")):
            return None
        out.append(days)
    return out


def _keeps_long(data: dict[str, Any], rule: Any) -> bool:
    """Whether a rule keeps recovery points for the platform's period in some case."""
    days = _retention_days(data, rule)
    return days is None or any(d < 0 or d >= RETENTION_DAYS for d in days)


def _longest(data: dict[str, Any], rules: list[Any]) -> int | None:
    found = [
        d for raw in rules for _, rule in _branches(raw) for d in _retention_days(data, rule) or []
    ]
    return max(found) if found else None


def _selections_of(data: dict[str, Any], plan_id: str) -> list[dict[str, Any]]:
    out = []
    for _, sel in cfn.of_type(data, "AWS::Backup::BackupSelection"):
        p = cfn.props(sel)
        inner = p.get("BackupSelection")
        if plan_id in cfn.refs(p.get("BackupPlanId")) and isinstance(inner, dict):
            out.append(inner)
    return out


def protects_database(data: dict[str, Any], plan_id: str) -> bool:
    """The plan protects (or, without selections, is the plan for) the template's database."""
    dbs = {lid for lid, _ in cfn.of_type(data, *DATABASE_TYPES)}
    if not dbs:
        return False
    selections = _selections_of(data, plan_id)
    if not selections:
        return True
    return any(dbs & cfn.refs(inner.get("Resources")) for inner in selections)


def only_databases(data: dict[str, Any], plan_id: str) -> bool:
    """Everything the plan protects is RDS or Aurora, which AWS Backup does not move to cold storage."""
    selections = _selections_of(data, plan_id)
    if not selections:
        return bool(cfn.of_type(data, *DATABASE_TYPES)) and not cfn.of_type(data, *COLD_CAPABLE)
    res = cfn.resources(data)
    for inner in selections:
        if inner.get("ListOfTags") or inner.get("Conditions"):
            return False
        for item in cfn.list_of(inner.get("Resources")):
            names = cfn.refs(item)
            texts = values.patterns(data, item)
            if texts and all(":rds:" in t for t in texts):
                continue
            if names and all(res.get(n, {}).get("Type") in DATABASE_TYPES for n in names):
                continue
            return False
    return True


def _cold_paths(plan_id: str, plan: dict[str, Any]) -> list[tuple[Any, ...]]:
    base = ("Resources", plan_id, "Properties", "BackupPlan", "BackupPlanRule")
    out = []
    for i, raw in enumerate(_rules(plan)):
        for inner, rule in _branches(raw):
            rpath = base + (i,) + inner
            life = rule.get("Lifecycle")
            if isinstance(life, dict) and "MoveToColdStorageAfterDays" in life:
                out.append(rpath + ("Lifecycle", "MoveToColdStorageAfterDays"))
            copies = rule.get("CopyActions")
            for j, raw_copy in enumerate(copies if isinstance(copies, list) else []):
                for cinner, copy in _branches(raw_copy):
                    life = copy.get("Lifecycle")
                    if isinstance(life, dict) and "MoveToColdStorageAfterDays" in life:
                        out.append(
                            rpath
                            + ("CopyActions", j)
                            + cinner
                            + ("Lifecycle", "MoveToColdStorageAfterDays")
                        )
    return out


def _first(rules: list[Any]) -> dict[str, Any] | None:
    """The first rule as written (its first branch when under ``Fn::If``)."""
    found = _branches(rules[0]) if rules else []
    return found[0][1] if found else None


def long_term_rule(first: dict[str, Any]) -> dict[str, Any]:
    schedule = first.get("ScheduleExpression")
    m = _DAILY.fullmatch(schedule) if isinstance(schedule, str) else None
    rule: dict[str, Any] = {
        "RuleName": RULE_NAME,
        "TargetBackupVault": first.get("TargetBackupVault"),
        "ScheduleExpression": f"cron({m.group(1)} {m.group(2)} 1 * ? *)" if m else DEFAULT_SCHEDULE,
    }
    for key in ("StartWindowMinutes", "CompletionWindowMinutes"):
        if key in first:
            rule[key] = first[key]
    rule["Lifecycle"] = {"DeleteAfterDays": RETENTION_DAYS}
    if "RecoveryPointTags" in first:
        rule["RecoveryPointTags"] = first["RecoveryPointTags"]
    return rule


class BackupLifecycle(Rule):
    code = "MF1303"
    spec = ("13.3",)
    title = "Backup plan keeps less than the platform's long-term retention, or sets an ignored cold-storage transition"
    area = "backup"
    kind = "convention"
    severity = "low"
    fix_applicability = "unsafe"
    deploy_impact = "deletion"
    why = """
        Financial records must be kept for years (seven is the common figure: SEC 17a-4, MiFID
        II, most national banking rules), and the database's own automated backups stop at 35
        days. A plan whose every rule deletes recovery points after 35 days keeps nothing older.

        The spec asks for "proper cold storage transitions". AWS Backup moves to cold storage only
        the resource types listed in its Feature availability by resource table (EFS, DynamoDB
        with advanced features, Timestream, EBS, EC2, S3, VMware, SAP HANA ...); Amazon RDS and
        Aurora are not among them, and for other types "AWS Backup ignores this expression"
        (AWS Backup API reference, `Lifecycle`). A `MoveToColdStorageAfterDays` on a plan that
        protects only the Aurora cluster therefore changes nothing and misleads the reader about
        cost, and cfn-lint (E3504) already rejects one that deletes less than 90 days after the
        move. The fix does not write a cold-storage transition for the database. Retention is met
        instead with a second rule, `MonthlyLongTermRetention`: a monthly recovery point (on the
        1st, at the daily rule's time, into the same vault) kept 2557 days (7 years), in
        production (`!If [IsProduction, <rule>, !Ref AWS::NoValue]`: non-production data has no
        retention duty). When daily and monthly rules fall on the same time AWS Backup runs one
        job and keeps the longer retention, so the 1st's backup is not taken twice. 84 monthly
        Aurora snapshots cost a fraction of seven years of dailies.

        A cold-storage transition already written on a plan that protects only RDS or Aurora is
        reported, and the fix removes it.
    """
    bad = """
        BackupPlanRule:
          - RuleName: DailyBackups
            Lifecycle:
              DeleteAfterDays: 35
    """
    good = """
        BackupPlanRule:
          - RuleName: DailyBackups
            Lifecycle:
              DeleteAfterDays: 35
          - !If
            - IsProduction
            - RuleName: MonthlyLongTermRetention
              TargetBackupVault: !Ref BackupVault
              ScheduleExpression: cron(0 5 1 * ? *)
              Lifecycle:
                DeleteAfterDays: 2557
            - !Ref AWS::NoValue
    """
    fix_safety = """
        Safe (update): the plan is updated in place; existing recovery points keep their
        lifecycle, new monthly ones are kept 7 years. Storage cost grows by the monthly points.
        Removing an ignored cold-storage transition changes nothing AWS does. Consider AWS Backup
        Vault Lock (compliance mode) on the vault to make the retention tamper-proof.
    """
    notes = """
        Premise: the platform's convention that financial records are kept seven years (2557
        days) and that a plan says only what AWS Backup does. Both findings are `convention`,
        severity low: the retention length is this platform's standard, not an AWS requirement,
        and an ignored `MoveToColdStorageAfterDays` changes nothing AWS does (AWS Backup ignores
        it for RDS and Aurora; long-term retention for them is `DeleteAfterDays`). The retention
        message gives the longest retention the plan has. No longer reported: a plan that keeps
        2557 days or more is never told it "does not meet long-term retention", whatever its
        cold-storage settings; the title no longer claims a regulatory failure.

        Reads only plans of templates with an RDS database, and only plans that protect it (or
        have no selection yet). Silent when a rule already keeps recovery points 2557 days or more
        (in production, when under `Fn::If`), keeps them without a deletion date, or takes its
        retention from a parameter or mapping. Copy actions are not given the long retention:
        the disaster-recovery copy protects against the loss of the account, the primary vault's
        monthly points meet the retention duty.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for plan_id, plan in cfn.of_type(data, "AWS::Backup::BackupPlan"):
            if not protects_database(data, plan_id):
                continue
            rules = _rules(plan)
            if not rules:
                continue
            if not any(_keeps_long(data, rule) for r in rules for _, rule in _branches(r)):
                first = _first(rules)
                if first is not None and first.get("TargetBackupVault") is not None:
                    longest = _longest(data, rules)
                    yield self.finding(
                        ("Resources", plan_id, "Properties", "BackupPlan", "BackupPlanRule"),
                        f"No rule of backup plan {plan_id} keeps recovery points {RETENTION_DAYS} days "
                        f"(the platform's 7-year retention convention for financial records)"
                        + (f"; the longest it keeps is {longest} days." if longest else "."),
                        Fix(
                            title=f"Add the production rule {RULE_NAME}: monthly, kept {RETENTION_DAYS} days",
                            action="apply_retention",
                            args=(plan_id,),
                            impact="update",
                            impact_detail="the backup plan is updated in place; existing recovery points keep their lifecycle",
                        ),
                    )
            if only_databases(data, plan_id):
                for path in _cold_paths(plan_id, plan):
                    yield self.finding(
                        path,
                        f"Backup plan {plan_id} protects only RDS/Aurora, for which AWS Backup ignores "
                        "MoveToColdStorageAfterDays: the transition has no effect and misleads about cost.",
                        Fix(
                            title="Remove the cold-storage transition AWS Backup ignores for Aurora",
                            action="remove",
                            args=(path,),
                            impact="deletion",
                            impact_detail=(
                                "removes the cold-storage transition from the deployed plan (AWS ignored it for "
                                "these resources, but a removed setting is a removal)"
                            ),
                        ),
                    )

    @staticmethod
    def apply_retention(doc: Document, plan_id: str) -> None:
        rules = _rules(cfn.resources(doc.data).get(plan_id) or {})
        if not rules:
            raise EditError(f"{plan_id} has no rules")
        first = _first(rules)
        if first is None or first.get("TargetBackupVault") is None:
            raise EditError(f"the first rule of {plan_id} names no vault")
        condition = ensure_production_condition(doc)
        item = {"Fn::If": [condition, long_term_rule(first), bk.NO_VALUE]}
        add_list_item(
            doc, ("Resources", plan_id, "Properties", "BackupPlan", "BackupPlanRule"), item
        )
