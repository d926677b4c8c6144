"""Where a suppression the app writes lands: one place whatever the order of a resource's
attributes (right before ``Properties``, last without them), YAML and JSON, byte for byte."""

from __future__ import annotations

from pathlib import Path

from fixers.model import Finding
from fixers.session import Item, Review

YAML = """\
Resources:
  Retained:
    Type: AWS::S3::Bucket
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
    Properties:
      BucketName: a
  PoliciesLast:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: b
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
  TypeLast:
    DeletionPolicy: Retain
    Type: AWS::SNS::Topic
  Noted:
    Type: AWS::SNS::Topic
    Metadata:
      owner: platform
"""

YAML_AFTER = """\
Resources:
  Retained:
    Type: AWS::S3::Bucket
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
    Metadata:
      meridian-fix:
        ignore:
          - code: MF9001
            reason: accepted
    Properties:
      BucketName: a
  PoliciesLast:
    Type: AWS::S3::Bucket
    Metadata:
      meridian-fix:
        ignore:
          - code: MF9001
            reason: accepted
    Properties:
      BucketName: b
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
  TypeLast:
    DeletionPolicy: Retain
    Type: AWS::SNS::Topic
    Metadata:
      meridian-fix:
        ignore:
          - code: MF9001
            reason: accepted
  Noted:
    Type: AWS::SNS::Topic
    Metadata:
      owner: platform
      meridian-fix:
        ignore:
          - code: MF9001
            reason: accepted
"""

JSON = """\
{
  "Resources": {
    "Retained": {
      "Type": "AWS::S3::Bucket",
      "DeletionPolicy": "Retain",
      "UpdateReplacePolicy": "Retain",
      "Properties": {
        "BucketName": "a"
      }
    },
    "PoliciesLast": {
      "Type": "AWS::S3::Bucket",
      "Properties": {
        "BucketName": "b"
      },
      "DeletionPolicy": "Retain"
    }
  }
}
"""

JSON_AFTER = """\
{
  "Resources": {
    "Retained": {
      "Type": "AWS::S3::Bucket",
      "DeletionPolicy": "Retain",
      "UpdateReplacePolicy": "Retain",
      "Metadata": {
        "meridian-fix": {
          "ignore": [
            {
              "code": "MF9001",
              "reason": "accepted"
            }
          ]
        }
      },
      "Properties": {
        "BucketName": "a"
      }
    },
    "PoliciesLast": {
      "Type": "AWS::S3::Bucket",
      "Metadata": {
        "meridian-fix": {
          "ignore": [
            {
              "code": "MF9001",
              "reason": "accepted"
            }
          ]
        }
      },
      "Properties": {
        "BucketName": "b"
      },
      "DeletionPolicy": "Retain"
    }
  }
}
"""


def suppress_each(path: Path) -> str:
    review = Review.open(str(path), rules=[])
    for rid in review.doc.data["Resources"]:
        finding = Finding("MF9001", (), "t", "low", "network", ("Resources", rid), "m", rid)
        review.items = [Item(finding)]
        assert review.suppress(review.items[0], "accepted") is None
    return review.new_bytes().decode("utf-8")


def test_suppressions_land_right_before_properties_in_yaml(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(YAML)
    assert suppress_each(path) == YAML_AFTER


def test_suppressions_land_right_before_properties_in_json(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text(JSON)
    assert suppress_each(path) == JSON_AFTER
