"""MF0601: the load balancer's access logs go to a bucket made for them (spec 6.1)."""

from __future__ import annotations

import json

from fixers.document import Document
from fixers.retention import YEARS_TO_DAYS
from fixers.rules.alb.mf0601_access_logs import (
    ELB_ACCOUNTS,
    MAPPING_DEFINITION,
    SERVICE_PRINCIPAL_REGIONS,
)
from tests.helpers import codes, dedent, findings, fix_text

CODES = ["MF0601"]

FLAWED = dedent(
    """
    AWSTemplateFormatVersion: '2010-09-09'
    Parameters:
      PublicSubnets:
        Type: List<AWS::EC2::Subnet::Id>
    Resources:
      # The public edge of the shop
      Edge:
        Type: AWS::ElasticLoadBalancingV2::LoadBalancer
        Properties:
          Subnets: !Ref PublicSubnets
          LoadBalancerAttributes:
            - Key: idle_timeout.timeout_seconds
              Value: '60'  # long polls
            - Key: access_logs.s3.enabled
              Value: 'false'  # switched off "for now"
    """
)

FLAWED_JSON = (
    json.dumps(
        {
            "Resources": {
                "Lb": {
                    "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
                    "Properties": {"Subnets": ["subnet-1", "subnet-2"]},
                }
            }
        },
        indent=2,
    )
    + "\n"
)

