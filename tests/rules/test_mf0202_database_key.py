"""MF0202: the database is encrypted with a customer-managed key (spec 2.2)."""

from __future__ import annotations

import json

from tests.helpers import codes, dedent, findings, fix_text

FLAWED = dedent(
    """
    Resources:
      Ledger:   # the transaction store
        Type: AWS::RDS::DBCluster
        Properties:
          Engine: aurora-postgresql
          StorageEncrypted: true   # aws/rds
          MasterUsername: ledger
          ManageMasterUserPassword: true
    """
)

KEY_YAML = """\
  DatabaseKMSKey:
    Type: AWS::KMS::Key
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
    Properties:
      Description: Encrypts the Aurora database storage, snapshots and backups
      EnableKeyRotation: true
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Sid: EnableRootAccountAdministration
            Effect: Allow
            Principal:
              AWS: !Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:root
            Action:
              - kms:CancelKeyDeletion
              - kms:CreateAlias
              - kms:Delete*
              - kms:Describe*
              - kms:Disable*
              - kms:Enable*
              - kms:Get*
              - kms:List*
              - kms:Put*
              - kms:Revoke*
              - kms:RotateKeyOnDemand
              - kms:ScheduleKeyDeletion
              - kms:TagResource
              - kms:UntagResource
              - kms:Update*
            Resource: '*'
          - Sid: AllowRDSUse
            Effect: Allow
            Principal:
              AWS: !Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:root
            Action:
              - kms:CreateGrant
              - kms:Decrypt
              - kms:DescribeKey
              - kms:Encrypt
              - kms:GenerateDataKey*
              - kms:ListGrants
              - kms:ReEncrypt*
            Resource: '*'
            Condition:
              StringEquals:
                kms:CallerAccount: !Ref AWS::AccountId
                kms:ViaService: !Sub rds.${AWS::Region}.amazonaws.com
  DatabaseKMSKeyAlias:
    Type: AWS::KMS::Alias
    Properties:
      AliasName: !Sub alias/${AWS::StackName}/database
      TargetKeyId: !Ref DatabaseKMSKey
"""

FIXED = (
    FLAWED.replace(
        "      Engine: aurora-postgresql\n",
        "      Engine: aurora-postgresql\n      KmsKeyId: !GetAtt DatabaseKMSKey.Arn\n",
    )
    + KEY_YAML
)


def test_fires_unsafe_replacement_from_the_schema():
    (f,) = findings(FLAWED, ["MF0202"])
    assert f.path == ("Resources", "Ledger")
    assert f.fix.impact == "replacement" and not f.fix.safe
    assert "create-only" in f.fix.impact_detail


def test_fix_adds_a_least_privilege_key_and_references_it():
    out = fix_text(FLAWED, ["MF0202"])
    assert out == FIXED
    assert "# the transaction store" in out and "# aws/rds" in out
    # Production-grade: rotation, retention, no '*' principal, crypto only through RDS.
    assert "EnableKeyRotation: true" in KEY_YAML and "DeletionPolicy: Retain" in KEY_YAML
    assert "kms:*" not in KEY_YAML and "AWS: '*'" not in KEY_YAML
    assert "${AWS::Partition}" in KEY_YAML


def test_storage_encryption_is_turned_on_with_the_key():
    out = fix_text(FLAWED.replace("      StorageEncrypted: true   # aws/rds\n", ""), ["MF0202"])
    assert "      StorageEncrypted: true\n" in out and "KmsKeyId: !GetAtt DatabaseKMSKey.Arn" in out
    assert codes(out, ["MF0202"]) == []


def test_silent_with_a_key_of_its_own_or_no_database_or_restored():
    own = FLAWED.replace(
        "StorageEncrypted: true   # aws/rds",
        "StorageEncrypted: true\n      KmsKeyId: !Ref DataKeyArn",
    )
    assert codes(own, ["MF0202"]) == []
    via_alias = FIXED.replace(
        "KmsKeyId: !GetAtt DatabaseKMSKey.Arn", "KmsKeyId: !Ref DatabaseKMSKeyAlias"
    )
    assert codes(via_alias, ["MF0202"]) == []
    restored = FLAWED.replace(
        "Engine: aurora-postgresql", "Engine: aurora-postgresql\n      SnapshotIdentifier: snap"
    )
    assert codes(restored, ["MF0202"]) == []
    member = "Resources:\n  I:\n    Type: AWS::RDS::DBInstance\n    Properties:\n      DBClusterIdentifier: c\n      DBInstanceClass: db.r6g.large\n      Engine: aurora-postgresql\n"
    assert codes(member, ["MF0202"]) == []


def test_reuses_the_template_key_for_rds():
    with_key = FIXED.replace("      KmsKeyId: !GetAtt DatabaseKMSKey.Arn\n", "").replace(
        "DatabaseKMSKey", "StoreKey"
    )
    out = fix_text(with_key, ["MF0202"])
    assert "KmsKeyId: !GetAtt StoreKey.Arn" in out and "DatabaseKMSKey" not in out


