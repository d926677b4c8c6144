"""MF1403: a database password in a container's Environment (beyond the spec)."""

from __future__ import annotations

from tests.helpers import as_json, codes, dedent, findings, fix_text

ROLE = dedent(
    """
    Resources:
      ExecutionRole:
        Type: AWS::IAM::Role
        Properties:
          AssumeRolePolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Effect: Allow
                Principal:
                  Service: ecs-tasks.amazonaws.com
                Action: sts:AssumeRole
    """
).split("\n", 1)[1]
TASK = dedent(
    """
    Resources:
      TaskDefinition:
        Type: AWS::ECS::TaskDefinition
        Properties:
          Family: app
          RequiresCompatibilities:
            - FARGATE
          NetworkMode: awsvpc
          Cpu: '256'
          Memory: '512'
          ExecutionRoleArn: !GetAtt ExecutionRole.Arn
          ContainerDefinitions:
            - Name: app  # the application
              Image: nginx
              Environment:
                - Name: DB_HOST
                  Value: db.internal
                - Name: DB_PASSWORD
                  Value: PASSWORD_VALUE
    """
).split("\n", 1)[1]

SECRET = dedent(
    """
    Resources:
      DatabaseSecret:
        Type: AWS::SecretsManager::Secret
        Properties:
          GenerateSecretString:
            SecretStringTemplate: '{"username": "app"}'
            GenerateStringKey: password
    """
)
RESOLVED = (
    SECRET
    + ROLE
    + TASK.replace(
        "PASSWORD_VALUE",
        "!Sub '{{resolve:secretsmanager:${DatabaseSecret}:SecretString:password}}'",
    )
)
RESOLVED_FIXED = (
    SECRET + ROLE + "      Policies:\n"
    "        - PolicyName: DatabaseSecretAccess\n"
    "          PolicyDocument:\n"
    "            Version: '2012-10-17'\n"
    "            Statement:\n"
    "              - Sid: ReadDatabaseSecret\n"
    "                Effect: Allow\n"
    "                Action: secretsmanager:GetSecretValue\n"
    "                Resource: !Ref DatabaseSecret\n"
    + TASK.replace(
        "            - Name: DB_PASSWORD\n              Value: PASSWORD_VALUE\n",
        "          Secrets:\n"
        "            - Name: DB_PASSWORD\n"
        "              ValueFrom: !Sub '${DatabaseSecret}:password::'\n",
    )
)

PARAMETER = (
    dedent(
        """
        Parameters:
          DBPassword:
            Type: String
            NoEcho: true
        Resources:
          Database:
            Type: AWS::RDS::DBInstance
            DeletionPolicy: Snapshot
            UpdateReplacePolicy: Snapshot
            Properties:
              Engine: postgres
              DBInstanceClass: db.t4g.micro
              AllocatedStorage: '20'
              BackupRetentionPeriod: 7
              PubliclyAccessible: false
              StorageEncrypted: true
              MasterUsername: app
              MasterUserPassword: !Ref DBPassword
        """
    )
    + ROLE
    + TASK.replace("PASSWORD_VALUE", "!Ref DBPassword")
)
PARAMETER_FIXED = (
    PARAMETER.replace("Parameters:\n  DBPassword:\n    Type: String\n    NoEcho: true\n", "")
    .replace(
        "      BackupRetentionPeriod: 7\n",
        "      BackupRetentionPeriod: 7\n      ManageMasterUserPassword: true\n",
    )
    .replace("      MasterUserPassword: !Ref DBPassword\n", "")
    .replace(
        "            Action: sts:AssumeRole\n",
        "            Action: sts:AssumeRole\n"
        "      Policies:\n"
        "        - PolicyName: DatabaseSecretAccess\n"
        "          PolicyDocument:\n"
        "            Version: '2012-10-17'\n"
        "            Statement:\n"
        "              - Sid: ReadDatabaseSecret\n"
        "                Effect: Allow\n"
        "                Action: secretsmanager:GetSecretValue\n"
        "                Resource: !GetAtt Database.MasterUserSecret.SecretArn\n",
    )
    .replace(
        "            - Name: DB_PASSWORD\n              Value: !Ref DBPassword\n",
        "          Secrets:\n"
        "            - Name: DB_PASSWORD\n"
        "              ValueFrom: !Sub '${Database.MasterUserSecret.SecretArn}:password::'\n",
    )
)


