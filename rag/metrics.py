"""Evaluation metrics: CMRC 2018 answer EM/F1 exactly as its official script, recall@k, MRR, percentiles.

Answer metrics follow ``cmrc2018_evaluate.py`` (Cui et al., EMNLP 2019) character for character:

* **EM**: prediction and gold, lower-cased and stripped, compared after removing the script's punctuation list
  (``SP_CHAR``; nothing else: spaces inside, full-width letters and other symbols count);
* **F1**: both split by ``mixed_segmentation`` (each character of U+4E00..U+9FA5 a token; runs of other
  characters tokenized by NLTK's Treebank word tokenizer; the punctuation list dropped), precision and recall
  from the longest common *contiguous* token run;
* both take the best over the gold answers. Functions here return 0..1 per question; reports multiply by 100
  as the script does.

One difference, on purpose: NLTK's ``word_tokenize`` first splits sentences with the Punkt model, a data
download; here the Treebank tokenizer reads the run whole (``preserve_line``), which is the same for any run
without a sentence break inside (an answer span).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

__all__ = [
    "SP_CHAR",
    "exact_match",
    "f1_score",
    "mixed_segmentation",
    "mrr_at_k",
    "percentile",
    "recall_at_k",
    "remove_punctuation",
]

# the official script's list, verbatim: "……" is one two-character entry, so a single "…" is never removed
SP_CHAR = (
    "-",
    ":",
    "_",
    "*",
    "^",
    "/",
    "\\",
    "~",
    "`",
    "+",
    "=",
    "，",
    "。",
    "：",
    "？",
    "！",
    "“",
    "”",
    "；",
    "’",
    "《",
    "》",
    "……",
    "·",
    "、",
    "「",
    "」",
    "（",
    "）",
    "－",
    "～",
    "『",
    "』",
)
_HAN = re.compile(r"[\u4e00-\u9fa5]")


@lru_cache(maxsize=1)
def _word_tokenize():  # type: ignore[no-untyped-def]
    from nltk.tokenize import NLTKWordTokenizer

    return NLTKWordTokenizer().tokenize


def mixed_segmentation(text: str, rm_punc: bool = False) -> list[str]:
    """The official script's segmentation: one token per Han character, Treebank words for the rest."""
    text = str(text).lower().strip()
    tokens: list[str] = []
    run = ""
    for ch in text:
        if rm_punc and ch in SP_CHAR:
            continue
        if _HAN.search(ch) or ch in SP_CHAR:
            if run:
                tokens.extend(_word_tokenize()(run))
                run = ""
            tokens.append(ch)
        else:
            run += ch
    if run:
        tokens.extend(_word_tokenize()(run))
    return tokens


def remove_punctuation(text: str) -> str:
    """The official script's EM normalization: lower case, stripped, ``SP_CHAR`` removed."""
    return "".join(ch for ch in str(text).lower().strip() if ch not in SP_CHAR)


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
    """Best CMRC 2018 F1 (0..1) of ``prediction`` over the gold answers; 0.0 when there are none."""
    pred = mixed_segmentation(prediction, rm_punc=True)
    best = 0.0
    for gold in golds:
        ref = mixed_segmentation(gold, rm_punc=True)
        common = _longest_common_run(ref, pred)
        if common == 0:
            continue
        precision, recall = common / len(pred), common / len(ref)
        best = max(best, 2 * precision * recall / (precision + recall))
    return best


def exact_match(prediction: str, golds: Iterable[str]) -> float:
    """1.0 when ``prediction`` equals a gold answer after the official punctuation removal."""
    pred = remove_punctuation(prediction)
    return 1.0 if any(remove_punctuation(g) == pred for g in golds) else 0.0


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
