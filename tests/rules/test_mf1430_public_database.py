"""MF1430: a database RDS makes reachable from the internet (PubliclyAccessible)."""

from __future__ import annotations

import pytest

from tests.helpers import as_json, codes, findings, fix_text, fixture

CODES = ["MF1430"]
FLAWED = fixture("beyond/public-database.yaml")  # true, in subnets that route to an IGW
FIXED = FLAWED.replace("PubliclyAccessible: true  #", "PubliclyAccessible: false  #")
UNSET = FLAWED.replace("      PubliclyAccessible: true  # analysts connect from the office\n", "")
UNSET_FIXED = UNSET.replace(
    "      DBSubnetGroupName: !Ref Subnets\n",
    "      DBSubnetGroupName: !Ref Subnets\n      PubliclyAccessible: false\n",
)


def test_fires_on_a_publicly_accessible_instance() -> None:
    (finding,) = findings(FLAWED, CODES)
    assert finding.path == ("Resources", "Reporting", "Properties", "PubliclyAccessible")
    assert finding.kind == "defect" and finding.severity == "high"
    assert finding.fix is not None and not finding.fix.safe and finding.fix.impact == "update"


def test_unset_in_a_vpc_with_an_internet_gateway_is_public() -> None:
    (finding,) = findings(UNSET, CODES)
    assert finding.path == ("Resources", "Reporting")
    assert "PubliclyAccessible unset" in finding.message
    assert "Vpc, which has an internet gateway attached" in finding.message


@pytest.mark.parametrize(
    ("before", "after"),
    [(FLAWED, FIXED), (UNSET, UNSET_FIXED)],
    ids=["true", "unset"],
)
@pytest.mark.parametrize("as_text", [lambda t: t, as_json], ids=["yaml", "json"])
def test_fix_byte_for_byte_and_a_second_pass_finds_nothing(before, after, as_text) -> None:
    assert fix_text(as_text(before), CODES) == as_text(after)
    assert codes(as_text(after), CODES) == []


def test_a_condition_branch_and_a_parameter_default_count() -> None:
    conditional = FLAWED.replace(
        "PubliclyAccessible: true", "PubliclyAccessible: !If [Office, true, false]"
    ).replace(
        "Resources:\n",
        "Conditions:\n  Office: !Equals [!Ref AWS::Region, eu-west-1]\nResources:\n",
        1,
    )
    (finding,) = findings(conditional, CODES)
    assert "publicly accessible when Office is true" in finding.message
    assert "!If [Office, false, false]" in fix_text(conditional, CODES)
    param = FLAWED.replace("PubliclyAccessible: true", "PubliclyAccessible: !Ref Public").replace(
        "Resources:\n",
        "Parameters:\n  Public:\n    Type: String\n    Default: 'true'\n"
        "    AllowedValues: ['true', 'false']\nResources:\n",
        1,
    )
    (finding,) = findings(param, CODES)
    assert "default of parameter Public" in finding.message
    assert "    Default: 'false'\n" in fix_text(param, CODES)


def test_a_multi_az_cluster_is_replaced() -> None:
    text = FLAWED.replace(
        "    Type: AWS::RDS::DBInstance\n    Properties:\n      Engine: postgres\n"
        "      DBInstanceClass: db.t3.micro\n      AllocatedStorage: '20'\n",
        "    Type: AWS::RDS::DBCluster\n    Properties:\n      Engine: postgres\n"
        "      DBClusterInstanceClass: db.m6gd.large\n      AllocatedStorage: 100\n"
        "      StorageType: io1\n      Iops: 1000\n",
    )
    (finding,) = findings(text, CODES)
    assert finding.fix is not None and finding.fix.impact == "replacement"


def test_silent_when_private_or_the_vpc_has_no_internet_gateway() -> None:
    private = FLAWED.replace("PubliclyAccessible: true", "PubliclyAccessible: false")
    assert codes(private, CODES) == []
    # MF0101 reports a private database in subnets that route to an internet gateway (it moves
    # the database) and says what the move does to public access: not reported twice.
    assert codes(private, ["MF0101"]) == ["MF0101"]
    (mf0101,) = findings(FLAWED, ["MF0101"])
    assert "Reporting is publicly accessible" in mf0101.message
    assert "moving it ends that" in mf0101.message
    no_gateway = UNSET.split("  Gateway:\n")[0] + "  SubnetA:\n" + UNSET.split("  SubnetA:\n")[1]
    assert "InternetGateway" not in no_gateway
    assert codes(no_gateway, CODES) == []


def test_without_a_subnet_group_the_default_vpc_decides() -> None:
    text = UNSET.replace("      DBSubnetGroupName: !Ref Subnets\n", "")
    (finding,) = findings(text, CODES)
    assert "default VPC" in finding.message
