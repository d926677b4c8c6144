"""MF1412: a database engine version past RDS standard support (beyond the spec)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from typing import NamedTuple

from fixers import cfn, values
from fixers.document import Document
from fixers.model import Finding
from fixers.rules import Rule
from fixers.rules.beyond import common

D = datetime.date

SUPPORT: dict[str, dict[str, tuple[datetime.date, datetime.date | None]]] = {
    # RDS for PostgreSQL: 9.6 and 10 ended before RDS Extended Support existed (it starts with
    # 11); 11 and later can be created after standard support, in Extended Support.
    "postgres": {
        "9.6": (D(2022, 4, 26), None),
        "10": (D(2023, 4, 17), None),
        "11": (D(2024, 2, 29), D(2027, 2, 28)),
        "12": (D(2025, 2, 28), D(2028, 2, 29)),
        "13": (D(2026, 2, 28), D(2029, 2, 28)),
    },
    "aurora-postgresql": {
        "9.6": (D(2022, 1, 31), None),
        "10": (D(2023, 1, 31), None),
        "11": (D(2024, 2, 29), D(2027, 2, 28)),
        "12": (D(2025, 2, 28), D(2028, 2, 29)),
        "13": (D(2026, 2, 28), D(2029, 2, 28)),
    },
    "mysql": {
        "5.5": (D(2018, 12, 31), None),
        "5.6": (D(2022, 3, 1), None),
        "5.7": (D(2024, 2, 29), D(2027, 2, 28)),
        "8.0": (D(2026, 7, 31), D(2029, 7, 31)),
    },
    # Aurora MySQL version 2 (MySQL 5.7 compatible): Extended Support 3 years and 4 months.
    "aurora-mysql": {"5.7": (D(2024, 10, 31), D(2028, 2, 29))},
    # Aurora MySQL version 1 (MySQL 5.6 compatible) is the engine `aurora`: end of life, no
    # Extended Support.
    "aurora": {"5.6": (D(2023, 2, 28), None)},
}
"""Per engine and major version: (end of standard support, end of RDS Extended Support, or
None where the version had none and can no longer be created). Sources in the rule's notes."""

END_OF_STANDARD_SUPPORT: dict[str, dict[str, datetime.date]] = {
    engine: {m: dates[0] for m, dates in table.items()} for engine, table in SUPPORT.items()
}
LABELS = {"aurora": "aurora (Aurora MySQL version 1, MySQL 5.6-compatible)"}


class Lapse(NamedTuple):
    """An engine version past standard support: what it is and what AWS still does with it."""

    engine: str
    version: str
    major: str
    end: datetime.date
    extended_until: datetime.date | None
    creatable: bool
    """Whether RDS still creates it (in paid Extended Support) on the day of the check."""


def major(engine: str, version: str) -> str | None:
    if engine == "aurora":  # Aurora MySQL version 1, whatever the version says
        return "5.6"
    parts = re.findall(r"\d+", version)
    if not parts:
        return None
    if engine in ("postgres", "aurora-postgresql"):
        return f"{parts[0]}.{parts[1]}" if parts[0] == "9" and len(parts) > 1 else parts[0]
    return f"{parts[0]}.{parts[1]}" if len(parts) > 1 else None


def _deployed(data: dict, expr: object) -> list[str]:
    """The texts a value deploys with: a literal, a parameter's default (not its other allowed
    values: the deployer chooses those), each branch of ``Fn::If``."""
    out = []
    for o in values.options(data, expr, defaults_only=True):
        if (
            o.known
            and not o.absent
            and isinstance(o.value, (str, int, float))
            and not isinstance(o.value, bool)
        ):
            out.append(str(o.value))
    return out


def past_support(data: dict, resource: dict, today: datetime.date) -> Lapse | None:
    """The first engine version the resource deploys (a literal or a parameter's default)
    that is past standard support on ``today``; a version that can no longer be created
    first."""
    p = cfn.props(resource)
    found: list[Lapse] = []
    for written in _deployed(data, p.get("Engine")):
        engine = written.lower()
        table = SUPPORT.get(engine)
        if table is None:
            continue
        versions = _deployed(data, p.get("EngineVersion")) if "EngineVersion" in p else []
        if engine == "aurora" and not versions:
            versions = [""]
        for version in versions:
            m = major(engine, version)
            dates = table.get(m or "")
            if dates is None or today <= dates[0]:
                continue
            end, extended = dates
            creatable = extended is not None and today <= extended
            found.append(Lapse(engine, version, m or "", end, extended, creatable))
    found.sort(key=lambda lapse: lapse.creatable)
    return found[0] if found else None


