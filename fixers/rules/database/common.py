"""Helpers shared by the database and backup rules: outputs exported like the template's own,
the instance classes a template allows and their memory, Aurora PostgreSQL resources."""

from __future__ import annotations

import re
from typing import Any

from fixers import cfn
from fixers.document import Document
from fixers.edits import add_output, unique_id

_SUB_VAR = re.compile(r"\$\{([^}!]+)\}")


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
    """The instance classes a ``DBInstanceClass`` value may take: the literal, or the parameter's
    AllowedValues (else its Default). None when the template cannot tell."""
    if isinstance(value, str):
        return [value]
    param = cfn.ref_target(value) if isinstance(value, dict) and "Ref" in value else None
    params = cfn.section(data, "Parameters")
    p = params.get(param) if param else None
    if not isinstance(p, dict):
        return None
    allowed = p.get("AllowedValues")
    if isinstance(allowed, list) and allowed and all(isinstance(v, str) for v in allowed):
        return list(allowed)
    default = p.get("Default")
    return [default] if isinstance(default, str) else None


# -- Aurora PostgreSQL --------------------------------------------------------------------------


def aurora_clusters(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (lid, res)
        for lid, res in cfn.of_type(data, "AWS::RDS::DBCluster")
        if isinstance(cfn.props(res).get("Engine"), str)
        and cfn.props(res)["Engine"].lower().startswith("aurora")
    ]


def is_aurora_pg_family(group: dict[str, Any]) -> bool:
    family = cfn.props(group).get("Family")
    return isinstance(family, str) and family.lower().startswith("aurora-postgresql")
