"""The loader reads templates as CloudFormation's own readers do: YAML exactly as cfn-lint
decodes it (YAML 1.1, short tags in long form), JSON exactly as ``json.loads``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fixers.template import Template


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, str):
        return str(value) + ""
    return value


@pytest.mark.corpus
def test_every_corpus_template_reads_as_cfn_lint_and_json_read_it(corpus_files: list[Path]) -> None:
    from cfnlint.decode import decode_str

    differ = []
    for path in corpus_files:
        text = path.read_text(encoding="utf-8-sig")
        data = Template(text, path=str(path)).data
        if path.suffix == ".json":
            expected = json.loads(text)
        else:
            decoded, _ = decode_str(text)
            expected = _plain(decoded)
        if data != expected:
            differ.append(str(path))
    assert not differ, differ
