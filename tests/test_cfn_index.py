"""The per-template index behind ``fixers.cfn``: answers for a Document's data are kept until
its next change, and are the same as the answers computed afresh for plain data."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from fixers import cfn
from fixers.document import Document

SAMPLE = Path(__file__).resolve().parent.parent / "sample_templates" / "transaction-platform.yaml"

TEXT = """\
Parameters:
  Image:
    Type: String
Resources:
  Bucket:
    Type: AWS::S3::Bucket
  Policy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Bucket
  Topic:
    Type: AWS::SNS::Topic
    DependsOn: Bucket
    Properties:
      TopicName: !Sub '${Image}-${Bucket.Arn}'
Outputs:
  Name:
    Value: !Ref Image
"""


def _answers(data: dict) -> dict:
    res = cfn.resources(data)
    names = list(res) + ["Image", "Missing"]
    return {
        "resources": list(res),
        "of_type": [k for k, _ in cfn.of_type(data, "AWS::S3::Bucket", "AWS::SNS::Topic")],
        "refs": {k: sorted(cfn.refs(v)) for k, v in res.items()},
        "referrers": {n: cfn.referrers(data, n) for n in names},
        "dependents": {n: cfn.dependents(data, n) for n in names},
        "direct_uses": {n: cfn.direct_uses(data, n) for n in names},
    }


def test_tracked_answers_equal_fresh_answers_on_the_sample() -> None:
    doc = Document.from_text(SAMPLE.read_text(), str(SAMPLE))
    assert _answers(doc.data) == _answers(copy.deepcopy(doc.data))


def test_answers_follow_edits_and_rollbacks() -> None:
    doc = Document.from_text(TEXT)
    assert cfn.referrers(doc.data, "Bucket") == ["Policy", "Topic"]
    assert cfn.dependents(doc.data, "Bucket") == ["Policy", "Topic"]
    assert cfn.direct_uses(doc.data, "Image") == [
        ("Resources", "Topic", "Properties", "TopicName"),
        ("Outputs", "Name", "Value"),
    ]
    mark = doc.mark()
    doc.set(
        ("Resources", "Queue"),
        {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Ref": "Bucket"}}},
    )
    doc.delete(("Resources", "Topic", "DependsOn"))
    assert cfn.referrers(doc.data, "Bucket") == ["Policy", "Topic", "Queue"]
    assert [k for k, _ in cfn.of_type(doc.data, "AWS::SQS::Queue")] == ["Queue"]
    assert _answers(doc.data) == _answers(copy.deepcopy(doc.data))
    doc.rollback(mark)
    assert cfn.referrers(doc.data, "Bucket") == ["Policy", "Topic"]
    assert cfn.of_type(doc.data, "AWS::SQS::Queue") == []
    assert _answers(doc.data) == _answers(copy.deepcopy(doc.data))


def test_answers_follow_restore() -> None:
    doc = Document.from_text(TEXT)
    point = doc.checkpoint()
    doc.set(("Resources", "Policy", "Properties", "Bucket"), "literal")
    assert cfn.referrers(doc.data, "Bucket") == ["Topic"]
    doc.restore(point)
    assert cfn.referrers(doc.data, "Bucket") == ["Policy", "Topic"]


def test_a_caller_cannot_spoil_a_kept_answer() -> None:
    doc = Document.from_text(TEXT)
    topic = cfn.resources(doc.data)["Topic"]
    cfn.refs(topic).clear()
    assert cfn.refs(topic) == {"Bucket", "Image"}
    cfn.referrers(doc.data, "Bucket").clear()
    assert cfn.referrers(doc.data, "Bucket") == ["Policy", "Topic"]


@pytest.mark.parametrize("copies", [1, 12])
def test_plain_data_is_never_kept(copies: int) -> None:
    # Data no Document tracks is answered afresh: changing it in place is seen at once.
    for _ in range(copies):
        data = Document.from_text(TEXT).data  # more documents than the index keeps
    plain = copy.deepcopy(data)
    assert cfn.referrers(plain, "Bucket") == ["Policy", "Topic"]
    del plain["Resources"]["Policy"]
    assert cfn.referrers(plain, "Bucket") == ["Topic"]
