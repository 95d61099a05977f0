"""How index builds and updates run (:class:`WriteOptions`) and what a full build makes (:class:`BuildOptions`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from rag.embed.protocol import Embedder
from rag.index.hooks import CommitHook
from rag.ingest.chunk import ChunkParams

__all__ = ["BuildOptions", "Progress", "WriteOptions"]

Progress = Callable[[float, str], None]  # progress(fraction 0..1, message)


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
    rebuild: bool = False  # re-embed everything
    docs: tuple[str, ...] = ()  # where the articles come from (for the rebuild command in messages)
