"""MF1001: the cluster parameter group loads and configures pgaudit (spec 10.1)."""

from __future__ import annotations

import json

from fixers.document import Document
from tests.helpers import codes, dedent, findings, fix_text

FLAWED = dedent(
    """
    Resources:
      ClusterParams:
        Type: AWS::RDS::DBClusterParameterGroup
        Properties:
          Description: cluster
          Family: aurora-postgresql15
          Parameters:
            # statistics for troubleshooting
            shared_preload_libraries: pg_stat_statements
            pgaudit.log: all   # the team's own choice is kept
      Ledger:
        Type: AWS::RDS::DBCluster
        Properties:
          Engine: aurora-postgresql
          DBClusterParameterGroupName: !Ref ClusterParams
    """
)

FIXED = FLAWED.replace(
    "shared_preload_libraries: pg_stat_statements\n",
    "shared_preload_libraries: pg_stat_statements,pgaudit\n",
).replace(
    "pgaudit.log: all   # the team's own choice is kept\n",
    "pgaudit.log: all   # the team's own choice is kept\n"
    "        pgaudit.log_catalog: '0'\n"
    "        pgaudit.log_level: log\n"
    "        pgaudit.log_parameter: '0'\n"
    "        pgaudit.log_relation: '1'\n"
    "        pgaudit.log_statement_once: '0'\n",
)


def test_fires_with_reboot_impact() -> None:
    (finding,) = findings(FLAWED, ["MF1001"])
    assert finding.resource == "ClusterParams"
    assert finding.fix.impact == "reboot" and not finding.fix.safe
    assert "CREATE EXTENSION pgaudit" in finding.fix.impact_detail


def test_fix_loads_pgaudit_keeps_own_values_and_comments() -> None:
    assert fix_text(FLAWED, ["MF1001"]) == FIXED


def test_bind_parameters_are_not_logged() -> None:
    from fixers.rules.database.mf1001_pgaudit import AUDIT

    assert AUDIT["pgaudit.log_parameter"] == "0"
    # AWS accepts these classes for pgaudit.log (aws-notes 8).
    assert set(AUDIT["pgaudit.log"].split(",")) <= {
        "ddl",
        "function",
        "misc",
        "read",
        "role",
        "write",
    }


def test_silent_when_set_in_the_instance_group_or_no_custom_group() -> None:
    done = FIXED
    assert codes(done, ["MF1001"]) == []
    instance_side = dedent(
        """
        Resources:
          ClusterParams:
            Type: AWS::RDS::DBClusterParameterGroup
            Properties:
              Family: aurora-postgresql15
              Parameters:
                shared_preload_libraries: pgaudit,pg_stat_statements
          InstanceParams:
            Type: AWS::RDS::DBParameterGroup
            Properties:
              Family: aurora-postgresql15
              Parameters:
                pgaudit.log: ddl
                pgaudit.log_catalog: 0
                pgaudit.log_level: log
                pgaudit.log_parameter: 0
                pgaudit.log_relation: 1
                pgaudit.log_statement_once: 1
          Ledger:
            Type: AWS::RDS::DBCluster
            Properties:
              Engine: aurora-postgresql
              DBClusterParameterGroupName: !Ref ClusterParams
          Node:
            Type: AWS::RDS::DBInstance
            Properties:
              DBClusterIdentifier: !Ref Ledger
              DBParameterGroupName: !Ref InstanceParams
        """
    )
    assert codes(instance_side, ["MF1001"]) == []
    assert (
        codes(
            FLAWED.replace(
                "shared_preload_libraries: pg_stat_statements",
                "shared_preload_libraries: !Ref Libs",
            ),
            ["MF1001"],
        )
        == []
    )
    assert codes(FLAWED.replace("aurora-postgresql15", "aurora-mysql8.0"), ["MF1001"]) == []


def test_json_group_without_libraries() -> None:
    data = {
        "Resources": {
            "G": {
                "Type": "AWS::RDS::DBClusterParameterGroup",
                "Properties": {
                    "Description": "g",
                    "Family": "aurora-postgresql16",
                    "Parameters": {"timezone": "UTC"},
                },
            },
            "C": {
                "Type": "AWS::RDS::DBCluster",
                "Properties": {
                    "Engine": "aurora-postgresql",
                    "DBClusterParameterGroupName": {"Ref": "G"},
                },
            },
        }
    }
    text = json.dumps(data, indent=2) + "\n"
    fixed = fix_text(text, ["MF1001"])
    data["Resources"]["G"]["Properties"]["Parameters"] = {
        "pgaudit.log": "ddl,role,write",
        "pgaudit.log_catalog": "0",
        "pgaudit.log_level": "log",
        "pgaudit.log_parameter": "0",
        "pgaudit.log_relation": "1",
        "pgaudit.log_statement_once": "0",
        "shared_preload_libraries": "pg_stat_statements,pgaudit",
        "timezone": "UTC",
    }
    assert fixed == json.dumps(data, indent=2) + "\n"


