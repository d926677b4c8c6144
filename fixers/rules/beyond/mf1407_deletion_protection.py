"""MF1407: a production database without deletion protection (beyond the spec)."""

from __future__ import annotations

from collections.abc import Iterator

from fixers import cfn, values
from fixers.document import Document, EditError
from fixers.edits import wrap_if_production
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.beyond import common


def marks_production(doc: Document) -> bool:
    """Whether the template distinguishes production: a production condition, or an
    environment parameter that can say production (one of its allowed values, or its
    default, is a production value). A free-text parameter that only happens to be called
    Environment (a label for logs or tags) marks nothing."""
    if cfn.production_condition(doc.data, doc.settings) is not None:
        return True
    name = cfn.environment_parameter(doc.data, doc.settings)
    param = cfn.section(doc.data, "Parameters").get(name or "")
    if not isinstance(param, dict):
        return False
    production = cfn.production_values(doc.settings)
    allowed = param.get("AllowedValues")
    candidates = [*(allowed if isinstance(allowed, list) else []), param.get("Default")]
    return any(isinstance(v, str) and v.lower() in production for v in candidates)


def on_deletion(doc: Document, resource: dict) -> str:
    """What the template shows a deletion does to the database, for the message."""
    written = resource.get("DeletionPolicy")
    policy = values.literal(doc.data, written) if written is not None else "Snapshot"
    source = "" if written is not None else ", CloudFormation's default"
    outside = (
        "and a deletion outside CloudFormation (console, API, a script with the wrong "
        "identifier) is refused only by deletion protection"
    )
    if policy == "Snapshot":
        return (
            f"a stack deletion keeps a final snapshot (DeletionPolicy Snapshot{source}) but "
            f"takes the database down until it is restored from it, {outside} and can skip the "
            "final snapshot"
        )
    if policy == "Retain":
        return f"a stack deletion keeps the database (DeletionPolicy Retain), {outside}"
    if policy == "Delete":
        return (
            "a stack deletion deletes the database without a snapshot (DeletionPolicy Delete), "
            f"{outside}"
        )
    return f"nothing refuses its deletion: {outside}"


def unprotected(doc: Document, value: object) -> bool:
    """Whether DeletionProtection can be off in production."""
    if value is None:
        return True
    found = cfn.production_condition(doc.data, doc.settings)
    prod = found[0] if found else None
    for o in values.options(doc.data, value):
        if prod is not None and (prod, False) in o.when:
            continue
        if values.as_bool(o.value) is not True:
            return True
    return False


class DeletionProtection(Rule):
    code = "MF1407"
    spec = ()
    title = "Production database without deletion protection"
    area = "database"
    kind = "hardening"
    severity = "low"
    fix_applicability = "safe"
    deploy_impact = "update"
    why = """
        `DeletionProtection` makes RDS refuse to delete the cluster or instance, whoever asks:
        a stack deletion, a change set that replaces it, a console click, a script with the
        wrong identifier. A template that tells production from other environments (a
        production condition, an environment parameter) should protect the production
        database (AWS Security Hub RDS.7 for clusters, RDS.8 for instances, severity low).
        `DeletionPolicy` guards only deletions CloudFormation makes: with `Snapshot` (the
        default for a cluster and a standalone instance) a stack deletion keeps a final
        snapshot but the database is down until restored; a deletion from the console or the
        API can skip the final snapshot, and nothing but deletion protection refuses it.
    """
    bad = """
        Conditions:
          IsProduction: !Equals [!Ref Environment, production]
        Resources:
          Database:
            Type: AWS::RDS::DBCluster
            Properties:
              DeletionProtection: false
    """
    good = """
        Database:
          Type: AWS::RDS::DBCluster
          Properties:
            DeletionProtection: !If [IsProduction, true, false]
    """
    fix_safety = """
        Safe (update in place, no interruption). The fix sets `DeletionProtection` to
        `!If [IsProduction, true, <what it was, or false>]`, reusing the template's production
        condition (or adding one on its environment parameter). Deleting the production
        database or its stack then needs deletion protection turned off first, which is the
        point.
    """
    notes = """
        Only templates that mark production are read: a production condition
        (`!Equals [!Ref Environment, production]`, whatever it is called) or an environment
        parameter whose allowed values or default include a production value (configurable:
        `production-values`). A free-text parameter called Environment (a label for logs) does
        not mark production; elsewhere deletion protection is a choice the template gives no
        basis for. The message says what `DeletionPolicy` (written, or CloudFormation's
        default) does on a stack deletion. Instances of a cluster (the cluster is protected) and
        read replicas are not reported.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        if not marks_production(doc):
            return
        for lid, res in common.data_holders(doc.data):
            value = cfn.props(res).get("DeletionProtection")
            if not unprotected(doc, value):
                continue
            path = (
                ("Resources", lid)
                if value is None
                else ("Resources", lid, "Properties", "DeletionProtection")
            )
            fixable = value is None or values.as_bool(value) is False
            yield self.finding(
                path,
                f"{lid} has no deletion protection in production"
                + (" (DeletionProtection is not set)" if value is None else "")
                + f": {on_deletion(doc, res)}.",
                Fix(
                    title=f"Protect {lid} from deletion in production",
                    args=(lid,),
                    impact="update",
                    impact_detail="the protection flag is set in place, in production only",
                )
                if fixable
                else None,
            )

    def apply(self, doc: Document, lid: str) -> None:
        path = ("Resources", lid, "Properties", "DeletionProtection")
        value = doc.get(path)
        if value is not None and values.as_bool(value) is not False:
            raise EditError(f"DeletionProtection of {lid} is not a plain false")
        wrap_if_production(doc, path, True, value if value is not None else False)
