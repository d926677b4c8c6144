"""MF0102: private tasks and functions reach AWS services through VPC endpoints (spec 1.2)."""

from __future__ import annotations

import json

import yaml

from tests.helpers import codes, dedent, findings, fix_text

FLAWED = dedent(
    """
    Resources:
      Net:
        Type: AWS::EC2::VPC
        Properties:
          CidrBlock: 10.2.0.0/16   # DNS hostnames off by default
      Nat:
        Type: AWS::EC2::NatGateway
        Properties:
          SubnetId: !Ref Edge
          AllocationId: eipalloc-0123456789abcdef0
      Edge:
        Type: AWS::EC2::Subnet
        Properties: {VpcId: !Ref Net, CidrBlock: 10.2.0.0/24}
      WorkA:
        Type: AWS::EC2::Subnet
        Properties:
          VpcId: !Ref Net
          CidrBlock: 10.2.1.0/24
          AvailabilityZone: !Select [0, !GetAZs '']
      WorkB:
        Type: AWS::EC2::Subnet
        Properties:
          VpcId: !Ref Net
          CidrBlock: 10.2.2.0/24
          AvailabilityZone: !Select [1, !GetAZs '']
      WorkRoutes:
        Type: AWS::EC2::RouteTable
        Properties: {VpcId: !Ref Net}
      WorkDefault:
        Type: AWS::EC2::Route
        Properties:
          RouteTableId: !Ref WorkRoutes
          DestinationCidrBlock: 0.0.0.0/0
          NatGatewayId: !Ref Nat
      WorkAAssoc:
        Type: AWS::EC2::SubnetRouteTableAssociation
        Properties: {SubnetId: !Ref WorkA, RouteTableId: !Ref WorkRoutes}
      WorkBAssoc:
        Type: AWS::EC2::SubnetRouteTableAssociation
        Properties: {SubnetId: !Ref WorkB, RouteTableId: !Ref WorkRoutes}
      TaskSg:
        Type: AWS::EC2::SecurityGroup
        Properties: {GroupDescription: tasks, VpcId: !Ref Net}
      Task:
        Type: AWS::ECS::TaskDefinition
        Properties:
          ContainerDefinitions:
            - Name: app
              Image: !Ref Image   # from ECR
              LogConfiguration:
                LogDriver: awslogs
      Service:
        Type: AWS::ECS::Service
        Properties:
          TaskDefinition: !Ref Task
          NetworkConfiguration:
            AwsvpcConfiguration:
              Subnets: [!Ref WorkA, !Ref WorkB]
              SecurityGroups: [!Ref TaskSg]
    """
)

ADDED = (
    "".join(
        f"""\
  {name}:
    Type: AWS::EC2::VPCEndpoint
    Properties:
      VpcId: !Ref Net
      ServiceName: !Sub com.amazonaws.${{AWS::Region}}.{svc}
      VpcEndpointType: Interface
      PrivateDnsEnabled: true
      SubnetIds:
        - !Ref WorkA
        - !Ref WorkB
      SecurityGroupIds:
        - !Ref VPCEndpointSecurityGroup
"""
        for name, svc in (
            ("CloudWatchLogsVPCEndpoint", "logs"),
            ("ECRApiVPCEndpoint", "ecr.api"),
            ("ECRDkrVPCEndpoint", "ecr.dkr"),
        )
    )
    + """\
  S3VPCEndpoint:
    Type: AWS::EC2::VPCEndpoint
    Properties:
      VpcId: !Ref Net
      ServiceName: !Sub com.amazonaws.${AWS::Region}.s3
      VpcEndpointType: Gateway
      RouteTableIds:
        - !Ref WorkRoutes
  VPCEndpointSecurityGroup:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: HTTPS from the tasks and functions to the VPC interface endpoints
      VpcId: !Ref Net
      SecurityGroupIngress:
        - IpProtocol: tcp
          FromPort: 443
          ToPort: 443
          SourceSecurityGroupId: !Ref TaskSg
          Description: HTTPS from TaskSg
      SecurityGroupEgress:
        - IpProtocol: icmp
          FromPort: 252
          ToPort: 86
          CidrIp: 255.255.255.255/32
          Description: 'No outbound traffic: interface endpoints never open connections'
      Tags:
        - Key: Name
          Value: !Sub ${AWS::StackName}-vpc-endpoints
"""
)

FIXED = (
    FLAWED.replace(
        "      CidrBlock: 10.2.0.0/16   # DNS hostnames off by default\n",
        "      CidrBlock: 10.2.0.0/16   # DNS hostnames off by default\n      EnableDnsHostnames: true\n",
    )
    + ADDED
)


def test_fires_on_the_vpc_of_the_private_service():
    (f,) = findings(FLAWED, ["MF0102"])
    assert f.path == ("Resources", "Net") and "Service" in f.message
    assert (
        "ecr.api, ecr.dkr, logs, s3" in f.message and "secretsmanager" not in f.message
    )  # no secrets injected
    assert f.fix.safe and f.fix.impact == "update"


def test_fix_adds_endpoints_security_group_and_dns():
    out = fix_text(FLAWED, ["MF0102"])
    assert out == FIXED
    assert "# from ECR" in out
    data = yaml.safe_load(ADDED.replace("!Ref ", "").replace("!Sub ", ""))
    sg = data["VPCEndpointSecurityGroup"]["Properties"]
    assert all("CidrIp" not in r for r in sg["SecurityGroupIngress"])  # from the tasks' group only
    assert sg["SecurityGroupEgress"][0]["CidrIp"] == "255.255.255.255/32"


