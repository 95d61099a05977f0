"""What the answer stage needs of a reader: spans of passages with their margin over "no answer"."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from rag.reader.spans import SpanPrediction

__all__ = ["Reader"]


@runtime_checkable
class Reader(Protocol):
    """Reads a question (Simplified) against passages (Simplified) and scores answer spans."""

    name: str

    @property
    def threshold(self) -> float:
        """Answer when the best span's margin over "no answer" is at least this (calibrated per reader)."""
        ...

    def warm_up(self) -> None: ...

    def read(self, question: str, passages: Sequence[str], *, top: int = 1) -> list[list[SpanPrediction]]:
        """For each passage, its ``top`` best spans (best first; [] when it has none)."""
        ...
