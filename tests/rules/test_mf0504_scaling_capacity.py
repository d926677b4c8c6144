"""MF0504: scaling capacity by environment (spec 5.4)."""

from __future__ import annotations

import json

from tests.helpers import codes, findings, fix_text, fixture

BASE = fixture("ecs-service.yaml")

FIXED = BASE.replace(
    "      MinCapacity: 1\n      MaxCapacity: 4\n",
    "      MinCapacity: !If [InProd, 3, 2]\n      MaxCapacity: !If [InProd, 20, 10]\n",
)


def test_fires_on_literal_capacities() -> None:
    found = findings(BASE, ["MF0504"])
    assert [f.path[-1] for f in found] == ["MinCapacity", "MaxCapacity"]
    assert all(f.resource == "Scaling" and f.fix and f.fix.safe for f in found)


def test_fix_reuses_the_production_condition_whatever_its_name() -> None:
    assert fix_text(BASE, ["MF0504"]) == FIXED


def test_silent_when_capacity_comes_from_parameters_or_mappings() -> None:
    text = BASE.replace("MinCapacity: 1", "MinCapacity: !Ref Stage").replace(
        "MaxCapacity: 4", "MaxCapacity: !FindInMap [Sizes, !Ref Stage, Max]"
    )
    assert codes(text, ["MF0504"]) == []
    assert codes(FIXED, ["MF0504"]) == []
    assert (
        codes(BASE.replace("ServiceNamespace: ecs", "ServiceNamespace: dynamodb"), ["MF0504"]) == []
    )


def test_json_without_production_condition_adds_one_and_is_unsafe() -> None:
    data = {
        "Resources": {
            "T": {
                "Type": "AWS::ECS::TaskDefinition",
                "Properties": {"ContainerDefinitions": [{"Name": "w", "Image": "nginx"}]},
            },
            "S": {"Type": "AWS::ECS::Service", "Properties": {"TaskDefinition": {"Ref": "T"}}},
            "St": {
                "Type": "AWS::ApplicationAutoScaling::ScalableTarget",
                "Properties": {
                    "ServiceNamespace": "ecs",
                    "ResourceId": {"Fn::Sub": "service/c/${S.Name}"},
                    "MinCapacity": 2,
                    "MaxCapacity": 6,
                },
            },
        }
    }
    text = json.dumps(data, indent=2) + "\n"
    assert all(not f.fix.safe for f in findings(text, ["MF0504"]))
    fixed = fix_text(text, ["MF0504"])
    props = dict(data["Resources"]["St"]["Properties"])
    props["MinCapacity"] = {"Fn::If": ["IsProduction", 3, 2]}
    props["MaxCapacity"] = {"Fn::If": ["IsProduction", 20, 10]}
    expected = {
        "Parameters": {
            "Environment": {
                "Type": "String",
                "Default": "development",
                "AllowedValues": ["production", "staging", "development"],
                "Description": "Deployment environment; production gets production sizing.",
            }
        },
        "Conditions": {"IsProduction": {"Fn::Equals": [{"Ref": "Environment"}, "production"]}},
        "Resources": dict(
            data["Resources"],
            St={"Type": "AWS::ApplicationAutoScaling::ScalableTarget", "Properties": props},
        ),
    }
    assert fixed == json.dumps(expected, indent=2) + "\n"