def _date(day: datetime.date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


class EngineSupport(Rule):
    code = "MF1412"
    spec = ()
    title = "Database engine version past standard support"
    area = "database"
    kind = "hardening"
    severity = "medium"
    fix_applicability = "none"
    deploy_impact = "none"
    why = """
        After a major version's end of standard support, RDS and Aurora enroll the database in
        RDS Extended Support: it keeps running and can still be created, but it is billed per
        vCPU-hour on top of the instance, gets only critical and high CVE fixes, and Extended
        Support too ends (up to 3 years later), when AWS upgrades it in a maintenance window it
        chooses. That is hardening. Versions that reached end of life before Extended Support
        existed (PostgreSQL 9.6 and 10, MySQL 5.5 and 5.6, Aurora MySQL version 1) or whose
        Extended Support has ended can no longer be created at all: a stack created from the
        template fails, a defect.
    """
    bad = """
        Database:
          Type: AWS::RDS::DBInstance
          Properties:
            Engine: postgres
            EngineVersion: '12.19'            # standard support ended February 28, 2025
    """
    good = """
        Database:
          Type: AWS::RDS::DBInstance
          Properties:
            Engine: postgres
            EngineVersion: '16.6'
    """
    fix_safety = """
        No automatic fix: a major version upgrade changes what the application runs against
        (behaviour, extensions, parameter group family), needs `AllowMajorVersionUpgrade`, a
        new parameter group of the new family and a tested plan (in place with downtime, or a
        blue/green deployment). The finding names the date support ended.
    """
    notes = """
        The engine and version are read as the template deploys them: a literal, a parameter's
        default, each `Fn::If` branch. A parameter without a default is the deployer's choice
        and is not read through its allowed values; a version the template does not pin is
        RDS's default, which is supported (except the engine `aurora`, Aurora MySQL version 1,
        whatever its version). Instances of a cluster follow the cluster's version and are not
        read. In Extended Support: hardening, medium; can no longer be created: defect, high.
        Minor versions RDS deprecates earlier are cfn-lint's W3690/W3691.

        Sources (checked December 2026): Amazon RDS / Aurora User Guides, "Using Amazon RDS
        Extended Support" and its overview ("You can create new databases with major engine
        versions that have reached the RDS end of standard support date"; Extended Support
        "available for up to 3 years past the RDS end of standard support date", 3 years and 4
        months for Aurora MySQL version 2, whose standard support ended October 31, 2024; RDS
        for MySQL 5.7 ended February 29, 2024); the AWS Database Blog posts on PostgreSQL 9.6
        (Aurora end of life January 31, 2022; RDS January 18, 2022, later extended to April 26,
        2022), PostgreSQL 11 (February 29, 2024, RDS and Aurora) and PostgreSQL 12 (February 28,
        2025); "Preparing for Amazon Aurora MySQL-Compatible Edition version 1 end of life"
        (February 28, 2023); the RDS for PostgreSQL and MySQL release calendars for 10 (RDS
        April 17, 2023; Aurora January 31, 2023), 13 (February 28, 2026), MySQL 5.6 (March 1,
        2022) and 8.0 (July 31, 2026). Ends of Extended Support are the 3 years (3 years 4
        months) the guide states, counted from the end of standard support.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        today = datetime.date.today()
        for lid, res in cfn.of_type(doc.data, *common.DB_TYPES):
            if common.is_member(res):
                continue
            found = past_support(doc.data, res, today)
            if found is None:
                continue
            path = ("Resources", lid, "Properties", "EngineVersion")
            if "EngineVersion" not in cfn.props(res):
                path = ("Resources", lid, "Properties", "Engine")
            runs = (
                f"Engine {LABELS[found.engine]}"
                if found.engine in LABELS
                else f"{found.engine} {found.version}"
            )
            if found.creatable:
                message = (
                    f"{lid} runs {runs}: standard support for major version {found.major} ended "
                    f"on {_date(found.end)}. RDS enrolls the database in RDS Extended Support, "
                    "charged per vCPU-hour on top of the instance (for up to 3 years after that "
                    "date). Plan a major version upgrade."
                )
                yield self.finding(path, message)
                continue
            if found.extended_until is None:
                why = (
                    f"major version {found.major} reached end of life on {_date(found.end)}, "
                    "with no RDS Extended Support"
                )
            else:
                why = (
                    f"RDS Extended Support for major version {found.major} ended on "
                    f"{_date(found.extended_until)}"
                )
            yield self.finding(
                path,
                f"{lid} runs {runs}: {why}, so RDS no longer creates it: creating the stack "
                "fails. Move the template to a supported major version.",
                kind="defect",
                severity="high",
            )
