"""The ECS rules (spec sections 5, 11, 12) on the analysed sample (YAML and JSON twin), on a
second flawed layout (tests/fixtures/ecs-flawed.yaml) and on a production-grade one."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from fixers.document import Document
from fixers.engine import Engine, Options
from tests.helpers import findings, run_fix

ROOT = Path(__file__).resolve().parents[2]
CODES = [
    "MF0501",
    "MF0502",
    "MF0503",
    "MF0504",
    "MF0505",
    "MF0506",
    "MF0507",
    "MF0508",
    "MF1101",
    "MF1102",
    "MF1103",
    "MF1201",
    "MF1202",
]

SAMPLE_EXPECTED = {
    ("MF0501", "ECSTaskDefinition"),
    ("MF0502", "ECSTaskDefinition"),
    # 5.3 (and 8.4): MF0501, whose fix gives the service its empty repository, gates it.
    ("MF0504", "ServiceScalableTarget"),
    ("MF0505", "ServiceScalableTarget"),
    ("MF0506", "ALBTargetGroup"),
    ("MF0506", "ALBTargetGroupBlueGreen"),
    ("MF0507", "ECSTaskDefinition"),
    ("MF0508", "ECSTaskDefinition"),
    ("MF1101", "ECSService"),
    ("MF1102", "ECSService"),
    ("MF1103", "ECSService"),
    ("MF1202", "ECSTaskDefinition"),
}
FLAWED_EXPECTED = {
    ("MF0501", "ApiTask"),
    ("MF0502", "ApiTask"),
    ("MF0504", "ApiScaling"),
    ("MF0505", "ApiScaling"),
    ("MF0506", "ApiTargets"),
    ("MF0507", "ApiTask"),
    ("MF0508", "ApiTask"),
    ("MF1101", "ApiService"),
    ("MF1102", "ApiService"),
    ("MF1103", "ApiService"),
    ("MF1201", "ApiTask"),
    ("MF1202", "ApiTask"),
}


@functools.cache
def validating_engine() -> Engine:
    """One engine for the whole module, so cfn-lint's rule set is built once."""
    return Engine(Options(select=CODES, fix=True, unsafe_fixes=True, validate=True))


CASES = [
    ("sample_templates/transaction-platform.yaml", SAMPLE_EXPECTED),
    ("sample_templates/transaction-platform.json", SAMPLE_EXPECTED),
    ("tests/fixtures/ecs-flawed.yaml", FLAWED_EXPECTED),
]


@pytest.mark.slow  # validates with cfn-lint: part of the whole suite, not the fast subset
@pytest.mark.parametrize("path,expected", CASES, ids=["sample-yaml", "sample-json", "flawed-yaml"])
def test_found_fixed_validated_converged_and_order_free(
    path: str, expected: set[tuple[str, str]]
) -> None:
    text = (ROOT / path).read_text(encoding="utf-8")
    found = findings(text, CODES)
    assert {(f.code, f.resource) for f in found} == expected
    # 12.1: the sample already runs as '1000:1000', which the spec says is right.
    assert "MF1201" not in {f.code for f in found} or "flawed" in path

    result = validating_engine().run_document(Document.from_text(text))
    assert not result.rule_errors
    assert all(o.applied for o in result.outcomes if o.finding.fix), [
        (o.finding.code, o.reason) for o in result.outcomes
    ]
    assert result.lint_new == []
    fixed = result.new_text

    again = run_fix(fixed, CODES)
    assert again.new_text == fixed
    assert [f.code for f in again.remaining if f.fix is not None] == []

    for order in (CODES, CODES[::-1]):
        step = text
        for code in order:
            step = run_fix(step, [code]).new_text
        assert step == fixed, (
            f"one rule at a time in {'forward' if order == CODES else 'reverse'} order differs"
        )


