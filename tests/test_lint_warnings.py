"""Revalidation counts warnings: a fix whose result adds a cfn-lint warning (by rule and path) is
rolled back like one that adds an error, except the warnings a correct fix may cause
(``validate.EXEMPT_WARNINGS``), which are kept as notes."""

from __future__ import annotations

from collections.abc import Iterator

from fixers.document import Document
from fixers.engine import Engine, Options, Status
from fixers.model import Finding, Fix
from fixers.rules import Rule
from fixers.validate import EXEMPT_WARNINGS, LintError, added

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Enabled:
    Type: String
    AllowedValues: ['true', 'false']
Conditions:
  IsEnabled: !Equals [!Ref Enabled, 'true']
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Condition: IsEnabled
"""


class _AddsOutput(Rule):
    """Adds an output; the test says what it refers to (code set on the instance: no registry)."""

    title = "probe"
    area = "monitoring"

    def __init__(self, code: str, output: dict[str, object]) -> None:
        self.code = code  # type: ignore[misc]
        self._output = output

    def detect(self, doc: Document) -> Iterator[Finding]:
        if "Outputs" not in doc.data:
            yield self.finding(
                ("Resources",),
                "probe",
                Fix("add an output", action="add", args=(self._output,)),
            )

    def add(self, doc: Document, output: dict[str, object]) -> None:
        doc.set(("Outputs",), {"Probe": output})


def _run(rule: Rule) -> tuple[Status, str | None, list[str], list[str], str]:
    engine = Engine(Options(fix=True, validate=True), rules=[rule])
    result = engine.run_document(Document.from_text(TEMPLATE, "t.yaml"))
    (outcome,) = result.outcomes
    return (
        outcome.status,
        outcome.reason,
        [e.rule for e in result.lint_new or []],
        [e.rule for e in result.lint_notes or []],
        result.new_text,
    )


def test_a_fix_that_adds_a_warning_is_rolled_back() -> None:
    """An output of a conditional resource without the condition: W1001, a deploy that fails
    when the condition is false. A warning, and still rolled back."""
    status, reason, new, notes, text = _run(_AddsOutput("MF9901", {"Value": {"Ref": "Topic"}}))
    assert status is Status.ROLLED_BACK
    assert reason is not None and reason.startswith("adds cfn-lint warnings: W1001")
    assert (new, notes, text) == ([], [], TEMPLATE)


class _Renames(Rule):
    """Replaces a topic name that a parameter gave with a literal, leaving the parameter unused."""

    title = "probe"
    area = "monitoring"

    def __init__(self) -> None:
        self.code = "MF9902"  # type: ignore[misc]

    def detect(self, doc: Document) -> Iterator[Finding]:
        path = ("Resources", "Named", "Properties", "DisplayName")
        if doc.get(path) != "payments":
            yield self.finding(
                path, "probe", Fix("name it", action="set_value", args=(path, "payments"))
            )


NAMED = """\
AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  TopicName:
    Type: String
Resources:
  Named:
    Type: AWS::SNS::Topic
    Properties:
      DisplayName: !Ref TopicName
"""


def test_a_warning_a_correct_fix_may_cause_is_a_note() -> None:
    """A parameter the fix stops using (W2001) is kept for the deploy commands that pass it."""
    engine = Engine(Options(fix=True, validate=True), rules=[_Renames()])
    result = engine.run_document(Document.from_text(NAMED, "t.yaml"))
    (outcome,) = result.outcomes
    assert outcome.status is Status.APPLIED
    assert result.lint_new == []
    assert [e.rule for e in result.lint_notes or []] == ["W2001"]


def test_exempt_warnings_are_notes_and_indices_do_not_count() -> None:
    def err(rule: str, path: tuple[str | int, ...], level: str = "warning") -> LintError:
        return LintError(rule, "m", path, 1, 1, level)

    before = [err("W1001", ("Outputs", "A", "Value", 0))]
    after = [
        err("W1001", ("Outputs", "A", "Value", 1)),  # the same warning, its item shifted
        err("W2001", ("Parameters", "Old")),  # exempt: a note
        err("W1028", ("Resources", "R", "Properties", "X")),  # never exempt
        err("I3011", ("Resources", "R"), "informational"),  # never counts
    ]
    new, notes = added(before, after)
    assert [e.rule for e in new] == ["W1028"]
    assert [e.rule for e in notes] == ["W2001"]
    assert not {"W1001", "W1028", "W3011"} & set(EXEMPT_WARNINGS)


def test_a_finding_a_fix_moves_into_an_if_branch_is_the_same_finding() -> None:
    before = [
        LintError("W1020", "m", ("Resources", "Q", "Properties", "P", "Fn::Sub"), 1, 1, "warning")
    ]
    after = [
        LintError(
            "W1020",
            "m",
            ("Resources", "Q", "Properties", "P", "Fn::If", 2, "Fn::Sub"),
            9,
            1,
            "warning",
        )
    ]
    assert added(before, after) == ([], [])
