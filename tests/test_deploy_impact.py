"""Deploy impact: the facts read from cfn-lint's resource schemas through its public interface,
the impact the engine derives from what a fix's edits change, and that safety fails closed."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from fixers import schema
from fixers.document import Document
from fixers.engine import Engine, Options
from fixers.impact import derive
from fixers.model import UNSAFE_IMPACTS
from tests.conftest import SAMPLES
from tests.helpers import dedent

SAMPLE = SAMPLES / "transaction-platform.yaml"


@pytest.fixture()
def fresh_schema_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty cache folder, and no table remembered in this process."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    schema.type_table.cache_clear()
    yield tmp_path
    schema.type_table.cache_clear()


@pytest.fixture()
def unreadable_schemas(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """cfn-lint's schema interface answers nothing (moved, broken, or a layout we do not know)."""

    def broken(region: str) -> dict[str, dict[str, list[str]]]:
        raise schema.SchemaUnavailable("monkeypatched: the schemas cannot be read")

    monkeypatch.setattr(schema, "derive_table", broken)
    monkeypatch.setattr(schema, "_read_cached", lambda *args: None)
    schema.type_table.cache_clear()
    yield
    schema.type_table.cache_clear()


# -- the facts, with the installed cfn-lint ------------------------------------------------


@pytest.mark.parametrize(
    "rtype, prop",
    [
        ("AWS::RDS::DBCluster", "KmsKeyId"),
        ("AWS::RDS::DBCluster", "StorageEncrypted"),
        ("AWS::RDS::DBCluster", "DBSubnetGroupName"),
        ("AWS::RDS::DBInstance", "KmsKeyId"),
        ("AWS::EC2::Subnet", "CidrBlock"),
        ("AWS::Backup::BackupVault", "BackupVaultName"),
    ],
)
def test_create_only_properties_are_replacement(rtype: str, prop: str) -> None:
    assert schema.property_change_impact(rtype, prop) == "replacement"


def test_updatable_and_conditionally_create_only_properties() -> None:
    assert schema.property_change_impact("AWS::RDS::DBCluster", "BackupRetentionPeriod") == "update"
    assert (
        schema.property_change_impact("AWS::RDS::DBInstance", "PerformanceInsightsKMSKeyId")
        == "possible replacement"
    )
    assert schema.property_change_impact("AWS::Not::AType", "Anything") == "unknown"


def test_the_type_table_is_not_empty() -> None:
    """An empty table would answer "update" for everything: it must be a failure, not a default."""
    table = schema.type_table("us-east-1")
    assert table is not None and len(table) > 1000
    assert "AWS::RDS::DBCluster" in table


def test_the_cached_table_is_what_the_public_interface_says(fresh_schema_cache: Path) -> None:
    first = schema.type_table("us-east-1")
    cached = list(fresh_schema_cache.rglob("*.json"))
    assert len(cached) == 1 and schema.cfn_lint_version() in cached[0].name
    schema.type_table.cache_clear()
    assert schema.type_table("us-east-1") == first  # read back from the file
    derived = schema.derive_table("us-east-1")
    assert json.loads(cached[0].read_text())["types"] == derived


def test_a_corrupt_cache_is_derived_again(fresh_schema_cache: Path) -> None:
    schema.type_table("us-east-1")
    (cached,) = fresh_schema_cache.rglob("*.json")
    cached.write_text('{"format": 1, "types": {}}')
    schema.type_table.cache_clear()
    assert schema.property_change_impact("AWS::EC2::Subnet", "CidrBlock") == "replacement"


def test_regions_come_from_the_cfn_lint_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".cfnlintrc").write_text("regions:\n  - eu-west-1\n  - us-west-2\n")
    schema._regions_in.cache_clear()
    try:
        assert schema.regions_for(str(tmp_path / "stack.yaml")) == ("eu-west-1", "us-west-2")
    finally:
        schema._regions_in.cache_clear()


def test_unreadable_schemas_make_every_property_change_unknown(unreadable_schemas: None) -> None:
    assert schema.property_change_impact("AWS::RDS::DBCluster", "KmsKeyId") == "unknown"
    assert (
        schema.property_change_impact("AWS::RDS::DBCluster", "BackupRetentionPeriod") == "unknown"
    )


# -- derived from edits ----------------------------------------------------------------------

