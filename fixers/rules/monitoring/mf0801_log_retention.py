"""MF0801: log retention comes from a LogRetentionYears parameter through a mapping (spec 8.1)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn
from fixers.document import Document
from fixers.edits import set_property
from fixers.model import Finding, Fix
from fixers.retention import DEFAULT_YEARS, MAPPING, PARAMETER, YEARS_TO_DAYS, ensure_log_retention
from fixers.rules import Rule

# CloudWatch Logs RetentionInDays values (aws-notes §1).
ALLOWED_DAYS = {
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
}
LONG_TERM = 365  # a literal at or above a year is a retention policy, not a debugging window
DEFAULT_DAYS = YEARS_TO_DAYS[DEFAULT_YEARS]


def _literal_days(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


class LogRetentionParameter(Rule):
    code = "MF0801"
    spec = ("8.1",)
    title = "Log retention hard-coded, invalid or missing"
    area = "monitoring"
    severity = "medium"
    fix_applicability = "unsafe"
    deploy_impact = "update"
    why = """
        The platform must keep its logs for a regulatory period (seven years), and the period
        must be one place to change, not a number repeated per log group. CloudWatch Logs
        accepts only its own list of retention values: `2555` (7 × 365) is rejected; seven years
        is `2557`. A log group without retention keeps everything forever, at a cost nobody
        decided.
    """
    bad = """
        ECSLogGroup:
          Type: AWS::Logs::LogGroup
          Properties:
            RetentionInDays: 2555          # not a CloudWatch Logs value, and hard-coded
    """
    good = """
        Parameters:
          LogRetentionYears:
            Type: String
            Default: '7'
            AllowedValues: ['1', '2', '3', '5', '6', '7', '8', '9', '10']
        Mappings:
          LogRetentionDays:
            '7': {Days: 2557}
            ...
        Resources:
          ECSLogGroup:
            Type: AWS::Logs::LogGroup
            Properties:
              RetentionInDays: !FindInMap [LogRetentionDays, !Ref LogRetentionYears, Days]
    """
    fix_safety = """
        Update. The fix adds the `LogRetentionYears` parameter (default 7, allowed 1, 2, 3, 5,
        6, 7, 8, 9, 10: the whole years CloudWatch Logs has a retention for; 4 years has none)
        and the `LogRetentionDays` mapping (365, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653
        days), and sets `RetentionInDays` to `!FindInMap [LogRetentionDays, !Ref
        LogRetentionYears, Days]`. Changing retention is an in-place update. It is safe when the
        default (2557 days) keeps at least as long as before; unsafe when the log group kept
        events longer (or forever): CloudWatch Logs then deletes the events older than the new
        retention, so a reviewer must choose the parameter value first.
    """
    notes = """
        Fires on a log group with no retention, with a value CloudWatch Logs rejects, with a
        literal of a year or more (a retention policy written as a number). Short literal
        retentions (below a year: debugging windows) are left alone as deliberate. A value
        from a parameter, a mapping or a condition is left alone. The spec asks for `!Ref
        LogRetentionYears` "with proper conversion to days": CloudFormation has no arithmetic,
        so the conversion is the mapping.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for lid, res in cfn.of_type(data, "AWS::Logs::LogGroup"):
            props = cfn.props(res)
            if "RetentionInDays" not in props:
                reason, current = "keeps its events forever (no RetentionInDays)", None
            else:
                days = _literal_days(props["RetentionInDays"])
                if days is None:
                    continue  # from a parameter, mapping or condition
                if days not in ALLOWED_DAYS:
                    reason = f"has RetentionInDays {days}, which CloudWatch Logs rejects"
                elif days >= LONG_TERM:
                    reason = f"hard-codes RetentionInDays {days}"
                else:
                    continue
                current = days
            path = (
                ("Resources", lid, "Properties", "RetentionInDays")
                if "RetentionInDays" in props
                else ("Resources", lid)
            )
            shortens = current is None or current > DEFAULT_DAYS
            yield self.finding(
                path,
                f"Log group {lid} {reason}.",
                Fix(
                    title=f"Take {lid}'s retention from {PARAMETER} through the {MAPPING} mapping",
                    args=(lid,),
                    impact="update",
                    impact_detail=(
                        f"retention becomes {DEFAULT_DAYS} days by default; events older than that are deleted"
                        if shortens
                        else f"retention becomes {DEFAULT_DAYS} days by default (in-place update)"
                    ),
                    applicability="unsafe" if shortens else "safe",
                ),
            )

    def apply(self, doc: Document, lid: str) -> None:
        set_property(doc, lid, "RetentionInDays", ensure_log_retention(doc))
