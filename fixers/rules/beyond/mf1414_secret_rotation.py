"""MF1414: a database secret that nothing rotates (beyond the spec)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn
from fixers.document import Document
from fixers.model import Finding
from fixers.rules import Rule
from fixers.rules.rotation.common import SCHEDULE_TYPE, SECRET_TYPE, database_of_secret

ATTACHMENT_TYPE = "AWS::SecretsManager::SecretTargetAttachment"


def scheduled_secrets(data: dict[str, Any]) -> set[str]:
    """The secrets some ``RotationSchedule`` rotates: its ``SecretId`` names the secret, or a
    ``SecretTargetAttachment`` of it (whose ``Ref`` is the secret's ARN)."""
    res = cfn.resources(data)
    out: set[str] = set()
    for _, schedule in cfn.of_type(data, SCHEDULE_TYPE):
        target = cfn.ref_target(cfn.props(schedule).get("SecretId"))
        found = res.get(target or "") or {}
        if found.get("Type") == ATTACHMENT_TYPE:
            target = cfn.ref_target(cfn.props(found).get("SecretId"))
        if target:
            out.add(target)
    return out


class SecretRotation(Rule):
    code = "MF1414"
    spec = ()
    title = "Database secret without automatic rotation"
    area = "rotation"
    kind = "hardening"
    severity = "medium"
    fix_applicability = "none"
    deploy_impact = "none"
    why = """
        A database password kept in Secrets Manager but never rotated is as old as the stack:
        every person, pipeline log and process that ever read it keeps a working credential.
        A `RotationSchedule` changes it on the database and in the secret together, on a
        schedule, so a leaked copy stops working. AWS Security Hub SecretsManager.1 (severity
        medium) asks for automatic rotation on every secret.
    """
    bad = """
        DatabaseSecret:
          Type: AWS::SecretsManager::Secret
          Properties:
            GenerateSecretString: ...
        SecretAttachment:
          Type: AWS::SecretsManager::SecretTargetAttachment
          Properties:
            SecretId: !Ref DatabaseSecret
            TargetId: !Ref Database
            TargetType: AWS::RDS::DBCluster
        # and no AWS::SecretsManager::RotationSchedule
    """
    good = """
        DatabaseSecretRotation:
          Type: AWS::SecretsManager::RotationSchedule
          DependsOn: SecretAttachment
          Properties:
            SecretId: !Ref DatabaseSecret
            RotationLambdaARN: !GetAtt RotationFunction.Arn
            RotationRules:
              ScheduleExpression: rate(30 days)
        # or, on RDS, ManageMasterUserPassword: true (RDS rotates the secret it owns)
    """
    fix_safety = """
        No automatic fix. A rotation schedule needs a rotation function that reaches both the
        database and Secrets Manager: `HostedRotationLambda` adds the `AWS::SecretsManager`
        transform and needs the database's subnets and a security group the database admits,
        and an own function needs code, a role and the same network path (MF0401-MF0404 check
        one). None of it can be chosen safely from the template alone, and the first rotation
        changes the password every client uses. Letting RDS manage the master password
        (`ManageMasterUserPassword`, as MF1401's fix does) is the simpler route where the
        database is RDS.
    """
    notes = """
        A database secret is an `AWS::SecretsManager::Secret` that a `SecretTargetAttachment`
        ties to an RDS cluster or instance, or that an RDS database resolves in its
        `MasterUsername`/`MasterUserPassword` (`{{resolve:secretsmanager:...}}`). It is
        rotated when a `RotationSchedule` names it, or names its attachment. A password RDS
        manages (`ManageMasterUserPassword`) is rotated by RDS and is no resource of the
        template; secrets that no database in the template uses are not read (their use is
        elsewhere).
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        rotated = scheduled_secrets(data)
        for lid, _ in cfn.of_type(data, SECRET_TYPE):
            if lid in rotated:
                continue
            db = database_of_secret(data, lid)
            if db is None:
                continue
            yield self.finding(
                ("Resources", lid),
                f"Secret {lid} holds the credentials of database {db}, and no RotationSchedule "
                "rotates it: the password never changes.",
            )
