"""How index builds and updates run (:class:`WriteOptions`) and what a full build makes (:class:`BuildOptions`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from rag.embed.protocol import Embedder
from rag.index.hooks import CommitHook
from rag.ingest.chunk import ChunkParams

__all__ = ["SENTENCE_VECTORS", "BuildOptions", "Progress", "SentenceVectors", "WriteOptions", "own_method"]

Progress = Callable[[float, str], None]  # progress(fraction 0..1, message)
# How the vectors are made (rag.index.sync): "mean" (the default) embeds only the sentences and the titles, a
# chunk's vector its sentences' mean plus its title's, normalised; "separate" embeds each chunk's text and each
# sentence's text (two passes).
# Measured: benchmarks/sentence_vectors.py and benchmarks/indexing.py.
SentenceVectors = Literal["mean", "separate"]
SENTENCE_VECTORS: tuple[SentenceVectors, ...] = get_args(SentenceVectors)


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
    sentence_vectors: SentenceVectors = "mean"
    rebuild: bool = False  # re-embed everything
    docs: tuple[str, ...] = ()  # where the articles come from (for the rebuild command in messages)

    def __post_init__(self) -> None:
        if self.sentence_vectors not in SENTENCE_VECTORS:
            raise ValueError(
                f"sentence_vectors must be one of {', '.join(SENTENCE_VECTORS)}, not {self.sentence_vectors!r}"
            )


def own_method(manifest: dict[str, Any]) -> SentenceVectors:
    """How an index's manifest says its vectors were made, for an update to keep; an index made another way
    (late chunking, removed) gets the default, so its update re-embeds everything, saying why."""
    method = manifest.get("sentence_vectors", "separate")
    return method if method in SENTENCE_VECTORS else BuildOptions.sentence_vectors