NO_GROUP = dedent(
    """
    Resources:
      Ledger:
        Type: AWS::RDS::DBCluster
        Properties:
          Engine: aurora-postgresql
          EngineVersion: '15.4'
    """
)


def test_cluster_on_the_default_group_is_reported_and_given_a_group() -> None:
    # Recall: no custom cluster parameter group at all, so no pgaudit.
    (finding,) = findings(NO_GROUP, ["MF1001"])
    assert finding.resource == "Ledger" and "default cluster parameter group" in finding.message
    assert finding.fix.impact == "reboot"
    fixed = fix_text(NO_GROUP, ["MF1001"])
    assert "DBClusterParameterGroupName: !Ref DBClusterParameterGroup" in fixed
    assert "Family: aurora-postgresql15" in fixed
    assert "shared_preload_libraries: pg_stat_statements,pgaudit" in fixed
    assert "pgaudit.log_parameter: '0'" in fixed
    unknown = NO_GROUP.replace("      EngineVersion: '15.4'\n", "")
    (f,) = findings(unknown, ["MF1001"])
    assert f.fix is None and "EngineVersion" in f.message
    mysql = NO_GROUP.replace("aurora-postgresql", "aurora-mysql")
    assert codes(mysql, ["MF1001"]) == []


def test_family_from_a_mapping_is_read() -> None:
    # Recall: a parameter-group family given by !FindInMap.
    template = FLAWED.replace(
        "Family: aurora-postgresql15", "Family: !FindInMap [Engine, Postgres, Family]"
    )
    template = "Mappings:\n  Engine:\n    Postgres:\n      Family: aurora-postgresql15\n" + template
    (finding,) = findings(template, ["MF1001"])
    assert finding.resource == "ClusterParams"


def test_silent_on_serverless_v1_even_with_a_custom_group() -> None:
    # Serverless v1 takes only the parameters AWS marks for the serverless engine mode:
    # shared_preload_libraries and pgaudit.* are not among them (hasura template).
    v1 = FLAWED.replace(
        "      Engine: aurora-postgresql\n",
        "      Engine: aurora-postgresql\n      EngineMode: serverless\n",
    )
    assert codes(v1, ["MF1001"]) == []
    assert codes(NO_GROUP + "      EngineMode: serverless\n", ["MF1001"]) == []
    provisioned = FLAWED.replace(
        "      Engine: aurora-postgresql\n",
        "      Engine: aurora-postgresql\n      EngineMode: provisioned\n",
    )
    assert codes(provisioned, ["MF1001"]) == ["MF1001"]


LOADED_BY_INSTANCES = dedent(
    """
    Resources:
      ClusterParams:
        Type: AWS::RDS::DBClusterParameterGroup
        Properties:
          Family: aurora-postgresql15
          Parameters:
            rds.force_ssl: 1
      InstanceParams:
        Type: AWS::RDS::DBParameterGroup
        Properties:
          Family: aurora-postgresql15
          Parameters:
            # loaded here: the instance group overrides the cluster group
            shared_preload_libraries: auto_explain,pg_stat_statements,pgaudit
      Ledger:
        Type: AWS::RDS::DBCluster
        Properties:
          Engine: aurora-postgresql
          DBClusterParameterGroupName: !Ref ClusterParams
      Node:
        Type: AWS::RDS::DBInstance
        Properties:
          DBClusterIdentifier: !Ref Ledger
          DBParameterGroupName: !Ref InstanceParams
    """
)

AUDIT_LINES = (
    "        pgaudit.log: ddl,role,write\n"
    "        pgaudit.log_catalog: '0'\n"
    "        pgaudit.log_level: log\n"
    "        pgaudit.log_parameter: '0'\n"
    "        pgaudit.log_relation: '1'\n"
    "        pgaudit.log_statement_once: '0'\n"
)


