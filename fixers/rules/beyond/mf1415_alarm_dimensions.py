"""MF1415: a CloudWatch alarm watches a metric that does not exist (a dimension the namespace
does not publish, or a dimension value wired to the wrong attribute or resource)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from fixers import cfn, values
from fixers.document import Document
from fixers.model import Finding, Fix
from fixers.rules import Rule

ALARM = "AWS::CloudWatch::Alarm"
LOAD_BALANCER = "AWS::ElasticLoadBalancingV2::LoadBalancer"
TARGET_GROUP = "AWS::ElasticLoadBalancingV2::TargetGroup"
REF = None
"""The value a dimension wants is the resource's ``Ref``."""

DIMENSIONS: dict[str, tuple[str, ...]] = {
    "AWS/ApplicationELB": ("AvailabilityZone", "LoadBalancer", "TargetGroup"),
    "AWS/NetworkELB": ("AvailabilityZone", "LoadBalancer", "TargetGroup"),
    "AWS/ECS": ("ClusterName", "ServiceName", "DiscoveryName", "TargetDiscoveryName"),
    "AWS/RDS": (
        "DBInstanceIdentifier",
        "DBClusterIdentifier",
        "DatabaseClass",
        "EngineName",
        "Role",
        "SourceRegion",
        "ProxyName",
        "EndpointName",
        "Target",
        "TargetGroup",
        "TargetRole",
    ),
    "AWS/Lambda": ("FunctionName", "Resource", "ExecutedVersion", "EventSourceMappingUUID"),
    "AWS/SQS": ("QueueName",),
}
"""The dimension names each namespace publishes (AWS documentation: "CloudWatch metrics for
your Application Load Balancer" / "... Network Load Balancer", "Amazon ECS CloudWatch metrics"
with Service Connect, "Amazon CloudWatch dimensions for Amazon RDS" with "Monitoring RDS Proxy
metrics", "Types of metrics for Lambda functions", "Available CloudWatch metrics for Amazon
SQS")."""

WIRING: dict[tuple[str, str], tuple[str, str | None, str]] = {
    ("AWS/ApplicationELB", "LoadBalancer"): (
        LOAD_BALANCER,
        "LoadBalancerFullName",
        "the load balancer's full name (app/<name>/<id>)",
    ),
    ("AWS/NetworkELB", "LoadBalancer"): (
        LOAD_BALANCER,
        "LoadBalancerFullName",
        "the load balancer's full name (net/<name>/<id>)",
    ),
    ("AWS/ApplicationELB", "TargetGroup"): (
        TARGET_GROUP,
        "TargetGroupFullName",
        "the target group's full name (targetgroup/<name>/<id>)",
    ),
    ("AWS/NetworkELB", "TargetGroup"): (
        TARGET_GROUP,
        "TargetGroupFullName",
        "the target group's full name (targetgroup/<name>/<id>)",
    ),
    ("AWS/ECS", "ClusterName"): ("AWS::ECS::Cluster", REF, "the cluster's name (its Ref)"),
    ("AWS/ECS", "ServiceName"): ("AWS::ECS::Service", "Name", "the service's name"),
    ("AWS/RDS", "DBInstanceIdentifier"): (
        "AWS::RDS::DBInstance",
        REF,
        "the DB instance identifier (its Ref)",
    ),
    ("AWS/RDS", "DBClusterIdentifier"): (
        "AWS::RDS::DBCluster",
        REF,
        "the DB cluster identifier (its Ref)",
    ),
    ("AWS/Lambda", "FunctionName"): ("AWS::Lambda::Function", REF, "the function's name"),
    ("AWS/SQS", "QueueName"): ("AWS::SQS::Queue", "QueueName", "the queue's name"),
}
"""What a dimension's value must be: (the resource type it names, the attribute that gives the
value CloudWatch publishes, or REF for the resource's Ref, and what that value is)."""

KNOWN_TYPES = {wanted for wanted, _, _ in WIRING.values()}
"""A dimension wired to a resource of one of these types and not the one it names is wrong; a
resource of any other type (a custom resource, a nested stack's output) may return anything."""

REF_GIVES = {
    LOAD_BALANCER: "its ARN",
    TARGET_GROUP: "its ARN",
    "AWS::ECS::Service": "its ARN",
    "AWS::SQS::Queue": "its URL",
}
_WHOLE = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.([A-Za-z0-9.]+))?\}")


