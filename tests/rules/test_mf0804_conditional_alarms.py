"""MF0804: alarms on the ECS service exist only under its deploy condition (spec 8.4)."""

from __future__ import annotations

import json

import pytest

from fixers.document import Document
from fixers.rules.monitoring.mf0804_conditional_alarms import gate
from tests.conftest import CORPUS as CORPUS_ROOT
from tests.helpers import codes, findings, fix_text, fixture

CODES = ["MF0804"]
CORPUS = CORPUS_ROOT

FLAWED = fixture("mf0804/before.yaml")

# The service deploys unconditionally; its target group's 5XX alarm watches it too.
FLAWED_JSON = fixture("mf0804/before.json")

FIXED = fixture("mf0804/after.yaml")

FIXED_JSON = fixture("mf0804/after.json")


def test_fires_on_the_alarm_of_a_conditional_service() -> None:
    (finding,) = findings(FLAWED, CODES)
    assert finding.resource == "ShopCpu"
    assert "Released" in finding.message
    # It names the service: where Released is false the stack cannot resolve the reference.
    assert (finding.kind, finding.severity) == ("defect", "medium")
    # Where Released is false the deployed alarm is deleted: a condition added is a deletion.
    assert finding.fix is not None and not finding.fix.safe and finding.fix.impact == "deletion"


def test_fix_yaml_reuses_the_services_condition() -> None:
    fixed = fix_text(FLAWED, CODES)
    assert fixed == FIXED
    assert "# pages on-call" in fixed
    data = Document.from_text(fixed).data
    assert data["Resources"]["ShopCpu"]["Condition"] == "Released"
    assert "Condition" not in data["Resources"]["ClusterCpu"]
    assert "DeployECSService" not in data.get("Parameters", {})


@pytest.mark.corpus
def test_silent_on_an_unconditional_service() -> None:
    # Nothing outlives anything: the alarm and its service exist together.
    assert codes(FLAWED_JSON, CODES) == []
    schedule = (CORPUS / "ECS/ECS_Schedule_Example.yaml").read_text()
    assert codes(schedule, CODES) == []


def test_shared_remedy_gates_an_unconditional_service_and_its_alarm_json() -> None:
    # What MF0501's fix does once the service's image comes from the stack's new repository.
    doc = Document.from_text(FLAWED_JSON)
    gate(doc, "Svc")
    fixed = doc.text
    assert fixed == FIXED_JSON
    data = json.loads(fixed)
    assert data["Parameters"]["DeployECSService"]["Default"] == "false"
    assert (
        data["Resources"]["Svc"]["Condition"]
        == data["Resources"]["Errors"]["Condition"]
        == "ShouldDeployECS"
    )
    # Same text as gating the service by hand first: then MF0804 reports and fixes the alarm.
    gated = json.loads(FLAWED_JSON)
    gated["Parameters"] = data["Parameters"]
    gated["Conditions"] = data["Conditions"]
    gated["Resources"]["Svc"] = data["Resources"]["Svc"]
    text = json.dumps(gated, indent=2) + "\n"
    (finding,) = findings(text, CODES)
    assert (finding.resource, finding.kind, finding.severity) == ("Errors", "convention", "low")
    assert "target group" in finding.message
    assert json.loads(fix_text(text, CODES)) == data


def test_alarm_with_a_condition_of_its_own_gets_both() -> None:
    text = FLAWED.replace(
        "  ShopCpu:  # pages on-call\n    Type: AWS::CloudWatch::Alarm\n",
        "  ShopCpu:  # pages on-call\n    Type: AWS::CloudWatch::Alarm\n    Condition: Paging\n",
    )
    text = text.replace(
        "Resources:\n", "  Paging: !Equals [!Ref AWS::Region, eu-west-1]\nResources:\n", 1
    )
    data = Document.from_text(fix_text(text, CODES)).data
    name = data["Resources"]["ShopCpu"]["Condition"]
    assert data["Conditions"][name] == {
        "Fn::And": [{"Condition": "Paging"}, {"Condition": "Released"}]
    }


def test_silent_when_alarms_follow_the_service_or_there_is_none() -> None:
    assert codes(fix_text(FLAWED, CODES), CODES) == []
    assert codes(FLAWED.split("  ShopCpu:")[0], CODES) == []
