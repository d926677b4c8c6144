"""MF1413: a customer-managed symmetric KMS key without automatic rotation (beyond the spec)."""

from __future__ import annotations

from collections.abc import Iterator

from fixers import cfn, values
from fixers.document import Document, EditError
from fixers.edits import set_property
from fixers.model import Finding, Fix
from fixers.rules import Rule

ROTATABLE_SPEC = "SYMMETRIC_DEFAULT"
ROTATABLE_ORIGIN = "AWS_KMS"


def rotatable(data: dict, props: dict) -> bool:
    """Whether KMS can rotate the key automatically: a symmetric encryption key
    (``KeySpec`` SYMMETRIC_DEFAULT, the default) whose key material KMS made (``Origin``
    AWS_KMS, the default). Asymmetric and HMAC keys, imported key material and custom key
    stores cannot rotate automatically."""
    for prop, wanted in (("KeySpec", ROTATABLE_SPEC), ("Origin", ROTATABLE_ORIGIN)):
        if prop not in props:
            continue
        found = values.options(data, props[prop], defaults_only=True)
        if not any(o.absent or o.value == wanted for o in found):
            return False
    return True


def rotatable_when(data: dict, props: dict, when: frozenset[tuple[str, bool]]) -> bool:
    """Whether the key can be one KMS rotates under these conditions: a ``KeySpec`` or
    ``Origin`` from a parameter is pinned to the rotatable value, and the conditions must
    still hold (``EnableKeyRotation: !If [IsSymmetric, true, false]`` is off only for keys
    that cannot rotate)."""
    given = {}
    for prop, wanted in (("KeySpec", ROTATABLE_SPEC), ("Origin", ROTATABLE_ORIGIN)):
        param = cfn.ref_target(props.get(prop))
        if param and param in cfn.section(data, "Parameters"):
            given[param] = wanted
    return not when or not given or values.satisfiable(data, when, given=given)


class KeyRotation(Rule):
    code = "MF1413"
    spec = ()
    title = "Customer-managed KMS key without automatic rotation"
    area = "encryption"
    kind = "hardening"
    severity = "medium"
    fix_applicability = "safe"
    deploy_impact = "update"
    why = """
        A customer-managed key that never rotates encrypts every new data key with the same key
        material for as long as the key lives: the more it protects, and the longer, the more
        a compromise of that material exposes. With `EnableKeyRotation: true` KMS makes new key
        material every year (or the `RotationPeriodInDays` set) and keeps the old material to
        decrypt what it encrypted, transparently: the key ID, ARN and policy stay the same.
        AWS Security Hub KMS.4 (severity medium) and CIS AWS Foundations 3.6 ask for it.
    """
    bad = """
        DatabaseKey:
          Type: AWS::KMS::Key
          Properties:
            KeyPolicy: ...                 # no EnableKeyRotation: false
    """
    good = """
        DatabaseKey:
          Type: AWS::KMS::Key
          Properties:
            EnableKeyRotation: true
            KeyPolicy: ...
    """
    fix_safety = """
        Safe (update in place, no interruption). The fix sets `EnableKeyRotation: true`: KMS
        rotates the key material yearly from then on and keeps the previous material, so
        everything encrypted before still decrypts and nothing that uses the key changes. Each
        rotation adds a monthly charge for the retained key material (the first two).
    """
    notes = """
        Customer-managed `AWS::KMS::Key` resources that KMS can rotate: symmetric encryption
        keys (`KeySpec` SYMMETRIC_DEFAULT, the default) with key material KMS generated
        (`Origin` AWS_KMS, the default). Asymmetric, HMAC and imported-material keys cannot
        rotate automatically and are not reported, also where a condition turns rotation off
        only for them (`!If [IsSymmetric, true, false]`). A rotation flag from a parameter or an
        `Fn::If` is reported when its default or a branch leaves rotation off, without a fix
        (the deployer or the condition decides). AWS managed keys (aws/rds, aws/secretsmanager)
        rotate on their own and are not resources of the template.
    """

    def detect(self, doc: Document) -> Iterator[Finding]:
        data = doc.data
        for lid, res in cfn.of_type(data, "AWS::KMS::Key"):
            props = cfn.props(res)
            if not rotatable(data, props):
                continue
            value = props.get("EnableKeyRotation")
            if value is not None:
                found = values.options(data, value, defaults_only=True)
                off = [
                    o
                    for o in found
                    if (o.absent or values.as_bool(o.value) is False)
                    and rotatable_when(data, props, o.when)
                ]
                if not off:
                    continue
                when = [values.when_text(o.when) for o in off if o.when]
                source = {o.source for o in off} - {"literal"}
                yield self.finding(
                    ("Resources", lid, "Properties", "EnableKeyRotation"),
                    f"KMS key {lid} does not rotate its key material"
                    + (f" ({', '.join(sorted(source))})" if source else "")
                    + (f" {'; '.join(when)}" if when else "")
                    + ": everything it protects stays under the same key material.",
                    self._fix(lid) if values.as_bool(value) is False else None,
                )
                continue
            yield self.finding(
                ("Resources", lid),
                f"KMS key {lid} sets no EnableKeyRotation (off by default): its key material "
                "never rotates.",
                self._fix(lid),
            )

    @staticmethod
    def _fix(lid: str) -> Fix:
        return Fix(
            title=f"Rotate the key material of {lid} yearly",
            args=(lid,),
            impact="update",
            impact_detail=(
                "rotation is turned on in place; earlier key material is kept, so existing "
                "ciphertexts still decrypt"
            ),
        )

    def apply(self, doc: Document, lid: str) -> None:
        value = doc.get(("Resources", lid, "Properties", "EnableKeyRotation"))
        if value is not None and values.as_bool(value) is not False:
            raise EditError(f"EnableKeyRotation of {lid} is not a plain false")
        set_property(doc, lid, "EnableKeyRotation", True)
