"""MF0301: instance parameter sizing differs between production and non-production (spec 3.1, 10.2)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn, values
from fixers.document import Document, EditError
from fixers.edits import wrap_if_production
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.database.common import allowed_classes, class_memory_gib, is_aurora_pg_family

GIB = 1024**3
STATIC = {"max_connections", "shared_buffers"}

# parameter: (unit in bytes, production fallback formula, non-production value, largest valid
# share of the smallest allowed instance's memory for the template's own production literal)
SIZING: dict[str, tuple[int, str, str, float]] = {
    "max_connections": (0, "LEAST({DBInstanceClassMemory/9531392},5000)", "200", 0.0),
    "shared_buffers": (
        8192,
        "SUM({DBInstanceClassMemory/12038},-50003)",
        "{DBInstanceClassMemory/32768}",
        0.75,
    ),
    "effective_cache_size": (
        8192,
        "SUM({DBInstanceClassMemory/12038},-50003)",
        "{DBInstanceClassMemory/16384}",
        1.0,
    ),
    "work_mem": (1024, "{DBInstanceClassMemory/1048576}", "4096", 1 / 256),
    "maintenance_work_mem": (
        1024,
        "GREATEST({DBInstanceClassMemory/63963136*1024},65536)",
        "65536",
        1 / 8,
    ),
    "autovacuum_work_mem": (
        1024,
        "GREATEST({DBInstanceClassMemory/63963136*1024},65536)",
        "65536",
        1 / 8,
    ),
}


def plan(data: dict[str, Any], group_id: str) -> dict[str, tuple[str, str]]:
    """(production, non-production) values for each literal sizing parameter of a group."""
    res = cfn.resources(data)
    group = res.get(group_id) or {}
    params = cfn.props(group).get("Parameters")
    if not isinstance(params, dict):
        return {}
    memories: list[int] = []
    known = True
    users = _instances_using(data, group_id)
    for _, inst in users:
        classes = allowed_classes(data, cfn.props(inst).get("DBInstanceClass"))
        if not classes:
            known = False
            continue
        for c in classes:
            gib = class_memory_gib(c)
            if gib is None:
                known = False
            else:
                memories.append(gib * GIB)
    smallest = min(memories) if memories and known else None
    out: dict[str, tuple[str, str]] = {}
    for name, (unit, formula, default_nonprod, share) in SIZING.items():
        if name not in params:
            continue
        nonprod = default_nonprod
        value = values.as_int(params[name])
        if value is None or value < 0:
            continue  # a formula, an intrinsic, a mapping value or -1 (engine default): not a literal size
        if name == "max_connections":
            limit = min(smallest // 9531392, 5000) if smallest else None
            prod = str(value) if limit is not None and value <= limit else formula
            nonprod = "200" if value > 200 else str(max(value // 2, 20))
        else:
            prod = (
                str(value) if smallest is not None and value * unit <= smallest * share else formula
            )
            if values.as_int(nonprod) is not None and value <= int(nonprod):
                nonprod = str(value)
        if prod == nonprod:
            continue
        out[name] = (prod, nonprod)
    return out


def _instances_using(data: dict[str, Any], group_id: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (lid, inst)
        for lid, inst in cfn.of_type(data, "AWS::RDS::DBInstance")
        if cfn.ref_target(cfn.props(inst).get("DBParameterGroupName")) == group_id
    ]


class ParameterSizing(Rule):
    code = "MF0301"
    spec = ("3.1", "10.2")
    title = "Database instance parameters are hard-coded for every environment"
    area = "database"
    kind = "convention"
    severity = "low"
    fix_applicability = "unsafe"
    deploy_impact = "reboot"
    why = """
        The Aurora PostgreSQL instance parameter group sets `max_connections`, `shared_buffers`,
        `effective_cache_size`, `work_mem` and `maintenance_work_mem` to literals that every
        environment gets: production cannot be sized for the transaction volume without
        over-sizing development, and literals tuned for one instance class are wrong on the
        others the template allows. The sample's `shared_buffers: '2097152'` (16 GiB in 8 KB
        pages) is all the memory of a db.r6g.large, one of its allowed classes, and its
        `effective_cache_size` (48 GiB) is three times it: the instance cannot start with such
        a buffer cache, and the planner is told of cache that does not exist.

        The fix sizes each parameter through the production condition (`IsProduction`, or the
        template's own condition testing the environment for production):

        - production keeps the template's literal where it is valid on the smallest instance
          class the template allows (read from the `DBInstanceClass` parameter's AllowedValues,
          else its Default): it is the author's tuning for the expected volume. Where it is not
          valid, or the class cannot be read, production gets the formula on
          `{DBInstanceClassMemory}` AWS itself uses as the Aurora PostgreSQL default, which is
          right on every class because it scales with it:
          `max_connections` `LEAST({DBInstanceClassMemory/9531392},5000)`; `shared_buffers` and
          `effective_cache_size` `SUM({DBInstanceClassMemory/12038},-50003)` (8 KB pages, about
          two thirds of memory: Aurora storage does not go through the operating system's page
          cache, so the buffer cache, not a quarter as on self-managed PostgreSQL, is the cache);
          `work_mem` `{DBInstanceClassMemory/1048576}` (KB: 16 MiB on 16 GiB);
          `maintenance_work_mem` `GREATEST({DBInstanceClassMemory/63963136*1024},65536)`.
          Valid here means: `shared_buffers` at most 75 % of memory, `effective_cache_size` at most
          memory, `work_mem` at most 1/256 of memory, `maintenance_work_mem` at most 1/8,
          `max_connections` at most the AWS default for that class.
        - non-production gets smaller values: `max_connections` 200 (or half the literal when
          it is lower), `shared_buffers` `{DBInstanceClassMemory/32768}` (a quarter of memory,
          the upstream PostgreSQL guidance, leaving room for connections on small classes),
          `effective_cache_size` `{DBInstanceClassMemory/16384}` (half), `work_mem` 4096 and
          `maintenance_work_mem` 65536 (the PostgreSQL defaults, 4 MiB and 64 MiB) or the
          literal when it is already lower.

        Formulas rather than fixed production numbers are the better answer for a template whose
        instance class is a parameter: a formula is right on every class, a number only on one.
    """
    bad = """
        DBParameterGroup:
          Type: AWS::RDS::DBParameterGroup
          Properties:
            Family: aurora-postgresql15
            Parameters:
              max_connections: '1000'
              shared_buffers: '2097152'      # 16 GiB: all the memory of a db.r6g.large
    """
    good = """
        DBParameterGroup:
          Type: AWS::RDS::DBParameterGroup
          Properties:
            Family: aurora-postgresql15
            Parameters:
              max_connections: !If [IsProduction, '1000', '200']
              shared_buffers: !If [IsProduction, 'SUM({DBInstanceClassMemory/12038},-50003)', '{DBInstanceClassMemory/32768}']
    """
    fix_safety = """
        Unsafe (reboot). `max_connections` and `shared_buffers` are static parameters: RDS
        applies the new values only when each instance reboots (the instances show
        `pending-reboot` until then), and a reboot interrupts connections. Schedule the reboot,
        reader first, then the writer (a failover). `effective_cache_size`, `work_mem` and
        `maintenance_work_mem` are dynamic and apply without a reboot. The production condition
        (and an `Environment` parameter defaulting to development) is added when the template
        has none.
    """
    notes = """
        Premise: the platform's convention that sizing differs between production and other
        environments (`convention`, low). The parameter group's family is read through
        fixers.values (a literal, a parameter, `Fn::FindInMap`, `Fn::If`), and so are the
        instance classes the template allows.

        Silent where a sizing parameter is already a formula on `{DBInstanceClassMemory}`, a
        `Fn::If`, a `Ref` or a mapping value: sized another way. Only parameter groups of the
        aurora-postgresql family that an instance uses are read.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for group_id, group in cfn.of_type(data, "AWS::RDS::DBParameterGroup"):
            if not is_aurora_pg_family(data, group) or not _instances_using(data, group_id):
                continue
            sizes = plan(data, group_id)
            if not sizes:
                continue
            static = sorted(STATIC & set(sizes))
            impact = "reboot" if static else "update"
            detail = (
                f"{' and '.join(static)} {'are' if len(static) > 1 else 'is'} static: the instances apply the new value at their next reboot"
                if static
                else "dynamic parameters: applied without a reboot"
            )
            yield self.finding(
                ("Resources", group_id, "Properties", "Parameters"),
                f"Parameter group {group_id} hard-codes {', '.join(sizes)} for every environment; "
                "size them for production and non-production.",
                Fix(
                    title=f"Size {', '.join(sizes)} by environment with the production condition",
                    args=(group_id,),
                    impact=impact,
                    impact_detail=detail,
                ),
            )

    @staticmethod
    def apply(doc: Document, group_id: str) -> None:
        sizes = plan(doc.data, group_id)
        if not sizes:
            raise EditError("no literal sizing parameter left to size")
        for name, (prod, nonprod) in sizes.items():
            wrap_if_production(
                doc, ("Resources", group_id, "Properties", "Parameters", name), prod, nonprod
            )
