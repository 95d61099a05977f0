"""A deterministic stand-in reader for fast tests: no model, no torch.

``FakeReader(answers)`` knows, per question (compared in Simplified, without punctuation), the answer texts it
should find, best first. Reading a passage, it scores each known answer that the passage holds (the first
answer 10, the next 9, ...) against a null score of 0, and finds nothing in a passage holding none. A question
it does not know gets no span anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from rag.ingest.scripts import to_simplified
from rag.reader.spans import SpanPrediction

__all__ = ["FakeReader"]

_PUNCT = re.compile(r"[\s，,。？?！!、：:；;]")


def _key(question: str) -> str:
    return _PUNCT.sub("", to_simplified(question))


class FakeReader:
    name = "fake"

    def __init__(self, answers: Mapping[str, Sequence[str]], *, threshold: float = 0.0) -> None:
        self._answers = {_key(q): [to_simplified(a) for a in found] for q, found in answers.items()}
        self._threshold = threshold
        self.questions: list[str] = []  # every question read, for tests to inspect
        self.passages: list[list[str]] = []

    @property
    def threshold(self) -> float:
        return self._threshold

    def warm_up(self) -> None:
        return None

    def read(self, question: str, passages: Sequence[str], *, top: int = 1) -> list[list[SpanPrediction]]:
        self.questions.append(question)
        self.passages.append(list(passages))
        known = self._answers.get(_key(question), [])
        out = []
        for p, text in enumerate(passages):
            spans = [
                SpanPrediction(p, at, at + len(a), a, 10.0 - rank, 0.0)
                for rank, a in enumerate(known)
                if (at := text.find(a)) >= 0
            ]
            out.append(spans[:top] if spans else [])
        return out
