"""MF0601: the application load balancer writes access logs to a bucket made for them (spec 6.1)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn, values
from fixers.document import Document, EditError
from fixers.edits import (
    add_condition,
    add_depends_on,
    add_list_item,
    add_mapping,
    add_resource,
    add_statement,
    register_names,
    set_property,
    set_value,
)
from fixers.model import Finding, Fix
from fixers.retention import ensure_log_retention
from fixers.rules import Rule
from fixers.rules.alb._common import application_lbs, attribute, attribute_entries

BUCKET = "ALBAccessLogsBucket"
POLICY = "ALBAccessLogsBucketPolicy"
MAPPING = "ELBAccessLogsAccounts"
CONDITION = "ELBAccessLogsByAccount"
SERVICE_PRINCIPAL = "logdelivery.elasticloadbalancing.amazonaws.com"
NO_ACCOUNT = "none"

# Regions whose load-balancer log delivery writes as a regional Elastic Load Balancing account
# (AWS: "Enable access logs for your Application Load Balancer", Step 2; aws-notes §3; the
# China Regions from the amazonaws.cn guide). Every other Region, those launched in August 2022
# or later and Jakarta, writes as the log-delivery service principal.
ELB_ACCOUNTS: dict[str, str] = {
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-west-1": "027434742980",
    "us-west-2": "797873946194",
    "af-south-1": "098369216593",
    "ap-east-1": "754344448648",
    "ap-northeast-1": "582318560864",
    "ap-northeast-2": "600734575887",
    "ap-northeast-3": "383597477331",
    "ap-south-1": "718504428378",
    "ap-southeast-1": "114774131450",
    "ap-southeast-2": "783225319266",
    "ca-central-1": "985666609251",
    "eu-central-1": "054676820928",
    "eu-north-1": "897822967062",
    "eu-south-1": "635631232127",
    "eu-west-1": "156460612806",
    "eu-west-2": "652711504416",
    "eu-west-3": "009996457667",
    "me-south-1": "076674570225",
    "sa-east-1": "507241528517",
    "us-gov-east-1": "190560391635",
    "us-gov-west-1": "048591011584",
    "cn-north-1": "638102146993",
    "cn-northwest-1": "037604701340",
}
SERVICE_PRINCIPAL_REGIONS = (
    "ap-east-2",
    "ap-south-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-west-1",
    "eu-central-2",
    "eu-south-2",
    "il-central-1",
    "me-central-1",
    "mx-central-1",
)

MAPPING_DEFINITION: dict[str, Any] = {
    **{region: {"AccountId": account} for region, account in ELB_ACCOUNTS.items()},
    **{region: {"AccountId": NO_ACCOUNT} for region in SERVICE_PRINCIPAL_REGIONS},
}
CONDITION_DEFINITION: dict[str, Any] = {
    "Fn::Not": [
        {
            "Fn::Equals": [
                {"Fn::FindInMap": [MAPPING, {"Ref": "AWS::Region"}, "AccountId"]},
                NO_ACCOUNT,
            ]
        }
    ]
}

register_names(MAPPING, CONDITION, BUCKET, POLICY)


def bucket_definition(retention: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::S3::Bucket",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            # Load-balancer log delivery supports SSE-S3 only (no SSE-KMS).
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                ]
            },
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "VersioningConfiguration": {"Status": "Enabled"},
            "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            "LifecycleConfiguration": {
                "Rules": [
                    {
                        "Id": "ExpireAccessLogs",
                        "Status": "Enabled",
                        "ExpirationInDays": retention,
                        "NoncurrentVersionExpiration": {"NoncurrentDays": retention},
                        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
                    }
                ]
            },
        },
    }


def tls_statement(bucket: str) -> dict[str, Any]:
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [{"Fn::GetAtt": [bucket, "Arn"]}, {"Fn::Sub": f"${{{bucket}.Arn}}/*"}],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def delivery_statement(bucket: str, prefix: str, sid: str) -> dict[str, Any]:
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {
            "Fn::If": [
                CONDITION,
                {
                    "AWS": {
                        "Fn::Sub": [
                            "arn:${AWS::Partition}:iam::${ElbAccountId}:root",
                            {
                                "ElbAccountId": {
                                    "Fn::FindInMap": [MAPPING, {"Ref": "AWS::Region"}, "AccountId"]
                                }
                            },
                        ]
                    }
                },
                {"Service": SERVICE_PRINCIPAL},
            ]
        },
        "Action": "s3:PutObject",
        "Resource": {
            "Fn::Sub": f"arn:${{AWS::Partition}}:s3:::${{{bucket}}}/{prefix}/AWSLogs/${{AWS::AccountId}}/*"
        },
    }


class ALBAccessLogs(Rule):
    code = "MF0601"
    spec = ("6.1",)
    title = "Application load balancer without access logs"
    area = "load balancer"
    kind = "hardening"
    severity = "medium"
    fix_applicability = "safe"
    deploy_impact = "update"
    why = """
        Access logs are the record of every request the platform's edge received: client
        addresses, TLS details, latencies, status codes. A transaction platform needs them for
        incident response and for the audit trail, and must keep them as long as its other logs.
        Without `access_logs.s3.enabled` the load balancer keeps nothing.
    """
    bad = """
        ApplicationLoadBalancer:
          Type: AWS::ElasticLoadBalancingV2::LoadBalancer
          Properties:
            LoadBalancerAttributes:
              - Key: idle_timeout.timeout_seconds
                Value: '60'
    """
    good = """
        ALBAccessLogsBucket:
          Type: AWS::S3::Bucket
          DeletionPolicy: Retain
          UpdateReplacePolicy: Retain
          Properties:
            BucketEncryption:             # SSE-S3: the only encryption log delivery supports
              ServerSideEncryptionConfiguration:
                - ServerSideEncryptionByDefault: {SSEAlgorithm: AES256}
            PublicAccessBlockConfiguration: {BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true}
            VersioningConfiguration: {Status: Enabled}
            OwnershipControls: {Rules: [{ObjectOwnership: BucketOwnerEnforced}]}
            LifecycleConfiguration:
              Rules:
                - Id: ExpireAccessLogs
                  Status: Enabled
                  ExpirationInDays: !FindInMap [LogRetentionDays, !Ref LogRetentionYears, Days]
                  NoncurrentVersionExpiration:
                    NoncurrentDays: !FindInMap [LogRetentionDays, !Ref LogRetentionYears, Days]
        ALBAccessLogsBucketPolicy:        # TLS only; the Region's log delivery may write
          Type: AWS::S3::BucketPolicy
          ...
        ApplicationLoadBalancer:
          Type: AWS::ElasticLoadBalancingV2::LoadBalancer
          DependsOn: ALBAccessLogsBucketPolicy
          Properties:
            LoadBalancerAttributes:
              - Key: access_logs.s3.enabled
                Value: 'true'
              - Key: access_logs.s3.bucket
                Value: !Ref ALBAccessLogsBucket
              - Key: access_logs.s3.prefix
                Value: alb
    """
    fix_safety = """
        Safe (update). The fix adds the `ALBAccessLogsBucket` bucket (public access blocked,
        versioned, SSE-S3, `BucketOwnerEnforced`, kept on delete and replacement, objects and
        noncurrent versions expiring after the `LogRetentionYears` retention through the
        `LogRetentionDays` mapping, which it creates if missing), its bucket policy (a
        `DenyInsecureTransport` statement and `s3:PutObject` for the Region's log delivery on
        `<bucket>/<prefix>/AWSLogs/<account>/*` only), sets `access_logs.s3.enabled`, `.bucket`
        and `.prefix` on the load balancer and makes it depend on the policy (AWS checks the
        policy when the attribute is set). Changing load-balancer attributes is an in-place
        update without interruption.
    """
    notes = """
        AWS over the spec: the bucket is encrypted with SSE-S3 (AES256), not a KMS key: "the
        only server-side encryption option that's supported is Amazon S3-managed keys". Regions
        older than August 2022 deliver logs as a regional Elastic Load Balancing account; newer
        ones (and Jakarta, absent from AWS's account list) as the
        `logdelivery.elasticloadbalancing.amazonaws.com` service principal. The
        `ELBAccessLogsAccounts` mapping lists every Region with its account, or `none`, and the
        `ELBAccessLogsByAccount` condition picks the principal. A Region launched after this
        list needs one line in the mapping: CloudFormation stops with "Unable to get mapping"
        instead of writing a policy that does not work. Noncurrent versions expire after the
        same retention as current ones, so a log deleted or overwritten early is still kept for
        the full period. Checkov's CKV_AWS_18 (access logging on the bucket) is not met on
        purpose: logging the access-log bucket into itself loops, and into another bucket only
        moves the question.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for lb_id, lb in application_lbs(data):
            entries = attribute_entries(lb)
            if entries is None:
                continue  # attributes built by an intrinsic: nothing to read
            present, value = attribute(lb, "access_logs.s3.enabled")
            if present and values.as_bool(value) is not False:
                continue  # enabled, or set from a parameter or condition
            path = (
                ("Resources", lb_id, "Properties", "LoadBalancerAttributes")
                if "LoadBalancerAttributes" in cfn.props(lb)
                else ("Resources", lb_id)
            )
            yield self.finding(
                path,
                f"Load balancer {lb_id} keeps no access logs (access_logs.s3.enabled is "
                f"{'false' if present else 'not set'}).",
                Fix(
                    title=f"Send {lb_id}'s access logs to an encrypted, TLS-only, retention-managed {BUCKET}",
                    args=(lb_id,),
                    impact="update",
                    impact_detail="new bucket and bucket policy; the load balancer's attributes change in place",
                ),
            )

    def apply(self, doc: Document, lb_id: str) -> None:
        lbs = [lid for lid, _ in application_lbs(doc.data)]
        if lb_id not in lbs:
            raise EditError(f"{lb_id} is no longer an application load balancer")
        retention = ensure_log_retention(doc)
        add_mapping(doc, MAPPING, MAPPING_DEFINITION)
        add_condition(doc, CONDITION, CONDITION_DEFINITION)
        bucket = self._bucket(doc, retention)
        policy = self._policy(doc, bucket)
        prefix = "alb" if len(lbs) == 1 else lb_id.lower()
        sid = (
            "AllowLoadBalancerLogDelivery"
            if len(lbs) == 1
            else f"AllowLoadBalancerLogDelivery{lb_id}"
        )
        add_statement(
            doc,
            ("Resources", policy, "Properties", "PolicyDocument"),
            delivery_statement(bucket, prefix, sid),
        )
        wanted = [
            ("access_logs.s3.enabled", "true"),
            ("access_logs.s3.bucket", {"Ref": bucket}),
            ("access_logs.s3.prefix", prefix),
        ]
        entries = attribute_entries(cfn.resources(doc.data)[lb_id])
        if entries is None:
            raise EditError(f"{lb_id}'s LoadBalancerAttributes is not a plain list")
        if not entries:
            set_property(
                doc, lb_id, "LoadBalancerAttributes", [{"Key": k, "Value": v} for k, v in wanted]
            )
        else:
            for key, value in wanted:
                current = attribute_entries(cfn.resources(doc.data)[lb_id]) or []
                index = next((i for i, e in enumerate(current) if e.get("Key") == key), None)
                if index is None:
                    add_list_item(
                        doc,
                        ("Resources", lb_id, "Properties", "LoadBalancerAttributes"),
                        {"Key": key, "Value": value},
                    )
                else:
                    set_value(
                        doc,
                        (
                            "Resources",
                            lb_id,
                            "Properties",
                            "LoadBalancerAttributes",
                            index,
                            "Value",
                        ),
                        value,
                    )
        add_depends_on(doc, lb_id, policy)

    @staticmethod
    def _bucket(doc: Document, retention: Any) -> str:
        definition = bucket_definition(retention)
        current = doc.get(("Resources", BUCKET))
        if current is None:
            return add_resource(doc, BUCKET, definition)
        if current == definition:
            return BUCKET
        raise EditError(f"a resource named {BUCKET} exists with another definition")

    @staticmethod
    def _policy(doc: Document, bucket: str) -> str:
        for lid, res in cfn.of_type(doc.data, "AWS::S3::BucketPolicy"):
            if cfn.ref_target(cfn.props(res).get("Bucket")) == bucket:
                return lid
        if doc.exists(("Resources", POLICY)):
            raise EditError(f"a resource named {POLICY} exists with another definition")
        return add_resource(
            doc,
            POLICY,
            {
                "Type": "AWS::S3::BucketPolicy",
                "Properties": {
                    "Bucket": {"Ref": bucket},
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [tls_statement(bucket)],
                    },
                },
            },
        )
