"""The log-retention policy the rules share: a ``LogRetentionYears`` parameter limited to the
years CloudWatch Logs has a retention for, and a ``Mappings`` table from years to days.

CloudWatch Logs accepts only the ``RetentionInDays`` values of its enum (aws-notes §1): in whole
years 1, 2, 3, 5, 6, 7, 8, 9 and 10 years are 365, 731, 1096, 1827, 2192, 2557, 2922, 3288 and
3653 days (7 years is 2557, not 2555, which the API and cfn-lint E3030 reject). The parameter
offers exactly those years; the mapping gives the days. Log groups use
``!FindInMap [LogRetentionDays, !Ref LogRetentionYears, Days]``; S3 lifecycle rules for logs use
the same expression, so every log of the stack expires on one schedule.

Used by MF0801 (log groups), MF0601 (the access-log bucket's lifecycle) and MF0103 (flow logs).
"""

from __future__ import annotations

from typing import Any

from fixers import cfn, config
from fixers.document import Document
from fixers.edits import add_mapping, add_parameter, register_names

PARAMETER = "LogRetentionYears"
MAPPING = "LogRetentionDays"
DEFAULT_YEARS = "7"

# Years with an exact CloudWatch Logs retention (aws-notes §1); 4 years (1461) has none.
YEARS_TO_DAYS: dict[str, int] = {
    "1": 365,
    "2": 731,
    "3": 1096,
    "5": 1827,
    "6": 2192,
    "7": 2557,
    "8": 2922,
    "9": 3288,
    "10": 3653,
}

PARAMETER_DEFINITION: dict[str, Any] = {
    "Type": "String",
    "Default": DEFAULT_YEARS,
    "AllowedValues": list(YEARS_TO_DAYS),
    "Description": (
        "Years to keep logs (CloudWatch Logs and log buckets); only the years CloudWatch Logs "
        "has a retention for are allowed."
    ),
}


def parameter_definition(settings: config.Settings) -> dict[str, Any]:
    """The parameter, defaulting to the configured ``log-retention-years`` (7 unless set)."""
    years = str(settings.log_retention_years)
    return {**PARAMETER_DEFINITION, "Default": years if years in YEARS_TO_DAYS else DEFAULT_YEARS}


MAPPING_DEFINITION: dict[str, Any] = {
    years: {"Days": days} for years, days in YEARS_TO_DAYS.items()
}

register_names(PARAMETER)
register_names(MAPPING)


def _expression(parameter: str, mapping: str) -> dict[str, Any]:
    return {"Fn::FindInMap": [mapping, {"Ref": parameter}, "Days"]}


def _mapping_ok(value: Any) -> bool:
    """A mapping that gives, for every allowed year, the right ``Days`` (extra keys tolerated)."""
    if not isinstance(value, dict):
        return False
    for years, days in YEARS_TO_DAYS.items():
        entry = value.get(years)
        if not isinstance(entry, dict) or entry.get("Days") not in (days, str(days)):
            return False
    return True


def _parameter_ok(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    allowed = value.get("AllowedValues")
    if not isinstance(allowed, list) or not allowed:
        return False
    return all(str(v) in YEARS_TO_DAYS for v in allowed)


def retention_days_expression(doc: Document) -> Any | None:
    """The ``RetentionInDays`` expression when the parameter and the mapping exist, else None."""
    data = doc.data
    params = cfn.section(data, "Parameters")
    mappings = cfn.section(data, "Mappings")
    if not _parameter_ok(params.get(PARAMETER)):
        return None
    if _mapping_ok(mappings.get(MAPPING)):
        return _expression(PARAMETER, MAPPING)
    # A years-to-days mapping of the template's own, under another name.
    for name, value in mappings.items():
        if _mapping_ok(value):
            return _expression(PARAMETER, name)
    return None


def ensure_log_retention(doc: Document) -> Any:
    """Create (idempotently) the parameter and the mapping; return the ``RetentionInDays`` value.

    Raises ``EditError`` (from the edit primitives) when a ``LogRetentionYears`` parameter or a
    ``LogRetentionDays`` mapping exists with another, incompatible definition.
    """
    found = retention_days_expression(doc)
    if found is not None:
        return found
    data = doc.data
    params = cfn.section(data, "Parameters")
    if PARAMETER not in params:
        add_parameter(doc, PARAMETER, parameter_definition(doc.settings))
    elif not _parameter_ok(params.get(PARAMETER)):
        from fixers.document import EditError

        raise EditError(
            f"parameter {PARAMETER} exists but allows years CloudWatch Logs has no retention for"
        )
    mappings = cfn.section(doc.data, "Mappings")
    name = next((n for n, v in mappings.items() if _mapping_ok(v)), None)
    if name is None:
        name = add_mapping(doc, MAPPING, MAPPING_DEFINITION)
    return _expression(PARAMETER, name)
