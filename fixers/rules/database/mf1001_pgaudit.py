"""MF1001: the Aurora PostgreSQL cluster parameter group loads and configures pgaudit (spec 10.1)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn, values
from fixers.document import Document, EditError
from fixers.edits import add_resource, register_name_pattern, set_property, set_value, unique_id
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.database.common import engines, is_aurora_pg_family, serverless_v1

GROUP = "DBClusterParameterGroup"
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


def _libraries(value: Any) -> list[str] | None:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return None  # an intrinsic: cannot see


def _clusters_using(data: dict[str, Any], group_id: str) -> list[str]:
    return [
        lid
        for lid, c in cfn.of_type(data, "AWS::RDS::DBCluster")
        if cfn.ref_target(cfn.props(c).get("DBClusterParameterGroupName")) == group_id
    ]


def _instance_params(data: dict[str, Any], clusters: list[str]) -> list[dict[str, Any]]:
    """Parameters of the instance parameter groups the clusters' instances use."""
    res = cfn.resources(data)
    out = []
    for _, inst in cfn.of_type(data, "AWS::RDS::DBInstance"):
        p = cfn.props(inst)
        if cfn.ref_target(p.get("DBClusterIdentifier")) not in clusters:
            continue
        group = cfn.ref_target(p.get("DBParameterGroupName"))
        params = cfn.props(res.get(group, {})).get("Parameters") if group else None
        if isinstance(params, dict):
            out.append(params)
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


def missing(data: dict[str, Any], group_id: str) -> tuple[list[str], list[str]] | None:
    """(libraries to add, audit parameters to set), or None when the group cannot be read."""
    group = cfn.resources(data).get(group_id) or {}
    params = cfn.props(group).get("Parameters")
    if params is None:
        params = {}
    if not isinstance(params, dict):
        return None
    libs = _libraries(params.get("shared_preload_libraries"))
    if libs is None:
        return None
    instance = _instance_params(data, _clusters_using(data, group_id))
    add_libs = [lib for lib in LIBRARIES if lib not in libs]
    add_params = [k for k in AUDIT if k not in params and not any(k in ip for ip in instance)]
    return add_libs, add_params


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
        Unsafe (reboot). `shared_preload_libraries` is static: the cluster's instances load
        pgaudit only at their next reboot (they show `pending-reboot` until then). After the
        reboot, run `CREATE EXTENSION pgaudit;` in each database (as the master user): that is
        SQL, not something CloudFormation can do, and the AWS guide and the pgaudit README ask for
        it so that pgaudit's event triggers log DDL with the objects it touched. The `pgaudit.*`
        values are dynamic. They are set in the cluster parameter group, the place the current
        Aurora pgaudit guide uses (they are also modifiable in the instance parameter group,
        which overrides the cluster's; where the instances' group already sets one, it is left
        to that group).
    """
    notes = """
        Premise: an Aurora PostgreSQL cluster whose cluster parameter group does not load or
        configure pgaudit. Two cases: a custom cluster parameter group (any family the template
        can give it: a literal, a parameter, `Fn::FindInMap`, `Fn::If`) that lacks pgaudit, and
        a cluster with no custom group at all (no `DBClusterParameterGroupName`, or a literal
        `default.` group): the default group cannot be changed and loads no pgaudit, so the
        finding sits on the cluster and the fix adds a group of the family its `EngineVersion`
        names (no fix when the version is not in the template). Hardening, medium: an audit
        trail of a financial database (PCI DSS 10.2).

        Silent when `shared_preload_libraries` is an intrinsic (the fix cannot see the list),
        when the group's name comes from a parameter or an import (another stack's group), for
        Aurora Serverless v1, or when everything is set. Values the template already sets for a
        `pgaudit.*` parameter are kept.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for lid in default_group_clusters(data):
            family = cluster_family(data, lid)
            yield self.finding(
                ("Resources", lid),
                f"Aurora PostgreSQL cluster {lid} uses the default cluster parameter group (no "
                "DBClusterParameterGroupName), which cannot be changed and does not load pgaudit: "
                "the database keeps no audit trail of DDL, role changes or writes."
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
                    impact="reboot",
                    impact_detail=(
                        "a new cluster parameter group; shared_preload_libraries is static: applied "
                        "at each instance's next reboot; then run CREATE EXTENSION pgaudit in each "
                        "database"
                    ),
                )
                if family
                else None,
            )
        for group_id, group in cfn.of_type(data, "AWS::RDS::DBClusterParameterGroup"):
            if not is_aurora_pg_family(data, group) or not _clusters_using(data, group_id):
                continue
            gap = missing(data, group_id)
            if gap is None or gap == ([], []):
                continue
            libs, params = gap
            what = ([f"shared_preload_libraries lacks {', '.join(libs)}"] if libs else []) + (
                [f"{', '.join(params)} not set"] if params else []
            )
            impact = "reboot" if libs else "update"
            yield self.finding(
                ("Resources", group_id, "Properties", "Parameters"),
                f"Cluster parameter group {group_id} does not audit with pgaudit: {'; '.join(what)}.",
                Fix(
                    title="Load pgaudit with pg_stat_statements and configure it for financial-services auditing",
                    args=(group_id,),
                    impact=impact,
                    impact_detail=(
                        "shared_preload_libraries is static: applied at each instance's next reboot; "
                        "then run CREATE EXTENSION pgaudit in each database"
                        if libs
                        else "dynamic parameters: applied without a reboot"
                    ),
                ),
            )

    @staticmethod
    def apply_group(doc: Document, cluster: str, family: str) -> None:
        res = cfn.resources(doc.data).get(cluster)
        if res is None or cluster not in default_group_clusters(doc.data):
            raise EditError(f"{cluster} is gone or has a cluster parameter group")
        instance = _instance_params(doc.data, [cluster])
        parameters: dict[str, Any] = {"shared_preload_libraries": ",".join(LIBRARIES)}
        for name, value in AUDIT.items():
            if not any(name in ip for ip in instance):
                parameters[name] = value
        group = add_resource(
            doc,
            unique_id(doc, GROUP),
            {
                "Type": "AWS::RDS::DBClusterParameterGroup",
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

    @staticmethod
    def apply(doc: Document, group_id: str) -> None:
        gap = missing(doc.data, group_id)
        if gap is None:
            raise EditError("shared_preload_libraries is not a list the fix can read")
        libs, params = gap
        base = ("Resources", group_id, "Properties", "Parameters")
        if libs:
            current = _libraries(doc.get(base + ("shared_preload_libraries",))) or []
            set_value(doc, base + ("shared_preload_libraries",), ",".join(current + libs))
        for name in params:
            set_value(doc, base + (name,), AUDIT[name])
