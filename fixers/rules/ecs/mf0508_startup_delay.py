"""MF0508: the application container gets STARTUP_DELAY_SECONDS (spec 5.8)."""

from __future__ import annotations

from collections.abc import Iterator

from fixers.document import Document
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.ecs import common

VARIABLE = "STARTUP_DELAY_SECONDS"
VALUE = "30"


class StartupDelay(Rule):
    code = "MF0508"
    spec = ("5.8",)
    title = "Container environment lacks STARTUP_DELAY_SECONDS"
    area = "ecs"
    kind = "convention"
    severity = "low"
    fix_applicability = "safe"
    deploy_impact = "revision"
    why = """
        The transaction processor connects to Aurora, Secrets Manager and its peers at start-up.
        `STARTUP_DELAY_SECONDS` tells it how long to wait for its dependencies before it reports
        failure, so that a task started while the database fails over or an endpoint warms up
        does not crash-loop. The spec sets it to 30 seconds.
    """
    bad = """
        Environment:
          - Name: ENVIRONMENT
            Value: !Ref Environment
    """
    good = """
        Environment:
          - Name: ENVIRONMENT
            Value: !Ref Environment
          - Name: STARTUP_DELAY_SECONDS
            Value: '30'
    """
    fix_safety = """
        Safe (update): one more environment variable, so a new task definition revision that the
        service rolls out as a normal deployment. An application that does not read the variable
        ignores it.
    """
    notes = """
        The variable is an application convention of the analysed platform, not a gap of any
        container: AWS and ECS give it no meaning, and only an application that reads it does
        anything with it. Hence kind `convention`, severity low. Premise: an essential,
        load-balanced container (the application) that already has an `Environment` list; silent
        when the variable is there with any value.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for c in common.containers(data):
            env = c.definition.get("Environment")
            if (
                not common.essential(data, c)
                or not isinstance(env, list)
                or common.balanced_entry(data, c) is None
            ):
                continue
            if any(isinstance(e, dict) and e.get("Name") == VARIABLE for e in env):
                continue
            yield self.finding(
                c.path + ("Environment",),
                f"Container {c.label} of {c.task} has no {VARIABLE} in its environment (the platform's "
                f"convention: {VALUE} s for its application to wait for its dependencies).",
                Fix(
                    title=f"Add {VARIABLE}={VALUE} to {c.label}'s environment",
                    action="add_list_item",
                    args=((*c.path, "Environment"), {"Name": VARIABLE, "Value": VALUE}),
                    impact="revision",
                    impact_detail="new task definition revision, rolled out by a service deployment",
                ),
            )
