"""MF1437: a role may pass any role (iam:PassRole on *)."""

from __future__ import annotations

import pytest

from tests.helpers import as_json, codes, dedent, findings, fix_text

CODES = ["MF1437"]
FLAWED = dedent(
    """
    Resources:
      DeployRole:
        Type: AWS::IAM::Role
        Properties:
          AssumeRolePolicyDocument:
            Statement:
              - {Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}
          Policies:
            - PolicyName: deploy
              PolicyDocument:
                Statement:
                  - Effect: Allow
                    Action: iam:PassRole
                    Resource: '*'  # the task role
      TaskRole:
        Type: AWS::IAM::Role
        Properties:
          AssumeRolePolicyDocument:
            Statement:
              - {Effect: Allow, Principal: {Service: ecs-tasks.amazonaws.com}, Action: sts:AssumeRole}
    """
)
FIXED = FLAWED.replace(
    "Resource: '*'  # the task role", "Resource: !GetAtt TaskRole.Arn  # the task role"
)


def test_fires_on_pass_role_on_everything() -> None:
    (finding,) = findings(FLAWED, CODES)
    assert finding.path[-1] == "Resource" and finding.resource == "DeployRole"
    assert finding.fix is not None and not finding.fix.safe


@pytest.mark.parametrize("as_text", [lambda t: t, as_json], ids=["yaml", "json"])
def test_fix_byte_for_byte_and_a_second_pass_finds_nothing(as_text) -> None:
    assert fix_text(as_text(FLAWED), CODES) == as_text(FIXED)
    assert codes(as_text(FIXED), CODES) == []


def test_no_fix_when_the_statement_grants_more() -> None:
    text = FLAWED.replace("Action: iam:PassRole", "Action: [iam:PassRole, ecs:RunTask]")
    (finding,) = findings(text, CODES)
    assert finding.fix is None


def test_silent_with_a_passed_to_service_condition_or_iam_star() -> None:
    condition = FLAWED.replace(
        "                Resource: '*'  # the task role\n",
        "                Resource: '*'  # the task role\n"
        "                Condition: {StringEquals: {iam:PassedToService: ecs-tasks.amazonaws.com}}\n",
    )
    assert codes(condition, CODES) == []
    assert codes(FLAWED.replace("Action: iam:PassRole", "Action: 'iam:*'"), CODES) == []  # MF1436's
