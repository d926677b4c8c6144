"""MF0506: target group health check timeout 10 s, unhealthy threshold 5 (spec 5.6)."""

from __future__ import annotations

import json

from fixers.document import Document
from tests.helpers import codes, findings, fix_text, fixture

BASE = fixture("ecs-service.yaml")

FIXED = BASE.replace(
    "      HealthCheckIntervalSeconds: 10   # fast checks\n",
    "      HealthCheckIntervalSeconds: 30   # fast checks\n      HealthCheckTimeoutSeconds: 10\n      UnhealthyThresholdCount: 5\n",
)


def test_fires_on_defaults_shorter_than_the_spec() -> None:
    (finding,) = findings(BASE, ["MF0506"])
    assert finding.path == ("Resources", "Tg", "Properties") and "(default)" in finding.message


def test_fix_keeps_the_interval_above_the_timeout() -> None:
    fixed = fix_text(BASE, ["MF0506"])
    assert fixed == FIXED
    p = Document.from_text(fixed).data["Resources"]["Tg"]["Properties"]
    # AWS rejects a timeout that is not below the interval; cfn-lint does not check it.
    assert p["HealthCheckTimeoutSeconds"] < p["HealthCheckIntervalSeconds"]
    assert (
        5 <= p["HealthCheckIntervalSeconds"] <= 300 and 2 <= p["HealthCheckTimeoutSeconds"] <= 120
    )
    assert 2 <= p["UnhealthyThresholdCount"] <= 10


def test_silent_when_already_tolerant_or_not_an_ecs_target_group() -> None:
    assert codes(FIXED, ["MF0506"]) == []
    assert (
        codes(
            BASE.replace(
                "TargetGroupArn: !Ref Tg", "TargetGroupArn: arn:aws:elasticloadbalancing:x"
            ),
            ["MF0506"],
        )
        == []
    )
    assert (
        codes(
            BASE.replace(
                "      HealthCheckPath: /ready\n", "      HealthCheckTimeoutSeconds: !Ref Stage\n"
            ),
            ["MF0506"],
        )
        == []
    )


def test_json_blue_green_twin_is_fixed_too() -> None:
    tg = {
        "Type": "AWS::ElasticLoadBalancingV2::TargetGroup",
        "Properties": {
            "Port": 8080,
            "Protocol": "HTTP",
            "TargetType": "ip",
            "VpcId": "vpc-1",
            "HealthCheckTimeoutSeconds": 5,
            "UnhealthyThresholdCount": 3,
        },
    }
    data = {
        "Resources": {
            "Blue": tg,
            "Green": tg,
            "S": {
                "Type": "AWS::ECS::Service",
                "Properties": {
                    "LoadBalancers": [
                        {
                            "ContainerName": "w",
                            "ContainerPort": 8080,
                            "TargetGroupArn": {"Ref": "Blue"},
                        }
                    ]
                },
            },
        }
    }
    assert [f.resource for f in findings(json.dumps(data), ["MF0506"])] == ["Blue", "Green"]
    fixed = fix_text(json.dumps(data, indent=2) + "\n", ["MF0506"])
    good = {
        "Type": tg["Type"],
        "Properties": dict(
            tg["Properties"], HealthCheckTimeoutSeconds=10, UnhealthyThresholdCount=5
        ),
    }
    expected = {"Resources": dict(data["Resources"], Blue=good, Green=good)}
    assert fixed == json.dumps(expected, indent=2) + "\n"


def _nlb(check: str, extra: str = "") -> str:
    """BASE with a Network Load Balancer target group (TCP traffic, the given health check)."""
    return BASE.replace(
        "      Protocol: HTTP\n      TargetType: ip\n",
        f"      Protocol: TCP\n      TargetType: ip\n      HealthCheckProtocol: {check}\n{extra}",
    ).replace("      HealthCheckPath: /ready\n", "")


def test_network_load_balancer_defaults_depend_on_the_check_protocol() -> None:
    # TCP checks on an NLB time out after 10 s by default: with 5 failures tolerated the
    # finding and its fix would change nothing.
    assert codes(_nlb("TCP", "      UnhealthyThresholdCount: 5\n"), ["MF0506"]) == []
    assert codes(_nlb("HTTPS", "      UnhealthyThresholdCount: 5\n"), ["MF0506"]) == []
    # HTTP checks on an NLB default to 6 s.
    (http,) = findings(_nlb("HTTP", "      UnhealthyThresholdCount: 5\n"), ["MF0506"])
    assert "HealthCheckTimeoutSeconds 6 (default)" in http.message
    # Only what is short is changed: the TCP default timeout stays.
    (tcp,) = findings(_nlb("TCP"), ["MF0506"])
    assert tcp.fix is not None and "HealthCheckTimeoutSeconds" not in tcp.fix.title
    assert tcp.fix.title.startswith("Set UnhealthyThresholdCount 5")


def test_application_load_balancer_default_and_convention_wording() -> None:
    (finding,) = findings(BASE, ["MF0506"])
    assert "HealthCheckTimeoutSeconds 5 (default)" in finding.message
    assert "the platform's convention" in finding.message
    assert (finding.kind, finding.severity) == ("convention", "low")
