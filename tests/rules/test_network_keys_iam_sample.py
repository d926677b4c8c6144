"""Network endpoints and flow logs, keys and KMS grants (MF0102, MF0103, MF0201-MF0203,
MF0901-MF0903) on the flawed Meridian sample, YAML and JSON, and on a second flawed template
with other names and layout; silence on a production-grade one."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixers.document import Document
from fixers.engine import Engine, FileResult, Options
from tests.helpers import codes, findings, run_fix

ROOT = Path(__file__).resolve().parent.parent.parent
SAMPLES = ROOT / "sample_templates"
FIXTURES = ROOT / "tests" / "fixtures"
CODES = ["MF0102", "MF0103", "MF0201", "MF0202", "MF0203", "MF0901", "MF0902", "MF0903"]

EXPECTED = {
    ("MF0102", "VPC"),
    ("MF0103", "VPC"),
    ("MF0201", "DatabaseSecret"),
    ("MF0202", "AuroraCluster"),
    ("MF0203", "CloudWatchLogsKMSKey"),
    ("MF0901", "ECSTaskExecutionRole"),
    ("MF0902", "ECSTaskRole"),
    ("MF0903", "BackupRole"),
}
EXPECTED_FLAWED_FIXTURE = {
    ("MF0102", "CoreNetwork"),
    ("MF0103", "CoreNetwork"),
    ("MF0201", "DbCredentials"),
    ("MF0202", "LedgerDb"),
    ("MF0203", "LogKey"),
    ("MF0901", "AgentRole"),
    ("MF0902", "AppRole"),
    ("MF0903", "SnapshotRole"),
}


def one_at_a_time(text: str, order: list[str]) -> str:
    for code in order:
        text = run_fix(text, [code]).new_text
    return text


@pytest.fixture(scope="module")
def validated():
    """``run_fix(text, CODES, validate=True)`` with one engine, so cfn-lint's rules are built once."""
    engine = Engine(Options(select=CODES, fix=True, unsafe_fixes=True, validate=True))
    done: dict[str, FileResult] = {}

    def run(text: str) -> FileResult:
        if text not in done:
            done[text] = engine.run_document(Document.from_text(text))
        return done[text]

    return run


@pytest.fixture(scope="module", params=["transaction-platform.yaml", "transaction-platform.json"])
def sample(request) -> str:
    return (SAMPLES / request.param).read_text(encoding="utf-8")


def check_fixed(text: str, validated) -> str:
    result = validated(text)
    assert not result.rule_errors
    assert [
        (o.finding.code, o.status, o.reason) for o in result.outcomes if o.status != "applied"
    ] == []
    assert result.lint_new == []
    assert [f.code for f in result.remaining if f.fix is not None] == []
    assert run_fix(result.new_text, CODES).new_text == result.new_text
    assert one_at_a_time(text, CODES) == result.new_text
    assert one_at_a_time(text, CODES[::-1]) == result.new_text
    return result.new_text


def test_every_gap_is_found_at_its_resource(sample: str) -> None:
    assert {(f.code, f.resource) for f in findings(sample, CODES)} == EXPECTED


@pytest.mark.slow  # validates with cfn-lint: part of the whole suite, not the fast subset
def test_fixes_validate_converge_and_do_not_depend_on_order(sample: str, validated) -> None:
    out = check_fixed(sample, validated)
    for name in (
        "ECRApiVPCEndpoint",
        "ECRDkrVPCEndpoint",
        "SecretsManagerVPCEndpoint",
        "CloudWatchLogsVPCEndpoint",
        "S3VPCEndpoint",
        "VPCEndpointSecurityGroup",
        "VPCFlowLogsRole",
        "VPCFlowLogs",
        "VPCFlowLogsLogGroup",
        "SecretsManagerKMSKey",
        "SecretsManagerKMSKeyAlias",
        "DatabaseKMSKey",
        "DatabaseKMSKeyAlias",
    ):
        assert f'"{name}"' in out or f"  {name}:" in out, name
    assert "CloudWatchLogsKMSKey2" not in out  # the template's logs key is reused


@pytest.mark.slow  # validates with cfn-lint: part of the whole suite, not the fast subset
def test_fixes_are_production_grade(sample: str, validated) -> None:
    data = Document.from_text(validated(sample).new_text).data
    res = data["Resources"]
    for key in ("SecretsManagerKMSKey", "DatabaseKMSKey"):
        assert res[key]["DeletionPolicy"] == res[key]["UpdateReplacePolicy"] == "Retain"
        props = res[key]["Properties"]
        assert props["EnableKeyRotation"] is True
        for st in props["KeyPolicy"]["Statement"]:
            assert st["Principal"] != "*" and st["Principal"].get("AWS") != "*"
    assert res["VPCFlowLogsLogGroup"]["DeletionPolicy"] == "Retain"
    assert "KmsKeyId" in res["VPCFlowLogsLogGroup"]["Properties"]
    assert res["VPCFlowLogs"]["Properties"]["TrafficType"] == "ALL"
    sg = res["VPCEndpointSecurityGroup"]["Properties"]
    assert all("CidrIp" not in r for r in sg["SecurityGroupIngress"])
    logs = next(
        s
        for s in res["CloudWatchLogsKMSKey"]["Properties"]["KeyPolicy"]["Statement"]
        if s.get("Sid") == "AllowCloudWatchLogsUse"
    )
    assert logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"] == {
        "Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:*"
    }
    exec_statements = [
        s
        for p in res["ECSTaskExecutionRole"]["Properties"]["Policies"]
        for s in p["PolicyDocument"]["Statement"]
    ]
    assert all(
        s.get("Resource") != "*" for s in exec_statements if "kms:Decrypt" in str(s.get("Action"))
    )
    assert res["AuroraCluster"]["Properties"]["KmsKeyId"] == {
        "Fn::GetAtt": ["DatabaseKMSKey", "Arn"]
    }
    assert res["DatabaseSecret"]["Properties"]["KmsKeyId"] == {
        "Fn::GetAtt": ["SecretsManagerKMSKey", "Arn"]
    }


@pytest.mark.slow  # validates with cfn-lint: part of the whole suite, not the fast subset
def test_second_flawed_template_is_found_and_fixed_the_same_way(validated) -> None:
    text = (FIXTURES / "network-keys-iam-flawed.yaml").read_text(encoding="utf-8")
    assert {(f.code, f.resource) for f in findings(text, CODES)} == EXPECTED_FLAWED_FIXTURE
    out = check_fixed(text, validated)
    assert "# CloudWatch Logs may use the key: for any log group, anywhere." in out
    assert "EnableDnsHostnames: true" in out


def test_production_grade_template_gives_no_finding() -> None:
    assert codes((FIXTURES / "network-keys-iam-good.yaml").read_text(encoding="utf-8"), CODES) == []
