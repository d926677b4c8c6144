"""MF1405: a secret parameter handed to a custom resource (beyond the spec)."""

from __future__ import annotations

from collections.abc import Iterator

from fixers import cfn
from fixers.document import Document
from fixers.model import Finding
from fixers.rules import Rule
from fixers.rules.beyond import common


def is_custom(resource: dict) -> bool:
    t = resource.get("Type")
    return isinstance(t, str) and (
        t.startswith("Custom::") or t == "AWS::CloudFormation::CustomResource"
    )


class CustomResourcePassword(Rule):
    code = "MF1405"
    spec = ()
    title = "Secret parameter handed to a custom resource"
    area = "database"
    kind = "defect"
    severity = "medium"
    fix_applicability = "none"
    deploy_impact = "none"
    why = """
        A custom resource's properties travel in clear in the request CloudFormation sends its
        provider (a Lambda event, an SNS message) on every create, update and delete, with the
        old properties on updates. Providers commonly log the whole event, so a `NoEcho`
        password passed as a property ends up in CloudWatch Logs, readable by everyone who can
        read the provider's logs and kept for the log group's retention. `NoEcho` masks the
        parameter in CloudFormation's own displays, not in what the provider does with it.
    """
    bad = """
        DatabaseSetup:
          Type: Custom::DatabaseSetup
          Properties:
            ServiceToken: !GetAtt SetupFunction.Arn
            Password: !Ref DBPassword        # NoEcho, and now in the function's logs
    """
    good = """
        DatabaseSetup:
          Type: Custom::DatabaseSetup
          Properties:
            ServiceToken: !GetAtt SetupFunction.Arn
            SecretArn: !GetAtt Database.MasterUserSecret.SecretArn   # the provider reads it
    """
    fix_safety = """
        No automatic fix: the provider's code must change to read the secret (its ARN passed
        instead, `secretsmanager:GetSecretValue` on it for the function's role), which a
        template edit cannot do.
    """
    notes = """
        A secret parameter is a `NoEcho` one or one a `MasterUserPassword` takes; the rule reads
        every property of `Custom::*` and `AWS::CloudFormation::CustomResource` resources except
        `ServiceToken`.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        secret = common.secret_parameters(data)
        for lid, res in cfn.resources(data).items():
            if not isinstance(res, dict) or not is_custom(res):
                continue
            for key, value in cfn.props(res).items():
                if key == "ServiceToken":
                    continue
                used = sorted(cfn.refs(value) & secret)
                if used:
                    yield self.finding(
                        ("Resources", lid, "Properties", key),
                        f"{lid} passes the secret parameter {used[0]} to its provider as {key}: "
                        "custom resource requests carry properties in clear and providers log "
                        "them. Pass the secret's ARN and let the provider read it.",
                    )