BASE = dedent(
    """
    Parameters:
      Env:
        Type: String
        Default: dev
    Conditions:
      IsProd: !Equals [!Ref Env, prod]
    Resources:
      Subnet:
        Type: AWS::EC2::Subnet
        Properties:
          VpcId: vpc-123
          CidrBlock: 10.0.1.0/24
      Vault:
        Type: AWS::Backup::BackupVault
        Properties:
          BackupVaultName: payments-vault
      Task:
        Type: AWS::ECS::TaskDefinition
        Properties:
          ContainerDefinitions:
            - Name: app
              Image: nginx
      Topic:
        Type: AWS::SNS::Topic
        Properties:
          DisplayName: alerts
    Outputs:
      TopicArn:
        Value: !Ref Topic
        Export:
          Name: alerts-topic
      SubnetId:
        Value: !Ref Subnet
    """
)


def impact_of(*edits: tuple[str, tuple[object, ...], object]) -> tuple[str, str]:
    doc = Document.from_text(BASE)
    mark = doc.mark()
    for kind, path, value in edits:
        if kind == "set":
            doc.set(path, value)
        elif kind == "append":
            doc.append(path, value)
        else:
            doc.delete(path)
    return derive(doc, doc.edits[mark.edited :])


def test_a_create_only_property_changed_is_a_replacement() -> None:
    impact, detail = impact_of(
        ("set", ("Resources", "Subnet", "Properties", "CidrBlock"), "10.0.9.0/24")
    )
    assert impact == "replacement" and "CidrBlock" in detail and "Subnet" in detail


