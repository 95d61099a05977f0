"""The index directory on disk: generations, the ``CURRENT`` pointer, the writer lock, atomic commits.

A writer builds a complete *generation* beside the live one and then replaces ``CURRENT`` (one small file)
with ``os.replace``; a crash at any point leaves the previous generation live and loadable::

    index/
      CURRENT                  name of the live generation
      .lock                    held by the one writer (flock)
      g-<time>-<pid>/
        manifest.json          format, model, dimension, prompts, chunking, keyword params, corpus hash, counts
        articles.jsonl         one Article per line (cleaned text and offsets)
        chunks.jsonl           one Chunk per line; line i is vector id i
        embeddings.npy         float32 (n, dim), L2-normalized; lets a store be rebuilt without re-embedding
        sentences.npy          float32 (s, dim): one vector per sentence of every chunk, in chunk order (for
                               sentence-level evidence: answer extraction and reranking)
        store/                 the vector store's own files (vectorstore package)
        keyword/               the BM25 index files (rag.search.bm25)
        milvus/                where the generation was copied into Milvus, if it was (rag.index.milvus)

No pickle anywhere: JSON, JSON Lines and ``.npy`` with ``allow_pickle=False``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from rag.errors import IndexBusyError, IndexMismatchError, IndexMissingError

__all__ = [
    "current_generation",
    "fsync_write",
    "live_generation_name",
    "new_generation",
    "read_jsonl",
    "rebuild_hint",
    "remove_old_generations",
    "replace_current",
    "writer_lock",
]


def rebuild_hint(directory: Path, docs: Sequence[str] = ()) -> str:
    """The command that rebuilds the index at ``directory`` from ``docs`` (its manifest's, when known)."""
    docs_arg = " ".join(f"--docs {d}" for d in docs) or "--docs DOCS_DIR"
    return f"rebuild it with: python -m rag index {docs_arg} --index {directory} --rebuild"


def live_generation_name(directory: Path) -> str:
    """What ``CURRENT`` names ("" when there is no index yet); nothing is checked."""
    current = directory / "CURRENT"
    return current.read_text("utf-8").strip() if current.is_file() else ""


def current_generation(directory: Path) -> Path:
    """The live generation's folder; ``IndexMissingError`` (how to build) or ``IndexMismatchError``."""
    current = directory / "CURRENT"
    if not current.is_file():
        raise IndexMissingError(
            f"no index at {directory}",
            hint=f"build one with: python -m rag index --docs DOCS_DIR --index {directory}",
            path=directory,
        )
    name = current.read_text("utf-8").strip()
    generation = directory / name
    if not name or "/" in name or not generation.is_dir():
        raise IndexMismatchError(
            f"index at {directory} points to a missing generation {name!r}",
            hint=rebuild_hint(directory),
            path=directory,
        )
    return generation


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


@contextlib.contextmanager
def writer_lock(directory: Path, wait: float) -> Iterator[None]:
    """Hold the index folder's one writer lock (``flock``), waiting up to ``wait`` seconds for it."""
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / ".lock").open("a") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexBusyError(
                        f"another process is writing the index at {directory}",
                        hint="try again when it has finished",
                        path=directory,
                    ) from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def fsync_write(path: Path, data: bytes) -> None:
    with path.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


@contextlib.contextmanager
def new_generation(directory: Path) -> Iterator[Path]:
    """A fresh generation folder to fill; removed again if the block fails (the live one is untouched)."""
    name = f"g-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{os.urandom(3).hex()}"
    generation = directory / name
    generation.mkdir(parents=True)
    try:
        yield generation
    except BaseException:
        shutil.rmtree(generation, ignore_errors=True)
        raise


def replace_current(generation: Path, before: Callable[[Path], None] | None = None) -> None:
    """Make the written ``generation`` live with one atomic rename; ``before(generation)`` runs just before
    (a failure there leaves the previous generation live)."""
    if before is not None:
        before(generation)
    tmp = generation.parent / f".CURRENT.{generation.name}"
    fsync_write(tmp, generation.name.encode("utf-8"))
    os.replace(tmp, generation.parent / "CURRENT")  # the commit point


def remove_old_generations(directory: Path, keep: str) -> None:
    """Remove every generation but ``keep`` (the live one) and stale ``CURRENT`` temporaries."""
    for old in directory.glob("g-*"):
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)
    for stale in directory.glob(".CURRENT.*"):
        stale.unlink(missing_ok=True)
