"""The reader a process answers with: one loaded reader per name, shared by every caller (API, UI, CLI).

:func:`set_default_reader` puts another reader (already built, e.g. a :class:`~rag.reader.fake.FakeReader` in
tests, or an application's own) in place of the default for every caller that names none.
"""

from __future__ import annotations

import threading

from rag.reader.model import SpanReader
from rag.reader.protocol import Reader
from rag.settings import reader_name, reader_precision

__all__ = ["load_reader", "set_default_reader"]

_readers: dict[tuple[str, str], SpanReader] = {}
_default: list[Reader] = []  # the override, when one is set
_lock = threading.Lock()


def load_reader(name: str | None = None) -> Reader:
    """The reader ``name`` (a reader directory or an HF QA model; default: the override of
    :func:`set_default_reader`, else ``$RAG_READER``, else the shipped reader), constructed once per process
    (at ``$RAG_READER_PRECISION``); its weights load on first use."""
    key = (name or "").strip()
    with _lock:
        if not key and _default:
            return _default[0]
        key = key or reader_name()
        precision = reader_precision()
        reader = _readers.get((key, precision))
        if reader is None:
            reader = SpanReader(key or None, precision=precision)  # type: ignore[arg-type]
            _readers[(key, precision)] = reader
        return reader


def set_default_reader(reader: Reader | None) -> None:
    """Answer with ``reader`` wherever no reader is named (None: back to ``$RAG_READER`` / the shipped one)."""
    with _lock:
        _default.clear()
        if reader is not None:
            _default.append(reader)