FIXED = """\
AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  PublicSubnets:
    Type: List<AWS::EC2::Subnet::Id>
  LogRetentionYears:
    Type: String
    Default: '7'
    AllowedValues:
      - '1'
      - '2'
      - '3'
      - '5'
      - '6'
      - '7'
      - '8'
      - '9'
      - '10'
    Description: Years to keep logs (CloudWatch Logs and log buckets); only the years CloudWatch Logs has a retention for are allowed.
Mappings:
  ELBAccessLogsAccounts:
    us-east-1:
      AccountId: '127311923021'
    us-east-2:
      AccountId: '033677994240'
    us-west-1:
      AccountId: '027434742980'
    us-west-2:
      AccountId: '797873946194'
    af-south-1:
      AccountId: '098369216593'
    ap-east-1:
      AccountId: '754344448648'
    ap-northeast-1:
      AccountId: '582318560864'
    ap-northeast-2:
      AccountId: '600734575887'
    ap-northeast-3:
      AccountId: '383597477331'
    ap-south-1:
      AccountId: '718504428378'
    ap-southeast-1:
      AccountId: '114774131450'
    ap-southeast-2:
      AccountId: '783225319266'
    ca-central-1:
      AccountId: '985666609251'
    eu-central-1:
      AccountId: '054676820928'
    eu-north-1:
      AccountId: '897822967062'
    eu-south-1:
      AccountId: '635631232127'
    eu-west-1:
      AccountId: '156460612806'
    eu-west-2:
      AccountId: '652711504416'
    eu-west-3:
      AccountId: '009996457667'
    me-south-1:
      AccountId: '076674570225'
    sa-east-1:
      AccountId: '507241528517'
    us-gov-east-1:
      AccountId: '190560391635'
    us-gov-west-1:
      AccountId: '048591011584'
    cn-north-1:
      AccountId: '638102146993'
    cn-northwest-1:
      AccountId: '037604701340'
    ap-east-2:
      AccountId: none
    ap-south-2:
      AccountId: none
    ap-southeast-3:
      AccountId: none
    ap-southeast-4:
      AccountId: none
    ap-southeast-5:
      AccountId: none
    ap-southeast-6:
      AccountId: none
    ap-southeast-7:
      AccountId: none
    ca-west-1:
      AccountId: none
    eu-central-2:
      AccountId: none
    eu-south-2:
      AccountId: none
    il-central-1:
      AccountId: none
    me-central-1:
      AccountId: none
    mx-central-1:
      AccountId: none
  LogRetentionDays:
    '1':
      Days: 365
    '2':
      Days: 731
    '3':
      Days: 1096
    '5':
      Days: 1827
    '6':
      Days: 2192
    '7':
      Days: 2557
    '8':
      Days: 2922
    '9':
      Days: 3288
    '10':
      Days: 3653
Conditions:
  ELBAccessLogsByAccount: !Not [!Equals [!FindInMap [ELBAccessLogsAccounts, !Ref AWS::Region, AccountId], none]]
Resources:
  # The public edge of the shop
  Edge:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    DependsOn: ALBAccessLogsBucketPolicy
    Properties:
      Subnets: !Ref PublicSubnets
      LoadBalancerAttributes:
        - Key: access_logs.s3.bucket
          Value: !Ref ALBAccessLogsBucket
        - Key: idle_timeout.timeout_seconds
          Value: '60'  # long polls
        - Key: access_logs.s3.enabled
          Value: 'true'  # switched off "for now"
        - Key: access_logs.s3.prefix
          Value: alb
  ALBAccessLogsBucket:
    Type: AWS::S3::Bucket
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
    Properties:
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault:
              SSEAlgorithm: AES256
      PublicAccessBlockConfiguration:
        BlockPublicAcls: true
        BlockPublicPolicy: true
        IgnorePublicAcls: true
        RestrictPublicBuckets: true
      VersioningConfiguration:
        Status: Enabled
      OwnershipControls:
        Rules:
          - ObjectOwnership: BucketOwnerEnforced
      LifecycleConfiguration:
        Rules:
          - Id: ExpireAccessLogs
            Status: Enabled
            ExpirationInDays: !FindInMap [LogRetentionDays, !Ref LogRetentionYears, Days]
            NoncurrentVersionExpiration:
              NoncurrentDays: !FindInMap [LogRetentionDays, !Ref LogRetentionYears, Days]
            AbortIncompleteMultipartUpload:
              DaysAfterInitiation: 7
  ALBAccessLogsBucketPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref ALBAccessLogsBucket
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Sid: AllowLoadBalancerLogDelivery
            Effect: Allow
            Principal: !If
              - ELBAccessLogsByAccount
              - AWS: !Sub
                  - arn:${AWS::Partition}:iam::${ElbAccountId}:root
                  - ElbAccountId: !FindInMap [ELBAccessLogsAccounts, !Ref AWS::Region, AccountId]
              - Service: logdelivery.elasticloadbalancing.amazonaws.com
            Action: s3:PutObject
            Resource: !Sub arn:${AWS::Partition}:s3:::${ALBAccessLogsBucket}/alb/AWSLogs/${AWS::AccountId}/*
          - Sid: DenyInsecureTransport
            Effect: Deny
            Principal: '*'
            Action: s3:*
            Resource:
              - !GetAtt ALBAccessLogsBucket.Arn
              - !Sub ${ALBAccessLogsBucket.Arn}/*
            Condition:
              Bool:
                aws:SecureTransport: 'false'
"""

