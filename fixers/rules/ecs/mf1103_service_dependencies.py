"""MF1103: the service waits for its VPC endpoints and the database writer (spec 11.3)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from fixers import cfn, topology, values
from fixers.document import Document
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.ecs import common

ENDPOINT_SERVICE = re.compile(r"\.(ecr\.api|ecr\.dkr|logs|secretsmanager)$")


def interface_endpoints(data: dict[str, Any], vpc: str | None) -> list[str]:
    """Interface endpoints for ECR (api, dkr), CloudWatch Logs and Secrets Manager in the VPC."""
    found = []
    for eid, ep in cfn.of_type(data, "AWS::EC2::VPCEndpoint"):
        p = cfn.props(ep)
        if values.literal(data, p.get("VpcEndpointType")) != "Interface":
            continue
        if not any(ENDPOINT_SERVICE.search(t) for t in values.patterns(data, p.get("ServiceName"))):
            continue
        ep_vpc = cfn.ref_target(p.get("VpcId"))
        if vpc and ep_vpc and ep_vpc != vpc:
            continue
        found.append(eid)
    return found


def clusters_read(data: dict[str, Any], task: str | None) -> list[str]:
    """The DB clusters a task reads: referred to by its containers' environment and secrets,
    directly or through a secret attached to the cluster."""
    res = cfn.resources(data)
    if task is None:
        return []
    names: set[str] = set()
    for d in cfn.list_of(cfn.props(res[task]).get("ContainerDefinitions")):
        if isinstance(d, dict):
            names |= cfn.refs([d.get("Environment"), d.get("Secrets")])
    clusters = [n for n in names if res.get(n, {}).get("Type") == "AWS::RDS::DBCluster"]
    for _, att in cfn.of_type(data, "AWS::SecretsManager::SecretTargetAttachment"):
        p = cfn.props(att)
        target = cfn.ref_target(p.get("TargetId"))
        if (
            cfn.ref_target(p.get("SecretId")) in names
            and res.get(target or "", {}).get("Type") == "AWS::RDS::DBCluster"
        ):
            clusters.append(target)  # type: ignore[arg-type]
    order = list(res)
    return sorted(set(clusters), key=order.index)


def writer_instance(data: dict[str, Any], cluster: str) -> str | None:
    """The cluster's primary instance: the one its other instances wait for, else the lowest
    promotion tier, else the first."""
    members = [
        iid
        for iid, inst in cfn.of_type(data, "AWS::RDS::DBInstance")
        if cfn.ref_target(cfn.props(inst).get("DBClusterIdentifier")) == cluster
    ]
    if not members:
        return None
    res = cfn.resources(data)
    waited = [m for m in members if any(m in cfn.depends_on(res[o]) for o in members if o != m)]
    if waited:
        return waited[0]
    tiers = {m: common.number(data, cfn.props(res[m]).get("PromotionTier")) for m in members}
    known = [m for m in members if tiers[m] is not None]
    if known:
        return min(known, key=lambda m: tiers[m])  # type: ignore[arg-type,return-value]
    return members[0]


def required(data: dict[str, Any], sid: str, svc: dict[str, Any]) -> list[str]:
    subnets = topology.subnet_ids(
        ((cfn.props(svc).get("NetworkConfiguration") or {}).get("AwsvpcConfiguration") or {}).get(
            "Subnets"
        )
    )
    vpc = topology.vpc_of_subnets(data, subnets) if subnets else None
    wanted = interface_endpoints(data, vpc)
    clusters = clusters_read(data, common.task_of(data, svc))
    if not clusters:
        aurora = [
            cid
            for cid, c in cfn.of_type(data, "AWS::RDS::DBCluster")
            if any(t.startswith("aurora") for t in values.texts(data, cfn.props(c).get("Engine")))
        ]
        clusters = aurora if len(aurora) == 1 else []
    for cluster in clusters:
        writer = writer_instance(data, cluster)
        if writer:
            wanted.append(writer)
    mine = cfn.condition_of(data, sid)
    # Depending on a resource that another condition may leave out fails the stack.
    return [w for w in wanted if cfn.condition_of(data, w) in (None, mine)]


class ServiceDependencies(Rule):
    code = "MF1103"
    spec = ("11.3",)
    title = "ECS service does not wait for its VPC endpoints and database writer"
    area = "ecs"
    kind = "hardening"
    severity = "low"
    fix_applicability = "safe"
    deploy_impact = "none"
    why = """
        The service's first tasks start as soon as the service resource is created. Nothing in
        the task refers to the interface VPC endpoints, and the task's `GetAtt` on the cluster
        waits for the cluster but not for its writer instance: tasks then start before they can
        pull the image (ECR api and dkr), write logs, read their secrets through the endpoints,
        or reach a database that accepts connections. They fail, and on a new stack the
        deployment may be marked failed. Explicit `DependsOn` orders the creation.
    """
    bad = """
        ECSService:
          Type: AWS::ECS::Service
          DependsOn: ALBListener
    """
    good = """
        ECSService:
          Type: AWS::ECS::Service
          DependsOn:
            - ALBListener
            - AuroraPrimaryInstance
            - CloudWatchLogsVPCEndpoint
            - ECRApiVPCEndpoint
            - ECRDkrVPCEndpoint
            - SecretsManagerVPCEndpoint
    """
    fix_safety = """
        Safe (none): `DependsOn` changes only the order of creation and deletion; no deployed
        resource is updated.
    """
    notes = """
        Premise: the template itself creates the interface endpoints or the database writer in
        the service's VPC and the service does not wait for them (creation order is a property
        of this stack only). Kind `hardening`, severity low: the first tasks of a new stack may
        fail and be replaced, nothing is lost. Values (endpoint type and service name, engine,
        promotion tier) are read through `fixers.values`, so a `Fn::Join` or `Fn::Sub` service
        name and a tier from a parameter count.

        Endpoints are found by type (`AWS::EC2::VPCEndpoint`, `Interface`) and service name
        (`ecr.api`, `ecr.dkr`, `logs`, `secretsmanager`) in the service's VPC; the database is the
        cluster the task's environment or secrets refer to (directly or through a secret attached
        to it), else the template's only Aurora cluster, and its writer is the instance the
        others wait for, else the lowest promotion tier. Anything the service already waits for,
        directly or through another dependency, is not added again, nor is a resource under a
        condition the service does not share. Endpoints in another stack cannot be seen.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for sid, svc in common.services(data):
            closure = common.dependency_closure(data, sid)
            for target in required(data, sid, svc):
                if target in closure:
                    continue
                kind = cfn.resources(data)[target].get("Type")
                yield self.finding(
                    ("Resources", sid, "DependsOn", target),
                    f"ECS service {sid} does not wait for {target} ({kind}): its first tasks can start before it is ready.",
                    Fix(
                        title=f"Add {target} to {sid}'s DependsOn",
                        action="add_depends_on",
                        args=(sid, target),
                        impact="none",
                        impact_detail="creation order only; no resource is updated",
                    ),
                    resource=sid,
                )
