"""MF0202: the Aurora cluster is encrypted with a customer-managed key RDS may use (spec 2.2)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn, kms, kms_edits, schema, values
from fixers.document import Document, EditError
from fixers.edits import set_property
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.rules.database.common import serverless_v1

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
        out.append(lid)
    return out


def _fresh_cases(data: dict[str, Any], p: dict[str, Any]) -> list[values.Option]:
    """The cases in which the database is created new rather than restored or replicated: no
    restore source at all (one unconditional case), or each restore source unset in some
    branch (``!If [Cond, snap, !Ref AWS::NoValue]``, an empty string, a parameter whose
    default is empty). Each case is an Option whose ``when`` says under which conditions and
    whose ``source`` names a parameter default it rests on. A source the template cannot show
    (a parameter without default, an import) counts as restoring: nothing is claimed."""
    cases = [values.Option(None)]
    for prop in RESTORED_FROM:
        if prop not in p:
            continue
        unset = [
            o for o in values.options(data, p[prop], defaults_only=True) if values.empty(o.value)
        ]
        written = [o for o in unset if o.source == "literal"]
        # A branch written empty (`!Ref AWS::NoValue`, '') is the template's own case; a
        # parameter's empty default under a condition that tests that parameter is not.
        unset = written or unset
        cases = [
            values.Option(
                None, case.when | o.when, o.source if o.source != "literal" else case.source
            )
            for case in cases
            for o in unset
            if values.consistent(case.when | o.when, data)
        ]
    return cases


def _storage_cases(
    data: dict[str, Any], p: dict[str, Any], when: frozenset[tuple[str, bool]]
) -> list[values.Option]:
    """Each value ``StorageEncrypted`` takes under ``when``: True, False (absent: the RDS
    default) or an Unknown."""
    if "StorageEncrypted" not in p:
        return [values.Option(False, when, "absent")]
    out = []
    for o in values.options(data, p["StorageEncrypted"], when, defaults_only=True):
        flag = False if values.empty(o.value) else values.as_bool(o.value)
        out.append(values.Option(o.value if flag is None else flag, o.when, o.source))
    return out


def _aws_managed_cases(
    data: dict[str, Any], p: dict[str, Any], when: frozenset[tuple[str, bool]]
) -> list[values.Option]:
    """The cases under ``when`` in which the storage key is the AWS managed ``aws/rds``: no
    KmsKeyId (in that branch), or the alias itself."""
    if "KmsKeyId" not in p:
        return [values.Option(None, when)]
    return [
        o
        for o in values.options(data, p["KmsKeyId"], when, defaults_only=True)
        if values.empty(o.value) or (isinstance(o.value, str) and o.value.endswith(AWS_MANAGED))
    ]


def _source(case: values.Option, value: values.Option) -> str:
    """What a case rests on besides literals: a parameter's default (the value's, else the
    restore source's), ``absent``, or ``literal``."""
    for source in (value.source, case.source):
        if source not in ("literal", "absent", ""):
            return source
    return value.source or "literal"


def _when(when: frozenset[tuple[str, bool]]) -> str:
    text = values.when_text(when)
    return f" {text}" if text else ""


