"""MF0504: the service's scaling capacity differs between production and other environments (spec 5.4)."""

from __future__ import annotations

from collections.abc import Iterator

from fixers import cfn
from fixers.document import Document
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.ecs import common

CAPACITY = {"MinCapacity": (3, 2), "MaxCapacity": (20, 10)}


class ScalingCapacity(Rule):
    code = "MF0504"
    spec = ("5.4",)
    title = "ECS service scaling capacity is hard-coded for every environment"
    area = "ecs"
    kind = "convention"
    severity = "low"
    fix_applicability = "unsafe"
    deploy_impact = "update"
    why = """
        One literal minimum and maximum for every environment either pays for production capacity
        in development or caps production too low for peak transaction load. The spec sizes the
        service by environment: at least 3 tasks (one per Availability Zone) and up to 20 in
        production, 2 to 10 elsewhere.
    """
    bad = """
        ServiceScalableTarget:
          Type: AWS::ApplicationAutoScaling::ScalableTarget
          Properties:
            MinCapacity: 3
            MaxCapacity: 10
    """
    good = """
        ServiceScalableTarget:
          Type: AWS::ApplicationAutoScaling::ScalableTarget
          Properties:
            MinCapacity: !If [IsProduction, 3, 2]
            MaxCapacity: !If [IsProduction, 20, 10]
    """
    fix_safety = """
        Safe (update): Application Auto Scaling updates the target's limits in place; running
        tasks are adjusted within the new range. The fix reuses the template's production
        condition whatever its name; when the template has none, it adds an `Environment`
        parameter (default `development`) and `IsProduction`, so a deployed production stack
        without that parameter would get the non-production range: that case is marked unsafe.
    """
    notes = """
        Premise: the template writes one number for every environment. A value from a
        parameter, a mapping or an `Fn::If` is environment-specific already and is not reported.
        The numbers (3-20 in production, 2-10 elsewhere) are the platform's convention, not an
        AWS requirement: kind `convention`, severity low.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        has_condition = cfn.production_condition(data, doc.settings) is not None
        for sid, _ in common.services(data):
            for tid in common.scalable_targets_of(data, sid):
                p = cfn.props(cfn.resources(data)[tid])
                for prop, (prod, other) in CAPACITY.items():
                    value = common.written_number(p.get(prop))
                    if value is None:
                        continue
                    yield self.finding(
                        ("Resources", tid, "Properties", prop),
                        f"{prop} of {tid} (ECS service {sid}) is {value} in every environment; "
                        f"the platform's convention is {prod} in production and {other} elsewhere.",
                        Fix(
                            title=f"Set {prop} to {prod} in production, {other} elsewhere",
                            action="wrap_if_production",
                            args=(("Resources", tid, "Properties", prop), prod, other),
                            impact="update",
                            impact_detail="scalable target limits updated in place"
                            + (
                                ""
                                if has_condition
                                else "; adds an Environment parameter defaulting to development, so an existing "
                                "production stack gets the non-production range unless it passes Environment=production"
                            ),
                            applicability="safe" if has_condition else "unsafe",
                        ),
                    )