FIXED_JSON = """\
{
  "Parameters": {
    "LogRetentionYears": {
      "Type": "String",
      "Default": "7",
      "AllowedValues": [
        "1",
        "2",
        "3",
        "5",
        "6",
        "7",
        "8",
        "9",
        "10"
      ],
      "Description": "Years to keep logs (CloudWatch Logs and log buckets); only the years CloudWatch Logs has a retention for are allowed."
    }
  },
  "Mappings": {
    "ELBAccessLogsAccounts": {
      "us-east-1": {
        "AccountId": "127311923021"
      },
      "us-east-2": {
        "AccountId": "033677994240"
      },
      "us-west-1": {
        "AccountId": "027434742980"
      },
      "us-west-2": {
        "AccountId": "797873946194"
      },
      "af-south-1": {
        "AccountId": "098369216593"
      },
      "ap-east-1": {
        "AccountId": "754344448648"
      },
      "ap-northeast-1": {
        "AccountId": "582318560864"
      },
      "ap-northeast-2": {
        "AccountId": "600734575887"
      },
      "ap-northeast-3": {
        "AccountId": "383597477331"
      },
      "ap-south-1": {
        "AccountId": "718504428378"
      },
      "ap-southeast-1": {
        "AccountId": "114774131450"
      },
      "ap-southeast-2": {
        "AccountId": "783225319266"
      },
      "ca-central-1": {
        "AccountId": "985666609251"
      },
      "eu-central-1": {
        "AccountId": "054676820928"
      },
      "eu-north-1": {
        "AccountId": "897822967062"
      },
      "eu-south-1": {
        "AccountId": "635631232127"
      },
      "eu-west-1": {
        "AccountId": "156460612806"
      },
      "eu-west-2": {
        "AccountId": "652711504416"
      },
      "eu-west-3": {
        "AccountId": "009996457667"
      },
      "me-south-1": {
        "AccountId": "076674570225"
      },
      "sa-east-1": {
        "AccountId": "507241528517"
      },
      "us-gov-east-1": {
        "AccountId": "190560391635"
      },
      "us-gov-west-1": {
        "AccountId": "048591011584"
      },
      "cn-north-1": {
        "AccountId": "638102146993"
      },
      "cn-northwest-1": {
        "AccountId": "037604701340"
      },
      "ap-east-2": {
        "AccountId": "none"
      },
      "ap-south-2": {
        "AccountId": "none"
      },
      "ap-southeast-3": {
        "AccountId": "none"
      },
      "ap-southeast-4": {
        "AccountId": "none"
      },
      "ap-southeast-5": {
        "AccountId": "none"
      },
      "ap-southeast-6": {
        "AccountId": "none"
      },
      "ap-southeast-7": {
        "AccountId": "none"
      },
      "ca-west-1": {
        "AccountId": "none"
      },
      "eu-central-2": {
        "AccountId": "none"
      },
      "eu-south-2": {
        "AccountId": "none"
      },
      "il-central-1": {
        "AccountId": "none"
      },
      "me-central-1": {
        "AccountId": "none"
      },
      "mx-central-1": {
        "AccountId": "none"
      }
    },
    "LogRetentionDays": {
      "1": {
        "Days": 365
      },
      "2": {
        "Days": 731
      },
      "3": {
        "Days": 1096
      },
      "5": {
        "Days": 1827
      },
      "6": {
        "Days": 2192
      },
      "7": {
        "Days": 2557
      },
      "8": {
        "Days": 2922
      },
      "9": {
        "Days": 3288
      },
      "10": {
        "Days": 3653
      }
    }
  },
  "Conditions": {
    "ELBAccessLogsByAccount": {
      "Fn::Not": [
        {
          "Fn::Equals": [
            {
              "Fn::FindInMap": [
                "ELBAccessLogsAccounts",
                {
                  "Ref": "AWS::Region"
                },
                "AccountId"
              ]
            },
            "none"
          ]
        }
      ]
    }
  },
  "Resources": {
    "Lb": {
      "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
      "DependsOn": "ALBAccessLogsBucketPolicy",
      "Properties": {
        "LoadBalancerAttributes": [
          {
            "Key": "access_logs.s3.enabled",
            "Value": "true"
          },
          {
            "Key": "access_logs.s3.bucket",
            "Value": {
              "Ref": "ALBAccessLogsBucket"
            }
          },
          {
            "Key": "access_logs.s3.prefix",
            "Value": "alb"
          }
        ],
        "Subnets": [
          "subnet-1",
          "subnet-2"
        ]
      }
    },
    "ALBAccessLogsBucket": {
      "Type": "AWS::S3::Bucket",
      "DeletionPolicy": "Retain",
      "UpdateReplacePolicy": "Retain",
      "Properties": {
        "BucketEncryption": {
          "ServerSideEncryptionConfiguration": [
            {
              "ServerSideEncryptionByDefault": {
                "SSEAlgorithm": "AES256"
              }
            }
          ]
        },
        "PublicAccessBlockConfiguration": {
          "BlockPublicAcls": true,
          "BlockPublicPolicy": true,
          "IgnorePublicAcls": true,
          "RestrictPublicBuckets": true
        },
        "VersioningConfiguration": {
          "Status": "Enabled"
        },
        "OwnershipControls": {
          "Rules": [
            {
              "ObjectOwnership": "BucketOwnerEnforced"
            }
          ]
        },
        "LifecycleConfiguration": {
          "Rules": [
            {
              "Id": "ExpireAccessLogs",
              "Status": "Enabled",
              "ExpirationInDays": {
                "Fn::FindInMap": [
                  "LogRetentionDays",
                  {
                    "Ref": "LogRetentionYears"
                  },
                  "Days"
                ]
              },
              "NoncurrentVersionExpiration": {
                "NoncurrentDays": {
                  "Fn::FindInMap": [
                    "LogRetentionDays",
                    {
                      "Ref": "LogRetentionYears"
                    },
                    "Days"
                  ]
                }
              },
              "AbortIncompleteMultipartUpload": {
                "DaysAfterInitiation": 7
              }
            }
          ]
        }
      }
    },
    "ALBAccessLogsBucketPolicy": {
      "Type": "AWS::S3::BucketPolicy",
      "Properties": {
        "Bucket": {
          "Ref": "ALBAccessLogsBucket"
        },
        "PolicyDocument": {
          "Version": "2012-10-17",
          "Statement": [
            {
              "Sid": "AllowLoadBalancerLogDelivery",
              "Effect": "Allow",
              "Principal": {
                "Fn::If": [
                  "ELBAccessLogsByAccount",
                  {
                    "AWS": {
                      "Fn::Sub": [
                        "arn:${AWS::Partition}:iam::${ElbAccountId}:root",
                        {
                          "ElbAccountId": {
                            "Fn::FindInMap": [
                              "ELBAccessLogsAccounts",
                              {
                                "Ref": "AWS::Region"
                              },
                              "AccountId"
                            ]
                          }
                        }
                      ]
                    }
                  },
                  {
                    "Service": "logdelivery.elasticloadbalancing.amazonaws.com"
                  }
                ]
              },
              "Action": "s3:PutObject",
              "Resource": {
                "Fn::Sub": "arn:${AWS::Partition}:s3:::${ALBAccessLogsBucket}/alb/AWSLogs/${AWS::AccountId}/*"
              }
            },
            {
              "Sid": "DenyInsecureTransport",
              "Effect": "Deny",
              "Principal": "*",
              "Action": "s3:*",
              "Resource": [
                {
                  "Fn::GetAtt": [
                    "ALBAccessLogsBucket",
                    "Arn"
                  ]
                },
                {
                  "Fn::Sub": "${ALBAccessLogsBucket.Arn}/*"
                }
              ],
              "Condition": {
                "Bool": {
                  "aws:SecureTransport": "false"
                }
              }
            }
          ]
        }
      }
    }
  }
}
"""


