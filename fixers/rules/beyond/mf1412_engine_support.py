"""MF1412: a database engine version past RDS standard support (beyond the spec)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator

from fixers import cfn, values
from fixers.document import Document
from fixers.model import Finding
from fixers.rules import Rule
from fixers.rules.beyond import common

END_OF_STANDARD_SUPPORT: dict[str, dict[str, datetime.date]] = {
    # RDS for PostgreSQL release calendar (major versions).
    "postgres": {
        "9.6": datetime.date(2022, 1, 18),
        "10": datetime.date(2023, 4, 17),
        "11": datetime.date(2024, 2, 29),
        "12": datetime.date(2025, 2, 28),
        "13": datetime.date(2026, 2, 28),
    },
    # Aurora PostgreSQL release calendar (major versions).
    "aurora-postgresql": {
        "9.6": datetime.date(2022, 1, 31),
        "10": datetime.date(2023, 1, 31),
        "11": datetime.date(2024, 2, 29),
        "12": datetime.date(2025, 2, 28),
        "13": datetime.date(2026, 2, 28),
    },
    # Supported MySQL major versions on Amazon RDS.
    "mysql": {
        "5.5": datetime.date(2018, 12, 31),
        "5.6": datetime.date(2022, 3, 1),
        "5.7": datetime.date(2024, 2, 29),
        "8.0": datetime.date(2026, 7, 31),
    },
    # Aurora MySQL version 2 (MySQL 5.7 compatible); version 1 is the engine `aurora`.
    "aurora-mysql": {"5.7": datetime.date(2024, 10, 31)},
    "aurora": {"5.6": datetime.date(2023, 2, 28)},
}
"""Ends of standard support AWS publishes (checked 2026-12-04): after them RDS enrolls the
database in paid RDS Extended Support (or, for Aurora MySQL 1 and MariaDB, upgrades it)."""


def major(engine: str, version: str) -> str | None:
    parts = re.findall(r"\d+", version)
    if not parts:
        return None
    if engine in ("postgres", "aurora-postgresql"):
        return f"{parts[0]}.{parts[1]}" if parts[0] == "9" and len(parts) > 1 else parts[0]
    if engine == "aurora":
        return "5.6"
    return f"{parts[0]}.{parts[1]}" if len(parts) > 1 else None


def past_support(
    data: dict, resource: dict, today: datetime.date
) -> tuple[str, str, str, datetime.date] | None:
    """(engine, version, major, end) of the first engine version the resource can run that is
    past standard support on ``today``."""
    p = cfn.props(resource)
    for written in values.texts(data, p.get("Engine")):
        engine = written.lower()
        table = END_OF_STANDARD_SUPPORT.get(engine)
        if table is None:
            continue
        if engine == "aurora" and "EngineVersion" not in p:
            return engine, "(default)", "5.6", table["5.6"]
        for version in values.texts(data, p.get("EngineVersion")):
            m = major(engine, version)
            end = table.get(m or "")
            if end is not None and today > end:
                return engine, version, m or "", end
    return None


class EngineSupport(Rule):
    code = "MF1412"
    spec = ()
    title = "Database engine version past standard support"
    area = "database"
    kind = "defect"
    severity = "medium"
    fix_applicability = "none"
    deploy_impact = "none"
    why = """
        After a major version's end of standard support, RDS and Aurora no longer give it
        community fixes as a matter of course: the database is enrolled in RDS Extended Support,
        billed per vCPU-hour on top of the instance (and it too ends), or upgraded by AWS in a
        maintenance window it chooses. A stack created from the template today starts on a
        version that is already out of standard support, and security patches for it depend on
        paying for Extended Support.
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
        Dates are AWS's published calendars for RDS for PostgreSQL, Aurora PostgreSQL, RDS for
        MySQL and Aurora MySQL major versions (checked December 2026); a version the template
        does not pin is RDS's default, which is supported, and is not reported. Minor versions
        that RDS deprecates earlier are cfn-lint's W3690/W3691 (it cannot create them).
        Instances of a cluster follow the cluster's version and are not read.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        today = datetime.date.today()
        for lid, res in cfn.of_type(doc.data, *common.DB_TYPES):
            if common.is_member(res):
                continue
            found = past_support(doc.data, res, today)
            if found is None:
                continue
            engine, version, m, end = found
            path = ("Resources", lid, "Properties", "EngineVersion")
            if "EngineVersion" not in cfn.props(res):
                path = ("Resources", lid, "Properties", "Engine")
            yield self.finding(
                path,
                f"{lid} runs {engine} {version}: major version {m} left standard support on "
                f"{end:%B} {end.day}, {end.year}; RDS bills it as Extended Support or upgrades it in "
                "a maintenance window. Plan a major version upgrade.",
            )
