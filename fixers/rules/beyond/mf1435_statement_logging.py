"""MF1435: PostgreSQL statement logging writes statement values (or rotated passwords) to the logs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn, values
from fixers.document import Document
from fixers.edits import set_value
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.beyond.mf1433_force_ssl import GROUP_TYPES, users

PARAMETER = "log_statement"
DURATION = "log_min_duration_statement"
EVERY = (
    "every statement, whatever its duration, with its full text and the literal values it carries"
)
LEAKS = {
    "all": "every statement, SELECTs included, with the literal values it carries",
    "mod": "every INSERT, UPDATE, DELETE and DDL statement with the literal values it carries",
}
DDL = (
    "DDL statements, among them the rotation function's ALTER USER ... PASSWORD with the new "
    "password in clear"
)


def _postgres(data: dict[str, Any], group: dict[str, Any]) -> bool:
    families = values.texts(data, cfn.props(group).get("Family"))
    return bool(families) and all(
        f.lower().startswith(("postgres", "aurora-postgresql")) for f in families
    )


def rotates_passwords(data: dict[str, Any]) -> bool:
    return bool(cfn.of_type(data, "AWS::SecretsManager::RotationSchedule"))


class StatementLogging(Rule):
    code = "MF1435"
    spec = ()
    title = "PostgreSQL statement logging writes statement values to the logs"
    area = "database"
    kind = "defect"
    severity = "high"
    fix_applicability = "unsafe"
    deploy_impact = "update"
    why = """
        `log_statement: all` (or `mod`) makes PostgreSQL write the text of every statement (or
        every write) to its log, literal values included: a card number in an `INSERT`, an
        account number in a `WHERE`, a password in `CREATE ROLE`. The log goes to CloudWatch Logs,
        a store outside the cardholder data environment's controls, readable by whoever reads
        logs: PCI DSS 3.3/3.4 forbid the PAN stored readable, and GDPR data minimisation forbids
        copying personal data there. `log_min_duration_statement: 0` does the same through the
        duration log: every statement that completes is logged with its duration and full text.
        `log_statement: ddl` logs DDL only, but where the stack
        rotates the database password, that includes the rotation function's
        `ALTER USER ... PASSWORD '...'` with the new password in clear. The audit trail a
        financial platform needs is pgaudit's (MF1001), which logs statement classes with their
        `$1` placeholders and redacts role passwords.
    """
    bad = """
        DBParameterGroup:
          Type: AWS::RDS::DBParameterGroup
          Properties:
            Family: aurora-postgresql15
            Parameters:
              log_statement: all
    """
    good = """
        DBParameterGroup:
          Type: AWS::RDS::DBParameterGroup
          Properties:
            Family: aurora-postgresql15
            Parameters:
              log_statement: none          # the audit trail is pgaudit's (MF1001)
    """
    fix_safety = """
        Unsafe (update). `log_statement` is dynamic: the parameter group changes in place,
        without a reboot, and from then on the server log no longer carries the statements it
        used to. Whoever relied on them (an audit report, a debugging habit) needs pgaudit
        (MF1001 loads and configures it on Aurora PostgreSQL) and, for values, the application's
        own logs. pgaudit redacts role passwords only: applications keep literal values out of
        any statement log by sending them as bind parameters, with `pgaudit.log_parameter` off.
        `log_min_duration_statement: 0` is fixed to `-1` (off), also unsafe (update, dynamic, no
        reboot): the team loses its slow-query log with it. The fix proposes no threshold of its
        own, since any threshold still logs the text of the statements slower than it: set one
        (`1000` ms, say) knowingly, if slow-query logging is needed.
    """
    notes = """
        Premise: a PostgreSQL or Aurora PostgreSQL parameter group (instance or cluster) with
        `log_statement` `all` or `mod` in some case the template allows (a literal, a
        parameter's default, an `Fn::If` branch), or `ddl` in a template that rotates passwords
        (a Secrets Manager rotation schedule). `ddl` without rotation is not reported: DDL text
        rarely carries data. `log_min_duration_statement: 0` (in the same cases) logs every
        statement with its duration and full text: the same leak as `log_statement: all`, reported
        the same way. A positive threshold (the slow-query log AWS recommends for tuning, `1000`
        ms say) is not reported: it logs the text of slow statements only, and which threshold
        the team can accept is theirs to choose; nor are `log_min_duration_sample`,
        `log_statement_sample_rate` or `auto_explain`'s settings.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        rotation = rotates_passwords(data)
        for lid, res in cfn.of_type(data, *GROUP_TYPES):
            params = cfn.props(res).get("Parameters")
            if not isinstance(params, dict) or not _postgres(data, res):
                continue
            if PARAMETER in params:
                yield from self._statement(data, lid, params, rotation)
            if DURATION in params:
                yield from self._duration(data, lid, params)

    def _duration(
        self, data: dict[str, Any], lid: str, params: dict[str, Any]
    ) -> Iterator[Finding]:
        """``log_min_duration_statement: 0``: every statement logged with its text."""
        hits = []
        for sub, written, when in values.branches(params[DURATION]):
            for o in values.options(data, written, when, defaults_only=True):
                if o.known and values.as_int(o.value) == 0:
                    hits.append((sub, written, o))
                    break
        if not hits:
            return
        used = users(data, lid)
        parts = []
        for _, _, o in hits:
            source = "" if o.source == "literal" else f" ({o.source})"
            cond = f" {values.when_text(o.when)}" if o.when else ""
            parts.append(f"0{source}{cond}")
        message = (
            f"Parameter group {lid} sets {DURATION} to {'; '.join(parts)}: {EVERY}"
            + (f", from {', '.join(used)}" if used else "")
            + ", written to the server log (and CloudWatch Logs when exported)."
        )
        paths = tuple(
            ("Resources", lid, "Properties", "Parameters", DURATION, *sub)
            for sub, written, _ in hits
            if not isinstance(written, dict)
        )
        fix = (
            Fix(
                f"Set {DURATION} to -1 (off) in {lid}",
                action="no_duration_logging",
                args=paths,
                impact="update",
                impact_detail=(
                    "dynamic parameter, no reboot; the server log stops carrying statement text, "
                    "and the slow-query log with it (set a threshold knowingly if needed)"
                ),
                applicability="unsafe",
            )
            if len(paths) == len(hits)
            else None
        )
        yield self.finding(("Resources", lid, "Properties", "Parameters", DURATION), message, fix)

    def _statement(
        self, data: dict[str, Any], lid: str, params: dict[str, Any], rotation: bool
    ) -> Iterator[Finding]:
        """``log_statement`` ``all`` or ``mod`` (or ``ddl`` where passwords rotate)."""
        hits = []
        for sub, written, when in values.branches(params[PARAMETER]):
            for o in values.options(data, written, when, defaults_only=True):
                setting = str(o.value).lower() if o.known else ""
                if setting in LEAKS or (setting == "ddl" and rotation):
                    hits.append((sub, written, o, setting))
                    break
        if not hits:
            return
        used = users(data, lid)
        parts = []
        for _, _, o, setting in hits:
            source = "" if o.source == "literal" else f", {o.source}"
            cond = f" {values.when_text(o.when)}" if o.when else ""
            parts.append(f"{setting}{source}{cond}: {LEAKS.get(setting, DDL)}")
        message = (
            f"Parameter group {lid} sets log_statement to {'; '.join(parts)}"
            + (f", from {', '.join(used)}" if used else "")
            + ", written to the server log (and CloudWatch Logs when exported)."
        )
        paths = tuple(
            ("Resources", lid, "Properties", "Parameters", PARAMETER, *sub)
            for sub, written, _, _ in hits
            if isinstance(written, str)
        )
        fix = (
            Fix(
                f"Set log_statement to none in {lid} (pgaudit is the audit trail)",
                action="quiet",
                args=paths,
                impact="update",
                impact_detail=(
                    "dynamic parameter, no reboot; the server log stops carrying statement "
                    "text: the audit trail is pgaudit's (MF1001)"
                ),
                applicability="unsafe",
            )
            if len(paths) == len(hits)
            else None
        )
        yield self.finding(("Resources", lid, "Properties", "Parameters", PARAMETER), message, fix)

    @staticmethod
    def no_duration_logging(doc: Document, *paths: tuple[Any, ...]) -> None:
        for path in paths:
            current = doc.get(path)
            if values.as_int(current) == 0:
                set_value(doc, path, -1 if isinstance(current, int) else "-1")

    @staticmethod
    def quiet(doc: Document, *paths: tuple[Any, ...]) -> None:
        for path in paths:
            if str(doc.get(path)).lower() in ("all", "mod", "ddl"):
                set_value(doc, path, "none")
