"""The log-retention policy the rules share: a ``LogRetentionYears`` parameter limited to the
years CloudWatch Logs has a retention for, and a ``Mappings`` table from years to days.

CloudWatch Logs accepts only the ``RetentionInDays`` values of its enum (aws-notes §1): in whole
years 1, 2, 3, 5, 6, 7, 8, 9 and 10 years are 365, 731, 1096, 1827, 2192, 2557, 2922, 3288 and
3653 days (7 years is 2557, not 2555, which the API and cfn-lint E3030 reject). The parameter
offers exactly those years; the mapping gives the days. Log groups use
``!FindInMap [LogRetentionDays, !Ref LogRetentionYears, Days]``; S3 lifecycle rules for logs use
the same expression, so every log of the stack expires on one schedule.

Used by MF0601 (the access-log bucket's lifecycle) and MF0103 (flow logs), for what they create,
and by MF0801 for existing log groups. New logs follow the platform convention: the parameter
defaults to ``log-retention-years`` (7 unless configured). An existing log group keeps what it
keeps today: a literal retention of Y whole years moves to the parameter whose default is Y, the
convention's ``LogRetentionYears`` when Y is the convention, else ``LogRetentionYears<Y>Year(s)``,
one parameter per distinct value (``retention_for_years``). The mapping is shared by all of them.
"""

from __future__ import annotations

from typing import Any

from fixers import cfn, config
from fixers.document import Document
from fixers.edits import (
    add_mapping,
    add_parameter,
    register_name_pattern,
    register_names,
    unique_id,
)

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
    return {**PARAMETER_DEFINITION, "Default": convention_years(settings)}


MAPPING_DEFINITION: dict[str, Any] = {
    years: {"Days": days} for years, days in YEARS_TO_DAYS.items()
}

register_names(PARAMETER)
register_names(MAPPING)
# One parameter per retention an existing log group keeps that is not the convention's (MF0801).
register_name_pattern(r"LogRetentionYears(?:1Year|(?:[2-9]|10)Years)[0-9]*")


def convention_years(settings: config.Settings) -> str:
    """The platform's retention in whole years: ``log-retention-years`` (7 unless set)."""
    years = str(settings.log_retention_years)
    return years if years in YEARS_TO_DAYS else DEFAULT_YEARS


def whole_years(days: int) -> str | None:
    """The whole years that are exactly ``days`` days of CloudWatch Logs retention, if any."""
    return next((y for y, d in YEARS_TO_DAYS.items() if d == days), None)


def value_parameter_name(years: str) -> str:
    """The parameter of the log groups that keep ``years`` years when that is not the convention."""
    return f"{PARAMETER}{years}Year{'' if years == '1' else 's'}"


def value_parameter_definition(years: str) -> dict[str, Any]:
    return {
        **PARAMETER_DEFINITION,
        "Default": years,
        "Description": (
            f"Years to keep the logs that kept {years} year{'' if years == '1' else 's'} when their "
            "retention became a parameter; only the years CloudWatch Logs has a retention for are allowed."
        ),
    }


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


def _default(value: Any) -> str | None:
    default = value.get("Default") if isinstance(value, dict) else None
    return None if default is None or isinstance(default, bool) else str(default)


def _years_parameter(value: Any, years: str) -> bool:
    """A years parameter (``_parameter_ok``) that allows ``years`` and defaults to it."""
    allowed = value.get("AllowedValues") if isinstance(value, dict) else None
    return (
        _parameter_ok(value)
        and isinstance(allowed, list)
        and years in {str(v) for v in allowed}
        and _default(value) == years
    )


def parameter_for_years(doc: Document, years: str) -> tuple[str, bool]:
    """The parameter a log group that keeps ``years`` years today takes its retention from, and
    whether it exists already (``retention_for_years`` creates it when it does not).

    An existing parameter is used only when its default is ``years``: ``LogRetentionYears``,
    then ``LogRetentionYears<Y>Year(s)`` and its numbered copies. Else a new one: the
    convention's name when ``years`` is the convention and the name is free, otherwise the
    per-value name (numbered when a parameter of another default holds it)."""
    params = cfn.section(doc.data, "Parameters")
    own = value_parameter_name(years)
    candidates = [PARAMETER, own] + sorted(
        (n for n in params if n.startswith(own) and n[len(own) :].isdigit()),
        key=lambda n: int(n[len(own) :]),
    )
    for name in candidates:
        if name in params and _years_parameter(params[name], years):
            return name, True
    if years == convention_years(doc.settings) and PARAMETER not in params:
        return PARAMETER, False
    return unique_id(doc, own), False


def retention_for_years(doc: Document, years: str) -> Any:
    """The ``RetentionInDays`` expression that resolves to ``years`` years for a stack deployed
    without a value for a new parameter: the parameter of ``parameter_for_years`` (created when
    it does not exist) through the shared years-to-days mapping."""
    if years not in YEARS_TO_DAYS:
        raise ValueError(f"CloudWatch Logs has no retention of {years} years")
    name, exists = parameter_for_years(doc, years)
    if not exists:
        definition = (
            parameter_definition(doc.settings)
            if name == PARAMETER
            else value_parameter_definition(years)
        )
        add_parameter(doc, name, definition)
    mappings = cfn.section(doc.data, "Mappings")
    mapping = next((n for n, v in mappings.items() if _mapping_ok(v)), None)
    if mapping is None:
        mapping = add_mapping(doc, MAPPING, MAPPING_DEFINITION)
    return _expression(name, mapping)
