"""MF0803: RDS enhanced monitoring has its role (spec 8.3)."""

from __future__ import annotations

import json

from fixers.document import Document
from tests.helpers import codes, findings, fix_text, fixture, run_fix

CODES = ["MF0803"]

FLAWED = fixture("mf0803/before.yaml")

FLAWED_JSON = fixture("mf0803/before.json")

FIXED = fixture("mf0803/after.yaml")

FIXED_JSON = fixture("mf0803/after.json")


def test_fires_on_a_role_referenced_but_not_defined() -> None:
    (finding,) = findings(FLAWED, CODES)
    assert finding.resource == "Writer"
    assert finding.path == ("Resources", "Writer", "Properties", "MonitoringRoleArn")
    assert "OsMetricsRole" in finding.message
    assert finding.fix is not None and finding.fix.safe


def test_fix_yaml_defines_the_referenced_name() -> None:
    fixed = fix_text(FLAWED, CODES)
    assert fixed == FIXED
    assert "# never defined" in fixed and "# one-minute OS metrics" in fixed


def test_role_is_least_privilege() -> None:
    role = Document.from_text(fix_text(FLAWED, CODES)).data["Resources"]["OsMetricsRole"][
        "Properties"
    ]
    (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "monitoring.rds.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    }
    assert role["ManagedPolicyArns"] == [
        {
            "Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
        }
    ]
    assert "Policies" not in role


def test_fix_json_adds_the_role_and_sets_it_when_monitoring_has_none() -> None:
    (finding,) = findings(FLAWED_JSON, CODES)
    assert finding.path == ("Resources", "Db", "Properties", "MonitoringInterval")
    fixed = fix_text(FLAWED_JSON, CODES)
    assert fixed == FIXED_JSON
    assert json.loads(fixed)["Resources"]["Db"]["Properties"]["MonitoringRoleArn"] == {
        "Fn::GetAtt": ["EnhancedMonitoringRole", "Arn"]
    }


def test_silent_when_the_role_exists_or_monitoring_is_off() -> None:
    defined = fix_text(FLAWED, CODES)
    assert codes(defined, CODES) == []
    off = FLAWED.replace("MonitoringInterval: 60", "MonitoringInterval: 0").replace(
        "      MonitoringRoleArn: !GetAtt OsMetricsRole.Arn  # never defined\n", ""
    )
    assert codes(off, CODES) == []
    from_param = FLAWED.replace("!GetAtt OsMetricsRole.Arn", "!Ref MonitoringRole")
    assert codes(from_param, CODES) == []


# -- a role of the template is handed to RDS only if it can do the job -------------------------

UNFIT = """\
Resources:
  EnhancedMonitoringRole:  # trusted by RDS monitoring, but cannot publish the metrics
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {Service: monitoring.rds.amazonaws.com}
            Action: sts:AssumeRole
  Db:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: postgres
      DBInstanceClass: db.t4g.micro
      AllocatedStorage: '20'
      MonitoringInterval: 60
"""

UNFIT_FIXED = """\
Resources:
  EnhancedMonitoringRole:  # trusted by RDS monitoring, but cannot publish the metrics
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {Service: monitoring.rds.amazonaws.com}
            Action: sts:AssumeRole
  Db:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: postgres
      DBInstanceClass: db.t4g.micro
      AllocatedStorage: '20'
      MonitoringInterval: 60
      MonitoringRoleArn: !GetAtt EnhancedMonitoringRole2.Arn
  EnhancedMonitoringRole2:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal:
              Service: monitoring.rds.amazonaws.com
            Action: sts:AssumeRole
            Condition:
              StringEquals:
                aws:SourceAccount: !Ref AWS::AccountId
      ManagedPolicyArns:
        - !Sub arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole
"""

MANAGED = (
    "      ManagedPolicyArns:\n"
    "        - arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole\n"
)


def test_a_role_without_the_monitoring_policy_is_not_handed_to_rds() -> None:
    (finding,) = findings(UNFIT, CODES)
    assert finding.fix is not None and finding.fix.safe
    assert (
        "EnhancedMonitoringRole is not reused: it lacks the managed policy "
        "AmazonRDSEnhancedMonitoringRole"
    ) in finding.fix.impact_detail
    fixed = fix_text(UNFIT, CODES)  # a second pass changes nothing
    assert fixed == UNFIT_FIXED
    assert run_fix(fixed, CODES).new_text == fixed and codes(fixed, CODES) == []


def test_a_role_trusted_by_another_service_is_not_handed_to_rds() -> None:
    text = UNFIT.replace("Service: monitoring.rds.amazonaws.com", "Service: lambda.amazonaws.com")
    text = text.replace(
        "            Action: sts:AssumeRole\n", "            Action: sts:AssumeRole\n" + MANAGED, 1
    )
    fixed = Document.from_text(fix_text(text, CODES)).data["Resources"]
    assert fixed["Db"]["Properties"]["MonitoringRoleArn"] == {
        "Fn::GetAtt": ["EnhancedMonitoringRole2", "Arn"]
    }


def test_a_trust_limited_to_another_account_or_a_conditional_role_is_not_reused() -> None:
    fit = UNFIT.replace(
        "            Action: sts:AssumeRole\n", "            Action: sts:AssumeRole\n" + MANAGED, 1
    )
    other_account = fit.replace(
        "            Action: sts:AssumeRole\n",
        "            Action: sts:AssumeRole\n"
        "            Condition: {StringEquals: {aws:SourceAccount: '111122223333'}}\n",
        1,
    )
    conditional = fit.replace(
        "    Type: AWS::IAM::Role\n", "    Type: AWS::IAM::Role\n    Condition: Monitored\n", 1
    )
    for text in (other_account, conditional):
        (finding,) = findings(text, CODES)
        assert "EnhancedMonitoringRole is not reused" in finding.fix.impact_detail
        fixed = Document.from_text(fix_text(text, CODES)).data["Resources"]
        assert "EnhancedMonitoringRole2" in fixed


def test_a_role_that_can_do_the_job_is_reused_and_left_as_it_is() -> None:
    fit = UNFIT.replace(
        "            Action: sts:AssumeRole\n", "            Action: sts:AssumeRole\n" + MANAGED, 1
    )
    (finding,) = findings(fit, CODES)
    assert "MonitoringRoleArn is set to EnhancedMonitoringRole" in finding.fix.impact_detail
    fixed = fix_text(fit, CODES)
    assert fixed == fit.replace(
        "      MonitoringInterval: 60\n",
        "      MonitoringInterval: 60\n      MonitoringRoleArn: !GetAtt EnhancedMonitoringRole.Arn\n",
    )
