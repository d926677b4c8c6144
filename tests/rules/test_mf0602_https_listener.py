"""MF0602: an HTTPS listener under a certificate condition, HTTP redirecting to it (spec 6.2)."""

from __future__ import annotations

from fixers.document import Document
from tests.helpers import codes, findings, fix_text, fixture, run_fix

CODES = ["MF0602"]

FLAWED = fixture("mf0602/before.yaml")

FLAWED_JSON = fixture("mf0602/before.json")

FIXED = fixture("mf0602/after.yaml")

FIXED_JSON = fixture("mf0602/after.json")


def test_fires_on_an_http_only_load_balancer() -> None:
    (finding,) = findings(FLAWED, CODES)
    assert finding.resource == "Web"
    assert finding.path == ("Resources", "Web", "Properties", "Protocol")
    # Web has a listener rule (ApiRule): its requests are not redirected, so the fix is unsafe
    # and says so; without rules it is safe (test_safe_without_listener_rules...).
    assert finding.fix is not None and not finding.fix.safe
    assert finding.fix.impact == "update"


def test_fix_yaml_byte_for_byte_keeps_comments() -> None:
    fixed = fix_text(FLAWED, CODES)
    assert fixed == FIXED
    assert "# plain HTTP only" in fixed and "# a path rule the HTTPS side must keep" in fixed


def test_fix_json_byte_for_byte() -> None:
    assert fix_text(FLAWED_JSON, CODES) == FIXED_JSON


