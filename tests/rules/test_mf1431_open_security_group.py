"""MF1431: a security group open to the whole internet on SSH, RDP, a database port or all ports."""

from __future__ import annotations

import pytest

from tests.conftest import CORPUS, CORPUS_MISSING
from tests.helpers import as_json, codes, dedent, findings, fix_text

CODES = ["MF1431"]

FLAWED = dedent(
    """
    AWSTemplateFormatVersion: '2010-09-09'
    Parameters:
      SSHLocation:
        Description: Range allowed to SSH to the instance
        Type: String
        Default: 192.168.1.0/0  # a typo for /24: the whole internet
        AllowedPattern: (\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})/(\\d{1,2})
    Resources:
      InstanceSecurityGroup:
        Type: AWS::EC2::SecurityGroup
        Properties:
          GroupDescription: SSH and the web
          SecurityGroupIngress:
            - IpProtocol: tcp
              FromPort: 22
              ToPort: 22
              CidrIp: !Ref SSHLocation
            - IpProtocol: tcp
              FromPort: 443
              ToPort: 443
              CidrIp: 0.0.0.0/0  # the public web service
      DatabaseIngress:
        Type: AWS::EC2::SecurityGroupIngress
        Properties:
          GroupId: !GetAtt InstanceSecurityGroup.GroupId
          IpProtocol: tcp
          FromPort: 5432
          ToPort: 5432
          CidrIpv6: ::/0
    """
)

FIXED = dedent(
    """
    AWSTemplateFormatVersion: '2010-09-09'
    Parameters:
      SSHLocation:
        Description: Range allowed to SSH to the instance
        Type: String
        AllowedPattern: ^(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})/([89]|[12]\\d|3[0-2])$
        ConstraintDescription: 'must be an IPv4 CIDR range of /8 or narrower: not the whole internet.'
      DatabaseIngressCidrIpv6:
        Type: String
        Description: IPv6 range allowed in by the security group rule that used to admit the whole internet
        AllowedPattern: ^[0-9a-fA-F:]+/([89]|[1-9]\\d|1[01]\\d|12[0-8])$
        ConstraintDescription: 'must be an IPv6 CIDR range of /8 or narrower: not the whole internet.'
    Resources:
      InstanceSecurityGroup:
        Type: AWS::EC2::SecurityGroup
        Properties:
          GroupDescription: SSH and the web
          SecurityGroupIngress:
            - IpProtocol: tcp
              FromPort: 22
              ToPort: 22
              CidrIp: !Ref SSHLocation
            - IpProtocol: tcp
              FromPort: 443
              ToPort: 443
              CidrIp: 0.0.0.0/0  # the public web service
      DatabaseIngress:
        Type: AWS::EC2::SecurityGroupIngress
        Properties:
          GroupId: !GetAtt InstanceSecurityGroup.GroupId
          IpProtocol: tcp
          FromPort: 5432
          ToPort: 5432
          CidrIpv6: !Ref DatabaseIngressCidrIpv6
    """
)


def test_fires_on_ssh_from_a_slash_zero_default_and_a_database_port_from_ipv6_anywhere() -> None:
    ssh, db = findings(FLAWED, CODES)
    assert ssh.path == (
        "Resources",
        "InstanceSecurityGroup",
        "Properties",
        "SecurityGroupIngress",
        0,
    )
    assert "192.168.1.0/0 (default of parameter SSHLocation)" in ssh.message
    assert "SSH (22)" in ssh.message and ssh.kind == "defect" and ssh.severity == "high"
    assert db.path == ("Resources", "DatabaseIngress", "Properties")
    assert "PostgreSQL (5432)" in db.message
    for f in (ssh, db):
        assert f.fix is not None and not f.fix.safe


@pytest.mark.parametrize("as_text", [lambda t: t, as_json], ids=["yaml", "json"])
def test_fix_byte_for_byte_and_a_second_pass_finds_nothing(as_text) -> None:
    assert fix_text(as_text(FLAWED), CODES) == as_text(FIXED)
    assert codes(as_text(FIXED), CODES) == []


def test_conditions_and_allowed_values_count() -> None:
    text = FLAWED.replace(
        "      CidrIp: !Ref SSHLocation",
        "      CidrIp: !If [Office, 10.1.0.0/16, 0.0.0.0/0]",
    ).replace(
        "Resources:\n",
        "Conditions:\n  Office: !Equals [!Ref AWS::Region, eu-west-1]\nResources:\n",
        1,
    )
    ssh = findings(text, CODES)[0]
    assert "CidrIp 0.0.0.0/0 when Office is false" in ssh.message
    fixed = fix_text(text, CODES)
    assert "CidrIp: !If [Office, 10.1.0.0/16, !Ref SSHIngressCidr]" in fixed
    allowed = FLAWED.replace(
        "    Default: 192.168.1.0/0  # a typo for /24: the whole internet\n",
        "    AllowedValues: [10.0.0.0/8, 0.0.0.0/0]\n",
    )
    assert len(findings(allowed, CODES)) == 2
    assert "AllowedValues: [10.0.0.0/8]" in fix_text(allowed, CODES)


def test_load_balancer_only_group_open_on_all_traffic_is_narrowed_to_its_listeners() -> None:
    text = dedent(
        """
        Resources:
          LbGroup:
            Type: AWS::EC2::SecurityGroup
            Properties:
              GroupDescription: public load balancer
              VpcId: vpc-1
              SecurityGroupIngress:
                # anyone on the internet
                - CidrIp: 0.0.0.0/0
                  IpProtocol: '-1'
          Lb:
            Type: AWS::ElasticLoadBalancingV2::LoadBalancer
            Properties:
              SecurityGroups: [!Ref LbGroup]
              Subnets: [subnet-1, subnet-2]
          Listener:
            Type: AWS::ElasticLoadBalancingV2::Listener
            Properties:
              LoadBalancerArn: !Ref Lb
              Port: 80
              Protocol: HTTP
              DefaultActions: [{Type: fixed-response, FixedResponseConfig: {StatusCode: '200'}}]
        """
    )
    (finding,) = findings(text, CODES)
    assert finding.kind == "hardening" and finding.severity == "low"
    assert "listener ports 80" in finding.message
    fixed = text.replace(
        "          IpProtocol: '-1'\n",
        "          IpProtocol: tcp\n          FromPort: 80\n          ToPort: 80\n",
    )
    assert fix_text(text, CODES) == fixed
    assert fix_text(as_json(text), CODES) == as_json(fixed)


def test_silent_on_web_ports_private_ranges_and_parameters_without_a_default() -> None:
    text = FLAWED.replace(
        "    Default: 192.168.1.0/0  # a typo for /24: the whole internet\n", ""
    ).replace("CidrIpv6: ::/0", "CidrIp: 10.0.0.0/16")
    assert codes(text, CODES) == []
    assert codes(FIXED, CODES) == []


@pytest.mark.skipif(not CORPUS.is_dir(), reason=CORPUS_MISSING)
def test_corpus_ssh_location_typo_is_the_whole_internet() -> None:
    text = (CORPUS / "EC2/EC2InstanceWithSecurityGroupSample.yaml").read_text()
    (finding,) = findings(text, CODES)
    assert "192.168.1.0/0 (default of parameter SSHLocation)" in finding.message
    fixed = fix_text(text, CODES)
    assert "Default: 192.168.1.0/0" not in fixed
    assert codes(fixed, CODES) == []
