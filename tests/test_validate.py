"""Tests for fixers.validate: in-process cfn-lint revalidation.

Templates are written inline; a few real ones come from the shared corpus.
One Validator is shared by the module (building cfn-lint's rules is the cost
the module exists to pay once), except where a test counts rule builds.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fixers.validate import LintError, Validator, cfn_lint_version, compare
from tests.conftest import CORPUS

REPO = Path(__file__).resolve().parents[1]

VALID_YAML = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Env:
    Type: String
    AllowedValues: [dev, prod]
    Default: dev
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "${AWS::StackName}-${Env}-data"
      VersioningConfiguration:
        Status: !If [IsProd, Enabled, Suspended]
Outputs:
  BucketArn:
    Value: !GetAtt Bucket.Arn
  BucketName:
    Value: !Ref Bucket
"""

VALID_JSON = json.dumps(
    {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {
            "Env": {"Type": "String", "AllowedValues": ["dev", "prod"], "Default": "dev"}
        },
        "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]}},
        "Resources": {
            "Bucket": {
                "Type": "AWS::S3::Bucket",
                "Properties": {
                    "BucketName": {"Fn::Sub": "${AWS::StackName}-${Env}-data"},
                    "VersioningConfiguration": {
                        "Status": {"Fn::If": ["IsProd", "Enabled", "Suspended"]}
                    },
                },
            }
        },
        "Outputs": {
            "BucketArn": {"Value": {"Fn::GetAtt": ["Bucket", "Arn"]}},
            "BucketName": {"Value": {"Ref": "Bucket"}},
        },
    },
    indent=4,
)

# E3002 on line 6: a misspelt property.
BAD_PROPERTY_YAML = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketNam: my-bucket
"""

BAD_PROPERTY_PATH = ("Resources", "Bucket", "Properties", "BucketNam")

# Available in us-east-1, not in ap-south-2 (E3006 there).
AMPLIFY_YAML = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  App:
    Type: AWS::Amplify::App
    Properties:
      Name: my-app
"""


@pytest.fixture(autouse=True)
def isolated_config(tmp_path, monkeypatch):
    """No stray ~/.cfnlintrc or ./.cfnlintrc, and cfn-lint's default region."""
    home = tmp_path / "home"
    cwd = tmp_path / "cwd"
    home.mkdir()
    cwd.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(cwd)
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    return home, cwd


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator()


def rules_of(errors: list[LintError]) -> list[str]:
    return [e.rule for e in errors]


# -- basics ----------------------------------------------------------------


def test_importing_the_module_does_not_import_cfnlint():
    code = "import sys, fixers.validate; sys.exit('cfnlint' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True)
    assert result.returncode == 0, result.stderr.decode()


def test_cfn_lint_version():
    from cfnlint.version import __version__

    assert cfn_lint_version() == __version__


def test_valid_yaml_short_form_gives_no_errors(validator, tmp_path):
    assert validator.lint(VALID_YAML, str(tmp_path / "t.yaml")) == []


def test_valid_json_gives_no_errors(validator, tmp_path):
    assert validator.lint(VALID_JSON, str(tmp_path / "t.json")) == []


def test_invalid_property_reports_rule_path_and_line(validator, tmp_path):
    errors = validator.lint(BAD_PROPERTY_YAML, str(tmp_path / "t.yaml"))
    assert len(errors) == 1
    error = errors[0]
    assert error.rule == "E3002"
    assert error.level == "error"
    assert error.path == BAD_PROPERTY_PATH
    assert (error.line, error.column) == (6, 7)
    assert "BucketNam" in error.message