def test_json_instance():
    template = {
        "Resources": {
            "Db": {
                "Type": "AWS::RDS::DBInstance",
                "Properties": {
                    "Engine": "postgres",
                    "DBInstanceClass": "db.m6g.large",
                    "AllocatedStorage": "50",
                    "StorageEncrypted": True,
                },
            }
        }
    }
    text = json.dumps(template, indent=2) + "\n"
    out = fix_text(text, ["MF0202"])
    data = json.loads(out)
    assert data["Resources"]["Db"]["Properties"]["KmsKeyId"] == {
        "Fn::GetAtt": ["DatabaseKMSKey", "Arn"]
    }
    assert list(data["Resources"]) == ["Db", "DatabaseKMSKey", "DatabaseKMSKeyAlias"]
    # Byte for byte: the file's own JSON layout, the new key after the template's resources.
    assert out == json.dumps(data, indent=2) + "\n"
    assert list(data["Resources"]["Db"]["Properties"]) == [
        "Engine",
        "DBInstanceClass",
        "AllocatedStorage",
        "KmsKeyId",
        "StorageEncrypted",
    ]


def _one(template: str):
    (f,) = findings(dedent(template), ["MF0202"])
    return f


def test_serverless_v1_storage_is_always_encrypted_and_the_message_says_so():
    f = _one(
        """
        Resources:
          Cluster:
            Type: AWS::RDS::DBCluster
            Properties:
              Engine: aurora-mysql
              EngineMode: serverless
        """
    )
    assert "always encrypted" in f.message and "aws/rds" in f.message
    assert "not encrypt" not in f.message
    assert (f.kind, f.severity) == ("hardening", "medium")
    chosen = dedent(
        """
        Resources:
          Cluster:
            Type: AWS::RDS::DBCluster
            Properties:
              Engine: aurora-mysql
              EngineMode: serverless
              KmsKeyId: !Ref KeyArn
        """
    )
    assert codes(chosen, ["MF0202"]) == []


def test_unencrypted_storage_is_a_high_defect_and_the_message_says_so():
    f = _one(FLAWED.replace("StorageEncrypted: true   # aws/rds", "StorageEncrypted: false"))
    assert (f.kind, f.severity) == ("defect", "high")
    assert "does not encrypt its storage" in f.message and "StorageEncrypted is false" in f.message
    absent = _one(FLAWED.replace("      StorageEncrypted: true   # aws/rds\n", ""))
    assert "StorageEncrypted is not set" in absent.message and absent.kind == "defect"
    managed = _one(FLAWED)
    assert (managed.kind, managed.severity) == ("hardening", "medium")


def test_unencrypted_by_a_parameter_default_is_medium_and_names_the_parameter():
    f = _one(
        """
        Parameters:
          Encrypt:
            Type: String
            Default: 'false'
        Resources:
          Db:
            Type: AWS::RDS::DBInstance
            Properties:
              Engine: postgres
              DBInstanceClass: db.m6g.large
              StorageEncrypted: !Ref Encrypt
        """
    )
    assert (f.kind, f.severity) == ("defect", "medium") and "parameter Encrypt" in f.message


def test_snapshot_identifier_with_an_empty_branch_is_read_in_that_branch():
    # Recall: the database is created new when no snapshot is given, and then unencrypted.
    template = """
        Parameters:
          Snapshot:
            Type: String
            Default: ''
        Conditions:
          UseSnapshot: !Not [!Equals [!Ref Snapshot, '']]
        Resources:
          Db:
            Type: AWS::RDS::DBInstance
            Properties:
              Engine: postgres
              DBInstanceClass: db.m6g.large
              DBSnapshotIdentifier: !If [UseSnapshot, !Ref Snapshot, !Ref AWS::NoValue]
        """
    f = _one(template)
    assert f.kind == "defect" and "when UseSnapshot is false" in f.message
    assert "created without a snapshot" in f.message and f.fix is None
    empty = template.replace("!Ref AWS::NoValue]", "'']")
    assert _one(empty).kind == "defect"
    always = template.replace(
        "!If [UseSnapshot, !Ref Snapshot, !Ref AWS::NoValue]", "arn:aws:rds:snap"
    )
    assert codes(dedent(always), ["MF0202"]) == []


def test_unencrypted_only_when_a_deployment_overrides_a_default_is_low() -> None:
    # The AWS Quick Start for Aurora PostgreSQL: encrypted unless the deployer says otherwise.
    text = dedent(
        """
        Parameters:
          DBAllocatedStorageEncrypted:
            Type: String
            Default: 'true'
            AllowedValues: ['true', 'false']
        Conditions:
          UseDatabaseEncryption: !Equals [!Ref DBAllocatedStorageEncrypted, 'true']
        Resources:
          Key:
            Type: AWS::KMS::Key
            Properties:
              EnableKeyRotation: true
              KeyPolicy: {Version: '2012-10-17', Statement: []}
          Cluster:
            Type: AWS::RDS::DBCluster
            Properties:
              Engine: aurora-postgresql
              StorageEncrypted: !If [UseDatabaseEncryption, true, false]
              KmsKeyId: !If [UseDatabaseEncryption, !GetAtt Key.Arn, !Ref AWS::NoValue]
        """
    )
    (finding,) = findings(text, ["MF0202"])
    assert finding.kind == "defect" and finding.severity == "low"
    assert "can be deployed with its storage unencrypted" in finding.message
    assert "UseDatabaseEncryption is false" in finding.message
