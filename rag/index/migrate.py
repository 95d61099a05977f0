"""Move a built index into Milvus without re-embedding: ``python -m rag migrate --index DIR --to URI``.

The live generation's ``embeddings.npy`` (the chunk vectors), ``chunks.jsonl`` and ``articles.jsonl`` are
read with :func:`rag.index.load_index`; every chunk becomes one row of a Milvus collection: id = the chunk's
position (= its FAISS vector id), its article id, its Simplified matching text (:func:`rag.index.embed_text`,
what the local BM25 index saw; Milvus analyzes it with jieba for its own BM25) and its vector. Nothing is
embedded.

The collection belongs to that generation: its name is ``rag_<hash of the index folder>_<hash of the
generation>`` and ``<generation>/milvus/milvus.json`` records the URI and name (no credentials). A rebuild or
update makes a new generation, which has no ``milvus/`` until it is migrated again; :func:`open_migrated`
then says so instead of searching a collection whose ids no longer match the chunks. Migrating drops the
collections of this index folder's older generations (``drop_stale``). The FAISS files stay: FAISS remains
the default and Milvus is used only where asked for (``--store URI``).

The writer lock of the index folder is held while migrating, so no rebuild swaps the generation meanwhile.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import IndexError_, IndexMismatchError, IndexMissingError

__all__ = [
    "MILVUS_DIR",
    "add_migrate_parser",
    "cmd_migrate",
    "collection_name",
    "default_analyzer",
    "drop_stale_collections",
    "export_generation",
    "follow_settings",
    "migrate_to_milvus",
    "open_migrated",
]

MILVUS_DIR = "milvus"  # inside a generation: the MilvusStore description (milvus.json)
ANALYZERS = ("jieba_stop", "jieba")
# Punctuation, which Milvus's jieba tokenizer emits as tokens (a question's "？" would match every "？").
PUNCTUATION = frozenset("，。！？、；：“”‘’（）《》〈〉【】「」『』—…·～,.!?;:\"'()[]<>{}-/\\|%&*+=#@^_`~")
_VERIFY_SAMPLE = 32
Progress = Callable[[float, str], None]


def _dir_key(directory: Path) -> str:
    return hashlib.sha256(str(Path(directory).resolve()).encode()).hexdigest()[:10]


def default_analyzer(name: str = "jieba_stop") -> dict[str, Any]:
    """Milvus analyzer params for the BM25 field. ``jieba_stop`` (default): jieba plus a ``stop`` filter with
    ``rag.keyword``'s stopwords (question words included) and punctuation, which brings Milvus's BM25 close
    to ``rag.keyword`` (see benchmarks/results/milvus_parity.json); ``jieba``: ``{"tokenizer": "jieba"}``."""
    from rag.keyword import DEFAULT_STOPWORDS
    from vectorstore.milvus_store import DEFAULT_ANALYZER, analyzer_with_stopwords

    if name == "jieba":
        return dict(DEFAULT_ANALYZER)
    if name == "jieba_stop":
        return analyzer_with_stopwords(DEFAULT_STOPWORDS | PUNCTUATION)
    raise ValueError(f"unknown analyzer {name!r}; expected one of {', '.join(ANALYZERS)}")


def collection_name(directory: Path | str, generation: str) -> str:
    """The default collection of ``generation`` of the index at ``directory`` (a valid Milvus name)."""
    return f"rag_{_dir_key(Path(directory))}_{hashlib.sha256(generation.encode()).hexdigest()[:10]}"


def migrate_to_milvus(
    index_dir: Path | str,
    uri: str,
    collection: str | None = None,
    *,
    replace: bool = False,
    index_type: str = "FLAT",
    index_params: dict[str, int] | None = None,
    analyzer: dict[str, Any] | None = None,
    drop_stale: bool = True,
    lock_wait: float = 30.0,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Copy the live generation of the index at ``index_dir`` into the Milvus collection ``collection``
    (default: :func:`collection_name`) at ``uri``; record it in ``<generation>/milvus/milvus.json``. Returns a
    report.

    An existing collection of that name is an error unless ``replace`` (then it is dropped and refilled).
    """
    from rag.index import _current_generation, _writer_lock, load_index

    directory = Path(index_dir)
    started = time.monotonic()
    with _writer_lock(directory, lock_wait):
        generation = _current_generation(directory)
        index = load_index(directory)
        store, verified = export_generation(
            generation,
            index.articles,
            index.chunks,
            index.embeddings,
            uri,
            collection,
            title_context=bool(index.manifest["chunking"].get("title_context", True)),
            replace=replace,
            index_type=index_type,
            index_params=index_params,
            analyzer=analyzer,
            progress=progress,
        )
        try:
            dropped = (
                drop_stale_collections(store, directory, store.collection)
                if drop_stale and collection is None
                else []
            )
            report = _report(store, index, generation, verified, dropped, started)
        finally:
            store.close()
    return report