def test_fires_on_a_load_balancer_with_logs_off() -> None:
    (finding,) = findings(FLAWED, CODES)
    assert finding.resource == "Edge"
    assert finding.path == ("Resources", "Edge", "Properties", "LoadBalancerAttributes")
    assert finding.fix is not None and finding.fix.safe and finding.fix.impact == "update"


def test_fix_yaml_byte_for_byte_keeps_comments() -> None:
    fixed = fix_text(FLAWED, CODES)
    assert fixed == FIXED
    assert "# The public edge of the shop" in fixed and "# long polls" in fixed


def test_fix_json_byte_for_byte() -> None:
    assert fix_text(FLAWED_JSON, CODES) == FIXED_JSON


def test_what_the_fix_adds_is_production_grade() -> None:
    data = Document.from_text(fix_text(FLAWED, CODES)).data
    bucket = data["Resources"]["ALBAccessLogsBucket"]
    assert bucket["DeletionPolicy"] == bucket["UpdateReplacePolicy"] == "Retain"
    props = bucket["Properties"]
    # Load-balancer log delivery supports SSE-S3 only.
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0][
        "ServerSideEncryptionByDefault"
    ] == {"SSEAlgorithm": "AES256"}
    assert (
        all(props["PublicAccessBlockConfiguration"].values())
        and len(props["PublicAccessBlockConfiguration"]) == 4
    )
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    (rule,) = props["LifecycleConfiguration"]["Rules"]
    expr = {"Fn::FindInMap": ["LogRetentionDays", {"Ref": "LogRetentionYears"}, "Days"]}
    assert (
        rule["ExpirationInDays"] == expr
        and rule["NoncurrentVersionExpiration"]["NoncurrentDays"] == expr
    )
    assert "ExpiredObjectDeleteMarker" not in rule  # S3 rejects it next to ExpirationInDays
    statements = data["Resources"]["ALBAccessLogsBucketPolicy"]["Properties"]["PolicyDocument"][
        "Statement"
    ]
    deny = next(s for s in statements if s["Effect"] == "Deny")
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    allow = next(s for s in statements if s["Effect"] == "Allow")
    assert allow["Action"] == "s3:PutObject"
    assert allow["Resource"] == {
        "Fn::Sub": "arn:${AWS::Partition}:s3:::${ALBAccessLogsBucket}/alb/AWSLogs/${AWS::AccountId}/*"
    }
    assert "AWSLogs" not in "alb"  # the prefix must not contain AWSLogs
    principal = allow["Principal"]["Fn::If"]
    assert principal[0] == "ELBAccessLogsByAccount"
    assert principal[2] == {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}
    lb = data["Resources"]["Edge"]
    assert lb["DependsOn"] == "ALBAccessLogsBucketPolicy"
    attrs = {a["Key"]: a["Value"] for a in lb["Properties"]["LoadBalancerAttributes"]}
    assert attrs["access_logs.s3.enabled"] == "true"
    assert attrs["access_logs.s3.bucket"] == {"Ref": "ALBAccessLogsBucket"}
    assert attrs["access_logs.s3.prefix"] == "alb"
    assert data["Parameters"]["LogRetentionYears"]["AllowedValues"] == list(YEARS_TO_DAYS)


