"""Evaluation metrics: CMRC 2018 style answer EM/F1, recall@k, MRR, percentiles.

Answer metrics follow the CMRC 2018 evaluation script: text is lowercased, punctuation is removed, every CJK
character is a token of its own while runs of other characters (English words, numbers) stay whole; F1 is
computed from the longest common *contiguous* run of tokens between prediction and gold answer, and both EM
and F1 take the best over the gold answers. Unlike the original script, F1 here is a fraction in 0..1 (not a
percentage), and EM ignores whitespace.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence

__all__ = ["exact_match", "f1_score", "mixed_segmentation", "mrr_at_k", "percentile", "recall_at_k"]

# The CMRC 2018 script's own punctuation list; any Unicode punctuation (category P*) is dropped too.
_CMRC_PUNCT = frozenset("-:_*^/\\~`+=，。：？！“”；’《》·、「」（）－～『』…")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")


def _is_punct(ch: str) -> bool:
    return ch in _CMRC_PUNCT or unicodedata.category(ch).startswith("P")


def mixed_segmentation(text: str) -> list[str]:
    """Tokens for answer metrics: one per CJK character, whole words for everything else, no punctuation."""
    tokens: list[str] = []
    word: list[str] = []

    def flush() -> None:
        if word:
            tokens.extend("".join(word).split())
            word.clear()

    for ch in unicodedata.normalize("NFKC", text).lower():
        if _is_punct(ch):
            flush()
        elif _CJK.match(ch):
            flush()
            tokens.append(ch)
        else:
            word.append(ch)
    flush()
    return tokens


def _longest_common_run(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest contiguous token run shared by ``a`` and ``b``."""
    best = 0
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0] * (len(b) + 1)
        for j, y in enumerate(b, start=1):
            if x == y:
                current[j] = previous[j - 1] + 1
                best = max(best, current[j])
        previous = current
    return best


def f1_score(prediction: str, golds: Iterable[str]) -> float:
    """Best CMRC-style F1 (0..1) of ``prediction`` over the gold answers; 0.0 when there are none."""
    pred = mixed_segmentation(prediction)
    best = 0.0
    for gold in golds:
        ref = mixed_segmentation(gold)
        common = _longest_common_run(pred, ref)
        if common == 0:
            continue
        precision, recall = common / len(pred), common / len(ref)
        best = max(best, 2 * precision * recall / (precision + recall))
    return best


def exact_match(prediction: str, golds: Iterable[str]) -> float:
    """1.0 when ``prediction`` equals a gold answer once punctuation, case and whitespace are ignored."""
    pred = mixed_segmentation(prediction)
    return 1.0 if pred and any(mixed_segmentation(g) == pred for g in golds) else 0.0


def recall_at_k(ranks: Sequence[int | None], k: int) -> float:
    """Fraction of ``ranks`` (1-based; None = not retrieved) that are at most ``k``; 0.0 for no ranks."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    if not ranks:
        return 0.0
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks)


def mrr_at_k(ranks: Sequence[int | None], k: int) -> float:
    """Mean of 1/rank over ``ranks``, counting ranks above ``k`` (and None) as 0."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    if not ranks:
        return 0.0
    return sum(1.0 / r for r in ranks if r is not None and r <= k) / len(ranks)


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0..100), interpolating linearly between order statistics (as numpy)."""
    if not 0 <= q <= 100:
        raise ValueError(f"q must be within 0..100, got {q}")
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