def test_fires_on_a_resolved_secret_in_the_environment():
    (f,) = findings(RESOLVED, ["MF1403"])
    assert f.path[-2:] == ("Environment", 1) and "dynamic reference" in f.message
    assert not f.fix.safe and f.fix.impact == "revision"


def test_fix_moves_a_resolved_secret_to_secrets_with_a_named_grant():
    assert fix_text(RESOLVED, ["MF1403"]) == RESOLVED_FIXED
    assert fix_text(as_json(RESOLVED), ["MF1403"]) == as_json(RESOLVED_FIXED)


def test_fix_hands_a_parameter_password_to_rds_and_reads_its_secret():
    out = fix_text(PARAMETER, ["MF1403"])
    assert out == PARAMETER_FIXED
    assert "# the application" in out
    assert fix_text(as_json(PARAMETER), ["MF1403"]) == as_json(PARAMETER_FIXED)


def test_literal_password_has_no_fix_and_other_variables_are_silent():
    literal = SECRET + ROLE + TASK.replace("PASSWORD_VALUE", "hunter22")
    (f,) = findings(literal, ["MF1403"])
    assert f.fix is None and "literal" in f.message
    plain = (
        SECRET + ROLE + TASK.replace("DB_PASSWORD", "LOG_LEVEL").replace("PASSWORD_VALUE", "info")
    )
    assert codes(plain, ["MF1403"]) == []
    assert codes(RESOLVED_FIXED, ["MF1403"]) == [] and codes(PARAMETER_FIXED, ["MF1403"]) == []


def _env(name: str, value: str) -> str:
    return (
        SECRET
        + ROLE
        + TASK.replace("- Name: DB_PASSWORD", f"- Name: {name}").replace(
            "Value: PASSWORD_VALUE", f"Value: {value}"
        )
    )


def test_a_user_name_from_the_secret_is_not_a_secret():
    user = _env(
        "POSTGRES_USER",
        "!Join ['', ['{{resolve:secretsmanager:', !Ref DatabaseSecret, ':SecretString:username}}']]",
    )
    assert codes(user, ["MF1403"]) == []
    jwt = _env(
        "JWT_SECRET",
        "!Join ['', ['{{resolve:secretsmanager:', !Ref DatabaseSecret, ':SecretString:password}}']]",
    )
    (f,) = findings(jwt, ["MF1403"])
    assert "JWT_SECRET" in f.message and f.severity == "high"
    assert f.title == "Secret in a container's environment"


def test_a_parameter_named_as_a_secret_without_no_echo_is_medium():
    named = "Parameters:\n  AdminAccessKey:\n    Type: String\n" + _env(
        "ADMIN_KEY", "!Ref AdminAccessKey"
    )
    (f,) = findings(named, ["MF1403"])
    assert f.severity == "medium" and f.fix is None and "AdminAccessKey" in f.message
    hidden = named.replace("    Type: String\n", "    Type: String\n    NoEcho: true\n", 1)
    assert findings(hidden, ["MF1403"])[0].severity == "high"
    label = named.replace("AdminAccessKey", "AdminKeyName")
    assert codes(label, ["MF1403"]) == []


def test_a_second_pass_finds_nothing_and_changes_no_byte() -> None:
    for text in (RESOLVED_FIXED, as_json(RESOLVED_FIXED)):
        assert codes(text, ["MF1403"]) == []
        assert fix_text(text, ["MF1403"]) == text
