"""MF0602: an HTTPS listener under a certificate condition, HTTP redirecting to it (spec 6.2)."""

from __future__ import annotations

from fixers.document import Document
from tests.helpers import codes, findings, fix_text, fixture

CODES = ["MF0602"]

FLAWED = fixture("mf0602/before.yaml")

FLAWED_JSON = fixture("mf0602/before.json")

FIXED = fixture("mf0602/after.yaml")

FIXED_JSON = fixture("mf0602/after.json")


def test_fires_on_an_http_only_load_balancer() -> None:
    (finding,) = findings(FLAWED, CODES)
    assert finding.resource == "Web"
    assert finding.path == ("Resources", "Web", "Properties", "Protocol")
    assert finding.fix is not None and finding.fix.safe


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
