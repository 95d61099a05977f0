"""benchmarks/index_scale.py's corpus: every source paragraph once, then lightly edited copies, as archive rows
that ``rag.ingest`` reads back as distinct, dated articles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def index_scale(benchmark_module):  # type: ignore[no-untyped-def]
    return benchmark_module("index_scale")


def test_rows_repeat_the_paragraphs_with_light_edits(index_scale, tmp_path: Path) -> None:
    from rag.ingest import ingest

    first = index_scale.make_rows(2200)
    unique = 2104  # CMRC 2018 dev 848 + trial 256 + DRCD dev 1000
    assert len({r["id"] for r in first}) == 2200 and first == index_scale.make_rows(2200)  # seeded
    for original, copy in zip(first[:96], first[unique:], strict=True):
        assert copy["title"] == original["title"]
        assert original["text"].startswith(copy["text"]) and len(copy["text"]) <= len(original["text"])
    assert sum(c["text"] != o["text"] for o, c in zip(first[:96], first[unique:], strict=True)) > 80
    archive = tmp_path / "news.jsonl"
    rows = first[:20] + first[unique : unique + 5]
    archive.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    read = ingest([archive])
    assert len(read.articles) == 25 and not read.skipped
    assert all(a.published for a in read.articles) and {a.outlet for a in read.articles} <= set(
        index_scale.OUTLETS
    )
