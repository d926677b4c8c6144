"""MF0801: log retention comes from a LogRetentionYears parameter through a mapping (spec 8.1)."""

from __future__ import annotations

from collections.abc import Iterator

from fixers import cfn, values
from fixers.document import Document
from fixers.edits import set_property
from fixers.model import Finding, Fix
from fixers.retention import (
    MAPPING,
    PARAMETER,
    YEARS_TO_DAYS,
    convention_years,
    ensure_log_retention,
    parameter_for_years,
    retention_days_expression,
    retention_for_years,
    whole_years,
)
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
LONG_TERM = 365
"""At or above a year a literal is a retention policy (the platform's convention decides its
length); below it, too short for an audit trail: the AWS Config rule
cw-loggroup-retention-period-check (Security Hub CloudWatch.16) asks for 365 days by default."""
MAX_DAYS = max(ALLOWED_DAYS)


def _years_text(years: str) -> str:
    return f"{years} year{'' if years == '1' else 's'}"


def nearest_allowed(days: int) -> int:
    """The shortest retention CloudWatch Logs accepts that keeps at least ``days`` days (the
    longest, 3653, when none does)."""
    return min((d for d in ALLOWED_DAYS if d >= days), default=MAX_DAYS)


class LogRetentionParameter(Rule):
    code = "MF0801"
    spec = ("8.1",)
    title = "Log retention hard-coded, invalid or missing"
    area = "monitoring"
    kind = "hardening"
    severity = "medium"
    fix_applicability = "unsafe"
    deploy_impact = "unknown"
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
        A log group's retention is moved to a parameter without changing how long it keeps its
        logs. The years-to-days mapping `LogRetentionDays` (365, 731, 1096, 1827, 2192, 2557,
        2922, 3288, 3653 days for 1, 2, 3, 5, 6, 7, 8, 9, 10 years: the whole years CloudWatch
        Logs has a retention for; 4 years has none) is shared, and `RetentionInDays` becomes
        `!FindInMap [LogRetentionDays, !Ref <parameter>, Days]`, where the parameter's default is
        what the log group keeps today:

        - a literal of the platform's convention (`log-retention-years`, 7 unless configured:
          2557 days) uses `LogRetentionYears`, the parameter MF0103 and MF0601 give new logs;
        - any other whole-year literal (365 stays 365) gets a parameter of its own value,
          `LogRetentionYears1Year`, `LogRetentionYears3Years`..., shared by every log group
          that keeps that long: one parameter per distinct value, so two log groups with
          different deliberate retentions both keep theirs, and each value is one place to
          change. Safe (update): the value a deploy resolves is the one deployed. A parameter
          the deployed template already has is used only when its default is that value, and
          then the fix is unsafe (unknown): the stack may have been deployed with another value
          than the default, which the log group would then take.
        - a value CloudWatch Logs rejects (`2555`) cannot have been deployed (the API and the
          resource schema accept only the listed values): it becomes the shortest accepted
          retention at or above it (2555 becomes 2557, seven years; 10 becomes 14, a literal,
          below a year), safe; above 3653 days there is none, and 3653 days keeps less than
          written: unsafe.
        - no retention at all (kept forever) takes `LogRetentionYears`, the convention, seven
          years by default: unsafe, as CloudWatch Logs then deletes the events older than that.

        A literal of 400 or 545 days (no whole number of years) is reported without a fix:
        the years parameter cannot hold it without changing how long the logs are kept.
    """
    notes = """
        Premise and kinds, per finding (the kind and severity above are the rule's strongest
        common case; each finding carries its own):

        - a literal CloudWatch Logs rejects (`2555`): `defect`, medium: the stack cannot create
          or update the log group. Fixed to the shortest accepted value at or above it.
        - a literal below a year (7, 14, 90 days): `hardening`, medium: too short to keep an
          audit trail; the AWS Config rule `cw-loggroup-retention-period-check` (Security Hub
          CloudWatch.16) asks for at least 365 days. Reported, not left alone as a deliberate
          debugging window, but without a fix: how long to keep those logs is the author's
          decision (`!FindInMap [LogRetentionDays, !Ref LogRetentionYears, Days]` is the
          platform's answer).
        - no `RetentionInDays` at all (kept forever): `convention`, low: the platform keeps
          `LogRetentionYears` (seven years) from one parameter; a log kept forever is a cost, not
          a control failure (the Config rule counts "never expire" as compliant).
        - a literal of a year or more: `convention`, low: the platform wants the period from
          one parameter. A whole number of years is fixed without changing the retention (see
          above); 400 or 545 days are reported without a fix.

        Silent when the value comes from a parameter, a mapping or a condition (set per
        deployment). The spec asks for `!Ref LogRetentionYears` "with proper conversion to
        days": CloudFormation has no arithmetic, so the conversion is the mapping. The fix never
        turns a deliberate literal into the seven-year default (a `RetentionInDays: 365` would
        become 2557 days, seven times the storage): the platform's convention is what new logs
        get, not what existing ones are changed to. The accepted values are those of the
        CloudWatch Logs API reference (`PutRetentionPolicy`, `retentionInDays`: "Possible values
        are: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
        2557, 2922, 3288, and 3653").
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        convention = convention_years(doc.settings)
        for lid, res in cfn.of_type(data, "AWS::Logs::LogGroup"):
            props = cfn.props(res)
            if "RetentionInDays" not in props:
                yield self.finding(
                    ("Resources", lid),
                    f"Log group {lid} keeps its events forever (no RetentionInDays); the platform's "
                    f"convention keeps logs {_years_text(convention)}, from {PARAMETER}.",
                    self._forever_fix(doc, lid),
                    kind="convention",
                    severity="low",
                )
                continue
            raw = props["RetentionInDays"]
            days = None if isinstance(raw, dict) else values.as_int(raw)
            if days is None:
                continue  # from a parameter, mapping or condition: set per deployment
            path = ("Resources", lid, "Properties", "RetentionInDays")
            if days not in ALLOWED_DAYS:
                target = nearest_allowed(days)
                yield self.finding(
                    path,
                    f"Log group {lid} has RetentionInDays {days}, which CloudWatch Logs rejects: "
                    "the stack cannot create or update it.",
                    self._invalid_fix(doc, lid, days, target),
                    kind="defect",
                    severity="medium",
                )
            elif days < LONG_TERM:
                yield self.finding(
                    path,
                    f"Log group {lid} keeps its events {days} days: too short to keep an audit "
                    f"trail (the AWS Config rule cw-loggroup-retention-period-check, Security Hub "
                    f"CloudWatch.16, asks for at least {LONG_TERM} days; the platform keeps "
                    f"{_years_text(convention)} from {PARAMETER}).",
                    None,
                    kind="hardening",
                    severity="medium",
                )
            elif days >= LONG_TERM:
                years = whole_years(days)
                convention_note = (
                    f"the platform keeps logs {_years_text(convention)}, from {PARAMETER}"
                )
                if years is None:
                    yield self.finding(
                        path,
                        f"Log group {lid} hard-codes RetentionInDays {days}, no whole number of "
                        f"years: the years parameter cannot hold it without changing how long the "
                        f"logs are kept; {convention_note}. Choose a whole-year retention, or "
                        "suppress this finding with the reason.",
                        None,
                        kind="convention",
                        severity="low",
                    )
                    continue
                yield self.finding(
                    path,
                    f"Log group {lid} hard-codes RetentionInDays {days} ({_years_text(years)}); "
                    f"{convention_note}.",
                    self._years_fix(doc, lid, days, years),
                    kind="convention",
                    severity="low",
                )

    def _years_fix(self, doc: Document, lid: str, days: int, years: str) -> Fix:
        """Take a literal of ``years`` whole years from the parameter that defaults to it."""
        name, exists = parameter_for_years(doc, years)
        deployed = name in cfn.section(doc.deployed, "Parameters")
        title = (
            f"Take {lid}'s retention from {name} (default {_years_text(years)}, "
            f"{YEARS_TO_DAYS[years]} days) through the {MAPPING} mapping"
        )
        if deployed:
            return Fix(
                title=title,
                action="apply_years",
                args=(lid, years),
                impact="unknown",
                impact_detail=(
                    f"{name} exists in the deployed stack: {lid} keeps {YEARS_TO_DAYS[years]} days "
                    f"only if the stack runs with {name}'s default ({years}); with another value it "
                    "keeps that long instead, and may delete events"
                ),
            )
        return Fix(
            title=title,
            action="apply_years",
            args=(lid, years),
            impact="update",
            impact_detail=(
                f"retention stays {days} days: {name} "
                f"{'defaults' if exists else 'is new and defaults'} to {years}"
            )
            if days == YEARS_TO_DAYS[years]
            else (
                f"the template cannot deploy with {days} days; retention becomes "
                f"{YEARS_TO_DAYS[years]} days, the shortest CloudWatch Logs accepts at or above it "
                f"({name} defaults to {years})"
            ),
        )

    def _invalid_fix(self, doc: Document, lid: str, days: int, target: int) -> Fix:
        years = whole_years(target)
        if target < days:  # above 3653 days: nothing CloudWatch Logs accepts keeps as long
            fix = self._years_fix(doc, lid, target, str(years))
            return Fix(
                title=fix.title,
                action=fix.action,
                args=fix.args,
                impact=fix.impact,
                impact_detail=(
                    f"retention becomes {target} days, the longest CloudWatch Logs accepts, "
                    f"fewer than the {days} written"
                    + (f"; {fix.impact_detail}" if fix.impact == "unknown" else "")
                ),
                applicability="unsafe",
            )
        if years is not None and target >= LONG_TERM:
            return self._years_fix(doc, lid, days, years)
        return Fix(
            title=f"Set {lid}'s RetentionInDays to {target}, the nearest value CloudWatch Logs accepts",
            action="set_property",
            args=(lid, "RetentionInDays", target),
            impact="update",
            impact_detail=(
                f"the template cannot deploy with {days} days; retention becomes {target} days, "
                "the shortest CloudWatch Logs accepts at or above it"
            ),
        )

    def _forever_fix(self, doc: Document, lid: str) -> Fix:
        expression = retention_days_expression(doc)
        params = cfn.section(doc.data, "Parameters")
        if expression is not None:
            default = params.get(PARAMETER, {}).get("Default")
            years = str(default) if default is not None else convention_years(doc.settings)
        else:
            years = convention_years(doc.settings)
        days = YEARS_TO_DAYS.get(years)
        deployed = PARAMETER in cfn.section(doc.deployed, "Parameters")
        return Fix(
            title=f"Take {lid}'s retention from {PARAMETER} through the {MAPPING} mapping",
            args=(lid,),
            impact="update",
            impact_detail=(
                f"{lid} kept its events forever; retention becomes "
                + (f"{days} days" if days else f"{PARAMETER}'s")
                + (
                    " (the stack's value of LogRetentionYears, which may not be its default)"
                    if deployed
                    else " by default"
                )
                + ": events older than that are deleted"
            ),
            applicability="unsafe",
        )

    def apply(self, doc: Document, lid: str) -> None:
        """No retention: the platform's convention (``LogRetentionYears``)."""
        set_property(doc, lid, "RetentionInDays", ensure_log_retention(doc))

    def apply_years(self, doc: Document, lid: str, years: str) -> None:
        """A retention of ``years`` whole years, from the parameter that defaults to it."""
        set_property(doc, lid, "RetentionInDays", retention_for_years(doc, years))
