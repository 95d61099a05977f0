"""The answer stage's settings (:class:`ReadParams`): what the reader reads, and how answers are assembled."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["DEFAULT_PARAMS", "ReadParams"]

Unit = Literal["sentences", "chunks"]


@dataclass(frozen=True)
class ReadParams:
    """What the reader reads of the retrieved passages and how its spans become an :class:`~rag.types.Answer`.

    passages       the top hits whose text may be read
    unit           "sentences": windows around the best-scored sentences of those hits (the fewest tokens);
                   "chunks": every hit's whole chunk. Both add the articles' title and subtitle lines.
    windows        how many sentence windows are read (unit "sentences")
    window_chars   a sentence window grows by neighbouring sentences of its chunk up to this many characters
    weights        sentence score = dense · cos(question, sentence vector) + context · keyword coverage of
                   the passage with its title + focus · keyword coverage of the sentence by the terms the
                   title lacks + rank / (hit rank)
    threshold      answer when the best span's margin over "no answer" is at least this (None: the reader's
                   own, calibrated on held-out questions when it was trained)
    agree_margin   another answer whose margin is within this of the best is shown as an alternative
    grounded       a span answers only from an article that names every place and office the question names
                   (:mod:`rag.extract.grounding`): 上海市委书记是谁？ is not answered from 宝鸡's 市委书记,
                   nor 宝鸡市长是谁？ from an article naming only its 市委书记
    """

    passages: int = 5
    unit: Unit = "sentences"
    windows: int = 4
    window_chars: int = 150
    weights: tuple[float, float, float, float] = (4.4, 1.62, 0.52, 0.887)  # dense, context, focus, rank
    threshold: float | None = None
    agree_margin: float = 2.0
    grounded: bool = True
    max_citations: int = 3
    max_alternatives: int = 2
    closest: int = 3  # passages offered when there is no answer

    def __post_init__(self) -> None:
        if self.unit not in ("sentences", "chunks"):
            raise ValueError(f"unit must be 'sentences' or 'chunks', not {self.unit!r}")
        if min(self.passages, self.windows, self.window_chars, self.max_citations) < 1:
            raise ValueError("passages, windows, window_chars and max_citations must be at least 1")


DEFAULT_PARAMS = ReadParams()