def test_sample_fix_gives_the_spec_values() -> None:
    fixed = run_fix((ROOT / CASES[0][0]).read_text(encoding="utf-8"), CODES).new_text
    data = Document.from_text(fixed).data
    res = data["Resources"]
    svc = res["ECSService"]
    assert (
        svc["Condition"] == "ShouldDeployECS"
        and data["Parameters"]["DeployECSService"]["Default"] == "false"
    )
    assert sorted(svc["DependsOn"]) == ["ALBListener", "AuroraPrimaryInstance"]
    p = svc["Properties"]
    assert p["HealthCheckGracePeriodSeconds"] == 180
    # 100/200 is ECS's zero-downtime rolling update: left as the sample has it.
    assert p["DeploymentConfiguration"]["MinimumHealthyPercent"] == 100
    assert p["DeploymentConfiguration"]["MaximumPercent"] == 200
    assert p["DeploymentConfiguration"]["DeploymentCircuitBreaker"] == {
        "Enable": True,
        "Rollback": True,
    }
    target = res["ServiceScalableTarget"]["Properties"]
    assert target["MinCapacity"] == {"Fn::If": ["IsProduction", 3, 2]}
    assert target["MaxCapacity"] == {"Fn::If": ["IsProduction", 20, 10]}
    memory = res["ServiceScalingPolicyMemory"]
    assert memory["Condition"] == "ShouldDeployECS"
    conf = memory["Properties"]["TargetTrackingScalingPolicyConfiguration"]
    assert (
        conf["TargetValue"] == 75
        and conf["ScaleOutCooldown"] == 60
        and conf["ScaleInCooldown"] == 300
    )
    for tg in ("ALBTargetGroup", "ALBTargetGroupBlueGreen"):
        hp = res[tg]["Properties"]
        assert (hp["HealthCheckTimeoutSeconds"], hp["UnhealthyThresholdCount"]) == (10, 5)
        assert hp["HealthCheckTimeoutSeconds"] < hp["HealthCheckIntervalSeconds"]
    container = res["ECSTaskDefinition"]["Properties"]["ContainerDefinitions"][0]
    assert container["HealthCheck"]["Command"] == [
        "CMD-SHELL",
        "curl -f http://localhost:8080/health || exit 1",
    ]
    assert {"Name": "STARTUP_DELAY_SECONDS", "Value": "30"} in container["Environment"]
    assert container["LinuxParameters"] == {"InitProcessEnabled": True}
    assert container["User"] == "1000:1000"
    assert container["Image"]["Fn::If"][0] == "HasContainerRegistryURL"
    assert data["Parameters"]["ContainerImage"]["Default"] == "meridian/transaction-processor"
    assert data["Parameters"]["ImageTag"]["Default"] == "latest"
    assert data["Parameters"]["ContainerRegistryURL"]["Default"] == ""
    assert res["ECRRepository"]["Properties"]["ImageScanningConfiguration"] == {"ScanOnPush": True}
    for dependent in ("ServiceScalableTarget", "ServiceScalingPolicyCPU", "HighCPUAlarm"):
        assert res[dependent]["Condition"] == "ShouldDeployECS"
    assert data["Outputs"]["ECSServiceName"]["Condition"] == "ShouldDeployECS"


def test_sample_findings_carry_the_items_and_kinds_aws_behaviour_gives_them() -> None:
    text = (ROOT / CASES[0][0]).read_text(encoding="utf-8")
    found = {f.code: f for f in findings(text, CODES)}
    assert found["MF0501"].spec == ("5.1", "5.3", "8.4")
    grace = found["MF1101"]
    assert (grace.kind, grace.severity) == ("convention", "low")
    assert "platform's convention is 180 s" in grace.message
    assert "MinimumHealthyPercent" not in grace.message
    assert (found["MF0508"].kind, found["MF0508"].severity) == ("convention", "low")
    # The flawed layout's 100/100 does block: a defect.
    flawed = (ROOT / "tests/fixtures/ecs-flawed.yaml").read_text(encoding="utf-8")
    pair = [f for f in findings(flawed, ["MF1101"]) if f.path[-1] == "MaximumPercent"]
    assert [(f.kind, f.severity) for f in pair] == [("defect", "medium")]


def test_production_grade_template_gives_no_finding() -> None:
    text = (ROOT / "tests/fixtures/ecs-good.yaml").read_text(encoding="utf-8")
    assert findings(text, CODES) == []
