"""MF0801: log retention from LogRetentionYears through a years-to-days mapping (spec 8.1),
and the shared fixers.retention module."""

from __future__ import annotations

from fixers.document import Document
from fixers.retention import YEARS_TO_DAYS, ensure_log_retention, retention_days_expression
from fixers.rules.monitoring.mf0801_log_retention import ALLOWED_DAYS
from tests.helpers import codes, findings, fix_text, fixture, run_fix

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


def test_fires_on_an_invalid_value_and_a_retention_too_short_for_an_audit_trail() -> None:
    finding, short = findings(FLAWED, CODES)
    # Recall: 14 days (ECS/ECS_Schedule_Example.yaml) is below the 365 days of the AWS Config
    # rule cw-loggroup-retention-period-check; how long instead is the author's decision.
    assert short.resource == "DebugLogs" and "14 days" in short.message
    assert (short.kind, short.severity) == ("hardening", "medium") and short.fix is None
    assert "CloudWatch.16" in short.message
    assert (finding.kind, finding.severity) == ("defect", "medium")
    assert finding.resource == "AppLogs"
    assert finding.path == ("Resources", "AppLogs", "Properties", "RetentionInDays")
    assert "rejects" in finding.message
    assert finding.fix is not None and finding.fix.safe  # 2557 keeps longer than 2555


def test_fix_yaml_byte_for_byte_keeps_comments() -> None:
    fixed = fix_text(FLAWED, CODES)
    assert fixed == FIXED
    assert '# "seven years"' in fixed and "# a short debugging window" in fixed


def test_short_windows_are_reported_but_not_changed() -> None:
    fixed = fix_text(FLAWED, CODES)
    assert "RetentionInDays: 14" in fixed
    assert [(f.resource, f.fix) for f in findings(fixed, CODES)] == [("DebugLogs", None)]


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


# -- a deliberate retention stays what it is --------------------------------------------------

YEARS_PARAMETER = """\
    Type: String
    Default: '{years}'
    AllowedValues:
      - '1'
      - '2'
      - '3'
      - '5'
      - '6'
      - '7'
      - '8'
      - '9'
      - '10'
    Description: {description}
"""
CONVENTION_DESCRIPTION = (
    "Years to keep logs (CloudWatch Logs and log buckets); only the years CloudWatch Logs has a "
    "retention for are allowed."
)


def _value_description(years: str) -> str:
    unit = "year" if years == "1" else "years"
    return (
        f"Years to keep the logs that kept {years} {unit} when their retention became a "
        "parameter; only the years CloudWatch Logs has a retention for are allowed."
    )


MAPPING_TEXT = """\
Mappings:
  LogRetentionDays:
    '1':
      Days: 365
    '2':
      Days: 731
    '3':
      Days: 1096
    '5':
      Days: 1827
    '6':
      Days: 2192
    '7':
      Days: 2557
    '8':
      Days: 2922
    '9':
      Days: 3288
    '10':
      Days: 3653
"""

ONE_YEAR = """\
Resources:
  AppLogs:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: 365  # a year, decided
"""

ONE_YEAR_FIXED = (
    "Parameters:\n  LogRetentionYears1Year:\n"
    + YEARS_PARAMETER.format(years="1", description=_value_description("1"))
    + MAPPING_TEXT
    + """\
Resources:
  AppLogs:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: !FindInMap [LogRetentionDays, !Ref LogRetentionYears1Year, Days]  # a year, decided
"""
)


def test_a_deliberate_year_keeps_its_value_as_the_parameters_default() -> None:
    (finding,) = findings(ONE_YEAR, CODES)
    assert "RetentionInDays 365 (1 year)" in finding.message
    assert "the platform keeps logs 7 years" in finding.message  # the convention, said
    fix = finding.fix
    assert fix is not None and fix.safe and fix.impact == "update"
    assert "retention stays 365 days" in fix.impact_detail
    fixed = fix_text(ONE_YEAR, CODES)  # also: a second pass changes nothing
    assert fixed == ONE_YEAR_FIXED
    assert run_fix(fixed, CODES).new_text == fixed and codes(fixed, CODES) == []


