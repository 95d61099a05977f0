"""How the three signals of a candidate combine into one score (tuned on CMRC 2018 dev + DRCD dev with
``benchmarks/tune_fusion.py``; see :class:`FusionParams`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["NORMALIZATIONS", "FusionParams", "fuse_scores", "normalize"]

NORMALIZATIONS = ("zscore", "minmax", "max")


@dataclass(frozen=True)
class FusionParams:
    """How the signals combine. The defaults are tuned on CMRC 2018 dev + DRCD dev
    (benchmarks/tune_fusion.py): z-scores over the candidates, weighted 0.1 chunk cosine
    + 0.5 best-sentence cosine + 0.4 BM25."""

    depth: int = 50  # candidates taken from each of the dense and the keyword lists
    dense_weight: float = 0.1  # weight of the normalized chunk cosine
    sentence_weight: float = 0.5  # weight of the normalized best-sentence cosine
    keyword_weight: float = 0.4  # weight of the normalized BM25 score
    normalization: str = "zscore"  # per question, over the candidates: "zscore", "minmax" or "max"
    # a "latest" question: hits within this much of the best fused score are put newest first
    recency_window: float = 0.3

    def __post_init__(self) -> None:
        if isinstance(self.depth, bool) or not isinstance(self.depth, int) or self.depth < 1:
            raise ValueError(f"depth must be a positive int, got {self.depth!r}")
        if self.normalization not in NORMALIZATIONS:
            raise ValueError(
                f"normalization must be one of {', '.join(NORMALIZATIONS)}, got {self.normalization!r}"
            )
        weights = (self.dense_weight, self.sentence_weight, self.keyword_weight)
        if any(not np.isfinite(w) or w < 0 for w in weights) or sum(weights) <= 0:
            raise ValueError(f"weights must be finite, non-negative and not all 0, got {weights}")


def normalize(values: np.ndarray, how: str) -> np.ndarray:
    """One question's candidate scores normalized: z-scores, min-max or divided by the largest magnitude."""
    if values.size == 0:
        return values
    if how == "zscore":
        std = float(values.std())
        return (values - float(values.mean())) / (std if std > 1e-9 else 1.0)
    if how == "minmax":
        low, span = float(values.min()), float(values.max() - values.min())
        return (values - low) / (span if span > 1e-9 else 1.0)
    top = float(np.abs(values).max())  # "max"
    return values / (top if top > 1e-9 else 1.0)


def fuse_scores(
    dense: np.ndarray, sentence: np.ndarray, keyword: np.ndarray, params: FusionParams
) -> np.ndarray:
    """The fused score of each candidate from its three raw signals (one question's candidates)."""
    return (
        params.dense_weight * normalize(np.asarray(dense, np.float64), params.normalization)
        + params.sentence_weight * normalize(np.asarray(sentence, np.float64), params.normalization)
        + params.keyword_weight * normalize(np.asarray(keyword, np.float64), params.normalization)
    )
