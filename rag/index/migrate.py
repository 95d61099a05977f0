"""Copying an index into Milvus without re-embedding: ``python -m rag migrate --index DIR --to URI``, and the
same copy hooked into every later build or update (:class:`MilvusCopy`, passed in by the app layer).

The live generation's ``embeddings.npy`` (the chunk vectors), ``chunks.jsonl`` and ``articles.jsonl`` are
read with :func:`rag.index.load.load_index`; every chunk becomes one row of a Milvus collection: id = the
chunk's position (= its FAISS vector id), its article id, its article's date and outlet (scalar fields that date
and outlet filters are expressions on) and whether it is searched without a filter (not a reprint of another
copy: the reprint groups stay in the manifest), its Simplified matching text
(:func:`rag.index.texts.embed_text`, what the local BM25 index saw; Milvus analyzes it with jieba for its own
BM25) and its vector. Nothing is embedded. Migrating drops the collections of this index folder's older
generations. The FAISS files stay: FAISS remains the default and Milvus is used only where asked for
(``--store URI``). The writer lock of the index folder is held while migrating, so no rebuild swaps the
generation meanwhile.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import IndexMismatchError, IndexProblem, store_errors
from rag.index.hooks import GenerationContent
from rag.index.layout import current_generation, writer_lock
from rag.index.live import Index
from rag.index.load import load_index
from rag.index.milvus import MILVUS_DIR, collection_name, collection_prefix, default_analyzer, follow_settings
from rag.index.texts import embed_text
from rag.search.filters import outlet_key
from rag.settings import milvus_token
from rag.types import Article, Chunk
from vectorstore.milvus_store import MilvusStore

__all__ = [
    "MilvusCopy",
    "MilvusTarget",
    "bm25_where",
    "drop_stale_collections",
    "export_generation",
    "migrate_to_milvus",
]

_VERIFY_SAMPLE = 32
Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class MilvusTarget:
    """Where and how a generation goes into Milvus."""

    uri: str
    collection: str | None = None  # default: collection_name(index folder, generation)
    index_type: str = "FLAT"
    index_params: dict[str, int] | None = None
    analyzer: dict[str, Any] | None = None  # default: default_analyzer()
    replace: bool = False  # an existing collection of that name is dropped and refilled (else an error)


def migrate_to_milvus(
    index_dir: Path | str,
    target: MilvusTarget,
    *,
    drop_stale: bool = True,
    lock_wait: float = 30.0,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Copy the live generation of the index at ``index_dir`` into Milvus (``target``); record it in
    ``<generation>/milvus/milvus.json``. Returns a report."""
    directory = Path(index_dir)
    started = time.monotonic()
    with writer_lock(directory, lock_wait):
        generation = current_generation(directory)
        index = load_index(directory)
        title_context = bool(index.manifest["chunking"].get("title_context", True))
        content = GenerationContent(
            index.articles, index.chunks, index.embeddings, title_context, index.groups
        )
        store, verified = export_generation(generation, content, target, progress=progress)
        try:
            keep_all = not drop_stale or target.collection is not None
            dropped = [] if keep_all else drop_stale_collections(store, directory, store.collection)
            report = _report(store, index, generation, verified, dropped, started)
        finally:
            store.close()
    return report


def export_generation(
    generation: Path, content: GenerationContent, target: MilvusTarget, *, progress: Progress | None = None
) -> tuple[MilvusStore, int]:
    """Fill a Milvus collection with the chunks of ``content`` (row id = position), their stored vectors and
    the Simplified matching text of each, check the copy, and write ``<generation>/milvus/milvus.json``.
    Returns the open store and how many sampled rows were checked. No lock is taken: callers hold the index
    folder's writer lock (:class:`MilvusCopy` runs for a new generation just before it goes live)."""
    with store_errors():
        store = _open_target(Path(generation), int(content.embeddings.shape[1]), target)
        _insert(store, content, progress)
        store.flush()
        verified = _verify(store, content.embeddings, len(content.chunks))
        store.save(Path(generation) / MILVUS_DIR)
    return store, verified


def _open_target(generation: Path, dim: int, target: MilvusTarget) -> MilvusStore:
    name = target.collection or collection_name(generation.parent, generation.name)
    analyzer = target.analyzer if target.analyzer is not None else default_analyzer()
    options: dict[str, Any] = {
        "index": target.index_type, "index_params": target.index_params, "analyzer": analyzer,
        "token": milvus_token(),
    }  # fmt: skip
    store = MilvusStore(target.uri, name, dim, **options)
    if not store.created:
        if not target.replace:
            rows = len(store)
            store.close()
            raise IndexProblem(
                f"collection {name!r} already exists at {target.uri} ({rows} rows)",
                hint="pass --replace to refill it",
            )
        store.drop()
        store = MilvusStore(target.uri, name, dim, **options)
    return store


def _row_meta(content: GenerationContent) -> dict[str, tuple[str, str, bool]]:
    """(published, outlet key, canonical) of every article, for its rows' scalar fields."""
    copies = {a for group in content.groups for a in group[1:]}
    return {
        aid: (a.published, outlet_key(a.outlet), aid not in copies) for aid, a in content.articles.items()
    }


