"""rag.index.resume: a build killed after some embedding batches continues from them, and ends with the index an
uninterrupted build makes (same chunk ids, same vectors)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import rag.index.resume
from rag.embed import FakeEmbedder
from rag.errors import IndexMissingError
from rag.index import BuildOptions, build_index, load_index
from rag.index.resume import CHECKPOINT_DIR

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
BATCH = 10  # texts per checkpointed batch: the seeds make several batches either way


class DiesAfter(FakeEmbedder):
    """A FakeEmbedder that fails (like a killed process) on its call number ``calls + 1``; counts what it embeds."""

    def __init__(self, calls: int | None = None) -> None:
        super().__init__(dim=64)
        self.limit, self.calls, self.texts = calls, 0, 0

    def encode_document(self, texts, *, show_progress=False):  # type: ignore[no-untyped-def]
        if self.limit is not None and self.calls >= self.limit:
            raise RuntimeError("killed while embedding")
        self.calls += 1
        self.texts += len(texts)
        return super().encode_document(texts, show_progress=show_progress)


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rag.index.resume, "BATCH_TEXTS", BATCH)


def _files(directory: Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    index = load_index(directory, embedder=FakeEmbedder(dim=64))
    return [c.id for c in index.chunks], np.asarray(index.embeddings), np.asarray(index.sentence_embeddings)


@pytest.mark.parametrize("method", ["mean", "separate"])
def test_a_killed_build_resumes_and_matches_an_uninterrupted_one(tmp_path: Path, method: str) -> None:
    whole = DiesAfter()
    options = BuildOptions(embedder=whole, progress=lambda f, m: None, sentence_vectors=method)  # type: ignore[arg-type]
    build_index([SEEDS], tmp_path / "whole", options)
    total, batches = whole.texts, whole.calls
    assert batches >= 4 and not (tmp_path / "whole" / CHECKPOINT_DIR).exists()

    with pytest.raises(RuntimeError, match="killed"):
        build_index([SEEDS], tmp_path / "index", replace(options, embedder=DiesAfter(calls=2), progress=None))
    with pytest.raises(IndexMissingError):
        load_index(tmp_path / "index")
    checkpoint = tmp_path / "index" / CHECKPOINT_DIR
    saved = json.loads((checkpoint / "checkpoint.json").read_text(encoding="utf-8"))
    assert saved["done"] == [0, 1] and saved["texts"] == total and saved["batch_texts"] == BATCH
    assert sorted(p.name for p in checkpoint.glob("*.npy")) == ["batch-000000.npy", "batch-000001.npy"]

    resumed = DiesAfter()
    report = build_index([SEEDS], tmp_path / "index", replace(options, embedder=resumed, progress=None))
    assert resumed.calls == batches - 2 and resumed.texts == total - 2 * BATCH
    ids, chunk_vectors, sentence_vectors = _files(tmp_path / "index")
    ref_ids, ref_chunks, ref_sentences = _files(tmp_path / "whole")
    assert ids == ref_ids and report.chunks == len(ids)
    assert np.array_equal(chunk_vectors, ref_chunks) and np.array_equal(sentence_vectors, ref_sentences)
    assert not checkpoint.exists()


def test_a_checkpoint_for_other_texts_or_a_damaged_one_is_not_used(tmp_path: Path, seeds_dir: Path) -> None:
    with pytest.raises(RuntimeError):
        build_index([SEEDS], tmp_path / "index", BuildOptions(embedder=DiesAfter(calls=1)))
    fewer = tmp_path / "fewer"
    fewer.mkdir()
    for path in sorted(seeds_dir.glob("*.txt"))[1:]:
        (fewer / path.name).write_bytes(path.read_bytes())
    other = DiesAfter()
    build_index([fewer], tmp_path / "index", BuildOptions(embedder=other))
    reference = DiesAfter()
    build_index([fewer], tmp_path / "ref", BuildOptions(embedder=reference))
    assert other.calls == reference.calls and other.texts == reference.texts  # nothing taken from the old one

    with pytest.raises(RuntimeError):
        build_index([SEEDS], tmp_path / "again", BuildOptions(embedder=DiesAfter(calls=2)))
    (tmp_path / "again" / CHECKPOINT_DIR / "batch-000001.npy").write_bytes(b"not an array")
    again, whole = DiesAfter(), DiesAfter()
    build_index([SEEDS], tmp_path / "again", BuildOptions(embedder=again))
    build_index([SEEDS], tmp_path / "whole", BuildOptions(embedder=whole))
    assert again.calls == whole.calls - 1  # batch 0 read back, the damaged batch 1 embedded again
    assert np.array_equal(_files(tmp_path / "again")[1], _files(tmp_path / "whole")[1])
