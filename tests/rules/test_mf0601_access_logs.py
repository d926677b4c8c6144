"""MF0601: the load balancer's access logs go to a bucket made for them (spec 6.1)."""

from __future__ import annotations

from fixers.document import Document
from fixers.retention import YEARS_TO_DAYS
from fixers.rules.alb.mf0601_access_logs import (
    ELB_ACCOUNTS,
    MAPPING_DEFINITION,
    SERVICE_PRINCIPAL_REGIONS,
)
from tests.helpers import codes, findings, fix_text, fixture

CODES = ["MF0601"]

FLAWED = fixture("mf0601/before.yaml")

FLAWED_JSON = fixture("mf0601/before.json")

FIXED = fixture("mf0601/after.yaml")

FIXED_JSON = fixture("mf0601/after.json")


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