def test_an_updatable_property_is_an_update_and_a_new_resource_changes_nothing() -> None:
    assert (
        impact_of(("set", ("Resources", "Topic", "Properties", "TopicName"), "x"))[0]
        == "replacement"
    )
    assert (
        impact_of(("set", ("Resources", "Topic", "Properties", "DisplayName"), "x"))[0] == "update"
    )
    new = {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": "more"}}
    assert impact_of(("set", ("Resources", "Other"), new)) == (
        "none",
        "no change to deployed resources",
    )


def test_removals_and_conditions_are_deletions() -> None:
    assert impact_of(("delete", ("Resources", "Topic"), None))[0] == "deletion"
    assert (
        impact_of(("delete", ("Resources", "Topic", "Properties", "DisplayName"), None))[0]
        == "deletion"
    )
    assert impact_of(("set", ("Resources", "Topic", "Condition"), "IsProd"))[0] == "deletion"
    assert impact_of(("delete", ("Outputs", "SubnetId"), None))[0] == "deletion"


def test_a_literal_moved_to_a_parameter_default_changes_nothing() -> None:
    kept = impact_of(
        ("set", ("Parameters", "VaultName"), {"Type": "String", "Default": "payments-vault"}),
        ("set", ("Resources", "Vault", "Properties", "BackupVaultName"), {"Ref": "VaultName"}),
    )
    assert kept[0] == "none"
    renamed = impact_of(
        ("set", ("Parameters", "VaultName"), {"Type": "String", "Default": "other-vault"}),
        ("set", ("Resources", "Vault", "Properties", "BackupVaultName"), {"Ref": "VaultName"}),
    )
    assert renamed[0] == "replacement"


def test_what_cannot_be_judged_is_unknown() -> None:
    assert impact_of(("set", ("Parameters", "Needed"), {"Type": "String"}))[0] == "unknown"
    assert impact_of(("set", ("Parameters", "Env", "Default"), "prod"))[0] == "unknown"
    assert impact_of(("set", ("Conditions", "IsProd"), {"Fn::Equals": ["a", "b"]}))[0] == "unknown"
    assert impact_of(("set", ("Outputs", "TopicArn", "Condition"), "IsProd"))[0] == "unknown"
    assert impact_of(("set", ("Transform",), "AWS::SecretsManager-2020-07-23"))[0] == "unknown"
    assert impact_of(("set", ("Parameters", "Env", "Description"), "the environment"))[0] == "none"


def test_a_task_definition_change_is_a_new_revision() -> None:
    impact, detail = impact_of(
        ("set", ("Resources", "Task", "Properties", "ContainerDefinitions", 0, "User"), "1000:1000")
    )
    assert impact == "revision" and "rolling deployment" in detail


def test_unreadable_schemas_make_property_changes_unknown(unreadable_schemas: None) -> None:
    assert (
        impact_of(("set", ("Resources", "Topic", "Properties", "DisplayName"), "x"))[0] == "unknown"
    )
    assert impact_of(("set", ("Resources", "Topic", "Metadata"), {"a": 1}))[0] == "none"


# -- the engine fails closed -----------------------------------------------------------------


def _deployed_properties(text: str, original: str | None = None) -> dict[str, object]:
    """Each resource's properties as a deploy resolves them (new parameters at their default)."""
    from fixers.impact import _as_deployed

    data = Document.from_text(text).data
    before = Document.from_text(original).data if original is not None else data
    return {
        lid: _as_deployed(res.get("Properties"), before, data)
        for lid, res in data["Resources"].items()
    }


def test_auto_fix_applies_no_property_change_when_the_schemas_cannot_be_read(
    unreadable_schemas: None,
) -> None:
    text = SAMPLE.read_text()
    result = Engine(Options(fix=True, validate=False)).run_document(
        Document.from_text(text, str(SAMPLE))
    )
    for outcome in result.outcomes:
        fix = outcome.finding.fix
        if fix is not None and fix.impact == "unknown":
            assert not fix.safe and not outcome.applied, outcome
    assert any(
        o.applied for o in result.outcomes
    )  # fixes that touch no deployed property still run
    before, after = _deployed_properties(text), _deployed_properties(result.new_text, text)
    assert {lid: after[lid] for lid in before} == before


def test_a_rule_that_declares_less_than_its_edits_do_is_not_applied_as_safe(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The engine checks a safe label against the edits it makes, whatever the rule said."""
    from fixers.model import Fix
    from fixers.rules import Rule

    class Liar(Rule):
        code = "MF9901"
        title = "test rule"

        def detect(self, doc: Document) -> Iterator[object]:  # type: ignore[override]
            yield self.finding(
                ("Resources", "Subnet"),
                "changes a create-only property, claims none",
                Fix(
                    "renumber",
                    action="set_value",
                    args=(("Resources", "Subnet", "Properties", "CidrBlock"), "10.0.7.0/24"),
                ),
            )

    doc = Document.from_text(BASE)
    result = Engine(Options(fix=True, validate=False), rules=[Liar()]).run_document(doc)
    (outcome,) = result.outcomes
    assert outcome.finding.fix is not None and outcome.finding.fix.impact == "replacement"
    assert outcome.status == "unsafe" and "create-only" in (outcome.reason or "")
    assert result.new_text == BASE


def test_sample_database_keys_are_unsafe_replacements_in_json_and_not_auto_applied(
    tmp_path: Path,
) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "tui.cli", "--check", "--format", "json", str(SAMPLE)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    findings = json.loads(out.stdout)["files"][0]["findings"]
    keys = [
        f
        for f in findings
        if f["code"] == "MF0202" or (f["code"] == "MF0302" and f["path"][-1].endswith("KMSKeyId"))
    ]
    assert {f["code"] for f in keys} == {"MF0202", "MF0302"}
    for f in keys:
        assert f["fix"]["applicability"] == "unsafe" and f["fix"]["impact"] == "replacement", f
    target = tmp_path / "stack.yaml"
    target.write_text(SAMPLE.read_text())
    subprocess.run(
        [sys.executable, "-m", "tui.cli", "--auto-fix", "--no-validate", str(target)],
        capture_output=True,
        timeout=300,
    )
    fixed = Document.from_text(target.read_text()).data["Resources"]
    assert fixed != Document.from_text(SAMPLE.read_text()).data["Resources"]  # safe fixes did apply
    for lid, res in fixed.items():
        if res["Type"] in ("AWS::RDS::DBCluster", "AWS::RDS::DBInstance"):
            props = res.get("Properties", {})
            assert "KmsKeyId" not in props and "PerformanceInsightsKMSKeyId" not in props, lid


def test_no_safe_fix_on_the_sample_has_an_unsafe_impact() -> None:
    for name in ("transaction-platform.yaml", "transaction-platform.json"):
        result = Engine(Options(fix=True, validate=False)).run_document(
            Document.from_text((SAMPLES / name).read_text(), name)
        )
        for outcome in result.outcomes:
            fix = outcome.finding.fix
            if fix is not None and fix.safe:
                assert fix.impact not in UNSAFE_IMPACTS, outcome
