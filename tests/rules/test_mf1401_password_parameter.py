"""MF1401: a database password parameter that is echoed or has a default (beyond the spec)."""

from __future__ import annotations

from tests.helpers import as_json, codes, dedent, findings, fix_text

TEMPLATE = dedent(
    """
    Metadata:
      AWS::CloudFormation::Interface:
        ParameterGroups:
          - Label:
              default: Database
            Parameters:
              - DBUser
              - DBPassword
    Parameters:
      DBUser:
        Type: String
        Default: app
      DBPassword:
        Type: String
        Default: ChangeMe12345
    Resources:
      # the transaction database
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
          MasterUsername: !Ref DBUser
          MasterUserPassword: !Ref DBPassword
    """
)

FIXED = (
    TEMPLATE.replace("          - DBPassword\n", "")
    .replace("  DBPassword:\n    Type: String\n    Default: ChangeMe12345\n", "")
    .replace(
        "      BackupRetentionPeriod: 7\n",
        "      BackupRetentionPeriod: 7\n      ManageMasterUserPassword: true\n",
    )
    .replace("      MasterUserPassword: !Ref DBPassword\n", "")
)


def test_fires_on_a_password_parameter_with_a_default_and_no_noecho():
    (f,) = findings(TEMPLATE, ["MF1401"])
    assert f.path == ("Parameters", "DBPassword") and f.kind == "defect"
    assert "NoEcho" in f.message and "Default" in f.message
    assert not f.fix.safe and f.fix.impact == "update"


def test_fix_lets_rds_manage_the_password_and_drops_the_parameter():
    out = fix_text(TEMPLATE, ["MF1401"])
    assert out == FIXED
    assert "# the transaction database" in out


def test_fix_in_json():
    assert fix_text(as_json(TEMPLATE), ["MF1401"]) == as_json(FIXED)


def test_fix_encrypts_the_managed_secret_with_the_templates_secrets_key():
    keyed = TEMPLATE.replace(
        "Resources:\n",
        "Resources:\n"
        "  Key:\n"
        "    Type: AWS::KMS::Key\n"
        "    Properties:\n"
        "      KeyPolicy:\n"
        "        Statement:\n"
        "          - Effect: Allow\n"
        "            Principal:\n"
        "              AWS: !Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:root\n"
        "            Action: kms:*\n"
        "            Resource: '*'\n"
        "            Condition:\n"
        "              StringEquals:\n"
        "                kms:ViaService: !Sub secretsmanager.${AWS::Region}.amazonaws.com\n",
    )
    out = fix_text(keyed, ["MF1401"])
    assert "      MasterUserSecret:\n        KmsKeyId: !GetAtt Key.Arn\n" in out


def test_silent_on_noecho_without_default_and_on_managed_passwords():
    minimum = TEMPLATE.replace("    Default: ChangeMe12345\n", "    NoEcho: true\n")
    assert codes(minimum, ["MF1401"]) == []
    assert codes(FIXED, ["MF1401"]) == []


def test_noecho_with_a_default_still_fires_and_no_fix_for_serverless_v1():
    echoed = TEMPLATE.replace("    Default: ChangeMe12345\n", "    NoEcho: true\n    Default: x\n")
    (f,) = findings(echoed, ["MF1401"])
    assert "Default" in f.message and "no NoEcho" not in f.message
    cluster = TEMPLATE.replace("AWS::RDS::DBInstance", "AWS::RDS::DBCluster").replace(
        "      Engine: postgres\n",
        "      Engine: aurora-postgresql\n      EngineMode: serverless\n",
    )
    (f,) = findings(cluster, ["MF1401"])
    assert f.fix is None


def test_rotation_rules_take_an_rds_managed_password_as_rotation_in_place():
    from tests.helpers import fixture

    flawed = fixture("rotation-placeholder.yaml")
    assert "MF0401" in codes(flawed, ["MF04"])
    managed = flawed.replace(
        "      MasterUserPassword: !Sub '{{resolve:secretsmanager:${Creds}:SecretString:password}}'\n",
        "      ManageMasterUserPassword: true\n",
    )
    assert managed != flawed
    assert codes(managed, ["MF04"]) == []


IMPORTED = dedent(
    """
    Parameters:
      ParentSecretStack:
        Type: String
        Default: ''
      DBMasterUserPassword:
        Type: String
        NoEcho: true
        Default: ''
    Conditions:
      HasSecret: !Not [!Equals [!Ref ParentSecretStack, '']]
    Resources:
      Cluster:
        Type: AWS::RDS::DBCluster
        Properties:
          Engine: aurora-postgresql
          MasterUsername: app
          MasterUserPassword: !If
            - HasSecret
            - !Join ['', ['{{resolve:secretsmanager:', {'Fn::ImportValue': !Sub '${ParentSecretStack}-SecretArn'}, ':SecretString:password}}']]
            - !Sub '${DBMasterUserPassword}'
    """
)


def test_a_stack_name_inside_a_dynamic_reference_is_not_the_password():
    assert codes(IMPORTED, ["MF1401"]) == []
    echoed = IMPORTED.replace("    NoEcho: true\n", "")
    (f,) = findings(echoed, ["MF1401"])
    assert f.path == ("Parameters", "DBMasterUserPassword")


SECRET_PASSWORD = dedent(
    """
    Parameters:
      DBPassword:
        Type: String
        Default: ''
    Conditions:
      HasPassword: !Not [!Equals [!Ref DBPassword, '']]
    Resources:
      Secret:
        Type: AWS::SecretsManager::Secret
        Properties:
          GenerateSecretString: !If
            - HasPassword
            - !Ref AWS::NoValue
            - SecretStringTemplate: '{"username": "master"}'
              GenerateStringKey: password
          SecretString: !If
            - HasPassword
            - !Sub '{"username":"master","password":"${DBPassword}"}'
            - !Ref AWS::NoValue
    """
)


def test_a_parameter_written_into_a_secrets_password_is_a_password_parameter():
    (f,) = findings(SECRET_PASSWORD, ["MF1401"])
    assert f.path == ("Parameters", "DBPassword") and f.fix is None
    assert "the password in secret Secret" in f.message and "GenerateSecretString" in f.message
    hidden = SECRET_PASSWORD.replace("    Default: ''\n", "    NoEcho: true\n")
    assert codes(hidden, ["MF1401"]) == []
    generated = SECRET_PASSWORD.replace('"password":"${DBPassword}"', '"note":"${DBPassword}"')
    assert codes(generated, ["MF1401"]) == []


def test_a_second_pass_finds_nothing_and_changes_no_byte() -> None:
    for text in (FIXED, as_json(FIXED)):
        assert codes(text, ["MF1401"]) == []
        assert fix_text(text, ["MF1401"]) == text