def export_generation(
    generation: Path,
    articles: dict[str, Any],
    chunks: Sequence[Any],
    embeddings: np.ndarray,
    uri: str,
    collection: str | None = None,
    *,
    title_context: bool = True,
    replace: bool = False,
    index_type: str = "FLAT",
    index_params: dict[str, int] | None = None,
    analyzer: dict[str, Any] | None = None,
    progress: Progress | None = None,
) -> tuple[Any, int]:
    """Fill a Milvus collection with ``chunks`` (row id = position), their stored ``embeddings`` and the
    Simplified matching text of each (``articles``: by id, for the titles), check the copy, and write
    ``<generation>/milvus/milvus.json``. Returns the open :class:`~vectorstore.milvus_store.MilvusStore` and
    how many sampled rows were checked.
    No lock is taken: callers hold the index folder's writer lock (``rag.index`` calls this for a new
    generation before making it live)."""
    from rag.index import embed_text
    from vectorstore.milvus_store import MilvusStore

    generation = Path(generation)
    n, dim = len(chunks), int(embeddings.shape[1])
    name = collection or collection_name(generation.parent, generation.name)
    analyzer = analyzer if analyzer is not None else default_analyzer()
    store = MilvusStore(uri, name, dim, index=index_type, index_params=index_params, analyzer=analyzer)
    if not store.created:
        if not replace:
            rows = len(store)
            store.close()
            raise IndexError_(
                f"collection {name!r} already exists at {uri} ({rows} rows); pass --replace to refill it"
            )
        store.drop()
        store = MilvusStore(uri, name, dim, index=index_type, index_params=index_params, analyzer=analyzer)
    batch = 2000
    for start in range(0, n, batch):
        stop = min(n, start + batch)
        part = chunks[start:stop]
        store.add(
            np.arange(start, stop, dtype=np.int64),
            np.asarray(embeddings[start:stop], dtype=np.float32),
            texts=[embed_text(articles[c.article_id], c, title_context=title_context) for c in part],
            article_ids=[c.article_id for c in part],
            check_new=False,
        )
        if progress:
            progress(stop / max(n, 1), f"inserted {stop}/{n} chunks")
    store.flush()
    verified = _verify(store, embeddings, n)
    store.save(generation / MILVUS_DIR)
    return store, verified


def follow_settings(generation: Path) -> dict[str, Any] | None:
    """How ``generation`` was moved to Milvus (``uri``, ``index_type``, ``index_params``, ``analyzer``), for
    copying its successor the same way; ``None`` when it was not."""
    from vectorstore.milvus_store import META_FILE, read_config  # pymilvus itself loads only to connect

    config_dir = Path(generation) / MILVUS_DIR
    if not (config_dir / META_FILE).is_file():
        return None
    meta = read_config(config_dir)
    index = meta.get("index", {})
    return {
        "uri": meta["uri"],
        "index_type": index.get("type", "FLAT"),
        "index_params": index.get("params") or None,
        "analyzer": meta.get("analyzer"),
    }


def _report(
    store: Any, index: Any, generation: Path, verified: int, dropped: list[str], started: float
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
        "verified_rows": verified,
        "dropped_collections": dropped,
        "config": str(generation / MILVUS_DIR / "milvus.json"),
        "seconds": round(time.monotonic() - started, 2),
    }


def _verify(store: Any, embeddings: np.ndarray, n: int) -> int:
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


