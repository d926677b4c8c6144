"""Configuration: [tool.meridian-fix] in pyproject.toml or .meridian-fix.toml, found upwards from
the template; the command line overrides it; --show-config; settings in force per file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

import pytest

from fixers import config
from fixers.document import Document
from fixers.engine import Engine, Options
from tests.conftest import SAMPLES
from tui.cli import main

YAML = (SAMPLES / "transaction-platform.yaml").read_text()


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    config.clear_cache()


def project(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / name).write_text(text)
    sub = tmp_path / "stacks" / "prod"
    sub.mkdir(parents=True)
    template = sub / "stack.yaml"
    template.write_text(YAML)
    return template


def codes(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, set[str]]:
    code = main(["--check", "--format", "json", *argv])
    doc = json.loads(capsys.readouterr().out)
    return code, {f["code"] for f in doc["files"][0]["findings"]}


def test_pyproject_table_found_upwards(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    template = project(
        tmp_path,
        "pyproject.toml",
        '[project]\nname = "x"\n\n[tool.meridian-fix]\nselect = ["MF06"]\nignore = ["MF0602"]\n',
    )
    _code, found = codes(capsys, str(template))
    assert found and all(c.startswith("MF06") for c in found) and "MF0602" not in found
    assert config.find_config(str(template)) == str(tmp_path / "pyproject.toml")
    # The command line overrides the file.
    _, found = codes(capsys, "--select", "MF01", str(template))
    assert "MF0101" in found and all(c.startswith("MF01") for c in found)


def test_dot_file_wins_and_pyproject_without_table_is_passed_over(tmp_path: Path) -> None:
    (tmp_path / ".meridian-fix.toml").write_text('fail-on = "high"\nlog-retention-years = 10\n')
    inner = tmp_path / "inner"
    inner.mkdir()
    (inner / "pyproject.toml").write_text('[project]\nname = "x"\n')
    settings = config.for_file(str(inner / "t.yaml"))
    assert settings.source == str(tmp_path / ".meridian-fix.toml")
    assert settings.fail_on == "high" and settings.log_retention_years == 10
    (inner / ".meridian-fix.toml").write_text('[tool.meridian-fix]\nproduction-values = ["live"]\n')
    config.clear_cache()
    assert config.for_file(str(inner / "t.yaml")).production_values == ("live",)


def test_every_key(tmp_path: Path) -> None:
    (tmp_path / ".meridian-fix.toml").write_text(
        """
