"""Training features: one window per example with its start/end token labels, and length-bucketed batches.

An answerable example is read through one window that holds its whole answer (chosen at random among the
windows that do, so the answer sits anywhere in it), labelled with the answer's first and last token located
through the offset mapping (:func:`rag.reader.windows.token_span`). An unanswerable example is read through
the window that shares most characters with the question (the hardest one), labelled 0/0 (token 0: no
answer), as SQuAD 2.0 readers are trained. One window an example keeps training cost proportional to the
questions, not to the paragraphs' length.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from rag.reader.data import Example
from rag.reader.windows import Window, make_windows, token_span

__all__ = ["Feature", "batches", "make_features"]


@dataclass(frozen=True)
class Feature:
    window: Window
    start: int  # label: first answer token, 0 for no answer
    end: int
    example: int  # index into the examples

    def __len__(self) -> int:
        return len(self.window)


def _overlap(window: Window, context: str, question: str) -> int:
    text = context[window.offsets[window.first][0] : window.offsets[window.last][1]]
    return sum(1 for ch in set(question) if ch in text)


def make_features(
    tokenizer: Any, examples: Sequence[Example], *, max_length: int, stride: int, seed: int
) -> tuple[list[Feature], int]:
    """One feature per example, and the number of answerable examples whose answer fit no window (skipped:
    an answer longer than a window)."""
    rng = random.Random(seed)
    out = []
    lost = 0
    for i, e in enumerate(examples):
        windows = make_windows(tokenizer, e.question, [e.context], max_length=max_length, stride=stride)
        if not windows:
            continue
        if e.answerable:
            labelled = [(w, s) for w in windows if (s := token_span(w, e.answer_start, e.answer_end))]
            if not labelled:
                lost += 1
                continue
            w, (start, end) = rng.choice(labelled)
            out.append(Feature(w, start, end, i))
        else:
            w = max(windows, key=lambda w: _overlap(w, e.context, e.question))
            out.append(Feature(w, 0, 0, i))
    return out, lost


def batches(
    features: Sequence[Feature], batch_size: int, rng: random.Random, *, pool: int = 64
) -> Iterator[list[Feature]]:
    """Shuffled batches of similar lengths (little padding): shuffle, sort each pool of ``pool`` batches by
    length, cut, shuffle the batches."""
    order = list(range(len(features)))
    rng.shuffle(order)
    span = batch_size * pool
    cut: list[list[Feature]] = []
    for at in range(0, len(order), span):
        group = sorted(order[at : at + span], key=lambda i: len(features[i]))
        cut += [[features[i] for i in group[j : j + batch_size]] for j in range(0, len(group), batch_size)]
    rng.shuffle(cut)
    yield from cut
