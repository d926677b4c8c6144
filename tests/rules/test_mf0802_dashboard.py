"""MF0802: a CloudWatch dashboard for the template's ECS, ALB and RDS resources (spec 8.2)."""

from __future__ import annotations

import json
import re

from fixers.document import Document
from tests.helpers import codes, findings, fix_text, fixture

CODES = ["MF0802"]

FLAWED = fixture("mf0802/before.yaml")

FLAWED_JSON = fixture("mf0802/before.json")

FIXED = fixture("mf0802/after.yaml")

FIXED_JSON = fixture("mf0802/after.json")


def _body(text: str) -> tuple[str, dict]:
    dash = Document.from_text(text).data["Resources"]["MonitoringDashboard"]["Properties"]
    body = dash["DashboardBody"]["Fn::Sub"]
    # Valid JSON once Fn::Sub has replaced every ${...}.
    return body, json.loads(re.sub(r"\$\{[^}]+\}", "x", body))


def test_fires_once_with_two_tiers_and_no_dashboard() -> None:
    (finding,) = findings(FLAWED, CODES)
    assert finding.path == ("Resources",)
    assert "ECS" in finding.message and "ALB" in finding.message
    assert finding.fix is not None and finding.fix.safe


def test_fix_yaml_byte_for_byte_keeps_comments() -> None:
    fixed = fix_text(FLAWED, CODES)
    assert fixed == FIXED
    assert "# runs the shop" in fixed


def test_body_is_valid_json_for_the_templates_own_resources() -> None:
    body, parsed = _body(fix_text(FLAWED, CODES))
    assert "${Edge.LoadBalancerFullName}" in body and "${Pool.TargetGroupFullName}" in body
    assert 'ClusterName=\\"${Cluster}\\"' in body
    # The conditional service is not referenced: the dashboard stays valid without it.
    assert "Shop" not in body
    metrics = json.dumps(parsed)
    for name in (
        "CPUUtilization",
        "MemoryUtilization",
        "RequestCount",
        "HTTPCode_Target_5XX_Count",
        "TargetResponseTime",
        "HealthyHostCount",
    ):
        assert name in metrics
    assert all(w["properties"]["region"] == "x" for w in parsed["widgets"])


def test_fix_json_byte_for_byte_with_rds_widgets() -> None:
    fixed = fix_text(FLAWED_JSON, CODES)
    assert fixed == FIXED_JSON
    body, parsed = _body(fixed)
    assert '"DBInstanceIdentifier", "${Db}"' in body
    metrics = json.dumps(parsed)
    for name in ("CPUUtilization", "DatabaseConnections", "FreeableMemory"):
        assert name in metrics


def test_silent_with_a_dashboard_or_a_single_tier() -> None:
    assert codes(fix_text(FLAWED, CODES), CODES) == []
    assert codes(FLAWED.split("  Edge:")[0], CODES) == []
