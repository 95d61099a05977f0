"""The functions scripts call: ``retrieve`` (and, with the answers stage, ``answer``)."""

from __future__ import annotations

import threading
from pathlib import Path

from rag.index import Index, build_index, load_index
from rag.paths import default_docs_dir, default_index_dir
from rag.retrieve import Hit, retrieve_from
from rag.types import Answer

__all__ = ["answer", "get_index", "retrieve"]

_lock = threading.Lock()
_loaded: dict[str, tuple[str, Index]] = {}  # directory -> (generation name, index): filled on first use


def get_index(index: Index | Path | str | None = None) -> Index:
    """An Index from an Index, a directory, or None (the default index, built from the seeds if missing).

    Loaded indexes are reused until the directory's live generation changes."""
    if isinstance(index, Index):
        return index
    directory = Path(index) if index is not None else default_index_dir()
    with _lock:
        if index is None and not (directory / "CURRENT").exists():
            build_index([default_docs_dir()], directory)
        current = (
            (directory / "CURRENT").read_text("utf-8").strip() if (directory / "CURRENT").exists() else ""
        )
        key = str(directory.resolve())
        cached = _loaded.get(key)
        if cached is None or cached[0] != current:
            embedder = cached[1]._embedder if cached else None
            loaded = load_index(directory)
            if embedder is not None and embedder.name == loaded.manifest["model"]["name"]:
                loaded._embedder = embedder  # keep the warm model across index updates
            _loaded[key] = (current, loaded)
        return _loaded[key][1]


def retrieve(question: str, k: int = 5, *, index: Index | Path | str | None = None) -> list[Hit]:
    """The ``k`` passages that best answer ``question``, best first, from ``index`` (default: the seeds index)."""
    return retrieve_from(get_index(index), question, k)


def answer(
    question: str,
    *,
    index: Index | Path | str | None = None,
    history: list[tuple[str, str]] | list[str] | None = None,
    k: int = 5,
) -> Answer:
    """An extracted, cited answer to ``question`` (``history``: earlier turns, for follow-up questions)."""
    from rag.answer import answer_from

    return answer_from(get_index(index), question, history=history, k=k)