def test_the_fixed_value_resolves_to_what_was_deployed() -> None:
    """What a deploy that passes no new parameter resolves: the literal it had."""
    doc = Document.from_text(ONE_YEAR_FIXED)
    params, mappings = doc.data["Parameters"], doc.data["Mappings"]
    (name,) = params
    assert mappings["LogRetentionDays"][params[name]["Default"]]["Days"] == 365


DIFFERENT = """\
Resources:
  AppLogs:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: 365
  AuditLogs:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: 2557
  JobLogs:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: 365
"""

DIFFERENT_FIXED = (
    "Parameters:\n  LogRetentionYears:\n"
    + YEARS_PARAMETER.format(years="7", description=CONVENTION_DESCRIPTION)
    + "  LogRetentionYears1Year:\n"
    + YEARS_PARAMETER.format(years="1", description=_value_description("1"))
    + MAPPING_TEXT
    + """\
Resources:
  AppLogs:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: !FindInMap [LogRetentionDays, !Ref LogRetentionYears1Year, Days]
  AuditLogs:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: !FindInMap [LogRetentionDays, !Ref LogRetentionYears, Days]
  JobLogs:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: !FindInMap [LogRetentionDays, !Ref LogRetentionYears1Year, Days]
"""
)


def test_two_retentions_get_one_parameter_each_and_both_stay() -> None:
    found = findings(DIFFERENT, CODES)
    assert [f.resource for f in found] == ["AppLogs", "AuditLogs", "JobLogs"]
    assert all(f.fix is not None and f.fix.safe for f in found)
    assert fix_text(DIFFERENT, CODES) == DIFFERENT_FIXED


def test_the_result_does_not_depend_on_the_order_of_the_fixes() -> None:
    """New logs (MF0103's flow-log group) take the convention, the existing year stays a year,
    whichever fix runs first."""
    text = ONE_YEAR + (
        "  Network:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: 10.0.0.0/16\n"
    )
    texts = []
    for order in (["MF0801", "MF0103"], ["MF0103", "MF0801"]):
        current = text
        for code in order:
            current = run_fix(current, [code]).new_text
        texts.append(current)
    assert texts[0] == texts[1] == fix_text(text, ["MF0801", "MF0103"])
    data = Document.from_text(texts[0]).data
    assert {n: p["Default"] for n, p in data["Parameters"].items()} == {
        "LogRetentionYears": "7",
        "LogRetentionYears1Year": "1",
    }
    resources = data["Resources"]
    assert resources["AppLogs"]["Properties"]["RetentionInDays"]["Fn::FindInMap"][1] == {
        "Ref": "LogRetentionYears1Year"
    }
    assert resources["VPCFlowLogsLogGroup"]["Properties"]["RetentionInDays"]["Fn::FindInMap"][
        1
    ] == {"Ref": "LogRetentionYears"}


def test_an_existing_parameter_is_reused_only_with_that_default() -> None:
    text = ONE_YEAR_FIXED + (
        "  Later:\n    Type: AWS::Logs::LogGroup\n    Properties:\n      RetentionInDays: 365\n"
        "  Audit:\n    Type: AWS::Logs::LogGroup\n    Properties:\n      RetentionInDays: 2557\n"
    )
    by_id = {f.resource: f for f in findings(text, CODES)}
    # LogRetentionYears1Year is deployed: the stack may run with another value than its default.
    later = by_id["Later"].fix
    assert later is not None and not later.safe and later.impact == "unknown"
    assert "LogRetentionYears1Year exists in the deployed stack" in later.impact_detail
    # Seven years is the convention: a new LogRetentionYears, not the one-year parameter.
    audit = by_id["Audit"].fix
    assert audit is not None and audit.safe and "LogRetentionYears is new" in audit.impact_detail
    fixed = Document.from_text(fix_text(text, CODES)).data
    retention = {
        lid: r["Properties"]["RetentionInDays"]["Fn::FindInMap"][1]["Ref"]
        for lid, r in fixed["Resources"].items()
    }
    assert retention == {
        "AppLogs": "LogRetentionYears1Year",
        "Later": "LogRetentionYears1Year",
        "Audit": "LogRetentionYears",
    }


