"""benchmarks/index_scale.py: its corpus (every source paragraph once, then lightly edited copies, as archive rows
that ``rag.ingest`` reads back as distinct, dated articles) and its check that a build's batches re-embed to the
index's vectors."""

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


@pytest.mark.parametrize("method", ["mean", "separate"])
def test_verify_re_embeds_batches_to_the_index_vectors(
    index_scale, tmp_path: Path, seeds_dir: Path, method: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rag.index.resume
    from rag.embed import FakeEmbedder
    from rag.index import BuildOptions, build_index

    monkeypatch.setattr(rag.index.resume, "BATCH_TEXTS", 64)
    options = BuildOptions(embedder=FakeEmbedder(dim=32), sentence_vectors=method, progress=lambda f, m: None)  # type: ignore[arg-type]
    build_index([seeds_dir], tmp_path / "index", options)
    result = index_scale.verify(tmp_path / "index", [0, 1, 3], 64, embedder=FakeEmbedder(dim=32))
    assert result["equal"] and result.get("chunks_are_means", True)
    assert len(result["batches_checked"]) == 3
    if method == "mean":  # a chunk vector made otherwise than the index says is caught
        import rag.index.sync

        monkeypatch.setattr(rag.index.sync, "TITLE_WEIGHT", 0.5)
        again = index_scale.verify(tmp_path / "index", [0], 64, embedder=FakeEmbedder(dim=32))
        assert again["equal"] and not again["chunks_are_means"]
