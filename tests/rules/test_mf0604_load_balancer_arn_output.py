"""MF0604: the load balancer's ARN is an output, exported like the others (spec 6.4)."""

from __future__ import annotations

import json

from tests.helpers import codes, findings, fix_text, fixture

CODES = ["MF0604"]

FLAWED = fixture("mf0604/before.yaml")

FLAWED_JSON = fixture("mf0604/before.json")

FIXED = fixture("mf0604/after.yaml")

FIXED_JSON = fixture("mf0604/after.json")


def test_fires_without_an_arn_output() -> None:
    (finding,) = findings(FLAWED, CODES)
    assert finding.resource == "Edge"
    assert finding.fix is not None and finding.fix.safe and finding.fix.impact == "none"


def test_fix_yaml_follows_the_export_pattern() -> None:
    fixed = fix_text(FLAWED, CODES)
    assert fixed == FIXED
    assert "Name: !Sub shop-${AWS::StackName}-LoadBalancerArn" in fixed
    assert "# what other stacks import" in fixed


def test_fix_json_without_exports_adds_none() -> None:
    fixed = fix_text(FLAWED_JSON, CODES)
    assert fixed == FIXED_JSON
    assert "Export" not in json.loads(fixed)["Outputs"]["LoadBalancerArn"]


def test_conditional_load_balancer_gives_a_conditional_output() -> None:
    text = FLAWED.replace(
        "    Type: AWS::ElasticLoadBalancingV2::LoadBalancer\n",
        "    Type: AWS::ElasticLoadBalancingV2::LoadBalancer\n    Condition: Public\n",
    )
    text = text.replace(
        "Resources:\n",
        "Conditions:\n  Public: !Equals [!Ref AWS::Region, eu-west-1]\nResources:\n",
        1,
    )
    from fixers.document import Document

    output = Document.from_text(fix_text(text, CODES)).data["Outputs"]["LoadBalancerArn"]
    assert output["Condition"] == "Public"


def test_silent_when_an_output_already_gives_the_arn() -> None:
    text = FLAWED + "  TheArn:\n    Value: !Ref Edge\n"
    assert codes(text, CODES) == []
    assert codes("Resources:\n  T:\n    Type: AWS::SNS::Topic\n", CODES) == []


def test_load_balancer_type_from_a_parameter() -> None:
    text = FLAWED.replace(
        "Subnets: !Ref PublicSubnets", "Type: !Ref Kind\n      Subnets: !Ref PublicSubnets"
    )
    from fixers.document import Document

    output = Document.from_text(fix_text(text, CODES)).data["Outputs"]["LoadBalancerArn"]
    assert output["Description"] == "ARN of the load balancer"


def test_waf_is_named_only_for_application_load_balancers() -> None:
    # ElasticLoadBalancing/NetworkLoadBalancerWithEIPs.yaml: WAF cannot attach to an NLB.
    from tests.helpers import dedent, findings

    nlb = dedent(
        """
        Resources:
          Front:
            Type: AWS::ElasticLoadBalancingV2::LoadBalancer
            Properties:
              Type: network
              Subnets: [subnet-1]
        """
    )
    (f,) = findings(nlb, ["MF0604"])
    assert "WAF" not in f.message and (f.kind, f.severity) == ("convention", "low")
    (alb,) = findings(nlb.replace("Type: network", "Type: application"), ["MF0604"])
    assert "WAF" in alb.message
