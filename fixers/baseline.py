"""Baselines and fingerprints: adopt the tool on existing templates, fail only on new gaps.

A finding's fingerprint is a hash of its code, its path in the template (``Resources/DB/...``)
and its message with positions normalised away, never of its line: a line inserted above it
does not change it. The same fingerprint is the SARIF ``partialFingerprints`` value, so code
scanning and the baseline agree on what "the same finding" is.

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
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from fixers.model import Finding, without_positions

FORMAT_VERSION = 1
FINGERPRINT_KEY = "meridianFix/v1"

_SPACE_RE = re.compile(r"\s+")


class BaselineError(Exception):
    pass


def normalise_message(message: str) -> str:
    """The message without positions or layout, so it survives edits elsewhere in the file."""
    return _SPACE_RE.sub(" ", without_positions(message)).strip()


def fingerprint(finding: Finding) -> str:
    """Stable identity of a finding within its template: code, template path, message."""
    path = "/".join(str(p) for p in finding.path)
    raw = "\0".join((finding.code, path, normalise_message(finding.message)))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


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
        entries: dict[str, Counter[str]] = {}
        for rel, items in files.items():
            if not isinstance(items, list):
                raise BaselineError(f"{path}: {rel}: a list of findings expected")
            entries[rel] = Counter(
                i["fingerprint"]
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