def test_a_parameter_of_another_default_is_not_taken_over() -> None:
    text = (
        "Parameters:\n  LogRetentionYears1Year:\n"
        + YEARS_PARAMETER.format(years="3", description="changed by hand")
        + ONE_YEAR
    )
    fixed = Document.from_text(fix_text(text, CODES)).data
    assert fixed["Parameters"]["LogRetentionYears1Year2"]["Default"] == "1"
    assert fixed["Parameters"]["LogRetentionYears1Year"]["Default"] == "3"


def test_values_cloudwatch_rejects_become_the_nearest_accepted_one_above() -> None:
    text = """\
Resources:
  Short:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: 10
  Thousand:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: 1000
  Forever:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: 5000
"""
    by_id = {f.resource: f.fix for f in findings(text, CODES)}
    assert by_id["Short"] is not None and by_id["Short"].safe
    assert by_id["Thousand"] is not None and by_id["Thousand"].safe
    # Nothing CloudWatch Logs accepts keeps 5000 days: 3653 keeps less than written.
    assert by_id["Forever"] is not None and not by_id["Forever"].safe
    assert "fewer than the 5000 written" in by_id["Forever"].impact_detail
    fixed = fix_text(text, CODES)
    assert "RetentionInDays: 14\n" in fixed
    data = Document.from_text(fixed).data
    assert data["Parameters"]["LogRetentionYears3Years"]["Default"] == "3"
    assert data["Parameters"]["LogRetentionYears10Years"]["Default"] == "10"
    assert "LogRetentionYears" not in data["Parameters"]


def test_a_retention_of_no_whole_year_is_reported_without_a_fix() -> None:
    text = ONE_YEAR.replace("365  # a year, decided", "400")
    (finding,) = findings(text, CODES)
    assert finding.fix is None and "no whole number of years" in finding.message
    assert run_fix(text, CODES).new_text == text


def test_short_windows_are_reported_without_a_fix() -> None:
    text = ONE_YEAR.replace("365", "180")
    (finding,) = findings(text, CODES)
    assert finding.fix is None and "180 days" in finding.message
    assert run_fix(text, CODES).new_text == text
    for days in (7, 14):
        (short,) = findings(ONE_YEAR.replace("365", str(days)), CODES)
        assert short.kind == "hardening"


def test_explain_states_the_kind_each_case_is_reported_with() -> None:
    # --explain was stale (it said short literal retentions were left alone): each case the
    # notes list is reported with the kind and severity they give it.
    import re

    from fixers.rules.monitoring.mf0801_log_retention import LogRetentionParameter

    docs = LogRetentionParameter.docs()
    assert "left alone as deliberate" not in docs and "No longer" not in docs
    cases = {
        "a literal CloudWatch Logs rejects": "2555",
        "a literal below a year": "14",
        "no `RetentionInDays` at all": None,
        "a literal of a year or more": "731",
    }
    for lead, days in cases.items():
        match = re.search(re.escape(lead) + r"[^:]*: `(\w+)`, (\w+)", docs)
        assert match, lead
        prop = f"      RetentionInDays: {days}\n" if days else ""
        text = "Resources:\n  Logs:\n    Type: AWS::Logs::LogGroup\n" + (
            "    Properties:\n" + prop if prop else ""
        )
        (finding,) = findings(text, CODES)
        assert (finding.kind, finding.severity) == match.groups(), lead
