"""The shared vocabulary of values (fixers.values): what an expression can take, read the same
way by every rule. The recall cases of the precision work are its first cases."""

from __future__ import annotations

from fixers import values
from fixers.values import ABSENT, Unknown

TEMPLATE = {
    "Parameters": {
        "Env": {"Type": "String", "Default": "dev", "AllowedValues": ["dev", "prod"]},
        "Image": {"Type": "String", "Default": "nginx"},
        "NoDefault": {"Type": "String"},
        "Snapshot": {"Type": "String", "Default": ""},
        "SshLocation": {"Type": "String", "Default": "192.168.1.0/0"},
        "Subnets": {"Type": "CommaDelimitedList", "Default": "a,b"},
    },
    "Conditions": {"HasSnapshot": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Snapshot"}, ""]}]}},
    "Mappings": {
        "Families": {"dev": {"Family": "aurora-postgresql15"}, "prod": {"Family": "postgres16"}},
        "ByRegion": {"us-east-1": {"Ami": "ami-1"}, "eu-west-1": {"Ami": "ami-2"}},
    },
    "Resources": {
        "Sg": {
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": {
                "SecurityGroupIngress": [
                    {
                        "IpProtocol": "tcp",
                        "FromPort": 22,
                        "ToPort": 22,
                        "CidrIp": {"Ref": "SshLocation"},
                    },
                    {
                        "Fn::If": [
                            "HasSnapshot",
                            {"IpProtocol": "-1", "SourceSecurityGroupId": {"Ref": "App"}},
                            {"Ref": "AWS::NoValue"},
                        ]
                    },
                ]
            },
        },
        "App": {"Type": "AWS::EC2::SecurityGroup", "Properties": {}},
        "Extra": {
            "Type": "AWS::EC2::SecurityGroupIngress",
            "Properties": {
                "GroupId": {"Ref": "Sg"},
                "IpProtocol": "tcp",
                "FromPort": "5432",
                "ToPort": "5432",
                "CidrIp": "10.0.0.0/16",
            },
        },
    },
}


def test_if_with_an_empty_branch_yields_both_branches_with_their_conditions():
    expr = {"Fn::If": ["HasSnapshot", {"Ref": "Snapshot"}, {"Ref": "AWS::NoValue"}]}
    found = values.options(TEMPLATE, expr)
    assert [(o.value, sorted(o.when)) for o in found] == [
        ("", [("HasSnapshot", True)]),
        (ABSENT, [("HasSnapshot", False)]),
    ]


def test_find_in_map_keyed_by_a_parameter_gives_each_allowed_entry():
    expr = {"Fn::FindInMap": ["Families", {"Ref": "Env"}, "Family"]}
    assert values.texts(TEMPLATE, expr) == ["aurora-postgresql15", "postgres16"]


def test_find_in_map_keyed_by_region_gives_every_entry():
    expr = {"Fn::FindInMap": ["ByRegion", {"Ref": "AWS::Region"}, "Ami"]}
    assert values.texts(TEMPLATE, expr) == ["ami-1", "ami-2"]


def test_parameter_default_is_the_literal_value():
    assert values.literal(TEMPLATE, {"Ref": "Image"}) == "nginx"
    assert values.literal(TEMPLATE, "httpd:2.4") == "httpd:2.4"
    found = values.options(TEMPLATE, {"Ref": "NoDefault"})
    assert isinstance(found[0].value, Unknown)
    assert "no default" in found[0].value.why


def test_sub_keeps_its_literal_text_where_parts_are_unknown():
    expr = {"Fn::Sub": "arn:aws:backup:${AWS::Region}:${AWS::AccountId}:backup-vault:my-dr-vault"}
    assert values.patterns(TEMPLATE, expr) == [
        "arn:aws:backup:${AWS::Region}:${AWS::AccountId}:backup-vault:my-dr-vault"
    ]
    assert values.sub_names(expr) == {"AWS::Region", "AWS::AccountId"}


def test_sub_variable_map_with_if_gives_each_branch():
    expr = {
        "Fn::Sub": [
            "arn:${P}:backup-vault:${Name}",
            {"P": "aws", "Name": {"Fn::If": ["HasSnapshot", "dr", {"Ref": "Image"}]}},
        ]
    }
    assert values.texts(TEMPLATE, expr) == [
        "arn:aws:backup-vault:dr",
        "arn:aws:backup-vault:nginx",
    ]


def test_comma_delimited_default_is_a_list():
    assert values.items(TEMPLATE, {"Ref": "Subnets"})[0].value == ["a", "b"]


def test_cidr_is_read_as_a_network():
    assert values.is_anywhere("192.168.1.0/0")
    assert values.is_anywhere("::/0")
    assert not values.is_anywhere("10.0.0.0/8")
    assert not values.is_anywhere("not a cidr")


def test_security_group_rules_through_parameters_conditions_and_standalone_ingress():
    rules = values.ingress(TEMPLATE, "Sg")
    assert [(r.protocol, r.low, r.high) for r in rules] == [
        ("tcp", 22, 22),
        ("-1", None, None),
        ("tcp", 5432, 5432),
    ]
    assert values.open_to_internet(TEMPLATE, rules[0].rule)  # the default 192.168.1.0/0
    assert values.admits(TEMPLATE, "Sg", 5432, sources=["App"])  # all traffic, conditional
    assert values.admits(TEMPLATE, "Sg", 5432, private_cidr=True)
    assert not values.admits(TEMPLATE, "Sg", 443, private_cidr=True)
    assert values.admits(TEMPLATE, "Sg", 22, any_cidr=True)


