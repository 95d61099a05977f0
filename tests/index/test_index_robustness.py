"""Damaged indexes, duplicate documents, killed and concurrent writers: what loading and building say and keep
(README, "Bad input, faults and load")."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from robust_cases import DAMAGES, article, edit_manifest, generation_of, hold_lock, rebuild_command

from rag.embed import FakeEmbedder
from rag.errors import IndexMismatchError, IndexMissingError
from rag.extract import answer_from
from rag.index import BuildOptions, WriteOptions, build_index, load_index, update_index
from rag.ingest import read_article

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"


def test_duplicate_content_under_two_names_in_a_build(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(article(), encoding="utf-8")
    (docs / "b.txt").write_text(article(), encoding="utf-8")
    report = build_index([docs], tmp_path / "idx", BuildOptions(embedder=FakeEmbedder(dim=32)))
    assert report.articles == 1 and report.new == ["a"]
    assert [(s.source, s.reason) for s in report.skipped] == [
        (str(docs / "b.txt"), f"same text as {docs / 'a.txt'}")
    ]
    assert "1 files skipped" in report.summary()


@pytest.mark.parametrize("case", DAMAGES, ids=[d[0] for d in DAMAGES])
def test_damaged_index_says_how_to_rebuild(fake_index_copy: Path, case: tuple) -> None:
    _, damage, what = case
    damage(generation_of(fake_index_copy))
    with pytest.raises(IndexMismatchError) as info:
        load_index(fake_index_copy)
    message = str(info.value)
    assert what in message and rebuild_command(fake_index_copy).search(message), message


def test_index_from_another_model_refused_when_loading_with_the_model(fake_index_copy: Path) -> None:
    edit_manifest(generation_of(fake_index_copy), lambda m: m["model"].update(fingerprint="0" * 16))
    with pytest.raises(
        IndexMismatchError, match=re.escape("was embedded with fake-hash-64 (fingerprint 0000000000000000)")
    ) as info:
        load_index(fake_index_copy, embedder=FakeEmbedder(dim=64))
    assert rebuild_command(fake_index_copy).search(str(info.value))
    with pytest.raises(
        IndexMismatchError, match="holds 64-d vectors from fake-hash-64, but the model fake-hash-32"
    ):
        load_index(fake_index_copy, embedder=FakeEmbedder(dim=32))


_KILL_CHILD = """
import sys, time
from pathlib import Path
import rag.index.write
from rag.embed import FakeEmbedder
from rag.index import BuildOptions, build_index

real = rag.index.write.fsync_write

def stall(path, data):  # write, then hang once the chunks are on disk: the parent kills us here
    real(path, data)
    if path.name == "chunks.jsonl":
        time.sleep(300)

rag.index.write.fsync_write = stall
build_index([Path(p) for p in sys.argv[2:]], Path(sys.argv[1]), BuildOptions(embedder=FakeEmbedder(dim=64)))
"""


def _kill_while_writing(directory: Path, docs: list[Path]) -> Path:
    """Run a build in a child process and SIGKILL it half way through writing; the half-written generation."""
    live = (directory / "CURRENT").read_text().strip() if (directory / "CURRENT").exists() else ""
    child = subprocess.Popen([sys.executable, "-c", _KILL_CHILD, str(directory), *map(str, docs)], cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while True:
            partial = [g for g in directory.glob("g-*") if g.name != live and (g / "chunks.jsonl").exists()]
            if partial:
                break
            assert child.poll() is None, "the build ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    return partial[0]


def test_sigkill_while_writing_keeps_the_previous_index_answering(
    fake_index_copy: Path, tmp_path: Path
) -> None:
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "new.txt").write_text(article(), encoding="utf-8")
    live = (fake_index_copy / "CURRENT").read_text()
    partial = _kill_while_writing(fake_index_copy, [SEEDS, tmp_path / "new"])
    assert not (partial / "manifest.json").exists()  # killed half way through the new generation
    assert (fake_index_copy / "CURRENT").read_text() == live
    index = load_index(fake_index_copy)
    assert len(index.articles) == 5 and "new" not in index.articles
    assert answer_from(index, "宝鸡市委书记是谁？").question == "宝鸡市委书记是谁？"
    # the dead writer's lock is gone with it; the next build finishes and clears the half-written generation
    report = build_index(
        [SEEDS, tmp_path / "new"], fake_index_copy, BuildOptions(embedder=FakeEmbedder(dim=64), lock_wait=5)
    )
    assert report.new == ["new"] and [g.name for g in fake_index_copy.glob("g-*")] == [
        generation_of(fake_index_copy).name
    ]


def test_sigkill_during_the_first_build_says_how_to_build(tmp_path: Path) -> None:
    _kill_while_writing(tmp_path / "idx", [SEEDS])
    with pytest.raises(
        IndexMissingError, match=r"no index at .*; build one with: python -m rag index --docs"
    ):
        load_index(tmp_path / "idx")


def test_second_writer_waits_for_the_first(fake_index_copy: Path, tmp_path: Path) -> None:
    (tmp_path / "new.txt").write_text(article(), encoding="utf-8")
    holder = hold_lock(fake_index_copy, 1.0)
    started = time.monotonic()
    report = update_index(
        fake_index_copy,
        add=[read_article(tmp_path / "new.txt")],
        options=WriteOptions(embedder=FakeEmbedder(dim=64), lock_wait=30),
    )
    assert time.monotonic() - started >= 0.5 and report.new == ["new"]
    holder.join()
