"""MF1404: an output shows a secret parameter or a password (beyond the spec)."""

from __future__ import annotations

from collections.abc import Iterator

from fixers import cfn, values
from fixers.document import Document
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.beyond import common


def exposed(data: dict, value: object) -> str | None:
    """What secret an output value shows, in words, or None."""
    used = sorted(cfn.refs(value) & common.secret_parameters(data))
    if used:
        return f"the secret parameter {used[0]}"
    for text in values.patterns(data, value):
        if common.DYNAMIC_SECRET.search(text):
            return "a resolved secret"
    for lid, res in common.password_holders(data):
        passwords = values.hard_coded(data, cfn.props(res)[common.PASSWORD_PROPERTY])
        if any(p and "${" not in p and p in values.hard_coded(data, value) for p in passwords):
            return f"the master password of {lid}"
    return None


class CredentialsOutput(Rule):
    code = "MF1404"
    spec = ()
    title = "Output shows a password or a secret parameter"
    area = "database"
    kind = "defect"
    severity = "high"
    fix_applicability = "unsafe"
    deploy_impact = "update"
    why = """
        CloudFormation shows outputs in clear to everyone who can describe the stack, and an
        exported one to every stack of the account and Region that imports it. `NoEcho` masks a
        parameter where CloudFormation shows parameters, not where the template copies it: the
        CloudFormation documentation says `NoEcho` does not mask what the Outputs section holds.
    """
    bad = """
        Outputs:
          DatabasePassword:
            Value: !Ref DBPassword          # NoEcho, and shown here in clear
    """
    good = """
        Outputs:
          DatabaseSecretArn:                # where to read it, with IAM deciding who may
            Value: !GetAtt Database.MasterUserSecret.SecretArn
    """
    fix_safety = """
        Unsafe (update). The output is removed. Whoever read the password from it (a script, a
        stack importing the export) must read it from the secret instead; while another stack
        imports the export, CloudFormation refuses the update until that stack stops.
    """
    notes = """
        A secret parameter is a `NoEcho` one or one a `MasterUserPassword` takes; an output that
        refers to one anywhere in its value (a connection string too), that resolves a
        Secrets Manager or SSM SecureString dynamic reference, or repeats a literal master
        password is reported. A secret's ARN or name is not a secret and is not reported.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for name, output in cfn.section(data, "Outputs").items():
            if not isinstance(output, dict):
                continue
            what = exposed(data, output.get("Value"))
            if what is None:
                continue
            yield self.finding(
                ("Outputs", name, "Value"),
                f"Output {name} shows {what} in clear to everyone who can describe the stack"
                + (" and to every stack that imports it" if "Export" in output else "")
                + ".",
                Fix(
                    title=f"Remove the output {name}",
                    action="remove",
                    args=(("Outputs", name),),
                    impact="update",
                    impact_detail=(
                        f"the output {name} is gone: readers must take the value from the secret"
                        + (
                            "; the update fails while another stack imports it"
                            if "Export" in output
                            else ""
                        )
                    ),
                    applicability="unsafe",
                ),
            )
