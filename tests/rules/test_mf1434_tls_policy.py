"""MF1434: an HTTPS or TLS listener accepts TLS 1.0 or 1.1."""

from __future__ import annotations

import pytest

from fixers.rules.alb.mf0602_https_listener import SSL_POLICY
from fixers.rules.beyond.mf1434_tls_policy import minimum_tls
from tests.helpers import as_json, codes, dedent, findings, fix_text

CODES = ["MF1434"]
FLAWED = dedent(
    """
    Parameters:
      CertificateArn: {Type: String}
    Resources:
      Lb:
        Type: AWS::ElasticLoadBalancingV2::LoadBalancer
        Properties:
          Subnets: [subnet-1, subnet-2]
      Https:
        Type: AWS::ElasticLoadBalancingV2::Listener
        Properties:
          LoadBalancerArn: !Ref Lb
          Port: 443
          Protocol: HTTPS
          SslPolicy: ELBSecurityPolicy-2016-08  # kept for old clients
          Certificates: [{CertificateArn: !Ref CertificateArn}]
          DefaultActions: [{Type: fixed-response, FixedResponseConfig: {StatusCode: '200'}}]
    """
)
FIXED = FLAWED.replace("ELBSecurityPolicy-2016-08", SSL_POLICY)
NO_POLICY = FLAWED.replace(
    "      SslPolicy: ELBSecurityPolicy-2016-08  # kept for old clients\n", ""
)
NO_POLICY_FIXED = NO_POLICY + f"      SslPolicy: {SSL_POLICY}\n"  # a new key goes last here


def test_policies_read_by_their_minimum_version() -> None:
    assert minimum_tls("ELBSecurityPolicy-2016-08") == "1.0"
    assert minimum_tls("ELBSecurityPolicy-FS-2018-06") == "1.0"
    assert minimum_tls("ELBSecurityPolicy-TLS13-1-0-2021-06") == "1.0"
    assert minimum_tls("ELBSecurityPolicy-TLS-1-1-2017-01") == "1.1"
    assert minimum_tls(SSL_POLICY) == "1.2"
    assert minimum_tls("ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09") == "1.2"
    assert minimum_tls("ELBSecurityPolicy-TLS13-1-3-2021-06") == "1.3"
    assert minimum_tls("custom") is None


def test_fires_on_an_outdated_or_absent_policy() -> None:
    (finding,) = findings(FLAWED, CODES)
    assert "ELBSecurityPolicy-2016-08: TLS 1.0" in finding.message
    assert finding.severity == "medium" and finding.kind == "hardening"
    assert finding.fix is not None and not finding.fix.safe and finding.fix.impact == "update"
    (finding,) = findings(NO_POLICY, CODES)
    assert "no SslPolicy" in finding.message
    internal = FLAWED.replace("      Subnets:", "      Scheme: internal\n      Subnets:")
    assert findings(internal, CODES)[0].severity == "low"


@pytest.mark.parametrize(
    ("before", "after"), [(FLAWED, FIXED), (NO_POLICY, NO_POLICY_FIXED)], ids=["old", "absent"]
)
@pytest.mark.parametrize("as_text", [lambda t: t, as_json], ids=["yaml", "json"])
def test_fix_byte_for_byte_and_a_second_pass_finds_nothing(before, after, as_text) -> None:
    assert fix_text(as_text(before), CODES) == as_text(after)
    assert codes(as_text(after), CODES) == []


def test_silent_on_a_tls12_policy_and_on_http() -> None:
    assert (
        codes(
            FLAWED.replace(
                "ELBSecurityPolicy-2016-08", "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"
            ),
            CODES,
        )
        == []
    )
    assert codes(NO_POLICY.replace("Protocol: HTTPS", "Protocol: HTTP"), CODES) == []
