"""MF0202: the Aurora cluster is encrypted with a customer-managed key RDS may use (spec 2.2)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn, kms, kms_edits, schema
from fixers.document import Document, EditError
from fixers.edits import set_property
from fixers.model import Finding, Fix
from fixers.rules import Rule

AWS_MANAGED = "alias/aws/rds"
# A cluster or instance restored from something takes its encryption from there.
RESTORED_FROM = (
    "SnapshotIdentifier",
    "SourceDBClusterIdentifier",
    "SourceDBInstanceIdentifier",
    "RestoreType",
    "DBSnapshotIdentifier",
    "SourceDbiResourceId",
    "DBClusterSnapshotIdentifier",
    "GlobalClusterIdentifier",
    "ReplicationSourceIdentifier",
    "SourceDBInstanceAutomatedBackupsArn",
)


def _targets(data: dict[str, Any]) -> list[str]:
    """Aurora clusters, and DB instances that are not members of a cluster."""
    out = []
    for lid, res in cfn.of_type(data, "AWS::RDS::DBCluster", "AWS::RDS::DBInstance"):
        p = cfn.props(res)
        if res["Type"] == "AWS::RDS::DBInstance" and "DBClusterIdentifier" in p:
            continue
        if any(k in p for k in RESTORED_FROM):
            continue
        out.append(lid)
    return out


class DatabaseKey(Rule):
    code = "MF0202"
    spec = ("2.2",)
    title = "Database storage is not encrypted with a customer-managed key"
    area = "encryption"
    severity = "high"
    fix_applicability = "unsafe"
    deploy_impact = "replacement"
    why = """
        `StorageEncrypted: true` without `KmsKeyId` encrypts the cluster, its snapshots and its
        backups with the AWS managed key `aws/rds`. That key's policy cannot be changed, it
        cannot be shared with another account (so encrypted snapshots cannot be copied to a
        disaster-recovery account), and its use cannot be restricted or revoked. Transaction
        data needs a customer-managed key the platform controls.
    """
    bad = """
        AuroraCluster:
          Type: AWS::RDS::DBCluster
          Properties:
            StorageEncrypted: true                # aws/rds
    """
    good = """
        DatabaseKMSKey:
          Type: AWS::KMS::Key
          DeletionPolicy: Retain
          UpdateReplacePolicy: Retain
          Properties:
            EnableKeyRotation: true
            KeyPolicy:                            # account administration, use only via RDS
              ...
        AuroraCluster:
          Type: AWS::RDS::DBCluster
          Properties:
            StorageEncrypted: true
            KmsKeyId: !GetAtt DatabaseKMSKey.Arn
    """
    fix_safety = """
        Unsafe (replacement). `KmsKeyId` (and `StorageEncrypted`) are create-only on
        `AWS::RDS::DBCluster` and `AWS::RDS::DBInstance` (read from the resource schema): on a
        deployed stack CloudFormation creates a new, empty cluster and deletes the old one
        (its `DeletionPolicy`/`UpdateReplacePolicy` decide whether a final snapshot is kept).
        Migrate by restoring a snapshot copied with the new key, then adopt it. On a new stack it
        is harmless. The fix reuses the template's key for RDS or adds `DatabaseKMSKey`
        (rotation on, retained; policy: account administration, use only through RDS in this
        account and Region, with the grants RDS needs) and its alias.
    """
    notes = """
        A cluster or instance restored from a snapshot or replicated from a source takes its key
        from there and is left alone; so is one whose `KmsKeyId` is a parameter, an import or an
        ARN. Instances that belong to a cluster take the cluster's key and are not reported.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        res = cfn.resources(data)
        for lid in _targets(data):
            p = cfn.props(res[lid])
            value = p.get("KmsKeyId")
            if value is not None and not (isinstance(value, str) and value.endswith(AWS_MANAGED)):
                continue  # a template key, a parameter, an import or an ARN: the cluster has its own key
            rtype = res[lid]["Type"]
            impact = schema.property_change_impact(rtype, "KmsKeyId", schema.regions_for(doc.path))
            kind = "Aurora cluster" if rtype == "AWS::RDS::DBCluster" else "DB instance"
            encrypted = p.get("StorageEncrypted")
            state = (
                "encrypted with the AWS managed key aws/rds"
                if encrypted is True or encrypted == "true"
                else "not encrypted with a key of its own"
            )
            yield self.finding(
                ("Resources", lid, "Properties", "KmsKeyId")
                if value is not None
                else ("Resources", lid),
                f"{kind} {lid} is {state}; it needs a customer-managed key that RDS may use.",
                Fix(
                    title=f"Encrypt {lid} with a customer-managed key",
                    args=(lid,),
                    impact=impact,
                    impact_detail=(
                        f"KmsKeyId is create-only on {rtype}: the deployed database is replaced "
                        "(restore from a snapshot copied with the new key)"
                        if impact == schema.REPLACEMENT
                        else "KmsKeyId update"
                        if impact == schema.UPDATE
                        else "the resource schemas cannot be read: the deploy impact is unknown"
                    ),
                ),
            )

    def apply(self, doc: Document, lid: str) -> None:
        if lid not in cfn.resources(doc.data):
            raise EditError(f"{lid} is gone")
        key = kms_edits.ensure_database_key(doc)
        props = cfn.props(cfn.resources(doc.data)[lid])
        if props.get("StorageEncrypted") is not True:
            set_property(doc, lid, "StorageEncrypted", True)
        set_property(doc, lid, "KmsKeyId", kms.key_arn(key))
