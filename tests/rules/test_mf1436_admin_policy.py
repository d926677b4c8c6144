"""MF1436: a workload role holds administrator or IAM-administrator permissions."""

from __future__ import annotations

import pytest

from tests.conftest import CORPUS, CORPUS_MISSING
from tests.helpers import as_json, codes, dedent, findings

CODES = ["MF1436"]
FLAWED = dedent(
    """
    Resources:
      TaskRole:
        Type: AWS::IAM::Role
        Properties:
          AssumeRolePolicyDocument:
            Statement:
              - Effect: Allow
                Principal: {Service: ecs-tasks.amazonaws.com}
                Action: sts:AssumeRole
          ManagedPolicyArns:
            - !Sub arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess
          Policies:
            - PolicyName: iam
              PolicyDocument:
                Statement:
                  - {Effect: Allow, Action: 'iam:*', Resource: '*'}
    """
)


@pytest.mark.parametrize("as_text", [lambda t: t, as_json], ids=["yaml", "json"])
def test_fires_on_managed_and_inline_administrator_permissions(as_text) -> None:
    managed, inline = findings(as_text(FLAWED), CODES)
    assert managed.path == ("Resources", "TaskRole", "Properties", "ManagedPolicyArns", 0)
    assert "AdministratorAccess" in managed.message and "ecs-tasks.amazonaws.com" in managed.message
    assert inline.path[-2:] == ("Statement", 0) and "iam:*" in inline.message
    assert managed.fix is None and inline.fix is None  # what the workload needs is in its code
    assert managed.kind == "defect" and managed.severity == "high"


def test_power_user_is_hardening() -> None:
    text = FLAWED.replace("AdministratorAccess", "PowerUserAccess")
    managed = findings(text, CODES)[0]
    assert managed.kind == "hardening" and managed.severity == "medium"


def test_silent_for_roles_people_assume_and_for_scoped_policies() -> None:
    people = FLAWED.replace(
        "Principal: {Service: ecs-tasks.amazonaws.com}",
        "Principal: {AWS: arn:aws:iam::111122223333:root}",
    )
    assert codes(people, CODES) == []
    scoped = FLAWED.replace(
        "        - !Sub arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess\n",
        "        - arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess\n",
    ).replace("Action: 'iam:*', Resource: '*'", "Action: 'iam:GetRole', Resource: '*'")
    assert codes(scoped, CODES) == []
    assert codes(as_json(scoped), CODES) == []


@pytest.mark.skipif(not CORPUS.is_dir(), reason=CORPUS_MISSING)
def test_corpus_ec2_role_with_administrator_access() -> None:
    text = (CORPUS / "Solutions/CloudFrontCustomOriginLambda@Edge/CloudFront.yaml").read_text()
    (finding,) = findings(text, CODES)
    assert finding.resource == "AdministratorAccessIAMRole"
    assert "ec2.amazonaws.com" in finding.message