def test_region_accounts_match_aws_notes() -> None:
    # aws-notes §3 and the AWS guide's list.
    assert ELB_ACCOUNTS["us-east-1"] == "127311923021"
    assert ELB_ACCOUNTS["us-east-2"] == "033677994240"
    assert ELB_ACCOUNTS["us-west-2"] == "797873946194"
    assert ELB_ACCOUNTS["eu-west-1"] == "156460612806"
    assert ELB_ACCOUNTS["eu-central-1"] == "054676820928"
    assert all(len(a) == 12 and a.isdigit() for a in ELB_ACCOUNTS.values())
    assert not set(ELB_ACCOUNTS) & set(SERVICE_PRINCIPAL_REGIONS)
    assert MAPPING_DEFINITION["me-central-1"] == {"AccountId": "none"}


def test_two_load_balancers_share_the_bucket_with_own_prefixes() -> None:
    text = FLAWED + (
        "  Internal:\n"
        "    Type: AWS::ElasticLoadBalancingV2::LoadBalancer\n"
        "    Properties:\n"
        "      Scheme: internal\n"
        "      Subnets: !Ref PublicSubnets\n"
    )
    data = Document.from_text(fix_text(text, CODES)).data
    statements = data["Resources"]["ALBAccessLogsBucketPolicy"]["Properties"]["PolicyDocument"][
        "Statement"
    ]
    resources = sorted(s["Resource"]["Fn::Sub"] for s in statements if s["Effect"] == "Allow")
    assert [r.split("/")[1] for r in resources] == ["edge", "internal"]


def test_silent_when_logs_are_on_or_set_elsewhere() -> None:
    on = FLAWED.replace("Value: 'false'  # switched", "Value: 'true'  # switched")
    assert codes(on, CODES) == []
    from_param = FLAWED.replace("Value: 'false'  # switched", "Value: !Ref LogsOn  # switched")
    assert codes(from_param, CODES) == []


def test_silent_without_an_application_load_balancer() -> None:
    nlb = FLAWED.replace(
        "Subnets: !Ref PublicSubnets", "Type: network\n      Subnets: !Ref PublicSubnets"
    )
    assert codes(nlb, CODES) == []
    assert codes("Resources:\n  T:\n    Type: AWS::SNS::Topic\n", CODES) == []
