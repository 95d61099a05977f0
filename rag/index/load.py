"""Loading the live generation of an index directory, every part checked against the manifest and each other.

Any inconsistency is an :class:`~rag.errors.IndexProblem` whose hint is the command that rebuilds the index
(or, for a Milvus copy, the one that moves it again).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from rag.embed.protocol import Embedder
from rag.errors import IndexMismatchError, IndexProblem
from rag.index.layout import current_generation, read_jsonl, rebuild_hint
from rag.index.live import Index
from rag.index.manifest import check_embedder, check_manifest, read_manifest
from rag.index.milvus import open_migrated
from rag.search.bm25 import KeywordIndex
from rag.search.protocols import VectorSearch
from rag.types import Article, Chunk, article_from_dict, chunk_from_dict
from vectorstore import FaissStore
from vectorstore.errors import StoreError

__all__ = ["load_index"]


def load_index(directory: Path | str, *, embedder: Embedder | None = None, store: str | None = None) -> Index:
    """Load the live generation; any inconsistency raises an IndexProblem that says how to rebuild.

    ``store``: a Milvus URI (``milvus://host:port``, ``http(s)://…`` or a Milvus Lite ``.db`` path) to search
    the generation's Milvus copy (``python -m rag migrate``) instead of its FAISS file; FAISS by default."""
    directory = Path(directory)
    generation = current_generation(directory)
    manifest = read_manifest(directory)
    check_manifest(directory, manifest)
    hint = rebuild_hint(directory, manifest.get("docs", ()))
    if embedder is not None:
        check_embedder(directory, manifest, embedder)
    articles, chunks, embeddings, sentence_embeddings = _read_parts(directory, generation, hint)
    try:
        keyword = KeywordIndex.load(generation / "keyword")
        vectors: VectorSearch | None = FaissStore.load(generation / "store") if store is None else None
    except (IndexProblem, StoreError) as exc:  # the parts' own messages, with this index's rebuild command
        raise IndexMismatchError(f"index at {directory}: {exc.message}", hint=hint, path=directory) from exc
    if vectors is None:
        vectors = open_migrated(generation, store)  # its errors say how to migrate
    _check_sizes(directory, manifest, chunks, embeddings, sentence_embeddings, vectors, len(keyword), hint)
    missing = {c.article_id for c in chunks} - articles.keys()
    if missing:
        raise IndexMismatchError(
            f"index at {directory}: chunks refer to unknown articles {sorted(missing)[:3]}",
            hint=hint,
            path=directory,
        )
    return Index(
        directory, manifest, articles, chunks, embeddings, vectors, keyword, embedder, sentence_embeddings
    )


def _read_parts(
    directory: Path, generation: Path, hint: str
) -> tuple[dict[str, Article], list[Chunk], np.ndarray, np.ndarray]:
    """Articles, chunks, chunk vectors and sentence vectors (memory-mapped) of ``generation``."""
    try:
        articles = {a.id: a for a in map(article_from_dict, read_jsonl(generation / "articles.jsonl"))}
        chunks = [chunk_from_dict(d) for d in read_jsonl(generation / "chunks.jsonl")]
        embeddings = np.load(generation / "embeddings.npy", allow_pickle=False, mmap_mode="r")
        sentence_embeddings = np.load(generation / "sentences.npy", allow_pickle=False, mmap_mode="r")
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise IndexMismatchError(
            f"index at {directory} is damaged ({type(exc).__name__}: {exc})", hint=hint, path=directory
        ) from exc
    return articles, chunks, embeddings, sentence_embeddings


def _check_sizes(
    directory: Path,
    manifest: dict[str, Any],
    chunks: list[Chunk],
    embeddings: np.ndarray,
    sentence_embeddings: np.ndarray,
    vectors: VectorSearch,
    n_keyword: int,
    hint: str,
) -> None:
    """Every part holds one row per chunk, of the manifest's dimension."""
    sizes = {
        "manifest": manifest["counts"].get("chunks"),
        "chunks.jsonl": len(chunks),
        "embeddings.npy": embeddings.shape[0],
        "vector store": len(vectors),
        "keyword index": n_keyword,
    }
    if len(set(sizes.values())) != 1:
        detail = ", ".join(f"{k} {v}" for k, v in sizes.items())
        raise IndexMismatchError(f"index at {directory} is out of step ({detail})", hint=hint, path=directory)
    dimension = manifest["model"].get("dimension")
    if embeddings.ndim != 2 or embeddings.shape[1] != dimension or vectors.dim != embeddings.shape[1]:
        raise IndexMismatchError(
            f"index at {directory}: vectors are {embeddings.shape} and the store is {vectors.dim}-d, but the manifest "
            f"says {dimension}-d",
            hint=hint,
            path=directory,
        )
    n_sentences = sum(len(c.sentences) for c in chunks)
    if sentence_embeddings.shape != (n_sentences, embeddings.shape[1]):
        raise IndexMismatchError(
            f"index at {directory}: {sentence_embeddings.shape[0]} sentence vectors for {n_sentences} sentences",
            hint=hint,
            path=directory,
        )
