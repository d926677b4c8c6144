"""MF0301: instance parameter sizing differs between production and non-production (3.1, 10.2)."""

from __future__ import annotations

import json

from tests.helpers import codes, dedent, findings, fix_text

FLAWED = dedent(
    """
    Parameters:
      Stage:
        Type: String
        AllowedValues: [prod, dev]
      Size:
        Type: String
        Default: db.r6g.large
        AllowedValues: [db.r6g.large, db.r6g.xlarge]
    Conditions:
      Live: !Equals [!Ref Stage, prod]   # the template's own production condition
    Resources:
      Tuning:
        Type: AWS::RDS::DBParameterGroup
        Properties:
          Description: instance
          Family: aurora-postgresql16
          Parameters:
            max_connections: '1500'   # valid on a db.r6g.large (AWS default there is about 1800)
            shared_buffers: '2097152'  # 16 GiB: all the memory of the smallest class
            work_mem: '8192'
            log_min_duration_statement: '500'
      Writer:
        Type: AWS::RDS::DBInstance
        Properties:
          Engine: aurora-postgresql
          DBInstanceClass: !Ref Size
          DBParameterGroupName: !Ref Tuning
    """
)

FIXED = (
    FLAWED.replace("max_connections: '1500'", "max_connections: !If [Live, '1500', '200']")
    .replace(
        "shared_buffers: '2097152'",
        "shared_buffers: !If [Live, 'SUM({DBInstanceClassMemory/12038},-50003)', '{DBInstanceClassMemory/32768}']",
    )
    .replace("work_mem: '8192'", "work_mem: !If [Live, '8192', '4096']")
)


def test_fires_on_literal_sizing_with_reboot_impact() -> None:
    (finding,) = findings(FLAWED, ["MF0301"])
    assert finding.resource == "Tuning"
    assert finding.path == ("Resources", "Tuning", "Properties", "Parameters")
    assert finding.fix is not None and not finding.fix.safe
    assert finding.fix.impact == "reboot"
    assert (
        "max_connections" in finding.message and "log_min_duration_statement" not in finding.message
    )


def test_fix_uses_the_templates_condition_keeps_valid_literals_and_comments() -> None:
    fixed = fix_text(FLAWED, ["MF0301"])
    assert fixed == FIXED
    assert "# 16 GiB: all the memory of the smallest class" in fixed


def test_unknown_class_gets_formulas_for_production() -> None:
    text = FLAWED.replace("DBInstanceClass: !Ref Size", "DBInstanceClass: !ImportValue db-class")
    fixed = fix_text(text, ["MF0301"])
    assert (
        "max_connections: !If [Live, 'LEAST({DBInstanceClassMemory/9531392},5000)', '200']" in fixed
    )
    assert "work_mem: !If [Live, '{DBInstanceClassMemory/1048576}', '4096']" in fixed


def test_production_values_are_valid_on_every_allowed_class() -> None:
    # Only formulas or literals within the smallest allowed class's memory reach production.
    fixed = fix_text(FLAWED, ["MF0301"])
    assert "'2097152'" not in fixed
    smallest = 16 * 1024**3
    assert smallest // 9531392 >= 1500 and smallest / 256 >= 8192 * 1024


def test_silent_when_sized_another_way_or_absent() -> None:
    done = (
        FLAWED.replace("'1500'", "!If [Live, '1500', '100']")
        .replace("'2097152'", "'{DBInstanceClassMemory/32768}'")
        .replace("'8192'", "!FindInMap [Sizes, !Ref Stage, WorkMem]")
    )
    assert codes(done, ["MF0301"]) == []
    assert codes(FLAWED.replace("aurora-postgresql16", "aurora-mysql8.0"), ["MF0301"]) == []
    no_instance = FLAWED.split("  Writer:")[0]
    assert codes(no_instance, ["MF0301"]) == []


def test_json_adds_is_production_when_the_template_has_none() -> None:
    data = {
        "Resources": {
            "Params": {
                "Type": "AWS::RDS::DBParameterGroup",
                "Properties": {
                    "Description": "p",
                    "Family": "aurora-postgresql15",
                    "Parameters": {
                        "effective_cache_size": "6291456",
                        "maintenance_work_mem": "524288",
                    },
                },
            },
            "Db": {
                "Type": "AWS::RDS::DBInstance",
                "Properties": {
                    "Engine": "aurora-postgresql",
                    "DBInstanceClass": "db.r6g.2xlarge",
                    "DBParameterGroupName": {"Ref": "Params"},
                },
            },
        }
    }
    text = json.dumps(data, indent=2) + "\n"
    fixed = fix_text(text, ["MF0301"])
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
        "Resources": json.loads(text)["Resources"],
    }
    expected["Resources"]["Params"]["Properties"]["Parameters"] = {
        # 48 GiB of cache is within a db.r6g.2xlarge's 64 GiB: production keeps the literal.
        "effective_cache_size": {
            "Fn::If": ["IsProduction", "6291456", "{DBInstanceClassMemory/16384}"]
        },
        "maintenance_work_mem": {"Fn::If": ["IsProduction", "524288", "65536"]},
    }
    assert json.loads(fixed) == expected
    assert fixed == json.dumps(expected, indent=2) + "\n"


def test_family_from_a_mapping_is_read() -> None:
    # Recall: the parameter group's family given by !FindInMap.
    mapped = FLAWED.replace(
        "Family: aurora-postgresql16", "Family: !FindInMap [Engine, Postgres, Family]"
    )
    mapped = "Mappings:\n  Engine:\n    Postgres:\n      Family: aurora-postgresql16\n" + mapped
    assert "FindInMap" in mapped and codes(mapped, ["MF0301"]) == codes(FLAWED, ["MF0301"])
    assert codes(FLAWED, ["MF0301"]) == ["MF0301"]
