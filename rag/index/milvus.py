"""Where a generation's Milvus copy is and how to open it (the copy itself: :mod:`rag.index.migrate`).

A collection belongs to one generation: its name is ``rag_<hash of the index folder>_<hash of the
generation>`` and ``<generation>/milvus/milvus.json`` records the URI and name (no credentials). A rebuild
or update makes a new generation, which has no ``milvus/`` until it is copied again; :func:`open_migrated`
then says so instead of searching a collection whose ids no longer match the chunks.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from rag.errors import IndexMismatchError, IndexMissingError, store_errors
from rag.search.tokenizer import DEFAULT_STOPWORDS
from rag.settings import milvus_token
from vectorstore.errors import StoreMismatchError
from vectorstore.milvus_config import (
    DEFAULT_ANALYZER,
    META_FILE,
    analyzer_with_stopwords,
    public_uri,
    read_config,
    resolve_uri,
)
from vectorstore.milvus_store import MilvusStore

__all__ = [
    "ANALYZERS",
    "MILVUS_DIR",
    "PUNCTUATION",
    "collection_name",
    "collection_prefix",
    "default_analyzer",
    "follow_settings",
    "open_migrated",
]

MILVUS_DIR = "milvus"  # inside a generation: the MilvusStore description (milvus.json)
ANALYZERS = ("jieba_stop", "jieba")
# Punctuation, which Milvus's jieba tokenizer emits as tokens (a question's "？" would match every "？").
PUNCTUATION = frozenset("，。！？、；：“”‘’（）《》〈〉【】「」『』—…·～,.!?;:\"'()[]<>{}-/\\|%&*+=#@^_`~")


def collection_prefix(directory: Path | str) -> str:
    """The name prefix of every collection of the index folder ``directory``."""
    return f"rag_{hashlib.sha256(str(Path(directory).resolve()).encode()).hexdigest()[:10]}_"


def collection_name(directory: Path | str, generation: str) -> str:
    """The default collection of ``generation`` of the index at ``directory`` (a valid Milvus name)."""
    return f"{collection_prefix(directory)}{hashlib.sha256(generation.encode()).hexdigest()[:10]}"


def default_analyzer(name: str = "jieba_stop") -> dict[str, Any]:
    """Milvus analyzer params for the BM25 field. ``jieba_stop`` (default): jieba plus a ``stop`` filter with
    the keyword tokenizer's stopwords (question words included) and punctuation, which brings Milvus's BM25
    close to ``rag.search.bm25`` (see benchmarks/results/milvus_parity.json); ``jieba``: jieba alone."""
    if name == "jieba":
        return dict(DEFAULT_ANALYZER)
    if name == "jieba_stop":
        return analyzer_with_stopwords(DEFAULT_STOPWORDS | PUNCTUATION)
    raise ValueError(f"unknown analyzer {name!r}; expected one of {', '.join(ANALYZERS)}")


def follow_settings(generation: Path) -> dict[str, Any] | None:
    """How ``generation`` was moved to Milvus (``uri``, ``index_type``, ``index_params``, ``analyzer``), for
    copying its successor the same way; ``None`` when it was not."""
    config_dir = Path(generation) / MILVUS_DIR
    if not (config_dir / META_FILE).is_file():
        return None
    with store_errors():
        meta = read_config(config_dir)
    index = meta.get("index", {})
    return {
        "uri": meta["uri"],
        "index_type": index.get("type", "FLAT"),
        "index_params": index.get("params") or None,
        "analyzer": meta.get("analyzer"),
    }


def open_migrated(generation: Path | str, uri: str | None = None, *, token: str | None = None) -> MilvusStore:
    """The :class:`~vectorstore.milvus_store.MilvusStore` of an index generation (a ``g-*`` folder), checked
    against ``uri`` when given; ``IndexMissingError`` saying how to migrate when it has none. ``token``:
    default ``$MILVUS_TOKEN``."""
    generation = Path(generation)
    directory = generation.parent
    target = f" --to {uri}" if uri else " --to milvus://HOST:PORT"
    hint = f"move it with: python -m rag migrate --index {directory}{target}"
    config_dir = generation / MILVUS_DIR
    if not (config_dir / META_FILE).is_file():
        raise IndexMissingError(
            f"the index at {directory} (generation {generation.name}) has not been moved to Milvus",
            hint=hint,
            path=directory,
        )
    with store_errors():
        meta = read_config(config_dir)
        if uri is not None and _comparable(resolve_uri(uri)) != _comparable(resolve_uri(meta["uri"])):
            raise IndexMissingError(
                f"the index at {directory} was moved to {meta['uri']}, not to {uri}",
                hint=hint,
                path=directory,
            )
        try:
            return MilvusStore.load(config_dir, token=milvus_token() if token is None else token)
        except StoreMismatchError as exc:
            raise IndexMismatchError(str(exc), hint=hint, path=directory) from exc


def _comparable(uri: str) -> str:
    return public_uri(uri).rstrip("/").lower()
