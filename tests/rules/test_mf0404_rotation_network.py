"""MF0404: the rotation function in the VPC with a security group the database admits
(spec 2.4 and 4.4)."""

from __future__ import annotations

from fixers.document import Document
from tests.helpers import as_json, codes, findings, fix_text, fixture

FLAWED = fixture("rotation-placeholder.yaml")

FIXED = (
    FLAWED.replace(
        "              return {'statusCode': 200}\n",
        """\
              return {'statusCode': 200}
      VpcConfig:
        SecurityGroupIds:
          - !Ref LambdaSecurityGroup
        SubnetIds:
          - !Ref AppA
          - !Ref AppB
""",
    ).replace(
        "      Policies:\n",
        """\
      ManagedPolicyArns:
        - !Sub arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole
      Policies:
""",
    )
    + """\
  DatabaseIngressFromRotationLambda:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: !Ref DbFirewall
      Description: Database port from the secret rotation function
      IpProtocol: tcp
      FromPort: 5432
      ToPort: 5432
      SourceSecurityGroupId: !Ref LambdaSecurityGroup
  LambdaSecurityGroup:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: Secrets Manager rotation function of the database credentials
      VpcId: !Ref Net
      SecurityGroupEgress:
        - IpProtocol: tcp
          FromPort: 5432
          ToPort: 5432
          DestinationSecurityGroupId: !Ref DbFirewall
          Description: Database port to the database
        - IpProtocol: tcp
          FromPort: 443
          ToPort: 443
          CidrIp: 0.0.0.0/0
          Description: HTTPS to Secrets Manager (NAT gateway or interface endpoint)
      Tags:
        - Key: Name
          Value: !Sub ${AWS::StackName}-rotation-lambda
"""
)

ENDPOINT = """\
  EndpointFirewall:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: interface endpoints
      VpcId: !Ref Net
  SecretsEndpoint:
    Type: AWS::EC2::VPCEndpoint
    Properties:
      VpcId: !Ref Net
      VpcEndpointType: Interface
      ServiceName: !Sub com.amazonaws.${AWS::Region}.secretsmanager
      PrivateDnsEnabled: true
      SubnetIds: [!Ref AppA, !Ref AppB]
      SecurityGroupIds: [!Ref EndpointFirewall]
"""


def test_fires_on_a_function_outside_the_vpc() -> None:
    (finding,) = findings(FLAWED, ["MF0404"])
    assert finding.resource == "Rotator"
    assert finding.path == ("Resources", "Rotator", "Properties", "VpcConfig")
    assert finding.spec == ("2.4", "4.4")
    assert finding.fix is not None and finding.fix.safe and finding.fix.impact == "update"


def test_fix_byte_for_byte_and_converges() -> None:
    fixed = fix_text(FLAWED, ["MF0404"])
    assert fixed == FIXED
    assert "# the VPC" in fixed


def test_json_twin_is_fixed_byte_for_byte() -> None:
    assert fix_text(as_json(FLAWED), ["MF0404"]) == as_json(FIXED)


def test_what_the_fix_adds_is_valid_and_least_privilege() -> None:
    data = Document.from_text(FIXED).data
    res = data["Resources"]
    vpc = res["Rotator"]["Properties"]["VpcConfig"]
    assert vpc["SubnetIds"] and vpc["SecurityGroupIds"]  # Lambda needs both
    sg = res["LambdaSecurityGroup"]["Properties"]
    assert sg["VpcId"] == {"Ref": "Net"}
    # Egress: the database port to the database group only, and HTTPS; nothing else.
    assert {(e["FromPort"], e["ToPort"]) for e in sg["SecurityGroupEgress"]} == {
        (5432, 5432),
        (443, 443),
    }
    assert all(e["IpProtocol"] == "tcp" for e in sg["SecurityGroupEgress"])
    ingress = res["DatabaseIngressFromRotationLambda"]["Properties"]
    assert (ingress["FromPort"], ingress["ToPort"], ingress["IpProtocol"]) == (5432, 5432, "tcp")
    assert ingress["SourceSecurityGroupId"] == {"Ref": "LambdaSecurityGroup"}
    assert (
        "${AWS::Partition}" in res["RotatorRole"]["Properties"]["ManagedPolicyArns"][0]["Fn::Sub"]
    )


def test_the_endpoint_group_admits_the_function_on_443() -> None:
    fixed = fix_text(FLAWED + ENDPOINT, ["MF0404"])
    ingress = Document.from_text(fixed).data["Resources"][
        "SecretsManagerEndpointIngressFromRotationLambda"
    ]
    assert ingress["Properties"]["GroupId"] == {"Ref": "EndpointFirewall"}
    assert (ingress["Properties"]["FromPort"], ingress["Properties"]["ToPort"]) == (443, 443)


