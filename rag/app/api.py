"""The functions scripts call: ``retrieve`` and ``answer`` (and ``get_index``, which both use)."""

from __future__ import annotations

from pathlib import Path

from rag.app.live import live_index
from rag.extract import answer_from
from rag.index import Index
from rag.reader import Reader, load_reader
from rag.search import Hit, retrieve_from
from rag.settings import default_docs_dir, default_index_dir
from rag.types import Answer

__all__ = ["answer", "get_index", "retrieve"]


def get_index(index: Index | Path | str | None = None, *, store: str | None = None) -> Index:
    """An Index from an Index, a directory, or None (the default index, built from the seeds if missing).

    ``store``: a Milvus URI to search the index's Milvus copy (``python -m rag migrate``); default
    ``$RAG_STORE``, else FAISS. Loaded indexes are reused until the directory's live generation changes."""
    if isinstance(index, Index):
        return index
    if index is None:
        return live_index(default_index_dir(), store).get(build_from=[default_docs_dir()])
    return live_index(Path(index), store).get()


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
    reader: Reader | str | None = None,
) -> Answer:
    """An extracted, cited answer to ``question`` (``history``: earlier turns, for follow-up questions;
    ``store``: see :func:`get_index`; ``reader``: a Reader, or a reader directory or HF QA model name, default
    ``$RAG_READER``, else the shipped reader)."""
    chosen = reader if reader is not None and not isinstance(reader, str) else load_reader(reader)
    return answer_from(get_index(index, store=store), question, history=history, k=k, reader=chosen)