def test_pgaudit_loaded_by_the_instance_group_is_reported_as_not_configured() -> None:
    # aws-samples Aurora template: the instances' group loads pgaudit, nothing sets pgaudit.log.
    (finding,) = findings(LOADED_BY_INSTANCES, ["MF1001"])
    assert finding.resource == "ClusterParams"
    assert "loaded by the shared_preload_libraries of instance parameter group InstanceParams" in (
        finding.message
    )
    assert "pgaudit.log is not set" in finding.message
    assert "lacks" not in finding.message
    assert finding.fix.impact == "update" and finding.fix.safe
    fixed = fix_text(LOADED_BY_INSTANCES, ["MF1001"])
    # Only the pgaudit.* settings, in the cluster group; no cluster-level library list that the
    # instance group would override.
    assert fixed == LOADED_BY_INSTANCES.replace(
        "        rds.force_ssl: 1\n", AUDIT_LINES + "        rds.force_ssl: 1\n"
    )
    configured = LOADED_BY_INSTANCES.replace(
        "        rds.force_ssl: 1\n", "        pgaudit.log: ddl\n        rds.force_ssl: 1\n"
    )
    assert codes(configured, ["MF1001"]) == []  # the rest are pgaudit's defaults


def test_pgaudit_loaded_by_the_instance_group_json() -> None:
    data = Document.from_text(LOADED_BY_INSTANCES).data
    text = json.dumps(data, indent=2) + "\n"
    fixed = json.loads(fix_text(text, ["MF1001"]))
    params = fixed["Resources"]["ClusterParams"]["Properties"]["Parameters"]
    assert "shared_preload_libraries" not in params
    assert params["pgaudit.log"] == "ddl,role,write" and params["pgaudit.log_parameter"] == "0"
    assert fixed["Resources"]["InstanceParams"] == data["Resources"]["InstanceParams"]


def test_an_instance_group_overriding_the_libraries_without_pgaudit_gets_them() -> None:
    template = LOADED_BY_INSTANCES.replace(
        "shared_preload_libraries: auto_explain,pg_stat_statements,pgaudit",
        "shared_preload_libraries: auto_explain",
    ).replace("rds.force_ssl: 1", "shared_preload_libraries: pg_stat_statements,pgaudit")
    (finding,) = findings(template, ["MF1001"])
    assert (
        "instance parameter group InstanceParams sets shared_preload_libraries without "
        "pg_stat_statements, pgaudit, overriding the cluster group's" in finding.message
    )
    assert finding.fix.impact == "reboot"
    fixed = fix_text(template, ["MF1001"])
    assert "shared_preload_libraries: auto_explain,pg_stat_statements,pgaudit\n" in fixed
    assert fixed.count("shared_preload_libraries: pg_stat_statements,pgaudit\n") == 1


BRANCH = dedent(
    """
    Parameters:
      DBClusterParameterGroupName:
        Type: String
        Default: ''
    Conditions:
      HasDBClusterParameterGroup: !Not [!Equals [!Ref DBClusterParameterGroupName, '']]
      HasNotDBClusterParameterGroup: !Not [!Condition HasDBClusterParameterGroup]
    Resources:
      DBClusterParameterGroup:
        Type: AWS::RDS::DBClusterParameterGroup
        Condition: HasNotDBClusterParameterGroup
        Properties:
          Family: aurora-postgresql15
          Parameters:
            client_encoding: UTF8
      DBCluster:
        Type: AWS::RDS::DBCluster
        Properties:
          Engine: aurora-postgresql
          DBClusterParameterGroupName: !If
            - HasDBClusterParameterGroup
            - !Ref DBClusterParameterGroupName
            - !Ref DBClusterParameterGroup
    """
)


def test_a_group_chosen_by_fn_if_is_reported_for_its_branch() -> None:
    # Recall (widdix rds-aurora-serverless-v2-postgres): the default branch is the template's
    # own group, without pgaudit.
    (finding,) = findings(BRANCH, ["MF1001"])
    assert finding.resource == "DBClusterParameterGroup"
    assert "used by DBCluster when HasDBClusterParameterGroup is false" in finding.message
    fixed = fix_text(BRANCH, ["MF1001"])
    assert fixed == BRANCH.replace(
        "        client_encoding: UTF8\n",
        "        client_encoding: UTF8\n"
        + AUDIT_LINES
        + "        shared_preload_libraries: pg_stat_statements,pgaudit\n",
    )
    # Silent where the template's group is in no branch the cluster uses.
    other = BRANCH.replace("- !Ref DBClusterParameterGroup", "- default.aurora-postgresql15")
    assert codes(other, ["MF1001"]) == []