def test_a_rotation_function_later_moved_into_the_vpc_is_admitted_too():
    extra = (
        "  FnSg:\n    Type: AWS::EC2::SecurityGroup\n    Properties: {GroupDescription: fn, VpcId: !Ref Net}\n"
        "  Secret:\n    Type: AWS::SecretsManager::Secret\n"
        "  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.12\n      Handler: index.handler\n"
        "      Role: arn:aws:iam::123456789012:role/r\n      Code: {ZipFile: 'def handler(e, c): pass'}\n"
        "      VpcConfig:\n        SubnetIds: [!Ref WorkA, !Ref WorkB]\n        SecurityGroupIds: [!Ref FnSg]\n"
        "  Rotation:\n    Type: AWS::SecretsManager::RotationSchedule\n    Properties:\n      SecretId: !Ref Secret\n"
        "      RotationLambdaARN: !GetAtt Fn.Arn\n"
    )
    text = FIXED + extra
    (f,) = findings(text, ["MF0102"])
    assert (
        "no secretsmanager endpoint" in f.message
        and "VPCEndpointSecurityGroup does not admit HTTPS from FnSg" in f.message
    )
    out = fix_text(text, ["MF0102"])
    assert (
        "          Description: HTTPS from FnSg\n"
        "        - IpProtocol: tcp\n"
        "          FromPort: 443\n"
        "          ToPort: 443\n"
        "          SourceSecurityGroupId: !Ref TaskSg\n"
        "          Description: HTTPS from TaskSg\n"
    ) in out
    assert "  SecretsManagerVPCEndpoint:\n" in out
    # The ingress rules come in the same order as when everything is added at once.
    at_once = fix_text(FLAWED + extra, ["MF0102"])
    block = out[out.index("  VPCEndpointSecurityGroup:") : out.index("  FnSg:")]
    assert "SourceSecurityGroupId: !Ref FnSg" in block and block in at_once


def test_silent_for_public_or_absent_workloads_or_when_already_there_under_other_names():
    renamed = FIXED.replace("VPCEndpointSecurityGroup", "LinkSg")
    for old, new in (
        ("ECRApiVPCEndpoint", "RegistryApi"),
        ("ECRDkrVPCEndpoint", "Registry"),
        ("CloudWatchLogsVPCEndpoint", "Logs"),
        ("S3VPCEndpoint", "Layers"),
    ):
        renamed = renamed.replace(old, new)
    assert "VPCEndpoint:" not in renamed and codes(renamed, ["MF0102"]) == []
    public = (
        FLAWED.replace("NatGatewayId: !Ref Nat", "GatewayId: !Ref Igw")
        + "  Igw:\n    Type: AWS::EC2::InternetGateway\n"
    )
    assert codes(public, ["MF0102"]) == []
    assert (
        codes(FLAWED.replace("Type: AWS::ECS::Service", "Type: AWS::SNS::Topic"), ["MF0102"]) == []
    )
    unseen = (
        FIXED
        + "  Other:\n    Type: AWS::EC2::VPCEndpoint\n    Properties:\n      VpcId: !Ref Net\n      ServiceName: !Ref Svc\n"
    )
    assert (
        codes(
            unseen.replace("  S3VPCEndpoint:", "  S3VPCEndpointOld:").replace(
                "com.amazonaws.${AWS::Region}.s3", "x"
            ),
            ["MF0102"],
        )
        == []
    )


def test_existing_endpoint_without_private_dns_is_fixed_in_place():
    half = FIXED.replace(
        ".ecr.api\n      VpcEndpointType: Interface\n      PrivateDnsEnabled: true\n",
        ".ecr.api\n      VpcEndpointType: Interface\n",
    )
    (f,) = findings(half, ["MF0102"])
    assert "private DNS off on ECRApiVPCEndpoint" in f.message
    assert fix_text(half, ["MF0102"]) == FIXED.replace(
        ".ecr.api\n      VpcEndpointType: Interface\n      PrivateDnsEnabled: true\n",
        ".ecr.api\n      VpcEndpointType: Interface\n",
    ).replace(
        "  ECRApiVPCEndpoint:\n    Type: AWS::EC2::VPCEndpoint\n    Properties:\n",
        "  ECRApiVPCEndpoint:\n    Type: AWS::EC2::VPCEndpoint\n    Properties:\n      PrivateDnsEnabled: true\n",
    )


def test_json():
    data = yaml.safe_load(
        FLAWED.replace("!Ref ", "Ref::")
        .replace("!Select [0, !GetAZs '']", "a")
        .replace("!Select [1, !GetAZs '']", "b")
    )

    def longform(v):
        if isinstance(v, dict):
            return {k: longform(x) for k, x in v.items()}
        if isinstance(v, list):
            return [longform(x) for x in v]
        if isinstance(v, str) and v.startswith("Ref::"):
            return {"Ref": v[5:]}
        return v

    data = longform(data)
    text = json.dumps(data, indent=2) + "\n"
    out = fix_text(text, ["MF0102"])
    fixed = json.loads(out)
    assert out == json.dumps(fixed, indent=2) + "\n"
    assert list(fixed["Resources"])[-5:] == [
        "CloudWatchLogsVPCEndpoint",
        "ECRApiVPCEndpoint",
        "ECRDkrVPCEndpoint",
        "S3VPCEndpoint",
        "VPCEndpointSecurityGroup",
    ]
    assert fixed["Resources"]["Net"]["Properties"]["EnableDnsHostnames"] is True
    assert fixed["Resources"]["ECRDkrVPCEndpoint"]["Properties"]["ServiceName"] == {
        "Fn::Sub": "com.amazonaws.${AWS::Region}.ecr.dkr"
    }
