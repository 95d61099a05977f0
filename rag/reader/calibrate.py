"""Choosing the reader's null threshold and answer length on held-out questions.

The answer stage reads a question against several passages and answers with the span of the highest margin
(span score minus its passage's "no answer" score) when that margin reaches the threshold. Calibration mirrors
that on held-out articles, for each answer length and echo penalty tried (:mod:`rag.reader.spans`): each answerable question is read against its own paragraph and the closest others
(*positives*), and again with its own paragraph removed (*negatives*: what a same-article unanswerable
question looks like). Sweeping the threshold gives, for each value, the positives' F1 (0 when refused) and the
share of negatives refused; :func:`choose` takes the threshold that refuses most negatives while the positives
lose at most ``max_f1_loss`` of the F1 they have with no threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rag.metrics import exact_match, f1_score
from rag.reader.data import BigramIndex, Example
from rag.reader.model import Logits
from rag.reader.spans import SpanPrediction

__all__ = ["Curve", "best_answer", "calibration_items", "choose", "gold_scores", "sweep"]

Item = tuple[str, list[str]]


def calibration_items(
    held: Sequence[Example], index: BigramIndex, *, passages: int = 5
) -> tuple[list[Item], list[Item], list[tuple[str, ...]]]:
    """``(positives, negatives, golds)`` over the answerable examples of ``held``."""
    positives, negatives, golds = [], [], []
    for e in held:
        if not e.answerable:
            continue
        ranked = [p for p in index.ranked(e.question, limit=4 * passages) if p != e.paragraph]
        siblings = [p for p in index.by_group[e.group] if p != e.paragraph and p not in ranked]
        others = [index.paragraphs[p][1] for p in ranked]
        clean = [
            index.paragraphs[p][1]
            for p in [*ranked, *siblings]
            if not any(a in index.paragraphs[p][1] for a in e.answers)
        ]
        positives.append((e.question, [e.context, *others[: passages - 1]]))
        negatives.append((e.question, clean[:passages]))
        golds.append(e.answers)
    return positives, negatives, golds


def gold_scores(
    reads: Sequence[Logits], golds: Sequence[Sequence[str]], max_tokens: int, echo_penalty: float = 0.0
) -> tuple[float, float]:
    """EM and F1 in percent (CMRC 2018's) of the best span of each read's first passage against its golds
    (no threshold: the gold-paragraph measure)."""
    em = f1 = 0.0
    for x, g in zip(reads, golds, strict=True):
        spans = x.spans(max_tokens, echo_penalty=echo_penalty)[0]
        text = spans[0].text if spans else ""
        em += exact_match(text, g)
        f1 += f1_score(text, g)
    n = max(len(reads), 1)
    return round(100 * em / n, 2), round(100 * f1 / n, 2)


def best_answer(spans: Sequence[Sequence[SpanPrediction]]) -> SpanPrediction | None:
    """The span of the highest margin over all passages."""
    return max((s for per in spans for s in per), key=lambda s: s.margin, default=None)


@dataclass(frozen=True)
class Curve:
    max_tokens: int
    echo_penalty: float
    thresholds: list[float]
    f1: list[float]  # positives' mean F1 at each threshold (refused = 0)
    em: list[float]
    refused: list[float]  # share of negatives refused at each threshold
    f1_open: float  # with no threshold

    def at(self, threshold: float) -> dict[str, float]:
        i = min(range(len(self.thresholds)), key=lambda j: abs(self.thresholds[j] - threshold))
        return {"threshold": threshold, "f1": self.f1[i], "em": self.em[i], "refused": self.refused[i]}


def sweep(
    positives: Sequence[Logits],
    negatives: Sequence[Logits],
    golds: Sequence[Sequence[str]],
    max_tokens: int,
    echo_penalty: float = 0.0,
) -> Curve:
    pos = [best_answer(x.spans(max_tokens, echo_penalty=echo_penalty)) for x in positives]
    neg = [best_answer(x.spans(max_tokens, echo_penalty=echo_penalty)) for x in negatives]
    pos_margin = [p.margin if p else float("-inf") for p in pos]
    neg_margin = [n.margin if n else float("-inf") for n in neg]
    f1s = [f1_score(p.text, g) if p else 0.0 for p, g in zip(pos, golds, strict=True)]
    ems = [exact_match(p.text, g) if p else 0.0 for p, g in zip(pos, golds, strict=True)]
    candidates = sorted({round(m, 2) for m in pos_margin + neg_margin if m != float("-inf")})
    thresholds = [float("-inf"), *candidates]
    n_pos, n_neg = max(len(pos), 1), max(len(neg), 1)
    curve = Curve(max_tokens, echo_penalty, [], [], [], [], sum(f1s) / n_pos)
    for t in thresholds:
        curve.thresholds.append(t)
        curve.f1.append(sum(f for f, m in zip(f1s, pos_margin, strict=True) if m >= t) / n_pos)
        curve.em.append(sum(x for x, m in zip(ems, pos_margin, strict=True) if m >= t) / n_pos)
        curve.refused.append(sum(1 for m in neg_margin if m < t) / n_neg)
    return curve


def choose(curve: Curve, *, max_f1_loss: float = 0.02) -> dict[str, Any]:
    """The threshold refusing most negatives with the positives' F1 at most ``max_f1_loss`` below
    ``curve.f1_open``."""
    floor = curve.f1_open - max_f1_loss
    ok = [i for i in range(len(curve.thresholds)) if curve.f1[i] >= floor]
    i = max(ok, key=lambda j: (curve.refused[j], curve.f1[j]))
    threshold = curve.thresholds[i]
    return {
        "threshold": threshold if threshold != float("-inf") else -1e9,
        "max_tokens": curve.max_tokens,
        "echo_penalty": curve.echo_penalty,
        "f1_open": round(curve.f1_open, 4),
        "f1": round(curve.f1[i], 4),
        "em": round(curve.em[i], 4),
        "refused": round(curve.refused[i], 4),
        "max_f1_loss": max_f1_loss,
    }