def drop_stale_collections(store: Any, directory: Path, keep: str) -> list[str]:
    """Drop the collections of ``directory``'s other generations (through ``store``'s connection)."""
    prefix = f"rag_{_dir_key(directory)}_"
    client = store._client  # the store's own connection
    dropped = []
    for name in client.list_collections():
        if name.startswith(prefix) and name != keep:
            client.drop_collection(name)
            dropped.append(name)
    return sorted(dropped)


def open_migrated(generation: Path | str, uri: str | None = None, *, token: str | None = None) -> Any:
    """The :class:`~vectorstore.milvus_store.MilvusStore` of an index generation (a ``g-*`` folder), checked
    against ``uri`` when given; ``IndexMissingError`` saying how to migrate when it has none."""
    from vectorstore.milvus_store import META_FILE, MilvusStore, read_config, resolve_uri

    generation = Path(generation)
    directory = generation.parent
    target = f" --to {uri}" if uri else " --to milvus://HOST:PORT"
    hint = f"move it with: python -m rag migrate --index {directory}{target}"
    config_dir = generation / MILVUS_DIR
    if not (config_dir / META_FILE).is_file():
        raise IndexMissingError(
            f"the index at {directory} (generation {generation.name}) has not been moved to Milvus; {hint}"
        )
    meta = read_config(config_dir)
    if uri is not None and _comparable(resolve_uri(uri)) != _comparable(resolve_uri(meta["uri"])):
        raise IndexMissingError(f"the index at {directory} was moved to {meta['uri']}, not to {uri}; {hint}")
    try:
        return MilvusStore.load(config_dir, token=token)
    except IndexMismatchError as exc:
        raise IndexMismatchError(f"{exc}; {hint}") from exc


def _comparable(uri: str) -> str:
    from vectorstore.milvus_store import _public_uri

    return _public_uri(uri).rstrip("/").lower()


# ------------------------------------------------------------------------------------------------------ CLI


def add_migrate_parser(sub: Any) -> argparse.ArgumentParser:
    """Add ``migrate`` to the ``python -m rag`` subcommands (``sub``: the ``add_subparsers`` object)."""
    p = sub.add_parser(
        "migrate", help="copy an index into Milvus without re-embedding (then search it with --store URI)"
    )
    p.add_argument("--index", type=Path, help="index directory (default: $RAG_INDEX or ./index)")
    p.add_argument(
        "--to",
        required=True,
        metavar="URI",
        help="milvus://host:port (or http(s)://host:port) for a server, or PATH.db for embedded Milvus Lite",
    )
    p.add_argument(
        "--collection", help="collection name (default: derived from the index folder and generation)"
    )
    p.add_argument("--replace", action="store_true", help="drop and refill the collection if it exists")
    p.add_argument(
        "--milvus-index",
        choices=["flat", "hnsw"],
        default="flat",
        help="dense index in Milvus: flat (exact, like FAISS flat) or hnsw (M=16, efConstruction=64, ef=128)",
    )
    p.add_argument(
        "--analyzer",
        choices=ANALYZERS,
        default="jieba_stop",
        help="BM25 analyzer: jieba minus rag.keyword's stopwords and punctuation (default), or jieba alone",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_migrate)
    return p


def cmd_migrate(args: argparse.Namespace) -> int:
    """``python -m rag migrate``: see :func:`add_migrate_parser`."""
    from rag.paths import default_index_dir

    directory = args.index or default_index_dir()

    def progress(fraction: float, message: str) -> None:
        print(f"\r{message}", end="" if fraction < 1 else "\n", file=sys.stderr, flush=True)

    try:
        report = migrate_to_milvus(
            directory,
            args.to,
            args.collection,
            replace=args.replace,
            index_type=args.milvus_index.upper(),
            analyzer=default_analyzer(args.analyzer),
            progress=None if args.json else progress,
        )
    except ValueError as exc:  # a malformed URI
        raise IndexError_(str(exc)) from exc
    if args.json:
        json.dump(report, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(
            f"moved {report['rows']} chunks of {report['articles']} articles from {report['index']} "
            f"({report['generation']}) into {report['uri']} collection {report['collection']} in "
            f"{report['seconds']} s; no re-embedding"
        )
        if report["dropped_collections"]:
            print(f"dropped older collections: {', '.join(report['dropped_collections'])}")
        print(f"search it with: python -m rag search QUESTION --index {report['index']} --store {args.to}")
    return 0
