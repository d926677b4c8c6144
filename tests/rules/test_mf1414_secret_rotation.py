"""MF1414: a database secret that nothing rotates (beyond the spec)."""

from __future__ import annotations

from tests.helpers import codes, dedent, findings

TEMPLATE = dedent(
    """
    Resources:
      DatabaseSecret:
        Type: AWS::SecretsManager::Secret
        Properties:
          GenerateSecretString:
            SecretStringTemplate: '{"username": "app"}'
            GenerateStringKey: password
            ExcludeCharacters: '"@/\\'
      Database:
        Type: AWS::RDS::DBCluster
        Properties:
          Engine: aurora-postgresql
          MasterUsername: !Sub '{{resolve:secretsmanager:${DatabaseSecret}:SecretString:username}}'
          MasterUserPassword: !Sub '{{resolve:secretsmanager:${DatabaseSecret}:SecretString:password}}'
      SecretAttachment:
        Type: AWS::SecretsManager::SecretTargetAttachment
        Properties:
          SecretId: !Ref DatabaseSecret
          TargetId: !Ref Database
          TargetType: AWS::RDS::DBCluster
    """
)
SCHEDULE = (
    "  Rotation:\n"
    "    Type: AWS::SecretsManager::RotationSchedule\n"
    "    Properties:\n"
    "      SecretId: !Ref SecretAttachment\n"
    "      RotationLambdaARN: arn:aws:lambda:us-east-1:111122223333:function:rotate\n"
    "      RotationRules:\n"
    "        ScheduleExpression: rate(30 days)\n"
)


def test_fires_on_a_database_secret_without_a_schedule():
    (f,) = findings(TEMPLATE, ["MF1414"])
    assert f.path == ("Resources", "DatabaseSecret") and f.fix is None
    assert (f.kind, f.severity) == ("hardening", "medium") and "Database" in f.message


def test_silent_when_a_schedule_names_the_secret_or_its_attachment():
    assert codes(TEMPLATE + SCHEDULE, ["MF1414"]) == []
    direct = SCHEDULE.replace("!Ref SecretAttachment", "!Ref DatabaseSecret")
    assert codes(TEMPLATE + direct, ["MF1414"]) == []


def test_silent_on_secrets_no_database_uses_and_on_rds_managed_passwords():
    alone = TEMPLATE.split("  Database:\n", 1)[0]
    assert codes(alone, ["MF1414"]) == []
    managed = dedent(
        """
        Resources:
          Database:
            Type: AWS::RDS::DBCluster
            Properties:
              Engine: aurora-postgresql
              MasterUsername: app
              ManageMasterUserPassword: true
        """
    )
    assert codes(managed, ["MF1414"]) == []