def _insert(store: MilvusStore, content: GenerationContent, progress: Progress | None) -> None:
    chunks, n, batch = content.chunks, len(content.chunks), 2000
    meta = _row_meta(content)
    for start in range(0, n, batch):
        stop = min(n, start + batch)
        part = chunks[start:stop]
        store.add_rows(
            np.arange(start, stop, dtype=np.int64),
            np.asarray(content.embeddings[start:stop], dtype=np.float32),
            texts=[_text(content.articles, c, content.title_context) for c in part],
            article_ids=[c.article_id for c in part],
            check_new=False,
            meta=[meta[c.article_id] for c in part],
        )
        if progress:
            progress(stop / max(n, 1), f"inserted {stop}/{n} chunks")


def _text(articles: Mapping[str, Article], chunk: Chunk, title_context: bool) -> str:
    return embed_text(articles[chunk.article_id], chunk, title_context=title_context)


def _verify(store: MilvusStore, embeddings: np.ndarray, n: int) -> int:
    """Row count, and each sampled vector finds itself first (or an exact duplicate of itself)."""
    count = len(store)
    if count != n:
        raise IndexMismatchError(f"Milvus holds {count} rows after the copy, the index has {n} chunks")
    if n == 0:
        return 0
    sample = np.unique(np.linspace(0, n - 1, min(n, _VERIFY_SAMPLE)).astype(np.int64))
    vectors = np.asarray(embeddings[sample], dtype=np.float32)
    scores, ids = store.search(vectors, 1)
    for row, position in enumerate(sample):
        found = int(ids[row, 0])
        same = found == int(position) or (
            found >= 0
            and float(np.asarray(embeddings[found], np.float32) @ vectors[row]) >= scores[row, 0] - 1e-5
            and scores[row, 0] >= 0.9999
        )
        if not same:
            raise IndexMismatchError(
                f"Milvus returned row {found} for the vector of chunk {int(position)}: the copy is wrong"
            )
    return int(sample.size)


def bm25_where(store: MilvusStore) -> dict[str, Any]:
    """Where BM25 runs for a copy in ``store``: ``bm25`` "milvus" (the engine's BM25 function) or "local" (a
    server without BM25 functions, Milvus < 2.5: the index's own keyword index), and the server version."""
    return {"bm25": "milvus" if store.full_text else "local", "server_version": store.server_version}


def drop_stale_collections(store: MilvusStore, directory: Path, keep: str) -> list[str]:
    """Drop the collections of ``directory``'s other generations (through ``store``'s connection)."""
    prefix = collection_prefix(directory)
    dropped = []
    with store_errors():
        for name in store.list_collections():
            if name.startswith(prefix) and name != keep:
                store.drop_collection(name)
                dropped.append(name)
    return sorted(dropped)


def _report(
    store: MilvusStore, index: Index, generation: Path, verified: int, dropped: list[str], started: float
) -> dict[str, Any]:
    return {
        "index": str(generation.parent),
        "generation": generation.name,
        "uri": store.config()["uri"],
        "collection": store.collection,
        "rows": len(index.chunks),
        "articles": len(index.articles),
        "dim": int(index.embeddings.shape[1]),
        "index_type": store.index_type,
        "analyzer": store.analyzer,
        **bm25_where(store),
        "verified_rows": verified,
        "dropped_collections": dropped,
        "config": str(generation / MILVUS_DIR / "milvus.json"),
        "seconds": round(time.monotonic() - started, 2),
    }


class MilvusCopy:
    """A :class:`~rag.index.hooks.CommitHook`: copies a new generation into Milvus just before it goes live,
    then drops the collections of the older generations.

    ``uri``: where to copy; None follows the live generation: when it was moved to Milvus, its successor is
    copied to the same place the same way (so the Milvus copy never falls behind), otherwise nothing is
    copied. A failed copy leaves the previous generation live."""

    def __init__(self, uri: str | None = None) -> None:
        self.uri = uri
        self._store: MilvusStore | None = None

    def _target(self, generation: Path) -> MilvusTarget | None:
        if self.uri is not None:
            return MilvusTarget(self.uri)
        try:
            live = current_generation(generation.parent)  # still the previous one: the new is not live yet
        except IndexProblem:
            return None
        settings = follow_settings(live)
        return None if settings is None else MilvusTarget(**settings)

    def before_commit(self, generation: Path, content: GenerationContent) -> None:
        target = self._target(generation)
        if target is None:
            return
        try:
            self._store, _ = export_generation(generation, content, target)
        except IndexProblem as exc:
            raise IndexProblem(
                f"copying the new index into Milvus at {target.uri} failed, index unchanged: {exc}"
            ) from exc

    def after_commit(self, directory: Path) -> dict[str, Any]:
        store, self._store = self._store, None
        if store is None:
            return {}
        try:
            dropped = drop_stale_collections(store, directory, store.collection)
            return {
                "uri": store.config()["uri"], "collection": store.collection, "dropped": dropped,
                **bm25_where(store),
            }  # fmt: skip
        finally:
            store.close()
