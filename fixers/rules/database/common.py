"""Helpers shared by the database and backup rules: outputs exported like the template's own,
the instance classes a template allows and their memory, Aurora PostgreSQL resources."""

from __future__ import annotations

import re
from typing import Any

from fixers import cfn, values
from fixers.document import Document
from fixers.edits import add_output, unique_id

# -- outputs ------------------------------------------------------------------------------------


def outputs(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = data.get("Outputs")
    return {k: v for k, v in out.items() if isinstance(v, dict)} if isinstance(out, dict) else {}


def output_with_value(data: dict[str, Any], wanted: Any) -> str | None:
    """An output whose Value is ``wanted`` (GetAtt in either spelling counts as equal)."""
    norm = _norm(wanted)
    for name, out in outputs(data).items():
        if _norm(out.get("Value")) == norm:
            return name
    return None


def _norm(value: Any) -> Any:
    if isinstance(value, dict) and list(value) == ["Fn::GetAtt"]:
        arg = value["Fn::GetAtt"]
        if isinstance(arg, str):
            return ("GetAtt",) + tuple(arg.split(".", 1))
        if isinstance(arg, list) and len(arg) == 2 and all(isinstance(a, str) for a in arg):
            return ("GetAtt", arg[0], arg[1])
    return value


def export_pattern(data: dict[str, Any]) -> tuple[str, str] | None:
    """The (prefix, suffix) of ``Fn::Sub`` export names the template builds from output names,
    e.g. ``('${AWS::StackName}-', '')`` for ``!Sub '${AWS::StackName}-VPCId'`` on ``VPCId``."""
    for name, out in outputs(data).items():
        export = out.get("Export")
        if not isinstance(export, dict):
            continue
        value = export.get("Name")
        if (
            isinstance(value, dict)
            and list(value) == ["Fn::Sub"]
            and isinstance(value["Fn::Sub"], str)
        ):
            text = value["Fn::Sub"]
            i = text.rfind(name)
            if i >= 0 and "${" in text[:i]:
                return text[:i], text[i + len(name) :]
    return None


def ensure_output(doc: Document, base: str, description: str, value: Any) -> str:
    """An output of ``value`` named ``base`` (made unique), exported like the template's others."""
    existing = output_with_value(doc.data, value)
    if existing:
        return existing
    name = base if base not in outputs(doc.data) else unique_id(doc, base)
    output: dict[str, Any] = {"Description": description, "Value": value}
    pattern = export_pattern(doc.data)
    if pattern:
        output["Export"] = {"Name": {"Fn::Sub": f"{pattern[0]}{name}{pattern[1]}"}}
    return add_output(doc, name, output)


# -- instance classes ---------------------------------------------------------------------------

_SIZE_GIB_R = {
    "large": 16,
    "xlarge": 32,
    "2xlarge": 64,
    "4xlarge": 128,
    "8xlarge": 256,
    "12xlarge": 384,
    "16xlarge": 512,
    "24xlarge": 768,
    "32xlarge": 1024,
    "48xlarge": 1536,
}
_SIZE_GIB_T = {"micro": 1, "small": 2, "medium": 4, "large": 8, "xlarge": 16, "2xlarge": 32}


def class_memory_gib(instance_class: str) -> int | None:
    """Memory of an RDS instance class the rules know (memory-optimised r and burstable t)."""
    m = re.fullmatch(r"db\.([a-z]+)(\d+)([a-z]*)\.([0-9a-z]+)", instance_class)
    if not m:
        return None
    family, size = m.group(1), m.group(4)
    if family == "r":
        return _SIZE_GIB_R.get(size)
    if family == "t":
        return _SIZE_GIB_T.get(size)
    if family == "x" and m.group(2) == "2" and m.group(3).startswith("g"):
        gib = _SIZE_GIB_R.get(size)
        return gib * 2 if gib else None
    return None


def allowed_classes(data: dict[str, Any], value: Any) -> list[str] | None:
    """The instance classes a ``DBInstanceClass`` value may take (fixers.values: a literal, a
    parameter's AllowedValues else its Default, each branch of an ``Fn::If``, each entry of a
    mapping). None when the template cannot tell for some case."""
    found = values.options(data, value)
    if not found or any(not isinstance(o.value, str) for o in found):
        return None
    return list(dict.fromkeys(o.value for o in found))


# -- Aurora PostgreSQL --------------------------------------------------------------------------


def engines(data: dict[str, Any], resource: dict[str, Any]) -> list[str]:
    """The engines (lower case) a database resource's ``Engine`` can take."""
    return [e.lower() for e in values.texts(data, cfn.props(resource).get("Engine"))]


def default_port(engine: str) -> int | None:
    """The port RDS gives a database of ``engine`` when the template sets none (``postgres``,
    ``aurora-postgresql`` 5432; ``mysql``, ``mariadb``, ``aurora``, ``aurora-mysql`` 3306;
    ``oracle-*`` 1521; ``sqlserver-*`` 1433), else None."""
    e = engine.lower()
    if "postgres" in e:
        return 5432
    if "mysql" in e or "mariadb" in e or e == "aurora":
        return 3306
    if "oracle" in e:
        return 1521
    if "sqlserver" in e:
        return 1433
    return None


def aurora_clusters(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (lid, res)
        for lid, res in cfn.of_type(data, "AWS::RDS::DBCluster")
        if any(e.startswith("aurora") for e in engines(data, res))
    ]


def serverless_v1(data: dict[str, Any], cluster: dict[str, Any]) -> bool:
    """Aurora Serverless v1 (``EngineMode: serverless`` in every case): no instances, hence no
    readers, and storage that is always encrypted."""
    p = cfn.props(cluster)
    modes = values.texts(data, p.get("EngineMode")) if "EngineMode" in p else []
    return bool(modes) and all(m.lower() == "serverless" for m in modes)


def cluster_instances(data: dict[str, Any], cluster: str) -> list[str]:
    """The template's DB instances that are members of ``cluster``."""
    return [
        lid
        for lid, inst in cfn.of_type(data, "AWS::RDS::DBInstance")
        if cfn.ref_target(cfn.props(inst).get("DBClusterIdentifier")) == cluster
    ]


def is_aurora_pg_family(data: dict[str, Any], group: dict[str, Any]) -> bool:
    """Whether a parameter group's ``Family`` can be an aurora-postgresql one (a literal, a
    parameter, ``Fn::FindInMap``, a branch of ``Fn::If``)."""
    families = values.texts(data, cfn.props(group).get("Family"))
    return any(f.lower().startswith("aurora-postgresql") for f in families)
