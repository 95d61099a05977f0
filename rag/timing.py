"""Where a query's time goes: ``with record() as t: answer_from(...)`` fills ``t`` with milliseconds per stage.

The pipeline marks its stages with ``stage(name)``; outside ``record()`` a stage costs one context-variable
lookup and records nothing. Per context (thread or task), so concurrent requests never mix their timings; work
handed to another thread records into the caller's dict when run with ``contextvars.copy_context().run``.

Stages: ``embed`` (the question's vector), ``analyse`` (the question's kind and terms), ``dense`` (vector store search), ``keyword`` (BM25 scores),
``sentence`` (exact chunk and best-sentence cosines of the candidates), ``fusion`` (normalize, weigh, sort),
``hits`` (hit objects and their matched terms), ``extract`` (sentences and windows to read, the answer and its
citations), ``read`` (the reader's forward pass over the windows).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["STAGES", "record", "stage"]

STAGES = ("embed", "analyse", "dense", "keyword", "sentence", "fusion", "hits", "extract", "read")

_current: ContextVar[dict[str, float] | None] = ContextVar("rag_timings", default=None)


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Add the time spent in the block to stage ``name`` of the active :func:`record`, if any."""
    timings = _current.get()
    if timings is None:
        yield
        return
    started = time.perf_counter()
    try:
        yield
    finally:
        timings[name] = timings.get(name, 0.0) + (time.perf_counter() - started) * 1000


@contextmanager
def record() -> Iterator[dict[str, float]]:
    """Collect the stage timings (ms) of everything run in the block into the yielded dict."""
    timings: dict[str, float] = {}
    token = _current.set(timings)
    try:
        yield timings
    finally:
        _current.reset(token)
