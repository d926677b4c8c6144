"""The writer over the real-world corpus: no fix gives identical bytes; every edit keeps the
writer's properties on every template and on its CRLF, BOM, no-final-newline and tab-JSON variants."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixers.engine import load
from tests import writer_matrix


@pytest.mark.corpus
def test_no_fix_gives_identical_bytes_on_every_corpus_template(corpus_files: list[Path]) -> None:
    assert len(corpus_files) == 296
    for path in corpus_files:
        snapshot, doc = load(str(path))
        assert (
            (("\ufeff" if doc.template.bom else "") + doc.text).encode("utf-8")
        ) == snapshot.data, path


def _report(files: list[Path]) -> None:
    counts, failures = writer_matrix.run(files)
    for name, by_variant in counts.items():
        print(name, {v: f"{c[0]}/{c[1]}" for v, c in by_variant.items()})
    assert not failures, "\n".join(failures[:20])


@pytest.mark.corpus
def test_every_edit_keeps_the_writer_properties_on_a_corpus_sample(
    corpus_files: list[Path],
) -> None:
    _report(corpus_files[::20])


@pytest.mark.slow
@pytest.mark.corpus
def test_every_edit_keeps_the_writer_properties_on_the_whole_corpus(
    corpus_files: list[Path],
) -> None:
    _report(corpus_files)