def test_what_the_fix_adds() -> None:
    data = Document.from_text(fix_text(FLAWED, CODES)).data
    param = data["Parameters"]["CertificateArn"]
    assert param["Default"] == ""
    import re

    assert re.fullmatch(param["AllowedPattern"], "")
    assert re.fullmatch(
        param["AllowedPattern"],
        "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666",
    )
    assert re.fullmatch(
        param["AllowedPattern"], "arn:aws-us-gov:acm:us-gov-west-1:123456789012:certificate/abc"
    )
    assert not re.fullmatch(param["AllowedPattern"], "not-an-arn")
    assert data["Conditions"]["HasCertificate"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "CertificateArn"}, ""]}]
    }
    https = data["Resources"]["ALBListenerHTTPS"]
    assert https["Condition"] == "HasCertificate"
    assert https["Properties"]["Port"] == 443 and https["Properties"]["Protocol"] == "HTTPS"
    assert https["Properties"]["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    actions = data["Resources"]["Web"]["Properties"]["DefaultActions"]["Fn::If"]
    assert actions[0] == "HasCertificate"
    assert (
        actions[1][0]["Type"] == "redirect"
        and actions[1][0]["RedirectConfig"]["Protocol"] == "HTTPS"
    )
    assert actions[1][0]["RedirectConfig"]["StatusCode"] == "HTTP_301"
    assert actions[2] == https["Properties"]["DefaultActions"]
    mirror = data["Resources"]["ApiRuleHTTPS"]
    assert mirror["Condition"] == "HasCertificate"
    assert mirror["Properties"]["ListenerArn"] == {"Ref": "ALBListenerHTTPS"}
    assert mirror["Properties"]["Priority"] == 10


def test_reuses_the_templates_certificate_condition() -> None:
    text = FLAWED.replace(
        "Resources:\n",
        "  TlsCert:\n    Type: String\n    Default: ''\nConditions:\n  UseTls: !Not [!Equals ['', !Ref TlsCert]]\nResources:\n",
        1,
    )
    data = Document.from_text(fix_text(text, CODES)).data
    assert "CertificateArn" not in data["Parameters"] and "HasCertificate" not in data["Conditions"]
    assert data["Resources"]["ALBListenerHTTPS"]["Condition"] == "UseTls"
    assert data["Resources"]["ALBListenerHTTPS"]["Properties"]["Certificates"] == [
        {"CertificateArn": {"Ref": "TlsCert"}}
    ]


def test_silent_with_https_or_a_redirect_or_no_listener() -> None:
    https = FLAWED.replace("Port: 80\n      Protocol: HTTP\n", "Port: 443\n      Protocol: HTTPS\n")
    assert codes(https, CODES) == []
    redirect = FLAWED.replace(
        "        - Type: forward\n          TargetGroupArn: !Ref Blue\n  ApiRule",
        "        - Type: redirect\n          RedirectConfig: {Protocol: HTTPS, Port: '443', StatusCode: HTTP_301}\n  ApiRule",
    )
    assert codes(redirect, CODES) == []
    assert codes(FLAWED.split("  Web:")[0], CODES) == []
    internal = FLAWED.replace(
        "Subnets: !Ref PublicSubnets", "Scheme: internal\n      Subnets: !Ref PublicSubnets"
    )
    assert codes(internal, CODES) == []


# -- what the redirect leaves on HTTP or re-routes: listener rules, an ARN that leaves ---------

NO_RULES = FLAWED.split("  ApiRule:")[0]

NO_RULES_FIXED = """\
AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  VpcId:
    Type: AWS::EC2::VPC::Id
  PublicSubnets:
    Type: List<AWS::EC2::Subnet::Id>
  CertificateArn:
    Type: String
    Default: ''
    AllowedPattern: ^$|^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+$
    ConstraintDescription: Must be empty or the ARN of an ACM certificate.
    Description: ARN of the ACM certificate for the HTTPS listener; empty serves HTTP only.
Conditions:
  HasCertificate: !Not [!Equals [!Ref CertificateArn, '']]
Resources:
  Edge:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties:
      Subnets: !Ref PublicSubnets
  Blue:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties: {VpcId: !Ref VpcId, Port: 8080, Protocol: HTTP, TargetType: ip}
  Web:  # plain HTTP only
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: !Ref Edge
      Port: 80
      Protocol: HTTP
      DefaultActions: !If
        - HasCertificate
        - - Type: redirect
            RedirectConfig:
              Protocol: HTTPS
              Port: '443'
              Host: '#{host}'
              Path: /#{path}
              Query: '#{query}'
              StatusCode: HTTP_301
        - - Type: forward
            TargetGroupArn: !Ref Blue
  ALBListenerHTTPS:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Condition: HasCertificate
    Properties:
      LoadBalancerArn: !Ref Edge
      Port: 443
      Protocol: HTTPS
      SslPolicy: ELBSecurityPolicy-TLS13-1-2-2021-06
      Certificates:
        - CertificateArn: !Ref CertificateArn
      DefaultActions:
        - Type: forward
          TargetGroupArn: !Ref Blue
"""


def test_safe_without_listener_rules_and_with_the_arn_in_the_template() -> None:
    (finding,) = findings(NO_RULES, CODES)
    assert finding.fix is not None and finding.fix.safe and finding.fix.impact == "update"
    fixed = fix_text(NO_RULES, CODES)  # a second pass changes nothing
    assert fixed == NO_RULES_FIXED
    assert run_fix(fixed, CODES).new_text == fixed and codes(fixed, CODES) == []


def test_a_rule_of_the_http_listener_keeps_serving_http_and_the_fix_says_so() -> None:
    (finding,) = findings(FLAWED, CODES)
    detail = finding.fix.impact_detail
    assert not finding.fix.safe
    assert (
        "requests matching ApiRule (path-pattern /api/*; priority 10) keep being served over "
        "plain HTTP by Web (not redirected), and over HTTPS by its copy ApiRuleHTTPS"
    ) in detail
    assert "requests that match no listener rule of Web are redirected to HTTPS" in detail
    assert "ApiRule" in finding.message


def test_a_conditional_rule_is_re_routed_over_https() -> None:
    text = FLAWED.replace(
        "  ApiRule:  # a path rule the HTTPS side must keep\n",
        "  ApiRule:  # a path rule the HTTPS side must keep\n    Condition: Canary\n",
    ).replace(
        "Resources:\n", "Conditions:\n  Canary: !Equals [!Ref VpcId, canary]\nResources:\n", 1
    )
    (finding,) = findings(text, CODES)
    assert not finding.fix.safe
    assert (
        "requests matching ApiRule (path-pattern /api/*; priority 10), under a condition of its "
        "own and not copied, keep being served over HTTP by Web, but over HTTPS go to the default "
        "action (forward to Blue) instead"
    ) in finding.fix.impact_detail
    fixed = Document.from_text(fix_text(text, CODES)).data
    assert "ApiRuleHTTPS" not in fixed["Resources"]  # what the detail says: not copied


def test_an_exported_listener_arn_makes_the_fix_unsafe() -> None:
    exported = NO_RULES + (
        "Outputs:\n  WebListener:\n    Value: !Ref Web\n    Export:\n"
        "      Name: !Sub ${AWS::StackName}-web-listener\n"
    )
    (finding,) = findings(exported, CODES)
    assert not finding.fix.safe and finding.fix.impact == "update"
    assert (
        "Web's ARN is exported as output WebListener: listener rules other stacks attach to it "
        "keep serving HTTP, and their requests over HTTPS go to the default action (forward to "
        "Blue)"
    ) in finding.fix.impact_detail
    in_ssm = NO_RULES + (
        "  WebArn:\n    Type: AWS::SSM::Parameter\n    Properties:\n      Type: String\n"
        "      Value: !GetAtt Web.ListenerArn\n"
    )
    (finding,) = findings(in_ssm, CODES)
    assert not finding.fix.safe and "stored in SSM parameter WebArn" in finding.fix.impact_detail