class DatabaseKey(Rule):
    code = "MF0202"
    spec = ("2.2",)
    title = "Database storage is not encrypted with a customer-managed key"
    area = "encryption"
    kind = "hardening"
    severity = "medium"
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
        Premise: the template creates the database (it is not restored from a snapshot or
        replicated from a source in every case) and its storage is not encrypted with a key of
        the template's choosing. Two findings, told apart by kind: storage not encrypted at all
        (`StorageEncrypted` false or not set, the RDS default) is a `defect`, severity high (the
        data, its snapshots and backups are stored unencrypted and encryption cannot be turned on
        later; medium when the value is a parameter's default, since a deployment may pass
        another; low when only a non-default allowed value of a parameter leaves it unencrypted);
        storage encrypted with the AWS managed key `aws/rds` is `hardening`, severity
        medium. Aurora Serverless v1 (`EngineMode: serverless`) always encrypts its storage; a
        `KmsKeyId` may choose the key, and without one the message says it is `aws/rds`.

        A restore source that is unset in some branch (`SnapshotIdentifier: !If [Cond, snap,
        !Ref AWS::NoValue]`, an empty string, a parameter defaulting to empty) creates the
        database new in that branch: it is read there, and reported with the condition but no
        fix (the restored branch must not get `StorageEncrypted`). A database restored or
        replicated in every case takes its key from the source and is left alone; so is one
        whose `KmsKeyId` is a parameter, an import or an ARN, or whose `StorageEncrypted` comes
        from a parameter without a default. Instances that belong to a cluster take the
        cluster's key and are not reported. No longer reported: "not encrypted with a key of its
        own" for a Serverless v1 cluster (its storage is always encrypted).
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        res = cfn.resources(data)
        for lid in _targets(data):
            p = cfn.props(res[lid])
            rtype = res[lid]["Type"]
            noun = "Aurora cluster" if rtype == "AWS::RDS::DBCluster" else "DB instance"
            fresh = _fresh_cases(data, p)
            if not fresh:
                continue  # restored or replicated in every case: the source decides the key
            v1 = rtype == "AWS::RDS::DBCluster" and serverless_v1(data, res[lid])
            plain: list[values.Option] = []  # cases with unencrypted storage
            managed: list[values.Option] = []  # cases with the AWS managed key
            for case in fresh:
                storage = (
                    [values.Option(True, case.when)] if v1 else _storage_cases(data, p, case.when)
                )
                for s in storage:
                    if s.value is False:
                        plain.append(values.Option(None, s.when, _source(case, s)))
                    elif s.value is True:
                        managed.extend(
                            values.Option(None, m.when, _source(case, m))
                            for m in _aws_managed_cases(data, p, s.when)
                        )
            if not plain and not managed:
                continue
            value = p.get("KmsKeyId")
            path = (
                ("Resources", lid, "Properties", "KmsKeyId")
                if value is not None
                else ("Resources", lid)
            )
            restore_note = (
                " (created without a snapshot or source)"
                if any(k in p for k in RESTORED_FROM)
                else ""
            )
            if plain:
                case = plain[0]
                by_parameter = case.source not in ("literal", "absent")
                # Only a value other than the parameter's default leaves it unencrypted: the
                # template deploys encrypted unless a deployment chooses otherwise.
                default = values.literal(data, p.get("StorageEncrypted"), defaults_only=True)
                defaults = {
                    name: param["Default"]
                    for name, param in cfn.section(data, "Parameters").items()
                    if isinstance(param, dict) and "Default" in param
                }
                chosen_only = (
                    case.source.startswith("allowed value") and values.as_bool(default) is True
                ) or (bool(case.when) and not values.satisfiable(data, case.when, given=defaults))
                setting = (
                    "StorageEncrypted is not set"
                    if "StorageEncrypted" not in p
                    else "StorageEncrypted is false"
                )
                message = (
                    f"{noun} {lid}{restore_note} can be deployed with its storage unencrypted"
                    f"{_when(case.when)}, which the parameters' defaults do not choose: a "
                    "deployment that does stores the data, snapshots and automated backups "
                    "unencrypted, and encryption cannot be turned on for an existing database."
                    if chosen_only
                    else f"{noun} {lid}{restore_note} does not encrypt its storage{_when(case.when)}: "
                    f"{setting}"
                    + (
                        f" ({case.source}; the value a deployment passes is not in the template)"
                        if by_parameter
                        else ""
                    )
                    + ", so its data, snapshots and automated backups are stored unencrypted, and "
                    "encryption cannot be turned on for an existing database."
                )
                kind, severity = (
                    "defect",
                    ("low" if chosen_only else "medium" if by_parameter else "high"),
                )
            else:
                case = managed[0]
                if v1:
                    message = (
                        f"Aurora Serverless v1 cluster {lid}'s storage is always encrypted, here with the "
                        "AWS managed key aws/rds (no KmsKeyId chooses another): its policy cannot be "
                        "changed and its snapshots cannot be shared with another account; a "
                        "customer-managed key that RDS may use can."
                    )
                else:
                    message = (
                        f"{noun} {lid}{restore_note} is encrypted with the AWS managed key aws/rds"
                        f"{_when(case.when)}: its policy cannot be changed and its snapshots cannot "
                        "be shared with another account; use a customer-managed key that RDS may use."
                    )
                kind, severity = "hardening", "medium"
            impact = schema.property_change_impact(rtype, "KmsKeyId", schema.regions_for(doc.path))
            fixable = not any(k in p for k in RESTORED_FROM)
            yield self.finding(
                path,
                message,
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
                )
                if fixable
                else None,
                kind=kind,
                severity=severity,
            )

    def apply(self, doc: Document, lid: str) -> None:
        if lid not in cfn.resources(doc.data):
            raise EditError(f"{lid} is gone")
        key = kms_edits.ensure_database_key(doc)
        props = cfn.props(cfn.resources(doc.data)[lid])
        if props.get("StorageEncrypted") is not True:
            set_property(doc, lid, "StorageEncrypted", True)
        set_property(doc, lid, "KmsKeyId", kms.key_arn(key))
