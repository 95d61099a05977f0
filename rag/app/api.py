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


Outlets = str | list[str] | tuple[str, ...] | None


def retrieve(
    question: str,
    k: int = 5,
    *,
    since: str | None = None,
    until: str | None = None,
    outlets: Outlets = None,
    index: Index | Path | str | None = None,
    store: str | None = None,
) -> list[Hit]:
    """The ``k`` passages that best answer ``question``, best first, from ``index`` (default: the seeds index;
    ``store``: see :func:`get_index`), among articles published ``since``..``until`` (ISO dates, inclusive;
    ``YYYY-MM`` or ``YYYY`` for a month or a year) by one of ``outlets``. The filter is applied inside the
    search: ``k`` hits after filtering, none when it matches no article."""
    return retrieve_from(
        get_index(index, store=store), question, k, since=since, until=until, outlets=outlets
    )


def answer(
    question: str,
    *,
    index: Index | Path | str | None = None,
    history: list[tuple[str, str]] | list[str] | None = None,
    k: int = 5,
    store: str | None = None,
    reader: Reader | str | None = None,
    since: str | None = None,
    until: str | None = None,
    outlets: Outlets = None,
) -> Answer:
    """An extracted, cited answer to ``question`` (``history``: earlier turns, for follow-up questions;
    ``store``: see :func:`get_index`; ``reader``: a Reader, or a reader directory or HF QA model name, default
    ``$RAG_READER``, else the shipped reader; ``since``/``until``/``outlets``: as for :func:`retrieve`; a filter
    that matches no article answers "not found" with a notice saying so)."""
    chosen = reader if reader is not None and not isinstance(reader, str) else load_reader(reader)
    found = answer_from(
        get_index(index, store=store), question, history=history, k=k, reader=chosen,
        since=since, until=until, outlets=outlets,
    )  # fmt: skip
    return found
