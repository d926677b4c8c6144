"""Edits inside an entry that a pending insertion adds change the data and render the insertion
again, without reading the text: the bytes are the same as reading the text after every edit."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixers import template as template_module
from fixers.document import Document

YAML = """\
AWSTemplateFormatVersion: '2010-09-09'
# the network
Resources:
    VPC:   # odd indentation, kept
        Type: AWS::EC2::VPC
        Properties:
            CidrBlock: 10.0.0.0/16
            Tags: [{Key: Name, Value: vpc}]
Outputs:
    VpcId:
        Value: !Ref VPC
"""

JSON = """\
{
\t"Resources": {
\t\t"VPC": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}}
\t}
}
"""

NEW = ("Resources", "LogGroup")

# Each step is an edit inside (or beside) the new resource.
STEPS = {
    "property": lambda d: d.set(NEW + ("Properties", "RetentionInDays"), 365),
    "nested": lambda d: d.set(NEW + ("Properties", "Tags"), [{"Key": "Name", "Value": "logs"}]),
    "append": lambda d: d.append(
        NEW + ("Properties", "Tags"), {"Key": "Owner", "Value": "platform"}
    ),
    "replace": lambda d: d.set(
        NEW + ("Properties", "LogGroupName"), {"Fn::Sub": "${AWS::StackName}-app"}
    ),
    "delete": lambda d: (
        d.delete(NEW + ("Properties", "LogGroupName"))
        if d.exists(NEW + ("Properties", "LogGroupName"))
        else None
    ),
    "condition": lambda d: d.set(NEW + ("Condition",), "IsProduction"),
    "beside": lambda d: d.set(("Outputs", "LogGroup"), {"Value": {"Ref": "LogGroup"}}),
    "into beside": lambda d: (
        d.set(("Outputs", "LogGroup", "Export"), {"Name": "logs"})
        if d.exists(("Outputs", "LogGroup"))
        else None
    ),
}


def _run(text: str, steps: list[str], read_every_time: bool) -> str:
    doc = Document.from_text(text)
    doc.set(NEW, {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "app"}})
    for name in steps:
        STEPS[name](doc)
        if read_every_time:
            doc.flush()
    doc.self_check()
    return doc.text


@settings(max_examples=150, deadline=None)
@given(
    text=st.sampled_from([YAML, JSON]), steps=st.lists(st.sampled_from(sorted(STEPS)), max_size=8)
)
def test_batched_edits_inside_new_entries_write_the_same_bytes(text: str, steps: list[str]) -> None:
    assert _run(text, steps, read_every_time=False) == _run(text, steps, read_every_time=True)


@pytest.mark.parametrize("text", [YAML, JSON], ids=["yaml", "json"])
def test_edits_inside_a_new_entry_need_no_reading(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = Document.from_text(text)
    reads: list[int] = []
    real = template_module.Template.__init__

    def counting(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        reads.append(1)
        real(self, *args, **kwargs)

    monkeypatch.setattr(template_module.Template, "__init__", counting)
    doc.set(NEW, {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "app"}})
    for name in (
        "property",
        "nested",
        "append",
        "replace",
        "condition",
        "beside",
        "into beside",
        "delete",
    ):
        STEPS[name](doc)
    assert reads == []
    doc.self_check()
    assert len(reads) == 1
    assert "# the network" in doc.text or text is JSON


def test_rollback_undoes_a_merged_edit() -> None:
    doc = Document.from_text(YAML)
    doc.set(NEW, {"Type": "AWS::Logs::LogGroup"})
    mark = doc.mark()
    doc.set(NEW + ("Properties",), {"RetentionInDays": 365})
    doc.rollback(mark)
    doc.self_check()
    assert "RetentionInDays" not in doc.text and "LogGroup:" in doc.text


def test_an_empty_flow_collection_takes_the_block_style_and_a_full_one_stays_flow() -> None:
    doc = Document.from_text(
        "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: {}\n    Tags: [{Key: a, Value: b}]\n"
    )
    doc.set(("Resources", "Q", "Properties", "DelaySeconds"), 5)
    doc.append(("Resources", "Q", "Tags"), {"Key": "c", "Value": "d"})
    assert doc.text == (
        "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      DelaySeconds: 5\n"
        "    Tags: [{Key: a, Value: b}, {Key: c, Value: d}]\n"
    )


@pytest.mark.parametrize(
    "text,expected",
    [
        (
            "Resources:\n  A:\n    Type: AWS::SNS::Topic\n    DependsOn: []\nOutputs: {}\n",
            "Resources:\n  A:\n    Type: AWS::SNS::Topic\n    DependsOn:\n      - B\n      - C\n"
            "Outputs:\n  X:\n    Value: 1\n  Y:\n    Value: 2\n",
        ),
        (
            '{"Resources": {"A": {"Type": "AWS::SNS::Topic", "DependsOn": []}}, "Outputs": {}}\n',
            '{"Resources": {"A": {"Type": "AWS::SNS::Topic", "DependsOn": ["B", "C"]}}, '
            '"Outputs": {"X": {"Value": 1}, "Y": {"Value": 2}}}\n',
        ),
    ],
    ids=["yaml", "json"],
)
def test_two_insertions_into_one_empty_collection_in_one_batch(text: str, expected: str) -> None:
    # The first rewrites the empty `{}` or `[]` whole; the second must see what it wrote.
    doc = Document.from_text(text)
    doc.set(("Outputs", "X"), {"Value": 1})
    doc.set(("Outputs", "Y"), {"Value": 2})
    doc.append(("Resources", "A", "DependsOn"), "B")
    doc.append(("Resources", "A", "DependsOn"), "C")
    doc.self_check()
    assert doc.text == expected


def test_an_edit_that_cannot_be_rendered_inside_the_new_entry_is_made_the_ordinary_way() -> None:
    # Rendered anew as a whole, the new flow mapping would pass its line; inserting only the
    # new key, after reading the text, fits. The data must not change before that is known.
    doc = Document.from_text(
        "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: {DelaySeconds: 5}\n"
    )
    doc.set(("Resources", "Q", "Properties", "Tags"), {"a": 1})
    doc.set(("Resources", "Q", "Properties", "Tags", "b"), "x" * 95)
    doc.self_check()
    assert doc.data["Resources"]["Q"]["Properties"] == {
        "DelaySeconds": 5,
        "Tags": {"a": 1, "b": "x" * 95},
    }


@pytest.mark.parametrize("step", [3, "k"])
def test_a_bad_path_inside_a_new_entry_is_an_edit_error_and_changes_nothing(step: object) -> None:
    from fixers.document import EditError

    doc = Document.from_text(YAML)
    doc.set(NEW, {"Type": "AWS::Logs::LogGroup", "Properties": {"L": ["a"]}})
    with pytest.raises(EditError):
        doc.set(NEW + ("Properties", "L", step), 1)
    doc.self_check()
    assert doc.get(NEW + ("Properties", "L")) == ["a"]


def test_appending_null_then_an_item_in_one_batch() -> None:
    doc = Document.from_text("Resources:\n  A:\n    Type: X\nL:\n  - a\n")
    doc.append(("L",), None)
    doc.append(("L",), "b")
    doc.self_check()
    assert doc.text == "Resources:\n  A:\n    Type: X\nL:\n  - a\n  - null\n  - b\n"


def test_two_edits_of_a_single_pair_mapping_in_a_flow_sequence_in_one_batch() -> None:
    doc = Document.from_text(
        "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      L: [0, K: v]\n"
    )
    doc.set(("Resources", "Q", "Properties", "L", 1, "K2"), 1)
    doc.set(("Resources", "Q", "Properties", "L", 1, "K3"), 1)
    doc.set(("Resources", "Q", "Properties", "L", 1, "K"), 2)
    doc.self_check()
    assert (
        doc.text
        == "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      L: [0, {K: 2, K2: 1, K3: 1}]\n"
    )


@pytest.mark.parametrize("kind", ["key", "item"])
def test_a_block_scalar_inserted_at_the_end_of_a_file_without_a_final_newline(kind: str) -> None:
    # `|` keeps the text's final line break only if the file has one there: it gains it.
    doc = Document.from_text("Resources:\n  A:\n    Type: X\n    L:\n      - a")
    if kind == "key":
        doc.set(("Resources", "A", "Code"), "one\ntwo\n")
    else:
        doc.append(("Resources", "A", "L"), "one\ntwo\n")
    doc.self_check()
    assert doc.text.endswith(
        ("    Code: |\n      one\n      two\n")
        if kind == "key"
        else "      - |\n        one\n        two\n"
    )


def test_blank_lines_after_a_block_scalar_count_as_the_mappings_style() -> None:
    # The block scalar's span takes in the blank line after it; the style must not depend on
    # whether the text was read again after the scalar was written.
    text = "Resources:\n    VPC:\n        Type: AWS::EC2::VPC\n        Properties:\n            Tags: x\n\n    Topic:\n        Type: AWS::SNS::Topic\n"

    def run(read_between: bool) -> str:
        doc = Document.from_text(text)
        doc.set(("Resources", "VPC", "Properties", "Tags"), "multi\nline\n")
        if read_between:
            doc.flush()
        doc.set(("Resources", "N3"), {"Type": "AWS::SNS::Topic"})
        doc.self_check()
        return doc.text

    assert run(False) == run(True)
    assert run(True).endswith(
        "        Type: AWS::SNS::Topic\n\n    N3:\n        Type: AWS::SNS::Topic\n"
    )


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_removing_the_last_lines_of_a_file_without_a_final_newline_keeps_it_so(
    newline: str,
) -> None:
    text = newline.join(["Resources:", "  A:", "    Type: X", "  B:", "    Type: Y"])
    doc = Document.from_text(text)
    doc.delete(("Resources", "B"))
    doc.self_check()
    assert doc.text == newline.join(["Resources:", "  A:", "    Type: X"])
