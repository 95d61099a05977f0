"""How index builds and updates run (:class:`WriteOptions`) and what a full build makes (:class:`BuildOptions`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from rag.embed.protocol import Embedder
from rag.index.hooks import CommitHook
from rag.ingest.chunk import ChunkParams

__all__ = ["BuildOptions", "Progress", "SentenceVectors", "WriteOptions"]

Progress = Callable[[float, str], None]  # progress(fraction 0..1, message)
# How a sentence's vector is made: "separate" by embedding the sentence's own text (the default: late chunking
# lost 2.1 points of R@1 on DRCD dev, benchmarks/late_chunking.py), "late" from its chunk's forward pass
# (rag.embed.late; needs a model that mean-pools, else "separate" is used).
SentenceVectors = Literal["late", "separate"]


@dataclass(frozen=True)
class WriteOptions:
    """How any write runs."""

    embedder: Embedder | None = None  # default: the default model (an update: the index's own)
    progress: Progress | None = None  # progress(fraction, message); None: a progress bar on stderr
    lock_wait: float = 30.0  # seconds to wait for another writer before IndexBusyError
    hook: CommitHook | None = None  # e.g. rag.index.migrate.MilvusCopy


@dataclass(frozen=True)
class BuildOptions(WriteOptions):
    """What a full build makes, besides how it runs."""

    params: ChunkParams = field(default_factory=ChunkParams)
    title_context: bool = True  # chunks are embedded (and BM25-indexed) with their article's title
    store_kind: str = "flat"  # FAISS: "flat", "hnsw" or "ivf"
    sentence_vectors: SentenceVectors = "separate"
    rebuild: bool = False  # re-embed everything
    docs: tuple[str, ...] = ()  # where the articles come from (for the rebuild command in messages)
