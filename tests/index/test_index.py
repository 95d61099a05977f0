import json
import multiprocessing
import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from rag.embed import FakeEmbedder
from rag.errors import IndexBusyError, IndexMismatchError, IndexMissingError
from rag.index import BuildOptions, WriteOptions, build_index, load_index, update_index, writer_lock
from rag.ingest import read_article

DOC_A = "包头市整改\n3月20日,包头市委印发实施方案,一场作风积弊大扫除在全市开展,激励干部担当作为。\n"
DOC_B = "兰州市落实年\n今年,兰州市把狠抓落实作为促进工作的助推器,把工作质量作为落实效果的试金石。\n"
DOC_C = "宝鸡市问题整改\n市委书记上官吉庆3次主持召开交办会,对省委主要领导批转的20份信访件进行了集中交办。\n"


class CountingEmbedder(FakeEmbedder):
    def __init__(self, dim: int = 32) -> None:
        super().__init__(dim=dim)
        self.embedded: list[str] = []

    def encode_document(self, texts, *, show_progress=False):
        self.embedded.extend(texts)
        return super().encode_document(texts, show_progress=show_progress)


def _docs(tmp_path: Path, **files: str) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir(exist_ok=True)
    for name, text in files.items():
        (docs / f"{name}.txt").write_text(text, encoding="utf-8")
    return docs


def test_build_and_load_round_trip(tmp_path):
    docs = _docs(tmp_path, a=DOC_A, b=DOC_B)
    embedder = CountingEmbedder()
    report = build_index([docs], tmp_path / "idx", BuildOptions(embedder=embedder))
    assert (report.articles, report.chunks, sorted(report.new)) == (2, 2, ["a", "b"])
    index = load_index(tmp_path / "idx", embedder=embedder)
    assert sorted(index.articles) == ["a", "b"]
    for c in index.chunks:
        assert index.articles[c.article_id].text[c.start : c.end] == c.text
    manifest = index.manifest
    assert manifest["model"]["dimension"] == 32 and manifest["model"]["name"] == embedder.name
    assert manifest["counts"] == {"articles": 2, "chunks": 2}
    assert {"format_version", "corpus_hash", "package_version", "chunking", "keyword"} <= manifest.keys()
    # the same vectors come back: a search with a stored vector finds itself first
    scores, ids = index.store.search(np.asarray(index.embeddings[1:2]), 1)
    assert ids[0, 0] == 1 and scores[0, 0] == pytest.approx(1.0, abs=1e-5)


def test_incremental_update_embeds_only_changes(tmp_path):
    docs = _docs(tmp_path, a=DOC_A, b=DOC_B)
    embedder = CountingEmbedder()
    build_index([docs], tmp_path / "idx", BuildOptions(embedder=embedder))
    embedder.embedded.clear()
    changed_b = DOC_B.replace("今年", "去年")
    (docs / "b.txt").write_text(changed_b, encoding="utf-8")
    (docs / "c.txt").write_text(DOC_C, encoding="utf-8")
    (docs / "a.txt").unlink()
    report = build_index([docs], tmp_path / "idx", BuildOptions(embedder=embedder))
    assert (report.new, report.changed, report.removed, report.unchanged) == (["c"], ["b"], ["a"], 0)
    assert report.embedded_chunks == 2  # one chunk each for b and c; nothing for unchanged or removed
    # every text embedded (chunks with their title line, and their sentences) comes from b or c
    assert embedder.embedded and all(t.split("\n")[-1] in changed_b + DOC_C for t in embedder.embedded)
    embedder.embedded.clear()
    report = build_index([docs], tmp_path / "idx", BuildOptions(embedder=embedder))
    assert report.unchanged == 2 and embedder.embedded == []
    assert sorted(load_index(tmp_path / "idx").articles) == ["b", "c"]


def test_update_index_adds_and_removes(tmp_path):
    docs = _docs(tmp_path, a=DOC_A)
    embedder = CountingEmbedder()
    build_index([docs], tmp_path / "idx", BuildOptions(embedder=embedder))
    extra = tmp_path / "upload.txt"
    extra.write_text(DOC_C, encoding="utf-8")
    update_index(tmp_path / "idx", add=[read_article(extra)], options=WriteOptions(embedder=embedder))
    assert sorted(load_index(tmp_path / "idx").articles) == ["a", "upload"]
    update_index(tmp_path / "idx", remove=["a"], options=WriteOptions(embedder=embedder))
    index = load_index(tmp_path / "idx")
    assert sorted(index.articles) == ["upload"] and len(index.store) == len(index.chunks) == 1


