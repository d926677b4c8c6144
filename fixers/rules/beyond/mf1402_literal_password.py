"""MF1402: a database master password written in the template (beyond the spec)."""

from __future__ import annotations

from collections.abc import Iterator

from fixers import cfn, values
from fixers.document import Document, EditError
from fixers.model import Finding
from fixers.rules import Rule
from fixers.rules.beyond import common
from fixers.rules.beyond.mf1401_password_parameter import managed_fix


def literal_passwords(data: dict, expr: object) -> list[str]:
    """What a password expression hard-codes: each option that is text written in the
    template (a literal, a mapping entry, a branch of ``Fn::If``), not a parameter, not a
    dynamic reference."""
    out = []
    for text in values.hard_coded(data, expr):
        if (
            text
            and "${" not in text
            and not common.DYNAMIC_SECRET.search(text)
            and "{{resolve:" not in text
        ):
            out.append(text)
    return out


class LiteralPassword(Rule):
    code = "MF1402"
    spec = ()
    title = "Database master password written in the template"
    area = "database"
    kind = "defect"
    severity = "critical"
    fix_applicability = "unsafe"
    deploy_impact = "update"
    why = """
        A `MasterUserPassword` written as text (or chosen from a mapping) is in source control,
        in every copy of the template, in CloudFormation's stored template that anyone with
        `GetTemplate` can read, and the same in every stack built from it. It cannot be rotated
        without editing the template, and whoever has seen the file can log in to the database.
    """
    bad = """
        Database:
          Type: AWS::RDS::DBCluster
          Properties:
            MasterUsername: admin
            MasterUserPassword: Sup3rS3cret!
    """
    good = """
        Database:
          Type: AWS::RDS::DBCluster
          Properties:
            MasterUsername: admin
            ManageMasterUserPassword: true    # generated, stored in Secrets Manager, rotated
    """
    fix_safety = """
        Unsafe (update). As MF1401: `ManageMasterUserPassword: true` replaces the literal; RDS
        generates a new password into a secret it rotates (encrypted with the template's
        Secrets Manager key when it has one), in place and without reboot, and every client
        using the old password must read the secret instead. The old password stays in the
        repository's history: change it everywhere it was reused.
    """
    notes = """
        A dynamic reference (`{{resolve:secretsmanager:...}}`, `{{resolve:ssm-secure:...}}`) and
        a parameter are not literals (a parameter is MF1401's). Any resource type with a
        `MasterUserPassword` is read; the fix is offered for RDS clusters and instances that
        can have a managed password.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for lid, res in common.password_holders(data):
            if not literal_passwords(data, res["Properties"][common.PASSWORD_PROPERTY]):
                continue
            fix = managed_fix(self.code, lid, [lid], data)
            yield self.finding(
                ("Resources", lid, "Properties", common.PASSWORD_PROPERTY),
                f"The master password of {lid} is written in the template: anyone who can read "
                "the file or the stack's template can log in to the database."
                + ("" if fix else " Move it into a generated Secrets Manager secret."),
                fix,
            )

    def apply(self, doc: Document, lid: str) -> None:
        res = doc.get(("Resources", lid))
        if not isinstance(res, dict):
            raise EditError(f"{lid} is gone")
        params = cfn.refs(cfn.props(res).get(common.PASSWORD_PROPERTY)) & set(
            cfn.section(doc.data, "Parameters")
        )
        common.manage_password(doc, lid)
        for name in sorted(params):
            common.remove_unused_parameter(doc, name)