def test_integers_and_booleans_as_cloudformation_spells_them():
    assert values.as_int("30") == 30
    assert values.as_int(True) is None
    assert values.as_bool("True") is True
    assert values.can_be(TEMPLATE, {"Ref": "Env"}, "prod")
    assert not values.can_be(TEMPLATE, {"Ref": "Image"}, "prod")


def test_an_empty_branch_leaves_the_property_unset_and_conditions_read_as_words():
    expr = {"Fn::If": ["HasSnapshot", "snap-1", {"Ref": "AWS::NoValue"}]}
    unset = [o for o in values.options(TEMPLATE, expr) if values.empty(o.value)]
    assert [values.when_text(o.when) for o in unset] == ["when HasSnapshot is false"]
    assert values.empty("") and not values.empty("snap-1") and not values.empty(False)
    assert values.when_text(frozenset()) == ""
    assert values.consistent({("HasSnapshot", True), ("Env", False)})
    assert not values.consistent({("HasSnapshot", True), ("HasSnapshot", False)})


def test_hard_coded_text_leaves_parameters_to_the_deployer():
    assert values.hard_coded(TEMPLATE, "httpd:2.4") == ["httpd:2.4"]
    assert values.hard_coded(TEMPLATE, {"Ref": "Image"}) == []  # the deployer's choice
    assert values.hard_coded(TEMPLATE, {"Fn::Sub": "acme/${Image}:latest"}) == [
        "acme/${Image}:latest"
    ]
    by_key = {"Fn::FindInMap": ["Families", {"Ref": "Env"}, "Family"]}
    assert sorted(values.hard_coded(TEMPLATE, by_key)) == ["aurora-postgresql15", "postgres16"]


def test_branches_are_the_written_values_of_nested_ifs_with_their_paths():
    expr = {
        "Fn::If": [
            "HasSnapshot",
            {"Fn::If": ["HasSnapshot", {"Name": "a"}, {"Name": "never"}]},
            {"Ref": "AWS::NoValue"},
        ]
    }
    assert values.branches(expr) == [
        (("Fn::If", 1, "Fn::If", 1), {"Name": "a"}, frozenset({("HasSnapshot", True)}))
    ]
    assert values.branches({"Ref": "Image"}) == [((), {"Ref": "Image"}, frozenset())]


def test_branches_can_give_the_branches_where_a_property_is_unset():
    expr = {"Fn::If": ["HasKey", {"Fn::ImportValue": "key"}, {"Ref": "AWS::NoValue"}]}
    assert values.branches(expr, absent=True) == [
        (("Fn::If", 1), {"Fn::ImportValue": "key"}, frozenset({("HasKey", True)})),
        (("Fn::If", 2), values.ABSENT, frozenset({("HasKey", False)})),
    ]
    assert values.branches({"Ref": "AWS::NoValue"}, absent=True) == [
        ((), values.ABSENT, frozenset())
    ]


def test_ingress_rules_are_located_where_they_are_written():
    found = values.located_ingress(TEMPLATE)
    assert [(group, path) for group, path, _ in found] == [
        ("Sg", ("Resources", "Sg", "Properties", "SecurityGroupIngress", 0)),
        ("Sg", ("Resources", "Sg", "Properties", "SecurityGroupIngress", 1, "Fn::If", 1)),
        ("Sg", ("Resources", "Extra", "Properties")),
    ]
    assert found[0][2]["CidrIp"] == {"Ref": "SshLocation"}


def test_conditions_defined_through_one_another_are_not_independent():
    template = {
        "Parameters": {"Snapshot": {"Type": "String", "Default": ""}},
        "Conditions": {
            "UseSnapshot": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Snapshot"}, ""]}]},
            "NoSnapshot": {"Fn::Not": [{"Condition": "UseSnapshot"}]},
            "Both": {"Fn::And": [{"Condition": "UseSnapshot"}, {"Condition": "NoSnapshot"}]},
        },
    }
    assert not values.satisfiable(template, {("UseSnapshot", False), ("NoSnapshot", False)})
    assert values.satisfiable(template, {("UseSnapshot", True), ("NoSnapshot", False)})
    assert not values.satisfiable(template, {("Both", True)})
    expr = {
        "Fn::If": [
            "UseSnapshot",
            "from-snapshot",
            {"Fn::If": ["NoSnapshot", "fresh", "never"]},
        ]
    }
    assert values.texts(template, expr) == ["from-snapshot", "fresh"]
    assert [v for _, v, _ in values.branches(expr, data=template)] == ["from-snapshot", "fresh"]


def test_satisfiable_with_a_parameter_pinned() -> None:
    template = {
        "Parameters": {
            "KeySpec": {
                "Type": "String",
                "Default": "SYMMETRIC_DEFAULT",
                "AllowedValues": ["SYMMETRIC_DEFAULT", "RSA_2048"],
            }
        },
        "Conditions": {"Symmetric": {"Fn::Equals": [{"Ref": "KeySpec"}, "SYMMETRIC_DEFAULT"]}},
        "Resources": {},
    }
    assert values.satisfiable(template, {("Symmetric", False)})
    assert not values.satisfiable(
        template, {("Symmetric", False)}, given={"KeySpec": "SYMMETRIC_DEFAULT"}
    )
    assert values.satisfiable(
        template, {("Symmetric", True)}, given={"KeySpec": "SYMMETRIC_DEFAULT"}
    )


def test_one_default_port_per_engine_for_every_rule() -> None:
    from fixers.rules.database.common import default_port

    assert default_port("postgres") == default_port("aurora-postgresql") == 5432
    assert default_port("aurora") == default_port("aurora-mysql") == default_port("mariadb") == 3306
    assert default_port("oracle-ee") == 1521 and default_port("sqlserver-se") == 1433
    assert default_port("docdb") is None