select = ["MF01", "MF02"]
ignore = ["MF0202"]
unsafe-fixes = true
fail-on = "medium"
baseline = "ci/baseline.json"
production-condition = "IsProd"
environment-parameter = "Stage"
production-values = ["prod"]
database-subnet-cidrs = ["10.1.50.0/24", "10.1.51.0/24"]
log-retention-years = 3
"""
    )
    s = config.for_file(str(tmp_path / "t.yaml"))
    assert s.select == ("MF01", "MF02") and s.ignore == ("MF0202",)
    assert s.unsafe_fixes and s.fail_on == "medium"
    assert s.baseline == str(tmp_path / "ci" / "baseline.json")
    assert (s.production_condition, s.environment_parameter, s.production_values) == (
        "IsProd",
        "Stage",
        ("prod",),
    )
    assert (
        s.database_subnet_cidrs == ("10.1.50.0/24", "10.1.51.0/24") and s.log_retention_years == 3
    )
    assert s.with_overrides({"fail_on": "high", "select": None}).fail_on == "high"


@pytest.mark.parametrize(
    "text, words",
    [
        ("selct = []\n", "unknown key 'selct'"),
        ("log-retention-years = 4\n", "log-retention-years must be one of"),
        ('database-subnet-cidrs = ["10.0.0.1/24"]\n', "not a CIDR block"),
        ('fail-on = "severe"\n', "fail-on: severe: give kinds"),
        ("select = [\n", "not valid TOML"),
    ],
)
def test_bad_configuration_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, words: str
) -> None:
    template = project(tmp_path, ".meridian-fix.toml", text)
    good = tmp_path / "elsewhere"
    assert main(["--check", "--format", "json", str(template)]) == 2
    captured = capsys.readouterr()
    err = [line for line in captured.err.splitlines() if line.strip()]
    assert len(err) == 1 and words in err[0] and str(template) in err[0]
    del good


def test_show_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    template = project(
        tmp_path, ".meridian-fix.toml", 'select = ["MF06"]\nlog-retention-years = 5\n'
    )
    assert main(["--show-config", "--fail-on", "high", str(template)]) == 0
    out = capsys.readouterr().out
    assert f"configuration file: {tmp_path / '.meridian-fix.toml'}" in out
    assert 'select = ["MF06"]' in out and "log-retention-years = 5" in out
    assert 'fail-on = "high"  # command line' in out


def test_engine_gives_each_document_the_settings_of_its_file(tmp_path: Path) -> None:
    seen = []

    class Probe:
        code = "MF9901"
        rules: ClassVar[list] = []

        def detect(self, doc):  # type: ignore[no-untyped-def]
            seen.append(doc.settings)
            return iter(())

    (tmp_path / ".meridian-fix.toml").write_text('database-subnet-cidrs = ["10.9.0.0/24"]\n')
    template = tmp_path / "t.yaml"
    template.write_text(YAML)
    Engine(Options(), rules=[Probe()]).run_path(str(template))  # type: ignore[list-item]
    assert seen[-1].database_subnet_cidrs == ("10.9.0.0/24",)
    Engine(Options(), rules=[Probe()]).run_document(Document.from_text(YAML))  # type: ignore[list-item]
    assert seen[-1] == config.Settings()


def test_configured_names_cidrs_and_retention_reach_the_fixes(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """production-condition, environment-parameter, database-subnet-cidrs and
    log-retention-years change what the fixes write."""
    from tui.cli import main

    (tmp_path / ".meridian-fix.toml").write_text(
        'production-condition = "InProd"\nenvironment-parameter = "Stage"\n'
        'database-subnet-cidrs = ["10.0.31.0/24", "10.0.32.0/24", "10.0.33.0/24"]\nlog-retention-years = 10\n'
    )
    sample = (
        Path(__file__).resolve().parent.parent / "sample_templates" / "transaction-platform.yaml"
    ).read_text()
    template = tmp_path / "t.yaml"
    template.write_text(sample.replace("IsProduction", "Prod").replace("Environment", "Env"))
    main(
        [
            "--auto-fix",
            "--unsafe-fixes",
            "--no-validate",
            "--select",
            "MF0101,MF0103,MF0301,MF0801",
            str(template),
        ]
    )
    capsys.readouterr()
    fixed = template.read_text()
    assert "CidrBlock: 10.0.31.0/24" in fixed and "10.0.21.0/24" not in fixed
    params = Document.from_text(fixed).data["Parameters"]
    # New logs (the flow-log group) keep the configured years; the existing log group's 2555
    # days (seven years, misspelt) stay seven years, not the configured ten.
    assert params["LogRetentionYears"]["Default"] == "10"
    assert params["LogRetentionYears7Years"]["Default"] == "7"
    assert "!If [Prod," in fixed  # the template's own production condition is reused


def test_a_new_production_condition_takes_the_configured_names(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from tui.cli import main

    (tmp_path / ".meridian-fix.toml").write_text(
        'production-condition = "InProd"\nenvironment-parameter = "Stage"\n'
    )
    template = tmp_path / "t.yaml"
    template.write_text(
        "Resources:\n  Target:\n    Type: AWS::ApplicationAutoScaling::ScalableTarget\n    Properties:\n"
        "      MinCapacity: 3\n      MaxCapacity: 10\n      ResourceId: !Sub service/${Cluster}/${Service.Name}\n"
        "      ScalableDimension: ecs:service:DesiredCount\n      ServiceNamespace: ecs\n"
        "  Cluster:\n    Type: AWS::ECS::Cluster\n"
        "  Service:\n    Type: AWS::ECS::Service\n    Properties:\n      Cluster: !Ref Cluster\n"
    )
    main(["--auto-fix", "--unsafe-fixes", "--no-validate", "--select", "MF0504", str(template)])
    capsys.readouterr()
    fixed = template.read_text()
    assert "InProd: !Equals [!Ref Stage, production]" in fixed
    assert "MinCapacity: !If [InProd, 3, 2]" in fixed
