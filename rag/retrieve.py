"""Hybrid retrieval: dense FAISS candidates and jieba-BM25 candidates, fused on normalized scores.

Both signals see the Simplified matching view (questions too), so a Traditional question finds a Simplified
passage and back; hits carry the original text and offsets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rag.errors import BadQuestionError
from rag.index import Index
from rag.scripts import to_simplified
from rag.types import Chunk

__all__ = ["MAX_QUESTION_CHARS", "FusionParams", "Hit", "prepare_question", "retrieve_from"]

MAX_QUESTION_CHARS = 500  # longer questions are cut for the model (512 tokens); callers are told via Hit.truncated


@dataclass(frozen=True)
class FusionParams:
    """How dense and keyword evidence combine. Defaults tuned on CMRC 2018 dev + DRCD dev (see benchmarks/)."""

    depth: int = 100  # candidates taken from each signal
    dense_weight: float = 0.5  # weight of the z-normalized dense score; the keyword score gets 1 - this
    keyword_floor: float = 0.0  # z-score given to candidates the keyword index did not return


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    title: str
    outlet: str
    rank: int
    score: float  # fused
    dense_score: float  # cosine between question and passage
    keyword_score: float  # raw BM25
    matched_terms: tuple[str, ...] = field(default=())
    truncated: bool = False

    @property
    def article_id(self) -> str:
        return self.chunk.article_id

    @property
    def paragraph(self) -> int:
        return self.chunk.paragraph

    @property
    def start(self) -> int:
        return self.chunk.start

    @property
    def end(self) -> int:
        return self.chunk.end

    @property
    def text(self) -> str:
        return self.chunk.text

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "chunk_id": self.chunk.id,
            "article_id": self.article_id,
            "title": self.title,
            "outlet": self.outlet,
            "paragraph": self.paragraph,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "score": round(self.score, 6),
            "dense_score": round(self.dense_score, 6),
            "keyword_score": round(self.keyword_score, 6),
            "matched_terms": list(self.matched_terms),
        }


def prepare_question(question: str) -> tuple[str, bool]:
    """Validate and normalize a question: (text for the model, whether it was truncated)."""
    if not isinstance(question, str):
        raise BadQuestionError("the question must be text")
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200d\u2060\ufeff]", "", question)
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        raise BadQuestionError("the question is empty; type a question, e.g. 秦皇島市委書記是誰？")
    truncated = len(text) > MAX_QUESTION_CHARS
    return text[:MAX_QUESTION_CHARS], truncated


def _zscore(values: np.ndarray) -> np.ndarray:
    if values.size == 0:
        return values
    std = float(values.std())
    return (values - float(values.mean())) / (std if std > 1e-9 else 1.0)


def retrieve_from(
    index: Index,
    question: str,
    k: int = 5,
    *,
    params: FusionParams | None = None,
    query_vector: np.ndarray | None = None,
) -> list[Hit]:
    """Top-``k`` hits for ``question`` from ``index`` (see module doc)."""
    params = params or FusionParams()
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    text, truncated = prepare_question(question)
    n = len(index.chunks)
    if n == 0:
        return []
    simplified = to_simplified(text)
    depth = min(n, max(params.depth, k))

    if query_vector is None:
        query_vector = index.embedder.encode_query([simplified])[0]
    dense_scores, dense_ids = index.store.search(np.asarray(query_vector, dtype=np.float32).reshape(1, -1), depth)
    dense = {int(i): float(s) for s, i in zip(dense_scores[0], dense_ids[0], strict=True) if i >= 0}

    keyword_all = index.keyword.scores(simplified)
    keyword_top = np.argsort(-keyword_all)[:depth]
    keyword = {int(i): float(keyword_all[i]) for i in keyword_top if keyword_all[i] > 0}

    candidates = sorted(dense.keys() | keyword.keys())
    ids = np.array(candidates, dtype=np.int64)
    # dense scores for keyword-only candidates come from the stored vectors (exact cosine, no approximation)
    d = np.array([dense[i] if i in dense else float(index.embeddings[i] @ query_vector) for i in candidates])
    kw = keyword_all[ids].astype(np.float64)
    dz = _zscore(d)
    kz = _zscore(kw) if kw.any() else np.full_like(kw, params.keyword_floor)
    fused = params.dense_weight * dz + (1.0 - params.dense_weight) * kz
    order = np.argsort(-fused, kind="stable")[:k]

    hits = []
    for rank, j in enumerate(order, start=1):
        position = candidates[j]
        chunk = index.chunks[position]
        article = index.articles[chunk.article_id]
        hits.append(
            Hit(
                chunk=chunk,
                title=article.title,
                outlet=article.outlet,
                rank=rank,
                score=float(fused[j]),
                dense_score=float(d[j]),
                keyword_score=float(kw[j]),
                matched_terms=tuple(index.keyword.matched_terms(simplified, chunk.id)),
                truncated=truncated,
            )
        )
    return hits
