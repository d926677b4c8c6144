"""MF1405: a secret parameter handed to a custom resource (beyond the spec)."""

from __future__ import annotations

from tests.helpers import codes, dedent, findings

TEMPLATE = dedent(
    """
    Parameters:
      DBPassword:
        Type: String
        NoEcho: true
      FunctionArn:
        Type: String
    Resources:
      Setup:
        Type: Custom::DatabaseSetup
        Properties:
          ServiceToken: !Ref FunctionArn
          Password: !Ref DBPassword
    """
)


def test_fires_without_a_fix():
    (f,) = findings(TEMPLATE, ["MF1405"])
    assert f.path == ("Resources", "Setup", "Properties", "Password") and f.fix is None


def test_silent_when_the_provider_gets_the_secret_arn_or_a_plain_parameter():
    arn = TEMPLATE.replace("Password: !Ref DBPassword", "SecretArn: arn:aws:secretsmanager:x")
    plain = TEMPLATE.replace("    NoEcho: true\n", "")
    assert codes(arn, ["MF1405"]) == [] and codes(plain, ["MF1405"]) == []