def test_missing_index_says_how_to_build(tmp_path):
    with pytest.raises(IndexMissingError, match="python -m rag index"):
        load_index(tmp_path / "nothing")


def _generation(directory: Path) -> Path:
    return directory / (directory / "CURRENT").read_text().strip()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda g: (g / "manifest.json").write_text("{not json"), "unreadable"),
        (lambda g: (g / "chunks.jsonl").unlink(), "damaged"),
        (lambda g: (g / "store" / "vectors.faiss").write_bytes(b"\0" * 10), "rebuild"),
        (
            lambda g: (g / "chunks.jsonl").write_text(
                (g / "chunks.jsonl").read_text().splitlines()[0] + "\n"
            ),
            "out of step",
        ),
    ],
)
def test_damaged_index_refused_with_rebuild_hint(tmp_path, damage, message):
    docs = _docs(tmp_path, a=DOC_A, b=DOC_B)
    build_index([docs], tmp_path / "idx", BuildOptions(embedder=FakeEmbedder(dim=32)))
    damage(_generation(tmp_path / "idx"))
    with pytest.raises(IndexMismatchError, match=message) as info:
        load_index(tmp_path / "idx")
    assert "--rebuild" in str(info.value) or "rebuild" in str(info.value)


def test_other_model_or_format_refused(tmp_path):
    docs = _docs(tmp_path, a=DOC_A)
    build_index([docs], tmp_path / "idx", BuildOptions(embedder=FakeEmbedder(dim=32)))
    with pytest.raises(IndexMismatchError, match="16-d vectors"):
        load_index(tmp_path / "idx", embedder=FakeEmbedder(dim=16))
    manifest_path = _generation(tmp_path / "idx") / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["format_version"] = 99
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatchError, match=r"version 99.*python -m rag index --docs .* --rebuild"):
        load_index(tmp_path / "idx")


def test_failed_write_leaves_previous_index(tmp_path, monkeypatch):
    docs = _docs(tmp_path, a=DOC_A)
    embedder = FakeEmbedder(dim=32)
    build_index([docs], tmp_path / "idx", BuildOptions(embedder=embedder))
    (docs / "b.txt").write_text(DOC_B, encoding="utf-8")

    import rag.index.write

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(rag.index.write, "fsync_write", boom)
    with pytest.raises(OSError, match="disk full"):
        build_index([docs], tmp_path / "idx", BuildOptions(embedder=embedder))
    monkeypatch.undo()
    assert sorted(load_index(tmp_path / "idx").articles) == ["a"]
    assert len(list((tmp_path / "idx").glob("g-*"))) == 1  # the half-written generation was removed


class SlowEmbedder(FakeEmbedder):
    def encode_document(self, texts, *, show_progress=False):
        time.sleep(60)
        return super().encode_document(texts)


def _slow_build(docs: str, directory: str) -> None:
    build_index([Path(docs)], Path(directory), BuildOptions(embedder=SlowEmbedder(dim=32)))


def test_sigkill_during_indexing_keeps_previous_index(tmp_path):
    docs = _docs(tmp_path, a=DOC_A)
    build_index([docs], tmp_path / "idx", BuildOptions(embedder=FakeEmbedder(dim=32)))
    (docs / "b.txt").write_text(DOC_B, encoding="utf-8")
    proc = multiprocessing.get_context("fork").Process(
        target=_slow_build, args=(str(docs), str(tmp_path / "idx"))
    )
    proc.start()
    time.sleep(1.5)
    os.kill(proc.pid, signal.SIGKILL)
    proc.join()
    assert sorted(load_index(tmp_path / "idx").articles) == ["a"]
    # and the next writer is not blocked by the dead one's lock
    report = build_index([docs], tmp_path / "idx", BuildOptions(embedder=FakeEmbedder(dim=32)))
    assert report.new == ["b"]


def test_second_writer_fails_clearly(tmp_path):
    (tmp_path / "idx").mkdir()
    with writer_lock(tmp_path / "idx", wait=0):
        with pytest.raises(IndexBusyError, match="another process is writing"):
            build_index(
                [_docs(tmp_path, a=DOC_A)],
                tmp_path / "idx",
                BuildOptions(embedder=FakeEmbedder(dim=32), lock_wait=0.2),
            )