def test_invalid_property_in_json(validator, tmp_path):
    text = json.dumps(
        {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketNam": "b"}}}},
        indent=2,
    )
    errors = validator.lint(text, str(tmp_path / "t.json"))
    assert [(e.rule, e.path, e.line) for e in errors] == [("E3002", BAD_PROPERTY_PATH, 6)]


def test_short_form_tags_are_decoded_to_long_form_paths(validator, tmp_path):
    text = VALID_YAML.replace("!GetAtt Bucket.Arn", "!GetAtt Bucket.Nope")
    errors = validator.lint(text, str(tmp_path / "t.yaml"))
    assert len(errors) == 1
    assert errors[0].path[:4] == ("Outputs", "BucketArn", "Value", "Fn::GetAtt")
    assert errors[0].line == 18


def test_warnings_are_returned_with_their_level_and_sorted_by_line(validator, tmp_path):
    text = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Unused:
    Type: String
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketNam: x
"""
    errors = validator.lint(text, str(tmp_path / "t.yaml"))
    assert [(e.rule, e.level) for e in errors] == [("W2001", "warning"), ("E3002", "error")]
    assert [e.line for e in errors] == sorted(e.line for e in errors)


@pytest.mark.parametrize(
    "text",
    [
        "Resources:\n  Bucket: [\n",  # YAML syntax error
        '{"Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}\n',  # truncated JSON
        "Resources:\n\tBucket: {}\n",  # tab indentation: not YAML, not JSON
        "just a string\n",  # decodes, but not a mapping
    ],
)
def test_undecodable_text_gives_one_e0000_and_no_exception(validator, tmp_path, text):
    errors = validator.lint(text, str(tmp_path / "t.yaml"))
    assert len(errors) == 1
    assert errors[0].rule == "E0000"
    assert errors[0].level == "error"
    assert errors[0].message


def test_parse_errors_are_reported_even_if_the_config_ignores_e0000(validator, tmp_path):
    (tmp_path / ".cfnlintrc").write_text("ignore_checks:\n  - E0000\n")
    assert rules_of(validator.lint("Resources: [\n", str(tmp_path / "t.yaml"))) == ["E0000"]


# -- compare ---------------------------------------------------------------


def test_compare_ignores_errors_moved_by_an_insertion_and_reports_new_ones(validator, tmp_path):
    name = str(tmp_path / "t.yaml")
    before = validator.lint(BAD_PROPERTY_YAML, name)

    # A fix inserts a parameter above the resource: every line below moves.
    inserted = BAD_PROPERTY_YAML.replace(
        "Resources:\n",
        "Parameters:\n  Env:\n    Type: String\n    Default: dev\nResources:\n",
    ).replace("BucketNam: my-bucket", "BucketNam: !Ref Env")
    moved = validator.lint(inserted, name)
    assert [e.line for e in moved] == [e.line + 4 for e in before]
    assert compare(before, moved) == []

    # A fix that adds a genuinely broken property.
    broken = inserted + "      VersioningConfiguration:\n        Status: Sometimes\n"
    after = validator.lint(broken, name)
    new = compare(before, after)
    assert [(e.rule, e.path) for e in new] == [
        ("E3030", ("Resources", "Bucket", "Properties", "VersioningConfiguration", "Status"))
    ]


def test_compare_counts_multiplicity_and_levels():
    def err(rule, path, line, level="error", message="m"):
        return LintError(rule, message, path, line, 1, level)

    before = [err("E3002", ("Resources", "A"), 3), err("W2001", ("Parameters", "P"), 2, "warning")]
    after = [
        err("E3002", ("Resources", "A"), 9),
        err("E3002", ("Resources", "A"), 9),  # a second copy is new
        err("W2001", ("Parameters", "P"), 2, "warning"),
        err("W3005", ("Resources", "A"), 9, "warning"),
        err("I3042", ("Resources", "A"), 9, "informational"),
    ]
    assert [e.rule for e in compare(before, after)] == ["E3002"]
    assert [e.rule for e in compare(before, after, include_warnings=True)] == ["E3002", "W3005"]


def test_key_ignores_line_numbers_embedded_in_messages():
    a = LintError("E0000", "Duplicate found 'Bucket' (line 4)", (), 4, 3, "error")
    b = LintError("E0000", "Duplicate found 'Bucket' (line 9)", (), 9, 3, "error")
    c = LintError("E0000", "Expecting ',' delimiter: line 3 column 5 (char 40)", (), 3, 5, "error")
    d = LintError("E0000", "Expecting ',' delimiter: line 7 column 5 (char 90)", (), 7, 5, "error")
    assert a.key() == b.key()
    assert c.key() == d.key()
    assert compare([a, c], [b, d]) == []


# -- configuration -----------------------------------------------------------


def test_cfnlintrc_in_template_folder_ignore_checks(validator, tmp_path):
    folder = tmp_path / "project"
    folder.mkdir()
    name = str(folder / "t.yaml")
    assert rules_of(validator.lint(BAD_PROPERTY_YAML, name)) == ["E3002"]
    (folder / ".cfnlintrc").write_text("ignore_checks:\n  - E3002\n")
    assert validator.lint(BAD_PROPERTY_YAML, name) == []
    assert Validator.config_files(name) == (None, folder / ".cfnlintrc")


def test_cfnlintrc_regions(validator, tmp_path):
    name = str(tmp_path / "t.yaml")
    assert validator.lint(AMPLIFY_YAML, name) == []
    (tmp_path / ".cfnlintrc.yaml").write_text("regions:\n  - us-east-1\n  - ap-south-2\n")
    errors = validator.lint(AMPLIFY_YAML, name)
    assert [(e.rule, e.path) for e in errors] == [("E3006", ("Resources", "App", "Type"))]
    assert "ap-south-2" in errors[0].message


def test_cfnlintrc_in_current_directory_and_home(validator, tmp_path, isolated_config):
    home, cwd = isolated_config
    name = str(tmp_path / "elsewhere" / "t.yaml")  # folder without a config file
    (home / ".cfnlintrc.yml").write_text("ignore_checks: [E3002]\n")
    assert validator.lint(BAD_PROPERTY_YAML, name) == []
    # The project file (current directory) overrides the user's key by key.
    (cwd / ".cfnlintrc").write_text("ignore_checks: [W2001]\n")
    assert rules_of(validator.lint(BAD_PROPERTY_YAML, name)) == ["E3002"]
    assert Validator.config_files(name) == (home / ".cfnlintrc.yml", cwd / ".cfnlintrc")


def test_template_folder_config_wins_over_current_directory(validator, tmp_path, isolated_config):
    _, cwd = isolated_config
    (cwd / ".cfnlintrc").write_text("ignore_checks: [E3002]\n")
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / ".cfnlintrc").write_text("regions: [us-east-1]\n")
    assert rules_of(validator.lint(BAD_PROPERTY_YAML, str(folder / "t.yaml"))) == ["E3002"]
    assert validator.lint(BAD_PROPERTY_YAML, str(cwd / "t.yaml")) == []


def test_invalid_cfnlintrc_gives_a_config_error_not_an_exception(validator, tmp_path):
    (tmp_path / ".cfnlintrc").write_text("not_a_cfn_lint_key: 1\n")
    errors = validator.lint(BAD_PROPERTY_YAML, str(tmp_path / "t.yaml"))
    assert rules_of(errors) == ["E0003"]
    assert "not_a_cfn_lint_key" in errors[0].message


def test_template_metadata_ignore_checks(validator, tmp_path):
    name = str(tmp_path / "t.yaml")
    text = "Metadata:\n  cfn-lint:\n    config:\n      ignore_checks: [E3002]\n" + BAD_PROPERTY_YAML
    assert validator.lint(text, name) == []
    # The template's own config does not leak into the next lint.
    assert rules_of(validator.lint(BAD_PROPERTY_YAML, name)) == ["E3002"]


def test_template_metadata_regions(validator, tmp_path):
    text = "Metadata:\n  cfn-lint:\n    config:\n      regions: [ap-south-2]\n" + AMPLIFY_YAML
    assert rules_of(validator.lint(text, str(tmp_path / "t.yaml"))) == ["E3006"]


def test_resource_metadata_ignore_checks(validator, tmp_path):
    text = """\
Resources:
  Quiet:
    Type: AWS::S3::Bucket
    Metadata:
      cfn-lint:
        config:
          ignore_checks: [E3002]
    Properties:
      BucketNam: a
  Loud:
    Type: AWS::S3::Bucket
    Properties:
      BucketNam: b
"""
    errors = validator.lint(text, str(tmp_path / "t.yaml"))
    assert [(e.rule, e.path[:2]) for e in errors] == [("E3002", ("Resources", "Loud"))]


def test_same_results_as_the_cfn_lint_command(validator, tmp_path):
    """With a .cfnlintrc in the current directory, as the command reads it."""
    (tmp_path / ".cfnlintrc").write_text(
        "regions: [us-east-1, ap-south-2]\nignore_checks: [W2001]\n"
    )
    text = (
        "Parameters:\n  Unused:\n    Type: String\n"
        + AMPLIFY_YAML.replace("AWSTemplateFormatVersion", "# v")
        + "  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketNam: x\n"
    )
    path = tmp_path / "t.yaml"
    path.write_text(text)
    cli = subprocess.run(
        [
            sys.executable,
            "-c",
            "from cfnlint.runner import main; main()",
            "--format",
            "json",
            "--",
            "t.yaml",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    expected = sorted(
        (m["Rule"]["Id"], m["Location"]["Start"]["LineNumber"], m["Message"])
        for m in json.loads(cli.stdout)
    )
    got = sorted((e.rule, e.line, e.message) for e in validator.lint(text, str(path)))
    assert got == expected
    assert {r for r, _, _ in got} == {"E3002", "E3006"}


# -- rule building -----------------------------------------------------------


def test_rules_are_built_once_per_process(monkeypatch, tmp_path):
    """cfn-lint builds rules by loading its rules folder (cfnlint.helpers.load_plugins)."""
    import cfnlint.api
    import cfnlint.helpers

    calls = []
    real = cfnlint.helpers.load_plugins

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(cfnlint.helpers, "load_plugins", counting)

    fresh = Validator()
    name = str(tmp_path / "t.yaml")
    first = fresh.lint(BAD_PROPERTY_YAML, name)
    assert len(calls) == 1
    assert fresh.lint(BAD_PROPERTY_YAML, name) == first
    fresh.lint(VALID_JSON, str(tmp_path / "t.json"))
    # A configuration that changes only checks and regions shares the rule set.
    (tmp_path / ".cfnlintrc").write_text("ignore_checks: [E3002]\nregions: [eu-west-1]\n")
    assert fresh.lint(BAD_PROPERTY_YAML, name) == []
    assert len(calls) == 1

    # The control: cfn-lint's own API rebuilds on every call.
    cfnlint.api.lint(BAD_PROPERTY_YAML)
    cfnlint.api.lint(BAD_PROPERTY_YAML)
    assert len(calls) == 3


# -- real templates ------------------------------------------------------------

CORPUS_SAMPLE = [
    "SNS/SNSTopic.yaml",  # clean
    "EC2/SingleENIwithMultipleEIPs.yaml",  # warnings only
    "CloudFormation/StackSets/common-resources-stackset.yaml",  # fails: E3012
    "CloudFormation/MacrosExamples/PyPlate/python_example.json",  # fails: E3012, E3024
    "VPC/VPC_With_Managed_NAT_And_Private_Subnet.json",  # fails: E1017, E1022, E3024
]


@pytest.mark.corpus
def test_real_templates_lint_without_exception(validator):
    failing = 0
    for rel in CORPUS_SAMPLE:
        path = CORPUS / rel
        errors = validator.lint(path.read_text(encoding="utf-8"), str(path))
        assert all(isinstance(e, LintError) for e in errors)
        assert [e.line for e in errors] == sorted(e.line for e in errors)
        assert not any(e.rule.startswith("E000") for e in errors), rel
        failing += any(e.level == "error" for e in errors)
        # Linting the same text again is stable, and compares as nothing new.
        assert compare(errors, validator.lint(path.read_text(encoding="utf-8"), str(path))) == []
    assert failing == 3


def test_the_worker_validator_lints_as_the_validator_and_outlives_its_worker(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import child_processes

    before = child_processes()
    from fixers.validate import Validator, WorkerValidator

    path = tmp_path / "t.yaml"
    text = "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n      Nope: 1\n"
    expected = Validator().lint(text, str(path))
    assert expected  # E3002: Nope is not a property of a topic
    linter = WorkerValidator(str(path))
    try:
        assert linter.lint(text, str(path)) == expected
        # Closed, it still lints (in this process): a closed linter never looks clean.
        linter.close()
        assert linter.lint(text, str(path)) == expected and not linter.in_worker
        linter.start(str(path))
        assert linter.in_worker
        linter._worker._proc.kill()  # type: ignore[union-attr]
        linter._worker._proc.wait()  # type: ignore[union-attr]
        assert linter.lint(text, str(path)) == expected  # a new worker
        assert linter._worker is not None and linter._worker.alive
        linter._worker._answers.close()  # type: ignore[union-attr]  # broken mid-lint: lint here
        assert linter.lint(text, str(path)) == expected
        assert linter._worker is None and linter._local is not None
    finally:
        linter.close()
    assert child_processes() - before == set()


def test_closing_the_worker_validator_mid_lint_stops_at_once() -> None:
    import threading
    import time
    from pathlib import Path

    from fixers.validate import WorkerValidator

    sample = (
        Path(__file__).resolve().parent.parent / "sample_templates" / "transaction-platform.yaml"
    )
    linter = WorkerValidator(str(sample))
    answers: list[object] = []
    thread = threading.Thread(
        target=lambda: answers.append(linter.lint(sample.read_text(), str(sample)))
    )
    thread.start()
    time.sleep(0.3)  # cfn-lint is still starting in the worker
    started = time.perf_counter()
    linter.close()
    thread.join(10)
    assert not thread.is_alive() and answers == [[]]
    assert time.perf_counter() - started < 5  # not the whole lint
