"""MF0801: log retention from LogRetentionYears through a years-to-days mapping (spec 8.1),
and the shared fixers.retention module."""

from __future__ import annotations

from fixers.document import Document
from fixers.retention import YEARS_TO_DAYS, ensure_log_retention, retention_days_expression
from fixers.rules.monitoring.mf0801_log_retention import ALLOWED_DAYS
from tests.helpers import codes, findings, fix_text, fixture

CODES = ["MF0801"]
EXPRESSION = {"Fn::FindInMap": ["LogRetentionDays", {"Ref": "LogRetentionYears"}, "Days"]}

FLAWED = fixture("mf0801/before.yaml")

FLAWED_JSON = fixture("mf0801/before.json")

FIXED = fixture("mf0801/after.yaml")

FIXED_JSON = fixture("mf0801/after.json")


def test_retention_years_map_to_cloudwatch_values() -> None:
    assert YEARS_TO_DAYS == {
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
    assert set(YEARS_TO_DAYS.values()) <= ALLOWED_DAYS
    assert 2555 not in ALLOWED_DAYS


def test_retention_module_is_idempotent() -> None:
    doc = Document.from_text(FLAWED)
    assert retention_days_expression(doc) is None
    assert ensure_log_retention(doc) == EXPRESSION
    text = doc.text
    assert ensure_log_retention(doc) == EXPRESSION and doc.text == text
    assert retention_days_expression(doc) == EXPRESSION
    param = doc.data["Parameters"]["LogRetentionYears"]
    assert param["Default"] == "7" and param["AllowedValues"] == list(YEARS_TO_DAYS)


def test_retention_module_reuses_a_mapping_of_another_name() -> None:
    doc = Document.from_text(FLAWED)
    ensure_log_retention(doc)
    text = doc.text.replace("LogRetentionDays:", "YearsToDays:")
    assert retention_days_expression(Document.from_text(text)) == {
        "Fn::FindInMap": ["YearsToDays", {"Ref": "LogRetentionYears"}, "Days"]
    }


def test_fires_on_an_invalid_hard_coded_value_only() -> None:
    (finding,) = findings(FLAWED, CODES)
    assert finding.resource == "AppLogs"
    assert finding.path == ("Resources", "AppLogs", "Properties", "RetentionInDays")
    assert "rejects" in finding.message
    assert finding.fix is not None and finding.fix.safe  # 2557 keeps longer than 2555


def test_fix_yaml_byte_for_byte_keeps_comments() -> None:
    fixed = fix_text(FLAWED, CODES)
    assert fixed == FIXED
    assert '# "seven years"' in fixed and "# a short debugging window" in fixed


def test_short_debugging_windows_stay_even_with_the_parameter() -> None:
    fixed = fix_text(FLAWED, CODES)
    assert "RetentionInDays: 14" in fixed
    assert codes(fixed, CODES) == []


def test_fix_json_byte_for_byte_is_unsafe_for_never_expiring_groups() -> None:
    (finding,) = findings(FLAWED_JSON, CODES)
    assert finding.path == ("Resources", "Audit")
    assert finding.fix is not None and not finding.fix.safe  # events older than 7 years go
    assert fix_text(FLAWED_JSON, CODES) == FIXED_JSON


def test_silent_for_values_from_parameters_mappings_or_conditions() -> None:
    text = FLAWED.replace("RetentionInDays: 2555", "RetentionInDays: !Ref Days").replace(
        "RetentionInDays: 14", "RetentionInDays: !If [Prod, 3653, 30]"
    )
    assert codes(text, CODES) == []
    assert codes("Resources:\n  T:\n    Type: AWS::SNS::Topic\n", CODES) == []
