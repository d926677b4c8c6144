"""Baselines and fingerprints: adopt the tool on existing templates, fail only on new gaps.

A finding's fingerprint is a hash of its code and its path in the template
(``Resources/DB/...``), never of its line or its message: a line inserted above it does not
change it, and neither does a rule's rewording of what it says. The same fingerprint is the
SARIF ``partialFingerprints`` value, so code scanning and the baseline agree on what "the same
finding" is. Baselines written with the first fingerprints (``meridianFix/v1``, which hashed the
message too) still match: each entry records its code and path, and they are read from there.

The baseline file (``--write-baseline``) is JSON: per template path, relative to the baseline
file's folder so that it holds in any checkout, the fingerprints of the findings it accepts.
A finding matches when its template has an entry with its fingerprint (as many times as the
baseline lists it).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterable
from typing import Any

from fixers.model import Finding

FORMAT_VERSION = 1
FINGERPRINT_KEY = "meridianFix/v2"
LEGACY_KEYS = ("meridianFix/v1",)


class BaselineError(Exception):
    pass


def fingerprint_of(code: str, path: str) -> str:
    """The fingerprint of a finding of ``code`` at the template path ``path`` (``a/b/c``)."""
    raw = "\0".join((code, path))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


def fingerprint(finding: Finding) -> str:
    """Stable identity of a finding within its template: its code and template path (not its
    message, so rewording keeps baselines and code-scanning alerts)."""
    return fingerprint_of(finding.code, "/".join(str(p) for p in finding.path))


def relative(template_path: str, base_dir: str) -> str:
    """The template's path relative to ``base_dir``, with ``/``, as baselines store it."""
    full = os.path.abspath(template_path)
    try:
        rel = os.path.relpath(full, os.path.abspath(base_dir))
    except ValueError:  # another drive on Windows
        rel = full
    return rel.replace(os.sep, "/")


class Baseline:
    def __init__(self, path: str, entries: dict[str, Counter[str]] | None = None) -> None:
        self.path = path
        self.base_dir = os.path.dirname(os.path.abspath(path))
        self.entries: dict[str, Counter[str]] = entries or {}

    @classmethod
    def load(cls, path: str) -> Baseline:
        try:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
        except FileNotFoundError:
            raise BaselineError(
                f"{path}: no such baseline (write one with --write-baseline)"
            ) from None
        except OSError as exc:
            raise BaselineError(f"{path}: not readable: {exc.strerror or exc}") from None
        except json.JSONDecodeError as exc:
            raise BaselineError(f"{path}: not a baseline: line {exc.lineno}: {exc.msg}") from None
        files = doc.get("files") if isinstance(doc, dict) else None
        if not isinstance(files, dict):
            raise BaselineError(f"{path}: not a meridian-fix baseline (no 'files' mapping)")
        legacy = doc.get("fingerprint") in LEGACY_KEYS
        entries: dict[str, Counter[str]] = {}
        for rel, items in files.items():
            if not isinstance(items, list):
                raise BaselineError(f"{path}: {rel}: a list of findings expected")
            entries[rel] = Counter(
                _entry_fingerprint(i, legacy)
                for i in items
                if isinstance(i, dict) and isinstance(i.get("fingerprint"), str)
            )
        return cls(path, entries)

    def matcher(self, template_path: str) -> Matcher:
        return Matcher(Counter(self.entries.get(relative(template_path, self.base_dir), Counter())))

    @staticmethod
    def document(
        path: str, per_file: Iterable[tuple[str, list[Finding]]], tool_version: str
    ) -> dict[str, Any]:
        base = os.path.dirname(os.path.abspath(path))
        files: dict[str, list[dict[str, Any]]] = {}
        for template, findings in per_file:
            if not findings:
                continue
            rel = relative(template, base)
            files.setdefault(rel, []).extend(
                {
                    "code": f.code,
                    "path": "/".join(str(p) for p in f.path),
                    "message": f.message,
                    "fingerprint": fingerprint(f),
                }
                for f in findings
            )
        for items in files.values():
            items.sort(key=lambda i: (i["code"], i["path"], i["fingerprint"]))
        return {
            "version": FORMAT_VERSION,
            "tool": {"name": "meridian-fix", "version": tool_version},
            "fingerprint": FINGERPRINT_KEY,
            "files": dict(sorted(files.items())),
        }

    @staticmethod
    def write(path: str, per_file: Iterable[tuple[str, list[Finding]]], tool_version: str) -> int:
        doc = Baseline.document(path, per_file, tool_version)
        text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
        tmp = f"{path}.tmp{os.getpid()}"
        try:
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise BaselineError(
                f"{path}: cannot write the baseline: {exc.strerror or exc}"
            ) from None
        return sum(len(v) for v in doc["files"].values())


def _entry_fingerprint(item: dict[str, Any], legacy: bool) -> str:
    """An entry's fingerprint as this version computes it: a first-version entry (whose hash
    included the message) is read from the code and path it records."""
    code, where = item.get("code"), item.get("path")
    if legacy and isinstance(code, str) and isinstance(where, str):
        return fingerprint_of(code, where)
    return str(item["fingerprint"])


class Matcher:
    """Takes findings of one template off its baseline entries, each entry once."""

    def __init__(self, left: Counter[str]) -> None:
        self.left = left

    def take(self, finding: Finding) -> bool:
        fp = fingerprint(finding)
        if self.left[fp] > 0:
            self.left[fp] -= 1
            return True
        return False
