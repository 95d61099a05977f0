"""From a window's start/end logits to scored answer spans (pure numpy, no model).

A span's score is ``start_logit[s] + end_logit[e]`` over passage tokens with ``s <= e < s + max_tokens``; the
window's *null score* is the same sum at token 0 ("no answer"). Per passage, the best spans over its windows
are kept with the passage's null score, the lowest over its windows (SQuAD 2.0's rule: a window that sees the
answer is sure there is one, one that does not is not). ``margin = score - null`` says how much more the model
believes the span than "no answer"; the answer stage compares the best margin with a calibrated threshold.

An answer rarely repeats its question (``俗名为厚壳仔`` for 颊鳞雀鲷的俗名叫什么？ is 厚壳仔 with the question's
own words): given the question, a passage's spans are ranked by their score less ``echo_penalty`` for each
span character that the question also holds, so that of two spans the model scores alike the one without the
echo wins. It only picks a passage's span: the span keeps the model's score, so the margin that passages are
compared by and that the threshold judges is the model's. The penalty is calibrated with the threshold on
held-out questions (:mod:`rag.reader.calibrate`); 0 ranks spans by the model's score alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rag.reader.windows import Window

__all__ = ["SpanPrediction", "echo", "passage_spans", "window_spans"]

_CANDIDATES = 20  # best start and end tokens combined per window
# Separators a span never begins or ends with. XLM-R's pieces glue them to what precedes them ("%," "亿元。"),
# so a span ending on such a piece would carry them; the official CMRC 2018 metric ignores them too.
_EDGE = frozenset("，。、；：！？,.;:!?…")
_ECHO_CANDIDATES = 20  # spans per window rescored when an echo penalty applies


@dataclass(frozen=True)
class SpanPrediction:
    """A candidate answer: characters ``[start, end)`` of passage ``passage``."""

    passage: int
    start: int
    end: int
    text: str
    score: float
    null: float

    @property
    def margin(self) -> float:
        return self.score - self.null


def echo(span: str, question: str | frozenset[str]) -> int:
    """How many characters of ``span`` the question also holds (whitespace and separators aside)."""
    held = question if isinstance(question, frozenset) else _echoed(question)
    return sum(1 for c in span if c in held)


def _echoed(question: str) -> frozenset[str]:
    return frozenset(c for c in question if not c.isspace() and c not in _EDGE)


def window_spans(
    start_logits: np.ndarray, end_logits: np.ndarray, window: Window, *, max_tokens: int, top: int
) -> tuple[list[tuple[float, int, int]], float]:
    """The ``top`` best ``(score, start_token, end_token)`` of one window, and its null score."""
    first, last = window.first, window.last
    s = np.asarray(start_logits[first : last + 1], dtype=np.float64)
    e = np.asarray(end_logits[first : last + 1], dtype=np.float64)
    # the best span's ends are among the CANDIDATES best starts and ends (for top <= CANDIDATES)
    k = min(len(s), max(_CANDIDATES, top))
    starts = np.argpartition(-s, k - 1)[:k]
    ends = np.argpartition(-e, k - 1)[:k]
    scores = s[starts][:, None] + e[ends][None, :]
    length = ends[None, :] - starts[:, None]
    scores[(length < 0) | (length >= max_tokens)] = -np.inf
    order = np.argsort(scores, axis=None)[::-1][:top]
    out = [
        (float(scores.flat[f]), first + int(starts[f // k]), first + int(ends[f % k]))
        for f in order
        if np.isfinite(scores.flat[f])
    ]
    return out, float(start_logits[0] + end_logits[0])


def passage_spans(
    passages: Sequence[str],
    windows: Sequence[Window],
    start_logits: Sequence[np.ndarray],
    end_logits: Sequence[np.ndarray],
    *,
    max_tokens: int = 30,
    top: int = 1,
    question: str = "",
    echo_penalty: float = 0.0,
) -> list[list[SpanPrediction]]:
    """For each passage, its ``top`` best distinct spans over its windows (best first; [] for a passage with
    no window). Span text is stripped of surrounding whitespace and separators (``_EDGE``); with
    ``echo_penalty`` and ``question``, spans are ranked by their score less the penalty for each character
    of them that the question holds (:func:`echo`), and keep their own score."""
    penalise = bool(echo_penalty and question)
    held = _echoed(question) if penalise else frozenset()
    pool = max(top + 4, _ECHO_CANDIDATES) if penalise else top + 4  # room for repeats (and rescoring)
    found: list[dict[tuple[int, int], tuple[float, float]]] = [{} for _ in passages]  # (rank, score)
    nulls = [np.inf] * len(passages)
    for window, s, e in zip(windows, start_logits, end_logits, strict=True):
        spans, null = window_spans(s, e, window, max_tokens=max_tokens, top=pool)
        nulls[window.passage] = min(nulls[window.passage], null)
        text = passages[window.passage]
        for score, a, b in spans:
            start, end = window.offsets[a][0], window.offsets[b][1]
            while start < end and (text[start].isspace() or text[start] in _EDGE):
                start += 1
            while end > start and (text[end - 1].isspace() or text[end - 1] in _EDGE):
                end -= 1
            if end > start:
                rank = score - echo_penalty * echo(text[start:end], held) if penalise else score
                key = (start, end)
                found[window.passage][key] = max(
                    found[window.passage].get(key, (-np.inf, 0.0)), (rank, score)
                )
    out = []
    for p, per_passage in enumerate(found):
        best = sorted(per_passage.items(), key=lambda kv: -kv[1][0])[:top]
        out.append(
            [SpanPrediction(p, a, b, passages[p][a:b], score, nulls[p]) for (a, b), (_, score) in best]
        )
    return out
