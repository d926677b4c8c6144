"""MF0103: every VPC sends flow logs to an encrypted CloudWatch log group with retention (spec 1.3)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fixers import cfn, kms, kms_edits
from fixers.document import Document, EditError
from fixers.edits import add_resource, register_names, unique_id
from fixers.model import Finding, Fix
from fixers.rules import Rule

try:  # the shared retention policy (LogRetentionYears); a literal 7 years without it
    from fixers.retention import ensure_log_retention
except ImportError:  # pragma: no cover
    ensure_log_retention = None  # type: ignore[assignment]

SEVEN_YEARS = 2557

register_names(
    *[
        f"{base}{n}"
        for n in ("", "2", "3")
        for base in ("VPCFlowLogsLogGroup", "VPCFlowLogsRole", "VPCFlowLogs")
    ]
)


def flow_logged(data: dict[str, Any]) -> tuple[set[str], bool]:
    """VPCs of the template with a flow log, and whether some flow log names what the template
    cannot show (a parameter, an import)."""
    res = cfn.resources(data)
    logged: set[str] = set()
    unseen = False
    for _, fl in cfn.of_type(data, "AWS::EC2::FlowLog"):
        p = cfn.props(fl)
        ids = cfn.list_of(p.get("ResourceId")) + cfn.list_of(p.get("ResourceIds"))
        for v in ids:
            target = cfn.ref_target(v)
            if target and res.get(target, {}).get("Type") == "AWS::EC2::VPC":
                logged.add(target)
            else:
                unseen = True
    return logged, unseen


class VpcFlowLogs(Rule):
    code = "MF0103"
    spec = ("1.3",)
    title = "VPC has no flow logs"
    area = "network"
    kind = "hardening"
    severity = "medium"
    fix_applicability = "safe"
    deploy_impact = "none"
    why = """
        Without VPC Flow Logs there is no record of which addresses talked to which, on which
        port, accepted or rejected: an incident cannot be reconstructed and auditors of a
        financial platform ask for network traffic records. Flow logs go to a CloudWatch log
        group that is encrypted with the platform's key and kept as long as the other logs.
    """
    bad = """
        VPC:
          Type: AWS::EC2::VPC                    # no AWS::EC2::FlowLog names it
    """
    good = """
        VPCFlowLogsLogGroup:
          Type: AWS::Logs::LogGroup
          DeletionPolicy: Retain
          UpdateReplacePolicy: Retain
          Properties:
            RetentionInDays: !FindInMap [LogRetentionDays, !Ref LogRetentionYears, Days]
            KmsKeyId: !GetAtt CloudWatchLogsKMSKey.Arn
        VPCFlowLogsRole:
          Type: AWS::IAM::Role                   # trusted by vpc-flow-logs.amazonaws.com for this account
          ...                                    # logs:CreateLogStream, PutLogEvents, DescribeLogStreams on the group
        VPCFlowLogs:
          Type: AWS::EC2::FlowLog
          Properties:
            ResourceId: !Ref VPC
            ResourceType: VPC
            TrafficType: ALL
            LogDestinationType: cloud-watch-logs
            LogGroupName: !Ref VPCFlowLogsLogGroup
            DeliverLogsPermissionArn: !GetAtt VPCFlowLogsRole.Arn
    """
    fix_safety = """
        Safe (none): only new resources. A log group `VPCFlowLogsLogGroup` (retained, retention
        from the shared `LogRetentionYears` parameter, seven years by default, encrypted with the
        template's CloudWatch Logs key, `CloudWatchLogsKMSKey` added if there is none), a role
        `VPCFlowLogsRole` that only `vpc-flow-logs.amazonaws.com` may assume, and only on behalf
        of this account's flow logs (`aws:SourceAccount`, `aws:SourceArn`), allowed
        `logs:CreateLogStream`, `logs:PutLogEvents` and `logs:DescribeLogStreams` on that log group
        alone, and the flow log `VPCFlowLogs` capturing ALL traffic of the VPC. Flow logs cost
        CloudWatch Logs ingestion; nothing running is touched.
    """
    notes = """
        AWS's flow-log role example also grants `logs:CreateLogGroup` and `logs:DescribeLogGroups`
        on `*`; the log group is created by the stack and the flow log delivers to an existing
        group, so neither is needed. A VPC with a flow log of any destination (S3, Firehose) is
        not reported; a template whose flow logs name a VPC from a parameter or an import is
        left alone, as the rule cannot tell which VPC they log.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        logged, unseen = flow_logged(data)
        if unseen:
            return
        for vpc, _ in cfn.of_type(data, "AWS::EC2::VPC"):
            if vpc in logged:
                continue
            yield self.finding(
                ("Resources", vpc),
                f"VPC {vpc} has no flow log: its network traffic is not recorded.",
                Fix(
                    title=f"Send all traffic of {vpc} to an encrypted flow-log group",
                    args=(vpc,),
                    impact="none",
                    impact_detail="new log group, role and flow log; nothing deployed changes",
                ),
            )

    def apply(self, doc: Document, vpc: str) -> None:
        if vpc not in cfn.resources(doc.data):
            raise EditError(f"{vpc} is gone")
        if vpc in flow_logged(doc.data)[0]:
            return
        key = kms_edits.ensure_logs_key(doc)
        retention = ensure_log_retention(doc) if ensure_log_retention is not None else SEVEN_YEARS
        group = add_resource(
            doc,
            unique_id(doc, "VPCFlowLogsLogGroup"),
            {
                "Type": "AWS::Logs::LogGroup",
                "DeletionPolicy": "Retain",
                "UpdateReplacePolicy": "Retain",
                "Properties": {"RetentionInDays": retention, "KmsKeyId": kms.key_arn(key)},
            },
        )
        role = add_resource(
            doc,
            unique_id(doc, "VPCFlowLogsRole"),
            {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                                "Action": "sts:AssumeRole",
                                "Condition": {
                                    "StringEquals": {
                                        "aws:SourceAccount": {"Ref": "AWS::AccountId"}
                                    },
                                    "ArnLike": {
                                        "aws:SourceArn": {
                                            "Fn::Sub": "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:vpc-flow-log/*"
                                        }
                                    },
                                },
                            }
                        ],
                    },
                    "Policies": [
                        {
                            "PolicyName": "DeliverFlowLogs",
                            "PolicyDocument": {
                                "Version": "2012-10-17",
                                "Statement": [
                                    {
                                        "Effect": "Allow",
                                        "Action": [
                                            "logs:CreateLogStream",
                                            "logs:DescribeLogStreams",
                                            "logs:PutLogEvents",
                                        ],
                                        "Resource": {"Fn::GetAtt": [group, "Arn"]},
                                    }
                                ],
                            },
                        }
                    ],
                },
            },
        )
        add_resource(
            doc,
            unique_id(doc, "VPCFlowLogs"),
            {
                "Type": "AWS::EC2::FlowLog",
                "Properties": {
                    "ResourceId": {"Ref": vpc},
                    "ResourceType": "VPC",
                    "TrafficType": "ALL",
                    "LogDestinationType": "cloud-watch-logs",
                    "LogGroupName": {"Ref": group},
                    "DeliverLogsPermissionArn": {"Fn::GetAtt": [role, "Arn"]},
                    "MaxAggregationInterval": 60,
                    "Tags": [
                        {"Key": "Name", "Value": {"Fn::Sub": "${AWS::StackName}-vpc-flow-logs"}}
                    ],
                },
            },
        )
