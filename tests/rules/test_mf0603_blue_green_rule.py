"""MF0603: the second target group is reachable through a header rule (spec 6.3)."""

from __future__ import annotations

from fixers.document import Document
from tests.helpers import codes, findings, fix_text, fixture

CODES = ["MF0603"]

FLAWED = fixture("mf0603/before.yaml")

FLAWED_JSON = fixture("mf0603/before.json")

FIXED = fixture("mf0603/after.yaml")

FIXED_JSON = fixture("mf0603/after.json")


def test_fires_on_the_unreferenced_target_group() -> None:
    (finding,) = findings(FLAWED, CODES)
    assert finding.resource == "Green"
    assert "Blue" in finding.message
    assert finding.fix is not None and finding.fix.safe


def test_fix_yaml_byte_for_byte_keeps_comments() -> None:
    fixed = fix_text(FLAWED, CODES)
    assert fixed == FIXED
    assert "# the next release, unreachable" in fixed


def test_fix_json_byte_for_byte() -> None:
    assert fix_text(FLAWED_JSON, CODES) == FIXED_JSON


def test_rule_takes_a_free_priority_and_routes_on_the_header() -> None:
    rule = Document.from_text(fix_text(FLAWED, CODES)).data["Resources"][
        "ALBListenerRuleBlueGreen"
    ]["Properties"]
    assert rule["Priority"] == 2
    assert rule["Conditions"] == [
        {
            "Field": "http-header",
            "HttpHeaderConfig": {"HttpHeaderName": "X-Deployment-Color", "Values": ["green"]},
        }
    ]
    assert rule["Actions"] == [{"Type": "forward", "TargetGroupArn": {"Ref": "Green"}}]


def test_conditional_https_listener_gets_its_own_copy() -> None:
    text = fix_text(FLAWED, ["MF0602"])
    data = Document.from_text(fix_text(text, CODES)).data
    copy = data["Resources"]["ALBListenerRuleBlueGreenHTTPS"]
    assert copy["Condition"] == "HasCertificate"
    assert copy["Properties"]["ListenerArn"] == {"Ref": "ALBListenerHTTPS"}
    # Same result the other way round.
    assert fix_text(fix_text(FLAWED, CODES), ["MF0602"]) == fix_text(text, CODES)


def test_silent_when_the_group_is_used_or_alone() -> None:
    used = (
        FLAWED
        + "  Svc:\n    Type: AWS::ECS::Service\n    Properties:\n      LoadBalancers:\n        - TargetGroupArn: !Ref Green\n"
    )
    assert codes(used, CODES) == []
    alone = FLAWED.replace("TargetGroupArn: !Ref Blue", "TargetGroupArn: !Ref Green")
    assert [f.resource for f in findings(alone, CODES)] == ["Blue"]
    assert codes(FLAWED.split("  Web:")[0], CODES) == []  # no listener: nothing is served