def _reference(data: dict[str, Any], value: Any) -> tuple[str, str | None] | None:
    """The resource and attribute (None for its Ref) a value is exactly: ``Ref X``,
    ``Fn::GetAtt [X, Attr]``, or a ``Fn::Sub`` whose whole text is ``${X}`` or ``${X.Attr}``."""
    target = cfn.ref_target(value)
    if target is not None and isinstance(value, dict):
        if "Ref" in value:
            return (target, REF) if target in cfn.resources(data) else None
        arg = value["Fn::GetAtt"]
        attr = arg[1] if isinstance(arg, list) and len(arg) > 1 else str(arg).partition(".")[2]
        return (target, attr) if isinstance(attr, str) and attr else None
    if isinstance(value, dict) and len(value) == 1 and "Fn::Sub" in value:
        parsed = values.sub_parts(value["Fn::Sub"])
        m = _WHOLE.fullmatch(parsed[0]) if parsed else None
        if (
            m
            and parsed is not None
            and m.group(1) not in parsed[1]
            and m.group(1) in cfn.resources(data)
        ):
            return m.group(1), m.group(2) or REF
    return None


def _form(target: str, attr: str | None) -> str:
    return f"!Ref {target}" if attr is REF else f"!GetAtt {target}.{attr}"


def _expr(target: str, attr: str | None) -> dict[str, Any]:
    return {"Ref": target} if attr is REF else {"Fn::GetAtt": [target, attr]}


def _dimensions(data: dict[str, Any], props: dict[str, Any]) -> Iterator[tuple[tuple, Any, Any]]:
    """Each dimension an alarm can have: its path (from ``Dimensions``, through any
    ``Fn::If``), its name and its value as written."""
    for list_path, dims, _ in values.branches(props.get("Dimensions"), data=data):
        if not isinstance(dims, list):
            continue
        for i, item in enumerate(dims):
            for item_path, dim, _ in values.branches(item, data=data):
                if isinstance(dim, dict):
                    yield (*list_path, i, *item_path), dim.get("Name"), dim.get("Value")


def _consequence(data: dict[str, Any], props: dict[str, Any]) -> str:
    """What an alarm that never receives data does, given its ``TreatMissingData``."""
    actions = sorted(cfn.refs(props.get("AlarmActions")))
    named = f" ({', '.join(actions)})" if actions else ""
    treat = values.literal(data, props.get("TreatMissingData"))
    if treat == "breaching":
        return (
            "the alarm never receives data and, treating missing data as breaching, goes to "
            f"ALARM whatever happens, running its actions{named} without cause."
        )
    state = "OK" if treat == "notBreaching" else "INSUFFICIENT_DATA"
    return f"the alarm never receives data and stays {state} whatever happens" + (
        f", so its actions{named} never run." if actions else "."
    )


