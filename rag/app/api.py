"""The functions scripts call: ``retrieve`` and ``answer`` (and ``get_index``, which both use)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from rag.answer import answer_from  # loaded here, so ``rag.answer`` stays the function (see rag/__init__)
from rag.index import Index, build_index, load_index
from rag.paths import default_docs_dir, default_index_dir
from rag.retrieve import Hit, retrieve_from
from rag.types import Answer

__all__ = ["answer", "default_store", "get_index", "retrieve"]

_lock = threading.Lock()
# (directory, store) -> (generation name, index): filled on first use
_loaded: dict[tuple[str, str], tuple[str, Index]] = {}


def default_store() -> str | None:
    """Where vectors are searched by default: ``$RAG_STORE`` (a Milvus URI or ``.db`` path), else None (the
    index's own FAISS file)."""
    return os.environ.get("RAG_STORE") or None


def get_index(index: Index | Path | str | None = None, *, store: str | None = None) -> Index:
    """An Index from an Index, a directory, or None (the default index, built from the seeds if missing).

    ``store``: a Milvus URI to search the index's Milvus copy (``python -m rag migrate``); default
    ``$RAG_STORE``, else FAISS. Loaded indexes are reused until the directory's live generation changes."""
    if isinstance(index, Index):
        return index
    directory = Path(index) if index is not None else default_index_dir()
    store = store or default_store()
    with _lock:
        if index is None and not (directory / "CURRENT").exists():
            build_index([default_docs_dir()], directory, milvus=store)
        current = (
            (directory / "CURRENT").read_text("utf-8").strip() if (directory / "CURRENT").exists() else ""
        )
        key = (str(directory.resolve()), store or "")
        cached = _loaded.get(key)
        if cached is None or cached[0] != current:
            embedder = cached[1]._embedder if cached else None
            loaded = load_index(directory, store=store)
            if embedder is not None and embedder.name == loaded.manifest["model"]["name"]:
                loaded._embedder = embedder  # keep the warm model across index updates
            _loaded[key] = (current, loaded)
        return _loaded[key][1]


def retrieve(
    question: str, k: int = 5, *, index: Index | Path | str | None = None, store: str | None = None
) -> list[Hit]:
    """The ``k`` passages that best answer ``question``, best first, from ``index`` (default: the seeds index;
    ``store``: see :func:`get_index`)."""
    return retrieve_from(get_index(index, store=store), question, k)


def answer(
    question: str,
    *,
    index: Index | Path | str | None = None,
    history: list[tuple[str, str]] | list[str] | None = None,
    k: int = 5,
    store: str | None = None,
) -> Answer:
    """An extracted, cited answer to ``question`` (``history``: earlier turns, for follow-up questions;
    ``store``: see :func:`get_index`)."""
    return answer_from(get_index(index, store=store), question, history=history, k=k)
