"""MF1404: an output shows a secret parameter or a password (beyond the spec)."""

from __future__ import annotations

from tests.helpers import as_json, codes, dedent, findings, fix_text

TEMPLATE = dedent(
    """
    Parameters:
      DBPassword:
        Type: String
        NoEcho: true
    Resources:
      Database:
        Type: AWS::RDS::DBInstance
        DeletionPolicy: Snapshot
        UpdateReplacePolicy: Snapshot
        Properties:
          Engine: postgres
          DBInstanceClass: db.t4g.micro
          AllocatedStorage: '20'
          BackupRetentionPeriod: 7
          MasterUsername: app
          MasterUserPassword: !Ref DBPassword
    Outputs:
      Endpoint:
        Value: !GetAtt Database.Endpoint.Address  # for the clients
      ConnectionString:
        Value: !Sub 'postgres://app:${DBPassword}@${Database.Endpoint.Address}/app'
    """
)
FIXED = TEMPLATE.replace(
    "  ConnectionString:\n"
    "    Value: !Sub 'postgres://app:${DBPassword}@${Database.Endpoint.Address}/app'\n",
    "",
)


def test_fires_on_an_output_that_embeds_a_noecho_parameter():
    (f,) = findings(TEMPLATE, ["MF1404"])
    assert f.path == ("Outputs", "ConnectionString", "Value") and not f.fix.safe


def test_fix_removes_the_output():
    assert fix_text(TEMPLATE, ["MF1404"]) == FIXED
    assert fix_text(as_json(TEMPLATE), ["MF1404"]) == as_json(FIXED)


def test_silent_on_endpoints_and_secret_arns():
    arn = TEMPLATE.replace(
        "!Sub 'postgres://app:${DBPassword}@${Database.Endpoint.Address}/app'",
        "!GetAtt Database.MasterUserSecret.SecretArn",
    )
    assert codes(arn, ["MF1404"]) == [] and codes(FIXED, ["MF1404"]) == []


def test_a_second_pass_finds_nothing_and_changes_no_byte() -> None:
    for text in (FIXED, as_json(FIXED)):
        assert codes(text, ["MF1404"]) == []
        assert fix_text(text, ["MF1404"]) == text
