"""The engine tells what became of each fix apart: applied, already fixed by an earlier fix,
declined as unsafe, failed; each but the first with its reason."""

from __future__ import annotations

from collections.abc import Iterator

from fixers.document import Document, EditError
from fixers.engine import ALREADY_FIXED, Engine, Options, Status
from fixers.model import Finding, Fix
from fixers.rules import Rule

TEMPLATE = """\
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.0.0.0/16
"""
PROPS = ("Resources", "Vpc", "Properties")


class _Probe(Rule):
    """A test rule with its code set on the instance, so it never joins the registry."""

    title = "probe"
    area = "network"
    key = ""
    value: object = True

    def __init__(self, code: str, fix: Fix) -> None:
        self.code = code  # type: ignore[misc]
        self._fix = fix

    def detect(self, doc: Document) -> Iterator[Finding]:
        if self.key not in doc.data["Resources"]["Vpc"]["Properties"]:
            yield self.finding(("Resources", "Vpc"), "probe", self._fix)

    def both(self, doc: Document) -> None:
        doc.set((*PROPS, "EnableDnsHostnames"), True)
        doc.set((*PROPS, "EnableDnsSupport"), True)

    def refuse(self, doc: Document) -> None:
        raise EditError("the template is not as the fix expects")


def _rule(code: str, key: str, fix: Fix) -> _Probe:
    rule = _Probe(code, fix)
    rule.key = key
    return rule


def _statuses(*rules: _Probe, unsafe: bool = False) -> dict[str, tuple[Status, str | None]]:
    engine = Engine(Options(fix=True, unsafe_fixes=unsafe, validate=False), rules=list(rules))
    result = engine.run_document(Document.from_text(TEMPLATE))
    return {o.finding.code: (o.status, o.reason) for o in result.outcomes}


def test_a_finding_an_earlier_fix_closed_is_already_fixed_not_applied() -> None:
    first = _rule("MF9901", "EnableDnsHostnames", Fix("both", action="both"))
    second = _rule(
        "MF9902",
        "EnableDnsSupport",
        Fix("one", action="set_value", args=((*PROPS, "EnableDnsSupport"), True)),
    )
    got = _statuses(first, second)
    assert got == {
        "MF9901": (Status.APPLIED, None),
        "MF9902": (Status.ALREADY_FIXED, ALREADY_FIXED),
    }


def test_unsafe_fixes_are_declined_with_their_impact_and_failed_fixes_say_why() -> None:
    unsafe = _rule(
        "MF9901",
        "EnableDnsHostnames",
        Fix("renumber", action="set_value", args=((*PROPS, "CidrBlock"), "10.1.0.0/16")),
    )
    broken = _rule("MF9902", "EnableDnsSupport", Fix("refuse", action="refuse"))
    got = _statuses(unsafe, broken)
    assert got["MF9901"][0] is Status.DECLINED and "replacement" in (got["MF9901"][1] or "")
    assert got["MF9902"] == (
        Status.FAILED,
        "not applied: the template is not as the fix expects",
    )
    # Asked for, the unsafe fix is applied.
    assert _statuses(unsafe, unsafe=True)["MF9901"][0] is Status.APPLIED


def test_statuses_read_as_the_words_reports_show() -> None:
    assert [str(s) for s in Status] == [
        "open",
        "applied",
        "already fixed",
        "skipped",
        "unsafe",
        "generated",
        "failed",
        "rolled back",
    ]


CDK_TEMPLATE = """\
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Metadata:
      aws:cdk:path: PaymentsStack/Vpc/Resource
    Properties:
      CidrBlock: 10.0.0.0/16
"""


def test_a_template_the_cdk_synthesized_is_reported_not_rewritten() -> None:
    """Edits to synthesized output are lost at the next synthesis: the fix belongs in the app."""
    rule = _rule(
        "MF9901",
        "EnableDnsHostnames",
        Fix("one", action="set_value", args=((*PROPS, "EnableDnsHostnames"), True)),
    )
    engine = Engine(Options(fix=True, validate=False), rules=[rule])
    result = engine.run_document(Document.from_text(CDK_TEMPLATE))
    (outcome,) = result.outcomes
    assert outcome.status is Status.GENERATED
    assert "PaymentsStack/Vpc/Resource" in (outcome.reason or "")
    assert result.new_text == CDK_TEMPLATE


def test_a_fix_that_names_a_method_making_no_edit_fails_instead_of_passing_as_applied() -> None:
    rule = _rule("MF9901", "EnableDnsHostnames", Fix("wrong", action="detect"))
    status, reason = _statuses(rule)["MF9901"]
    assert status is Status.FAILED and "no fix action 'detect'" in (reason or "")


def test_a_checkpoint_can_be_restored_more_than_once() -> None:
    """Edits after a restore copy the data first, so the checkpoint stays as it was taken."""
    doc = Document.from_text(TEMPLATE)
    point = doc.checkpoint()
    for value in ("10.1.0.0/16", "10.2.0.0/16"):
        doc.set((*PROPS, "CidrBlock"), value)
        doc.restore(point)
        assert doc.text == TEMPLATE and doc.data == Document.from_text(TEMPLATE).data
    doc.self_check()
