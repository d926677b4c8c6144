"""MF1401: a database password parameter is shown, or has a default (beyond the spec)."""

from __future__ import annotations

from collections.abc import Iterator

from fixers import cfn
from fixers.document import Document, EditError
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.beyond import common

IMPACT = (
    "RDS generates a new master password into a Secrets Manager secret it rotates every 7 days "
    "(ManageMasterUserPassword, updated in place without reboot); clients that log in with the "
    "parameter's value fail until they read the secret, and deploys that pass the parameter "
    "must stop passing it"
)


def managed_fix(code: str, param_or_db: str, dbs: list[str], data: dict) -> Fix | None:
    """The fix that hands the password of ``dbs`` to RDS, or None if one of them cannot."""
    if not dbs or any(common.can_manage_password(data, db) for db in dbs):
        return None
    return Fix(
        title=f"Let RDS generate and rotate the master password of {', '.join(dbs)}",
        action="apply",
        args=(param_or_db,),
        impact="update",
        impact_detail=IMPACT,
        applicability="unsafe",
    )


class PasswordParameter(Rule):
    code = "MF1401"
    spec = ()
    title = "Database password parameter is echoed or has a default"
    area = "database"
    kind = "defect"
    severity = "high"
    fix_applicability = "unsafe"
    deploy_impact = "update"
    why = """
        A parameter without `NoEcho` is shown in clear to everyone who can describe the stack
        (console, `DescribeStacks`, CloudTrail's record of the API call); a `Default` puts the
        password in the template itself, in source control, in every copy of the file and in
        every stack that did not override it. Either way the master password of a database that
        holds financial records is readable far beyond the people who should know it.
    """
    bad = """
        Parameters:
          DBPassword:
            Type: String
            Default: ChangeMe123          # in the template, and in clear in the console
        Resources:
          Database:
            Type: AWS::RDS::DBInstance
            Properties:
              MasterUserPassword: !Ref DBPassword
    """
    good = """
        Resources:
          Database:
            Type: AWS::RDS::DBInstance
            Properties:
              MasterUsername: !Ref DBUser
              ManageMasterUserPassword: true  # RDS generates, stores and rotates it
              MasterUserSecret:
                KmsKeyId: !GetAtt SecretsManagerKMSKey.Arn   # when the template has the key
    """
    fix_safety = """
        Unsafe (update). The fix sets `ManageMasterUserPassword: true` on each RDS cluster or
        instance that takes the parameter as its `MasterUserPassword` and removes that property:
        RDS generates a new password into a Secrets Manager secret it owns and rotates (every 7
        days), encrypted with the template's Secrets Manager key when it has one. The property
        is updated in place, without reboot, but the password changes: every client that logs
        in with the old one must read the secret instead (a container through `Secrets`, see
        MF1403). The parameter is deleted once nothing refers to it any more (with its place in
        the console's parameter groups), so deploy pipelines that pass it must stop.
    """
    notes = """
        A `NoEcho` password parameter without a default is the accepted minimum and is not
        reported: the deployer types the password, CloudFormation masks it everywhere it shows
        parameters. Generating and rotating it is better still, but that is the rotation rules'
        concern (MF0401-MF0404) and a platform choice, not a defect of the template. What NoEcho
        does not mask (outputs, metadata, a custom resource's properties) is reported by MF1404
        and MF1405. Only parameters whose value *is* a password are read, whatever they are
        called: the whole value of a `MasterUserPassword` (`!Ref P`, `!Sub '${P}'`, in any
        `Fn::If` branch) or the `password` of a Secrets Manager secret's JSON `SecretString`
        (`!Sub '{"username":"${U}","password":"${P}"}'`). A parameter that is only part of a
        value (a stack name inside an `Fn::ImportValue`, a variable of a
        `{{resolve:secretsmanager:...}}` dynamic reference) names where the password is, not
        the password, and is not reported. Where the database is not RDS (DocumentDB,
        Redshift), cannot have a managed password (Aurora Serverless v1), or the password only
        goes into a secret, the finding has no fix: the secret should generate it
        (`GenerateSecretString`).
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        params = cfn.section(data, "Parameters")
        passwords = common.password_parameters(data)
        in_secrets = common.secret_password_parameters(data)
        for name in [*passwords, *(n for n in in_secrets if n not in passwords)]:
            dbs = passwords.get(name, [])
            secrets = in_secrets.get(name, [])
            param = params[name]
            problems = []
            if not common.no_echo(param):
                problems.append(
                    "has no NoEcho: its value is shown in clear wherever the stack is described"
                )
            written = common.has_default(param)
            if written:
                problems.append("has a Default: the password is written in the template itself")
            if not problems:
                continue
            fix = managed_fix(self.code, name, dbs, data)
            held = [f"the master password of {', '.join(dbs)}"] if dbs else []
            held += [f"the password in secret {', '.join(secrets)}"] if secrets else []
            if fix:
                advice = ""
            elif dbs:
                advice = " RDS cannot take the password over here: move it into a generated Secrets Manager secret."
            else:
                advice = " Let Secrets Manager generate it (GenerateSecretString) instead."
            yield self.finding(
                ("Parameters", name),
                f"Parameter {name}, {' and '.join(held)}, " + "; it ".join(problems) + "." + advice,
                fix,
                # Written in the template: whoever reads the file has it. Shown only where the
                # stack is described: whoever may describe it has it.
                severity="critical" if written else "high",
            )

    def apply(self, doc: Document, name: str) -> None:
        dbs = common.password_parameters(doc.data).get(name)
        if not dbs:
            raise EditError(f"{name} is no longer a master password")
        for db in dbs:
            common.manage_password(doc, db)
        common.remove_unused_parameter(doc, name)
