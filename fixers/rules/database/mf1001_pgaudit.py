"""MF1001: the Aurora PostgreSQL cluster parameter group loads and configures pgaudit (spec 10.1)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from fixers import cfn, values
from fixers.document import Document, EditError
from fixers.edits import add_resource, register_name_pattern, set_property, set_value, unique_id
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.database.common import (
    cluster_instances,
    engines,
    is_aurora_pg_family,
    serverless_v1,
)

GROUP = "DBClusterParameterGroup"
GROUP_TYPE = "AWS::RDS::DBClusterParameterGroup"
register_name_pattern(GROUP + r"\d*")

LIBRARIES = ("pg_stat_statements", "pgaudit")
AUDIT = {
    "pgaudit.log": "ddl,role,write",
    "pgaudit.log_catalog": "0",
    "pgaudit.log_level": "log",
    "pgaudit.log_parameter": "0",
    "pgaudit.log_relation": "1",
    "pgaudit.log_statement_once": "0",
}
CONFIGURED_BY = ("pgaudit.log", "pgaudit.role")
"""Either makes pgaudit write records: session classes, or object auditing through a role."""


def _libraries(value: Any) -> list[str] | None:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return None  # an intrinsic: cannot see


def _groups_named(data: dict[str, Any], expr: Any, kind: str) -> list[tuple[str, Any]]:
    """The template's parameter groups of type ``kind`` an expression names (each branch of an
    ``Fn::If`` whose conditions can hold together), each with its conditions."""
    res = cfn.resources(data)
    out = []
    for _, value, when in values.branches(expr, frozenset(), data):
        target = cfn.ref_target(value)
        if target and res.get(target, {}).get("Type") == kind:
            out.append((target, when))
    return out


def _clusters_using(data: dict[str, Any], group_id: str) -> list[tuple[str, Any]]:
    """The clusters that use a cluster parameter group (in some branch), with the conditions
    under which they do. Aurora Serverless v1 clusters are left out: they take only the
    parameters AWS marks for the ``serverless`` engine mode, and pgaudit is not one."""
    out = []
    for lid, cluster in cfn.of_type(data, "AWS::RDS::DBCluster"):
        if serverless_v1(data, cluster):
            continue
        for target, when in _groups_named(
            data, cfn.props(cluster).get("DBClusterParameterGroupName"), GROUP_TYPE
        ):
            if target == group_id:
                out.append((lid, when))
    return out


def _views(data: dict[str, Any], clusters: list[str]) -> list[tuple[str | None, dict[str, Any]]]:
    """What the clusters' instances read their parameters from: per instance (and per branch
    of its ``DBParameterGroupName``) the template's instance parameter group and its
    parameters, or ``(None, {})`` where an instance takes everything from the cluster group (no
    group of the template's, or no instance in the template at all). A value the instance group
    sets overrides the cluster group's (AWS: DB cluster parameter groups)."""
    res = cfn.resources(data)
    out: list[tuple[str | None, dict[str, Any]]] = []
    members = [lid for c in clusters for lid in cluster_instances(data, c)]
    for lid in members:
        expr = cfn.props(res[lid]).get("DBParameterGroupName")
        named = _groups_named(data, expr, "AWS::RDS::DBParameterGroup")
        for group, _ in named:
            params = cfn.props(res[group]).get("Parameters")
            out.append((group, params if isinstance(params, dict) else {}))
        written = [v for _, v, _ in values.branches(expr, frozenset(), data)]
        if len(named) < len(written) or not written:
            out.append((None, {}))
    return out or [(None, {})]


@dataclass
class Plan:
    """What a cluster group (or the default group of a cluster) lacks for pgaudit, read as the
    instances see it: the cluster group's values where their own group does not override."""

    libraries: dict[str | None, list[str]] = field(default_factory=dict)
    """Libraries to add, per group whose shared_preload_libraries the instances use (None: the
    cluster group)."""
    parameters: list[str] = field(default_factory=list)
    """pgaudit.* parameters to set in the cluster group (some instance takes them from it)."""
    loaded_by: list[str] = field(default_factory=list)
    """Instance groups whose own shared_preload_libraries already loads pgaudit."""

    @property
    def gap(self) -> bool:
        """pgaudit not loaded somewhere, or loaded but configured to log nothing: the other
        pgaudit.* values are pgaudit's defaults (no bind parameters logged) until the fix
        writes the platform's choices beside them."""
        unloaded = any("pgaudit" in libs for libs in self.libraries.values())
        return unloaded or "pgaudit.log" in self.parameters


def plan(data: dict[str, Any], clusters: list[str], cluster_params: Any) -> Plan | None:
    """The gap of the clusters' pgaudit setup, or None when a value the fix needs is an
    intrinsic."""
    if cluster_params is None:
        cluster_params = {}
    if not isinstance(cluster_params, dict):
        return None
    out = Plan()
    views = _views(data, clusters)
    for group, params in views:
        source: str | None = None  # the cluster group
        if group is not None and "shared_preload_libraries" in params:
            source, libs = group, _libraries(params["shared_preload_libraries"])
            if libs is not None and "pgaudit" in libs and group not in out.loaded_by:
                out.loaded_by.append(group)
        else:
            libs = _libraries(cluster_params.get("shared_preload_libraries"))
        if libs is None:
            return None
        lacking = [lib for lib in LIBRARIES if lib not in libs]
        if lacking:
            out.libraries[source] = lacking
    configured = any(k in cluster_params for k in CONFIGURED_BY)
    for name in AUDIT:
        if name in cluster_params:
            continue
        if any(name not in params for _, params in views):
            out.parameters.append(name)
    if "pgaudit.log" in out.parameters and (
        configured or all(any(k in p for k in CONFIGURED_BY) for _, p in views)
    ):
        out.parameters.remove("pgaudit.log")  # object auditing (pgaudit.role) is configured
    return out


def default_group_clusters(data: dict[str, Any]) -> list[str]:
    """Aurora PostgreSQL clusters on the default cluster parameter group: no
    ``DBClusterParameterGroupName`` (or a ``default.`` group named literally). The default
    group cannot be changed and does not load pgaudit."""
    out = []
    for lid, cluster in cfn.of_type(data, "AWS::RDS::DBCluster"):
        found = engines(data, cluster)
        if not found or not all(e == "aurora-postgresql" for e in found):
            continue
        if serverless_v1(data, cluster):
            continue
        name = cfn.props(cluster).get("DBClusterParameterGroupName")
        if name is None or (isinstance(name, str) and name.startswith("default.")):
            out.append(lid)
    return out


def cluster_family(data: dict[str, Any], cluster: str) -> str | None:
    """The parameter-group family of a cluster's ``EngineVersion`` (``15.4`` ->
    ``aurora-postgresql15``; ``9.6.x`` -> ``aurora-postgresql9.6``), when the template gives
    one version in every case."""
    version = values.literal(
        data, cfn.props(cfn.resources(data).get(cluster, {})).get("EngineVersion")
    )
    if not isinstance(version, str) or not version[:1].isdigit():
        return None
    parts = version.split(".")
    major = parts[0] if int(parts[0]) >= 10 or len(parts) < 2 else f"{parts[0]}.{parts[1]}"
    return f"aurora-postgresql{major}"


class PgAudit(Rule):
    code = "MF1001"
    spec = ("10.1",)
    title = "The database does not audit with pgaudit"
    area = "database"
    kind = "hardening"
    severity = "medium"
    fix_applicability = "unsafe"
    deploy_impact = "reboot"
    why = """
        A financial-services database must keep an audit trail of who changed what: schema
        changes, grants and role changes, and every write to the ledger. PostgreSQL's own
        statement logging is not an audit trail (it logs text as sent, misses what functions and
        dynamic SQL do, and cannot be limited to classes of statement). pgaudit is the
        extension Aurora PostgreSQL supports for this: it is loaded through
        `shared_preload_libraries` in the cluster parameter group (beside
        `pg_stat_statements`) and configured with `pgaudit.*` parameters, and its records go to
        the `postgresql` log the cluster exports to CloudWatch Logs.

        Values chosen, and why:

        - `pgaudit.log: ddl,role,write`: every DDL statement, every GRANT/REVOKE and
          CREATE/ALTER/DROP ROLE, and every INSERT, UPDATE, DELETE, TRUNCATE and COPY into a table:
          the changes an auditor (PCI DSS 10.2, SOX change control) asks to reconstruct. `read` is
          left out of session auditing: logging every SELECT of a transaction processor floods
          the log and its cost; reads of cardholder tables are audited object by object instead
          (`CREATE ROLE rds_pgaudit`, set `pgaudit.role` to it, and GRANT SELECT on those tables
          to it), which is what the AWS pgaudit guide describes. `misc` and `function` add
          noise (DISCARD, SET, each function call) without audit value here.
        - `pgaudit.log_parameter: 0`: bind parameters are NOT logged. They carry the values of
          the statement: card numbers (PAN), account numbers and personal data. Writing them to
          CloudWatch Logs would copy cardholder data into a log store outside the cardholder data
          environment's controls (PCI DSS 3.3/3.4 forbid storing the PAN readable) and would break
          GDPR data minimisation. The statement text, with its `$1` placeholders, the user, the
          session and the objects touched are logged; that is what the audit needs. pgaudit
          redacts role passwords only: a value written literally into the statement text (not
          sent as a bind parameter) is logged with it, so applications keep card numbers and
          other values out of the logs by sending them as bind parameters.
        - `pgaudit.log_relation: 1`: one record per table a statement touches, so that a search
          for a sensitive table finds every statement that changed it.
        - `pgaudit.log_statement_once: 0`: each record carries its statement text, so records
          stay self-contained when CloudWatch Logs filters or exports them line by line.
        - `pgaudit.log_catalog: 0`: statements that touch only `pg_catalog` (tools and drivers
          introspecting the schema) are not logged: noise, no audit value.
        - `pgaudit.log_level: log`: the default level, the one written to the server log.
    """
    bad = """
        DBClusterParameterGroup:
          Type: AWS::RDS::DBClusterParameterGroup
          Properties:
            Family: aurora-postgresql15
            Parameters:
              shared_preload_libraries: pg_stat_statements
    """
    good = """
        DBClusterParameterGroup:
          Type: AWS::RDS::DBClusterParameterGroup
          Properties:
            Family: aurora-postgresql15
            Parameters:
              shared_preload_libraries: pg_stat_statements,pgaudit
              pgaudit.log: ddl,role,write
              pgaudit.log_catalog: '0'
              pgaudit.log_level: log
              pgaudit.log_parameter: '0'
              pgaudit.log_relation: '1'
              pgaudit.log_statement_once: '0'
    """
    fix_safety = """
        Unsafe (reboot) when a library is added. `shared_preload_libraries` is static: the
        cluster's instances load pgaudit only at their next reboot (they show `pending-reboot`
        until then). After the reboot, run `CREATE EXTENSION pgaudit;` in each database (as the
        master user): that is SQL, not something CloudFormation can do, and the AWS guide and the
        pgaudit README ask for it so that pgaudit's event triggers log DDL with the objects it
        touched. The libraries are added where the instances read them from: the instance
        parameter group when it sets its own `shared_preload_libraries` (which overrides the
        cluster group's), else the cluster parameter group; a cluster-level value the instance
        group overrides is not written. The `pgaudit.*` values are dynamic (safe, applied without
        a reboot when pgaudit is already loaded). They are set in the cluster parameter group,
        the place the current Aurora pgaudit guide uses (they are also modifiable in the instance
        parameter group, which overrides the cluster's; where the instances' group already sets
        one, it is left to that group).
    """
    notes = """
        Premise: an Aurora PostgreSQL cluster (provisioned or Serverless v2) whose instances do
        not load pgaudit, or load it with nothing for it to log. What an instance runs with is
        read as AWS applies it: a value its own DB parameter group sets overrides the cluster
        parameter group's, every other value comes from the cluster group. So a
        `shared_preload_libraries` that loads pgaudit in the instances' group counts, and a
        cluster group without pgaudit is then not reported for the library; what is reported is
        what is really missing (typically `pgaudit.log`: pgaudit loaded with no `pgaudit.log`,
        and no `pgaudit.role` for object auditing, writes no audit record).

        Cases: a custom cluster parameter group (any family the template can give it: a literal,
        a parameter, `Fn::FindInMap`, `Fn::If`) that the cluster uses in some branch of an
        `Fn::If` (the branch's conditions are named in the message: a group the template makes
        for the case where no group is passed in is reported for that case); and a cluster with
        no custom group at all (no `DBClusterParameterGroupName`, or a literal `default.` group):
        the default group cannot be changed and loads no pgaudit, so the finding sits on the
        cluster and the fix adds a group of the family its `EngineVersion` names (no fix when the
        version is not in the template). Hardening, medium: an audit trail of a financial
        database (PCI DSS 10.2).

        Once pgaudit is loaded and `pgaudit.log` (or `pgaudit.role`) is set, the other
        `pgaudit.*` values are pgaudit's own defaults (no bind parameters logged), not a gap:
        they are not reported on their own; the fix writes the values above beside the ones it
        adds. A missing `pg_stat_statements` alone is not reported either (no audit gap); the fix
        adds it with pgaudit.

        Silent for Aurora Serverless v1 (`EngineMode: serverless`), with or without a custom
        group: a v1 cluster takes only the cluster parameters AWS marks as supported for the
        `serverless` engine mode (`DescribeEngineDefaultClusterParameters`,
        `SupportedEngineModes`; Aurora ignores the others), and neither
        `shared_preload_libraries` nor the `pgaudit.*` parameters are among them, so the gap
        cannot be closed on v1. v1 has also reached end of life (no new clusters since January
        2025; MF1411 reports it): pgaudit becomes possible after the move to Serverless v2 or
        provisioned, where this rule applies. Silent too when a `shared_preload_libraries` the
        instances use is an intrinsic (the fix cannot see the list), when the group's name comes
        from a parameter or an import (another stack's group), or when everything is set.
        Values the template already sets for a `pgaudit.*` parameter are kept.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for lid in default_group_clusters(data):
            gap = plan(data, [lid], {})
            if gap is None or not gap.gap:
                continue
            family = cluster_family(data, lid)
            yield self.finding(
                ("Resources", lid),
                f"Aurora PostgreSQL cluster {lid} uses the default cluster parameter group (no "
                "DBClusterParameterGroupName), which cannot be changed "
                + (
                    "and does not load pgaudit: the database keeps no audit trail of DDL, role "
                    "changes or writes."
                    if "pgaudit" in gap.libraries.get(None, [])
                    else "and does not configure pgaudit: " + _what(gap, "its") + "."
                )
                + (
                    ""
                    if family
                    else " Its EngineVersion does not name one version, so the fix cannot choose "
                    "the group's family."
                ),
                Fix(
                    title=f"Give {lid} a cluster parameter group ({family}) that loads and configures pgaudit",
                    action="apply_group",
                    args=(lid, family),
                    impact="reboot" if gap.libraries else "update",
                    impact_detail=(
                        "a new cluster parameter group; shared_preload_libraries is static: applied "
                        "at each instance's next reboot; then run CREATE EXTENSION pgaudit in each "
                        "database"
                        if gap.libraries
                        else "a new cluster parameter group with dynamic parameters: the cluster "
                        "restarts onto it without a reboot of its instances"
                    ),
                )
                if family
                else None,
            )
        for group_id, group in cfn.of_type(data, GROUP_TYPE):
            using = _clusters_using(data, group_id)
            if not is_aurora_pg_family(data, group) or not using:
                continue
            gap = plan(data, [c for c, _ in using], cfn.props(group).get("Parameters"))
            if gap is None or not gap.gap:
                continue
            whens = [w for _, w in using]
            used = ""
            if all(whens):
                used = (
                    " (used by " + ", ".join(f"{c} {values.when_text(w)}" for c, w in using) + ")"
                )
            yield self.finding(
                ("Resources", group_id, "Properties", "Parameters"),
                f"Cluster parameter group {group_id}{used} does not audit with pgaudit: "
                + _what(gap, "its")
                + ".",
                Fix(
                    title="Load pgaudit with pg_stat_statements and configure it for financial-services auditing",
                    args=(group_id,),
                    impact="reboot" if gap.libraries else "update",
                    impact_detail=(
                        "shared_preload_libraries is static: applied at each instance's next reboot; "
                        "then run CREATE EXTENSION pgaudit in each database"
                        if gap.libraries
                        else "dynamic parameters: applied without a reboot; run CREATE EXTENSION "
                        "pgaudit in each database where it has not been"
                    ),
                ),
            )

    @staticmethod
    def apply_group(doc: Document, cluster: str, family: str) -> None:
        res = cfn.resources(doc.data).get(cluster)
        if res is None or cluster not in default_group_clusters(doc.data):
            raise EditError(f"{cluster} is gone or has a cluster parameter group")
        gap = plan(doc.data, [cluster], {})
        if gap is None:
            raise EditError(
                "an instance parameter group's shared_preload_libraries is not a list the fix can read"
            )
        parameters: dict[str, Any] = {name: AUDIT[name] for name in gap.parameters}
        if None in gap.libraries:
            parameters["shared_preload_libraries"] = ",".join(LIBRARIES)
        group = add_resource(
            doc,
            unique_id(doc, GROUP),
            {
                "Type": GROUP_TYPE,
                "Properties": {
                    "Description": {
                        "Fn::Sub": "${AWS::StackName} Aurora PostgreSQL cluster parameters (pgaudit)"
                    },
                    "Family": family,
                    "Parameters": parameters,
                },
            },
        )
        set_property(doc, cluster, "DBClusterParameterGroupName", {"Ref": group})
        _add_libraries(doc, gap, None)

    @staticmethod
    def apply(doc: Document, group_id: str) -> None:
        using = _clusters_using(doc.data, group_id)
        group = cfn.resources(doc.data).get(group_id)
        gap = plan(doc.data, [c for c, _ in using], cfn.props(group or {}).get("Parameters"))
        if group is None or gap is None:
            raise EditError("shared_preload_libraries is not a list the fix can read")
        base = ("Resources", group_id, "Properties", "Parameters")
        if not isinstance(doc.get(base, None), dict):
            set_value(doc, base, {})
        _add_libraries(doc, gap, group_id)
        for name in gap.parameters:
            set_value(doc, base + (name,), AUDIT[name])


def _what(gap: Plan, cluster_group: str) -> str:
    """The gap in words: where pgaudit is not loaded, and what leaves it logging nothing."""
    parts = []
    for group, libs in gap.libraries.items():
        if group is None:
            parts.append(f"{cluster_group} shared_preload_libraries lacks {', '.join(libs)}")
        else:
            parts.append(
                f"instance parameter group {group} sets shared_preload_libraries without "
                f"{', '.join(libs)}, overriding the cluster group's"
            )
    if gap.loaded_by and not any("pgaudit" in libs for libs in gap.libraries.values()):
        parts.append(
            "pgaudit is loaded by the shared_preload_libraries of instance parameter group "
            f"{', '.join(gap.loaded_by)} (which overrides the cluster group's) but not configured"
        )
    unloaded = any("pgaudit" in libs for libs in gap.libraries.values())
    if "pgaudit.log" in gap.parameters and not unloaded:
        parts.append("pgaudit.log is not set, so pgaudit writes no audit records")
    rest = [p for p in gap.parameters if p != "pgaudit.log" or unloaded]
    if rest:
        parts.append(f"{', '.join(rest)} not set")
    return "; ".join(parts)


def _add_libraries(doc: Document, gap: Plan, cluster_group: str | None) -> None:
    """Add the missing libraries where the instances read shared_preload_libraries from: their
    own group where it overrides, else the cluster group (None: already written)."""
    for group, libs in gap.libraries.items():
        target = group or cluster_group
        if target is None:
            continue
        path = ("Resources", target, "Properties", "Parameters", "shared_preload_libraries")
        current = _libraries(doc.get(path, None)) or []
        set_value(doc, path, ",".join(current + [lib for lib in libs if lib not in current]))
