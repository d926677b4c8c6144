"""Database, parameter groups and backup (spec sections 3, 7, 10 and 13) on the flawed sample,
its JSON twin, and a second flawed template with other logical IDs and layout."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from tests.helpers import findings, run_fix

ROOT = Path(__file__).resolve().parents[2]
CODES = [
    "MF0301",
    "MF0302",
    "MF0304",
    "MF0701",
    "MF0702",
    "MF0703",
    "MF0704",
    "MF1001",
    "MF1301",
    "MF1302",
    "MF1303",
]

SAMPLE_EXPECTED = {
    ("MF0301", "DBParameterGroup"),
    ("MF0302", "AuroraPrimaryInstance"),
    ("MF0302", "AuroraReplicaInstance"),
    ("MF0304", "AuroraCluster"),
    ("MF0701", "BackupVault"),
    ("MF0702", "BackupVault"),
    ("MF0702", "BackupRole"),
    ("MF0703", "BackupPlan"),
    ("MF0704", None),
    ("MF1001", "DBClusterParameterGroup"),
    ("MF1301", "BackupPlan"),
    ("MF1302", "AuroraCluster"),
    ("MF1303", "BackupPlan"),
}
FLAWED_EXPECTED = {
    ("MF0301", "LedgerNodeSettings"),
    ("MF0302", "LedgerWriterNode"),
    ("MF0304", "LedgerDb"),
    ("MF0701", "LedgerVault"),
    ("MF0702", "LedgerVault"),
    ("MF0702", "LedgerBackupRunner"),
    ("MF0703", "LedgerSchedule"),
    ("MF0704", None),
    ("MF1001", "LedgerClusterSettings"),
    ("MF1301", "LedgerSchedule"),
    ("MF1302", "LedgerDb"),
    ("MF1303", "LedgerSchedule"),
}
CASES = {
    "sample_templates/transaction-platform.yaml": SAMPLE_EXPECTED,
    "sample_templates/transaction-platform.json": SAMPLE_EXPECTED,
    "tests/fixtures/database-backup-flawed.yaml": FLAWED_EXPECTED,
}


def text_of(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


from fixers.validate import Validator as _ORIGINAL_VALIDATOR  # noqa: E402


@functools.cache
def _shared_validator() -> _ORIGINAL_VALIDATOR:
    return _ORIGINAL_VALIDATOR()


class _validator:  # stands in for the class fixers.validate.Validator
    """``Validator()`` gives the one shared instance; the class's static questions still work
    (fixers.schema asks ``Validator.config_files`` for a folder's cfn-lint regions)."""

    config_files = staticmethod(_ORIGINAL_VALIDATOR.config_files)

    def __new__(cls) -> _ORIGINAL_VALIDATOR:  # type: ignore[misc]
        return _shared_validator()


@pytest.fixture(scope="module", autouse=True)
def shared_validator():
    """Build cfn-lint's rule set once for this module's three validated runs (about 3 s each)."""
    import fixers.validate

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(fixers.validate, "Validator", _validator)
        yield


@functools.cache
def fixed_all(name: str):
    return run_fix(text_of(name), CODES, validate=True)


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_gap_is_found_at_the_right_resource(name: str) -> None:
    found = {(f.code, f.resource) for f in findings(text_of(name), CODES)}
    assert found == CASES[name]
    account = [f for f in findings(text_of(name), CODES) if f.code == "MF0704"]
    assert account[0].path[0] == "Parameters"


@pytest.mark.slow  # validates with cfn-lint: part of the whole suite, not the fast subset
@pytest.mark.parametrize("name", sorted(CASES))
def test_fixed_without_new_lint_errors_and_converged(name: str) -> None:
    result = fixed_all(name)
    assert not result.rule_errors
    assert [o for o in result.outcomes if o.status != "applied"] == []
    assert result.lint_new == []
    assert [f.code for f in result.remaining if f.fix is not None] == []
    assert run_fix(result.new_text, CODES).new_text == result.new_text


@pytest.mark.slow  # validates with cfn-lint: part of the whole suite, not the fast subset
@pytest.mark.parametrize("name", sorted(CASES))
def test_order_of_fixes_does_not_change_the_result(name: str) -> None:
    expected = fixed_all(name).new_text
    for order in (CODES, list(reversed(CODES))):
        text = text_of(name)
        for code in order:
            text = run_fix(text, [code]).new_text
        assert text == expected, order[0]


def test_good_template_gives_no_finding() -> None:
    assert findings(text_of("tests/fixtures/database-backup-good.yaml"), CODES) == []


def test_fixed_sample_is_production_grade_where_aws_checks() -> None:
    import json

    from fixers.document import Document

    data = Document.from_text(fixed_all("sample_templates/transaction-platform.json").new_text).data
    res = data["Resources"]
    rules = res["BackupPlan"]["Properties"]["BackupPlan"]["BackupPlanRule"]
    for entry in rules:
        rule = entry["Fn::If"][1] if "Fn::If" in entry else entry
        life = rule.get("Lifecycle", {})
        assert "MoveToColdStorageAfterDays" not in life  # ignored by AWS Backup for Aurora
        for action in rule.get("CopyActions", []):
            copy = action["Fn::If"][1] if "Fn::If" in action else action
            template = copy["DestinationBackupVaultArn"]["Fn::Sub"][0]
            assert (
                template.startswith("arn:${AWS::Partition}:backup:")
                and ":backup-vault:" in template
            )
    assert any(
        "Fn::If" in r and r["Fn::If"][1]["Lifecycle"]["DeleteAfterDays"] == 2557 for r in rules
    )
    key = res["DatabaseKMSKey"]
    assert key["DeletionPolicy"] == key["UpdateReplacePolicy"] == "Retain"
    assert key["Properties"]["EnableKeyRotation"] is True
    assert '"*"' not in json.dumps(
        [s.get("Principal") for s in key["Properties"]["KeyPolicy"]["Statement"]]
    )
    selection = res["BackupSelection"]["Properties"]["BackupSelection"]
    assert selection["IamRoleArn"] == {"Fn::GetAtt": ["BackupRole", "Arn"]}
    for inst in ("AuroraPrimaryInstance", "AuroraReplicaInstance"):
        assert res[inst]["Properties"]["PerformanceInsightsRetentionPeriod"] == {
            "Fn::If": ["IsProduction", 731, 7]
        }
