"""MF0802: a CloudWatch dashboard for the template's ECS service, load balancer and database
(spec 8.2)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fixers import cfn
from fixers.document import Document, EditError
from fixers.edits import add_resource, register_names
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.alb._common import application_lbs, forwards_in_any_branch, listeners_of

DASHBOARD = "MonitoringDashboard"

register_names(DASHBOARD)


def _unconditional(data: dict[str, Any], lid: str) -> bool:
    return cfn.condition_of(data, lid) is None


def ecs_clusters(data: dict[str, Any]) -> list[str]:
    """Clusters of the template that run an ECS service (in template order, once each)."""
    clusters: list[str] = []
    resources = cfn.resources(data)
    for _, svc in cfn.of_type(data, "AWS::ECS::Service"):
        cluster = cfn.props(svc).get("Cluster")
        target = (
            cluster.get("Ref") if isinstance(cluster, dict) and list(cluster) == ["Ref"] else None
        )
        if (
            isinstance(target, str)
            and resources.get(target, {}).get("Type") == "AWS::ECS::Cluster"
            and _unconditional(data, target)
            and target not in clusters
        ):
            clusters.append(target)
    return clusters


def load_balancers(data: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """(application load balancer, target groups its listeners forward to)."""
    out = []
    for lb_id, _ in application_lbs(data):
        if not _unconditional(data, lb_id):
            continue
        groups: list[str] = []
        for _lid, res in listeners_of(data, lb_id):
            for tg in forwards_in_any_branch(cfn.props(res).get("DefaultActions")):
                if tg not in groups and cfn.resources(data).get(tg) and _unconditional(data, tg):
                    groups.append(tg)
        out.append((lb_id, groups))
    return out


def databases(data: dict[str, Any]) -> list[tuple[str, str]]:
    """(dimension name, logical ID) of the clusters and of the instances outside a cluster."""
    out = [
        ("DBClusterIdentifier", lid)
        for lid, _ in cfn.of_type(data, "AWS::RDS::DBCluster")
        if _unconditional(data, lid)
    ]
    for lid, res in cfn.of_type(data, "AWS::RDS::DBInstance"):
        if "DBClusterIdentifier" not in cfn.props(res) and _unconditional(data, lid):
            out.append(("DBInstanceIdentifier", lid))
    return out


def _widget(title: str, metrics: list[Any], stat: str, x: int, y: int) -> dict[str, Any]:
    return {
        "type": "metric",
        "x": x,
        "y": y,
        "width": 8,
        "height": 6,
        "properties": {
            "title": title,
            "region": "${AWS::Region}",
            "stat": stat,
            "period": 300,
            "view": "timeSeries",
            "metrics": metrics,
        },
    }


def _search(metric: str, cluster: str, stat: str, label: str, ident: str) -> list[Any]:
    expression = (
        f'SEARCH(\'{{AWS/ECS,ClusterName,ServiceName}} MetricName="{metric}" '
        f"ClusterName=\"${{{cluster}}}\"', '{stat}', 300)"
    )
    return [{"expression": expression, "label": label, "id": ident}]


def widgets(data: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[list[dict[str, Any]]] = []
    for cluster in ecs_clusters(data):
        rows.append(
            [
                _widget(
                    f"ECS service CPU utilization ({cluster})",
                    [_search("CPUUtilization", cluster, "Average", "CPU", "cpu")],
                    "Average",
                    0,
                    0,
                ),
                _widget(
                    f"ECS service memory utilization ({cluster})",
                    [_search("MemoryUtilization", cluster, "Average", "Memory", "memory")],
                    "Average",
                    0,
                    0,
                ),
            ]
        )
    for lb, groups in load_balancers(data):
        dim = ["LoadBalancer", f"${{{lb}.LoadBalancerFullName}}"]
        row = [
            _widget(
                f"ALB requests and 5XX ({lb})",
                [
                    ["AWS/ApplicationELB", "RequestCount", *dim, {"label": "Requests"}],
                    [
                        "AWS/ApplicationELB",
                        "HTTPCode_Target_5XX_Count",
                        *dim,
                        {"label": "Target 5XX"},
                    ],
                    [
                        "AWS/ApplicationELB",
                        "HTTPCode_ELB_5XX_Count",
                        *dim,
                        {"label": "Load balancer 5XX"},
                    ],
                ],
                "Sum",
                0,
                0,
            ),
            _widget(
                f"ALB target response time ({lb})",
                [
                    [
                        "AWS/ApplicationELB",
                        "TargetResponseTime",
                        *dim,
                        {"stat": "p99", "label": "p99"},
                    ],
                    [
                        "AWS/ApplicationELB",
                        "TargetResponseTime",
                        *dim,
                        {"stat": "Average", "label": "Average"},
                    ],
                ],
                "Average",
                0,
                0,
            ),
        ]
        if groups:
            row.append(
                _widget(
                    f"ALB healthy hosts ({lb})",
                    [
                        [
                            "AWS/ApplicationELB",
                            "HealthyHostCount",
                            "TargetGroup",
                            f"${{{tg}.TargetGroupFullName}}",
                            *dim,
                            {"label": f"{tg} healthy"},
                        ]
                        for tg in groups
                    ]
                    + [
                        [
                            "AWS/ApplicationELB",
                            "UnHealthyHostCount",
                            "TargetGroup",
                            f"${{{tg}.TargetGroupFullName}}",
                            *dim,
                            {"label": f"{tg} unhealthy"},
                        ]
                        for tg in groups
                    ],
                    "Minimum",
                    0,
                    0,
                )
            )
        rows.append(row)
    for dim_name, lid in databases(data):
        dim = [dim_name, f"${{{lid}}}"]
        rows.append(
            [
                _widget(
                    f"RDS CPU utilization ({lid})",
                    [["AWS/RDS", "CPUUtilization", *dim]],
                    "Average",
                    0,
                    0,
                ),
                _widget(
                    f"RDS connections ({lid})",
                    [["AWS/RDS", "DatabaseConnections", *dim]],
                    "Maximum",
                    0,
                    0,
                ),
                _widget(
                    f"RDS freeable memory ({lid})",
                    [["AWS/RDS", "FreeableMemory", *dim]],
                    "Minimum",
                    0,
                    0,
                ),
            ]
        )
    out = []
    for y, row in enumerate(rows):
        for x, widget in enumerate(row):
            widget["x"], widget["y"] = 8 * x, 6 * y
            out.append(widget)
    return out


def dashboard_body(data: dict[str, Any]) -> str:
    """The dashboard JSON (with ``${...}`` for Fn::Sub) on one line.

    One line, not a block scalar: the writer does not yet place a resource inserted after a
    literal block scalar consistently (see the rule's notes)."""
    return json.dumps({"widgets": widgets(data)}, separators=(", ", ": "))


def tiers(data: dict[str, Any]) -> list[str]:
    found = []
    if ecs_clusters(data):
        found.append("ECS")
    if load_balancers(data):
        found.append("ALB")
    if databases(data):
        found.append("RDS")
    return found


class MonitoringDashboard(Rule):
    code = "MF0802"
    spec = ("8.2",)
    title = "No CloudWatch dashboard for the platform"
    area = "monitoring"
    kind = "convention"
    severity = "low"
    fix_applicability = "safe"
    deploy_impact = "none"
    why = """
        During an incident the on-call engineer needs the service's CPU and memory, the load
        balancer's traffic, errors, latency and healthy targets, and the database's CPU,
        connections and memory side by side, for this stack's resources, not a search through
        the console.
    """
    bad = """
        Resources:     # an ECS service, a load balancer and an Aurora cluster, no dashboard
    """
    good = """
        MonitoringDashboard:
          Type: AWS::CloudWatch::Dashboard
          Properties:
            DashboardName: !Sub ${AWS::StackName}-monitoring
            DashboardBody: !Sub |
              {
                "widgets": [
                  {"type": "metric", ... "metrics": [["AWS/ApplicationELB", "RequestCount", "LoadBalancer", "${ApplicationLoadBalancer.LoadBalancerFullName}"]]},
                  ...
                ]
              }
    """
    fix_safety = """
        Safe (none). The fix adds `MonitoringDashboard` (named `<stack>-monitoring`) with, per
        ECS cluster of the template, the CPU and memory utilization of its services; per
        application load balancer, requests, target and load-balancer 5XX, target response
        time (p99 and average) and healthy/unhealthy hosts of the target groups its listeners
        forward to; per Aurora cluster or standalone RDS instance, CPU, connections and
        freeable memory. The body is JSON built with `Fn::Sub`; no existing resource changes
        (a dashboard beyond the account's free three costs a few dollars a month).
    """
    notes = """
        The ECS widgets use a CloudWatch `SEARCH` on the cluster's service metrics rather than
        `${Service.Name}`: the service can be deployed conditionally (spec 5.3), and a
        dashboard that referenced it would fail whenever it is not deployed. Fires only when the
        template has at least two of the three tiers (ECS service, application load balancer,
        RDS database) with dimensions it can name, and no dashboard.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        if cfn.of_type(data, "AWS::CloudWatch::Dashboard"):
            return
        found = tiers(data)
        if len(found) < 2:
            return
        yield self.finding(
            ("Resources",),
            f"No CloudWatch dashboard shows the template's {', '.join(found)} metrics.",
            Fix(
                title=f"Add {DASHBOARD} with {', '.join(found)} widgets",
                impact="none",
                impact_detail="a new dashboard; no existing resource changes",
            ),
        )

    def apply(self, doc: Document) -> None:
        if doc.exists(("Resources", DASHBOARD)):
            raise EditError(f"{DASHBOARD} exists already")
        add_resource(
            doc,
            DASHBOARD,
            {
                "Type": "AWS::CloudWatch::Dashboard",
                "Properties": {
                    "DashboardName": {"Fn::Sub": "${AWS::StackName}-monitoring"},
                    "DashboardBody": {"Fn::Sub": dashboard_body(doc.data)},
                },
            },
        )