def test_an_endpoint_added_later_fires_again_and_converges() -> None:
    later = fix_text(FLAWED, ["MF0404"]) + ENDPOINT
    (finding,) = findings(later, ["MF0404"])
    assert finding.resource == "EndpointFirewall"
    # The same resources as when the endpoint was there from the start (the input texts differ
    # only in where the endpoint block sits).
    assert (
        Document.from_text(fix_text(later, ["MF0404"])).data["Resources"]
        == (Document.from_text(fix_text(FLAWED + ENDPOINT, ["MF0404"])).data["Resources"])
    )


def test_isolated_database_subnets_are_not_used_without_an_endpoint() -> None:
    # The cluster moves to subnets with no route out (as MF0101 makes them): the function still
    # goes to the NAT-routed subnets, from which it reaches both the cluster and Secrets Manager.
    text = (
        FLAWED.replace("SubnetIds: [!Ref AppA, !Ref AppB]", "SubnetIds: [!Ref DataA, !Ref DataB]")
        + """\
  DataA:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Net
      CidrBlock: 10.1.21.0/24
  DataB:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Net
      CidrBlock: 10.1.22.0/24
"""
    )
    vpc = Document.from_text(fix_text(text, ["MF0404"])).data["Resources"]["Rotator"]["Properties"][
        "VpcConfig"
    ]
    assert vpc["SubnetIds"] == [{"Ref": "AppA"}, {"Ref": "AppB"}]


def test_no_fix_without_a_way_to_secrets_manager() -> None:
    text = FLAWED.replace(
        "      NatGatewayId: nat-0123456789abcdef0\n",
        "      VpcPeeringConnectionId: pcx-0123456789abcdef0\n",
    )
    (finding,) = findings(text, ["MF0404"])
    assert finding.fix is None


def test_silent_when_already_right_under_other_names() -> None:
    text = (
        FLAWED.replace(
            "              return {'statusCode': 200}\n",
            """\
              return {'statusCode': 200}
      VpcConfig:
        SecurityGroupIds: [!Ref RotatorFirewall]
        SubnetIds: [!Ref AppA, !Ref AppB]
""",
        )
        .replace(
            "      GroupDescription: database\n      VpcId: !Ref Net\n",
            """\
      GroupDescription: database
      VpcId: !Ref Net
      SecurityGroupIngress:
        - IpProtocol: tcp
          FromPort: 5400
          ToPort: 5500
          SourceSecurityGroupId: !Ref RotatorFirewall
""",
        )
        .replace(
            "              - Effect: Allow   # the secret only\n",
            """\
              - Effect: Allow
                Action: [ec2:CreateNetworkInterface, ec2:DescribeNetworkInterfaces, ec2:DeleteNetworkInterface]
                Resource: '*'
              - Effect: Allow   # the secret only
""",
        )
        + """\
  RotatorFirewall:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: rotation
      VpcId: !Ref Net
"""
    )
    assert codes(text, ["MF0404"]) == []


def test_silent_when_the_network_is_not_in_the_template() -> None:
    text = FLAWED.replace(
        "VpcSecurityGroupIds: [!Ref DbFirewall]", "VpcSecurityGroupIds: [sg-0123456789abcdef0]"
    )
    assert codes(text, ["MF0404"]) == []
    assert codes(FLAWED.split("  Schedule:\n")[0], ["MF0404"]) == []


# The shape MF0402 used to write: the AWS-hosted function as a fallback in Fn::If around
# HostedRotationLambda, under the Secrets Manager transform. MF0402 reports it (it needs a human
# decision); this rule no longer keeps the hosted branch's VPC fields in step with the function.
HOSTED_FALLBACK = """\
      RotationLambdaARN: !If [HasLayer, !GetAtt Rotator.Arn, !Ref AWS::NoValue]
      HostedRotationLambda: !If
        - HasLayer
        - !Ref AWS::NoValue
        - RotationType: PostgreSQLSingleUser
"""


def with_hosted_fallback(text: str) -> str:
    return text.replace(
        "Resources:\n",
        "Parameters:\n  LayerArn: {Type: String, Default: ''}\n"
        "Conditions:\n  HasLayer: !Not [!Equals [!Ref LayerArn, '']]\n"
        "Transform: AWS::SecretsManager-2024-09-16\nResources:\n",
        1,
    ).replace("      RotationLambdaARN: !GetAtt Rotator.Arn\n", HOSTED_FALLBACK)


def test_the_hosted_branch_of_the_old_fallback_is_left_alone() -> None:
    text = with_hosted_fallback(FLAWED)
    (finding,) = findings(text, ["MF0404"])  # the function, not the hosted branch
    assert finding.path == ("Resources", "Rotator", "Properties", "VpcConfig")
    fixed = fix_text(text, ["MF0404"])
    assert fixed == with_hosted_fallback(FIXED)  # the function is placed; the branch untouched
    assert codes(with_hosted_fallback(FIXED), ["MF0404"]) == []