class AlarmDimensions(Rule):
    code = "MF1415"
    spec = ()
    title = "Alarm watches a metric that does not exist"
    area = "monitoring"
    kind = "defect"
    severity = "medium"
    fix_applicability = "safe"
    deploy_impact = "update"
    why = """
        A CloudWatch alarm on `Namespace`/`MetricName`/`Dimensions` matches a metric only when
        every dimension name and value is exactly one the service publishes. A dimension the
        namespace does not have (`ECSService` in `AWS/ApplicationELB`), or a value wired to the
        wrong attribute (`LoadBalancer: !Ref ALB` is the load balancer's ARN, while Elastic Load
        Balancing publishes `app/<name>/<id>`, the `LoadBalancerFullName` attribute; `!Ref` of an
        ECS service is its ARN, while `ServiceName` is its name; `!Ref` of a queue is its URL),
        deploys without an error and never receives a data point: the alarm stays
        `INSUFFICIENT_DATA` (or the state `TreatMissingData` gives it) whatever the service does,
        so the scaling policy or notification it exists for never happens.
    """
    bad = """
        ServiceErrorsAlarm:
          Type: AWS::CloudWatch::Alarm
          Properties:
            Namespace: AWS/ApplicationELB
            MetricName: HTTPCode_ELB_5XX_Count
            Dimensions:
              - Name: LoadBalancer
                Value: !Ref LoadBalancer          # the ARN: no metric has it
    """
    good = """
        ServiceErrorsAlarm:
          Type: AWS::CloudWatch::Alarm
          Properties:
            Namespace: AWS/ApplicationELB
            MetricName: HTTPCode_ELB_5XX_Count
            Dimensions:
              - Name: LoadBalancer
                Value: !GetAtt LoadBalancer.LoadBalancerFullName
    """
    fix_safety = """
        Safe (update, no interruption) for a value wired to the wrong attribute of the right
        resource: the fix writes the attribute the dimension takes (`LoadBalancerFullName`,
        `TargetGroupFullName`, an ECS service's `Name`, a queue's `QueueName`, or the `Ref` of a
        cluster, DB instance, DB cluster or function). The alarm starts receiving data, which is
        what the finding names: review its threshold, since its actions (scaling, paging) can
        now run. A dimension name the namespace does not publish, or a value naming a resource
        of the wrong kind, has no automatic fix: which metric the author meant is theirs to say.
    """
    notes = """
        Premise: an `AWS::CloudWatch::Alarm` with `Namespace`, `MetricName` and `Dimensions` (not
        `Metrics` math) in one of the namespaces of a small table taken from AWS's metric
        documentation: `AWS/ApplicationELB` and `AWS/NetworkELB` (AvailabilityZone,
        LoadBalancer, TargetGroup), `AWS/ECS` (ClusterName, ServiceName, and Service Connect's
        DiscoveryName, TargetDiscoveryName), `AWS/RDS` (DBInstanceIdentifier,
        DBClusterIdentifier, DatabaseClass, EngineName, Role, SourceRegion, and RDS Proxy's
        ProxyName, EndpointName, Target, TargetGroup, TargetRole), `AWS/Lambda` (FunctionName,
        Resource, ExecutedVersion, EventSourceMappingUUID) and `AWS/SQS` (QueueName). Other
        namespaces (custom ones, Container Insights, every other service) are not read. A
        dimension value is judged only when it is exactly a `Ref`, `Fn::GetAtt` or whole
        `${X}`/`${X.Attr}` of a resource of the template, or a literal ARN: values from
        parameters, imports, custom resources, nested stacks or computed with `Fn::Split` are
        not reported. Not reported either: whether the metric name exists in the namespace, and
        whether the combination of dimensions is one the namespace publishes (for instance an
        ECS `ServiceName` without `ClusterName`), which depend on the metric.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for lid, res in cfn.of_type(data, ALARM):
            props = cfn.props(res)
            if "Metrics" in props or "Dimensions" not in props:
                continue
            namespace = values.literal(data, props.get("Namespace"))
            if not isinstance(namespace, str) or namespace not in DIMENSIONS:
                continue
            metric = values.literal(data, props.get("MetricName"))
            watches = f"{metric} in {namespace}" if isinstance(metric, str) else namespace
            consequence = _consequence(data, props)
            base = ("Resources", lid, "Properties", "Dimensions")
            for sub, name_expr, value_expr in _dimensions(data, props):
                names = values.texts(data, name_expr)
                if not names:
                    continue
                unknown = [n for n in names if n not in DIMENSIONS[namespace]]
                if len(unknown) == len(names):
                    yield self.finding(
                        (*base, *sub, "Name"),
                        f"Alarm {lid} watches {watches} by dimension {' or '.join(unknown)}, "
                        f"which {namespace} does not publish (its dimensions: "
                        f"{', '.join(DIMENSIONS[namespace])}): {consequence}",
                    )
                    continue
                for name in names:
                    wiring = WIRING.get((namespace, name))
                    if wiring is not None:
                        yield from self._wiring(
                            data,
                            lid,
                            watches,
                            name,
                            wiring,
                            (*base, *sub, "Value"),
                            value_expr,
                            consequence,
                        )

    def _wiring(
        self,
        data: dict[str, Any],
        lid: str,
        watches: str,
        name: str,
        wiring: tuple[str, str | None, str],
        path: tuple[Any, ...],
        value_expr: Any,
        consequence: str,
    ) -> Iterator[Finding]:
        wanted_type, wanted_attr, meaning = wiring
        resources = cfn.resources(data)
        for sub, value, when in values.branches(value_expr, data=data):
            cond = f" {values.when_text(when)}" if when else ""
            where = (*path, *sub)
            ref = _reference(data, value)
            if ref is None:
                arns = [
                    o
                    for o in values.options(data, value, when, defaults_only=True)
                    if o.known and isinstance(o.value, str) and o.value.startswith("arn:")
                ]
                if arns:
                    source = "" if arns[0].source == "literal" else f" ({arns[0].source})"
                    yield self.finding(
                        where,
                        f"Alarm {lid} watches {watches} with {name} set to an ARN{source}{cond}, "
                        f"while the dimension is {meaning}: {consequence}",
                    )
                continue
            target, attr = ref
            kind = resources.get(target, {}).get("Type")
            if kind == wanted_type:
                if attr == wanted_attr:
                    continue
                gives = (
                    REF_GIVES.get(kind, "not the dimension's value")
                    if attr is REF
                    else f"its {attr}"
                )
                yield self.finding(
                    where,
                    f"Alarm {lid} watches {watches} with {name}: {_form(target, attr)}"
                    f"{cond}, which gives {gives}, while the dimension is {meaning} "
                    f"({_form(target, wanted_attr)}): {consequence}",
                    Fix(
                        f"Set the {name} dimension of {lid} to {_form(target, wanted_attr)}",
                        action="set_value",
                        args=(where, _expr(target, wanted_attr)),
                        impact="update",
                        impact_detail=(
                            "the alarm is updated in place and starts receiving the metric: "
                            "its actions can now run"
                        ),
                    ),
                )
            elif kind in KNOWN_TYPES:
                yield self.finding(
                    where,
                    f"Alarm {lid} watches {watches} with {name}: {_form(target, attr)}{cond}, "
                    f"a {kind}, while the dimension is {meaning} of an {wanted_type}: "
                    f"{consequence}",
                )
