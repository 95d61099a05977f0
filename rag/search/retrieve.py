"""Hybrid retrieval: dense FAISS and jieba-BM25 candidates, fused on per-question normalized scores.

Both signals see the Simplified matching view (questions too), so a Traditional question finds a Simplified
passage and back; hits carry the original text and offsets.

Fusion (tuned on CMRC 2018 dev + DRCD dev with ``benchmarks/tune_fusion.py``; see ``FusionParams``):
candidates are the top ``depth`` chunks by dense cosine together with the top ``depth`` by BM25; over those
candidates each signal is normalized per question, and the fused score is a weighted sum of

    dense     cosine between the question and the chunk (embedded with its article title)
    sentence  the best cosine between the question and any one sentence of the chunk (no title): a question
              usually paraphrases one sentence, which a whole-chunk vector dilutes
    keyword   BM25 of the question's jieba terms against the chunk text with its title
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from rag.errors import BadQuestionError
from rag.index import Index
from rag.scripts import to_simplified
from rag.timing import stage
from rag.types import Chunk

__all__ = [
    "MAX_QUESTION_CHARS",
    "NORMALIZATIONS",
    "FusionParams",
    "Hit",
    "Ranking",
    "fuse_scores",
    "prepare_question",
    "rank_chunks",
    "retrieve_from",
]

MAX_QUESTION_CHARS = (
    500  # longer questions are cut for the model (512 tokens); callers are told via Hit.truncated
)
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


@dataclass(frozen=True)
class Ranking:
    """Every candidate of one question, best first: chunk positions and their scores (equal lengths)."""

    question: str  # the Simplified question the signals saw
    truncated: bool
    positions: np.ndarray  # int64 chunk positions in index.chunks
    fused: np.ndarray
    dense: np.ndarray  # chunk cosine
    sentence: np.ndarray  # best sentence cosine
    keyword: np.ndarray  # raw BM25

    def __len__(self) -> int:
        return int(self.positions.size)


def prepare_question(question: str) -> tuple[str, bool]:
    """Validate and normalize a question: (text for the model, whether it was truncated)."""
    if not isinstance(question, str):
        raise BadQuestionError("the question must be text")
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200d\u2060\ufeff]", "", question)
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        raise BadQuestionError("the question is empty; type a question, e.g. 秦皇島市委書記是誰？")
    if not any(ch.isalnum() for ch in text):  # Han characters, letters and digits are alphanumeric
        raise BadQuestionError(
            "the question has no words, only punctuation, symbols or emoji; type a question, e.g. 秦皇島市委書記是誰？"
        )
    truncated = len(text) > MAX_QUESTION_CHARS
    return text[:MAX_QUESTION_CHARS], truncated


def _normalize(values: np.ndarray, how: str) -> np.ndarray:
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
        params.dense_weight * _normalize(np.asarray(dense, np.float64), params.normalization)
        + params.sentence_weight * _normalize(np.asarray(sentence, np.float64), params.normalization)
        + params.keyword_weight * _normalize(np.asarray(keyword, np.float64), params.normalization)
    )


def _sentence_scores(index: Index, positions: np.ndarray, query_vector: np.ndarray) -> np.ndarray:
    """Best cosine between the question and a sentence of each chunk (the chunk cosine if none stored)."""
    if index.sentence_embeddings is None or len(index.sentence_embeddings) == 0 or positions.size == 0:
        return np.asarray(index.embeddings[positions] @ query_vector, np.float64)
    first, last = index.sentence_first[positions], index.sentence_first[positions + 1]
    counts = last - first
    rows = np.repeat(first - np.r_[0, np.cumsum(counts)[:-1]], counts) + np.arange(int(counts.sum()))
    cos = np.asarray(index.sentence_embeddings[rows] @ query_vector, np.float64)
    best = np.full(positions.size, -np.inf)
    owners = np.repeat(np.arange(positions.size), counts)
    np.maximum.at(best, owners, cos)
    empty = counts == 0
    if empty.any():
        best[empty] = np.asarray(index.embeddings[positions[empty]] @ query_vector, np.float64)
    return best


def rank_chunks(
    index: Index,
    question: str,
    *,
    params: FusionParams | None = None,
    query_vector: np.ndarray | None = None,
) -> Ranking:
    """All fusion candidates for ``question``, best first (see the module doc).

    ``query_vector``: the question's vector when already embedded, as
    ``index.embedder.encode_query([to_simplified(prepare_question(question)[0])])[0]``.
    """
    params = params or FusionParams()
    text, truncated = prepare_question(question)
    simplified = to_simplified(text)
    n = len(index.chunks)
    if n == 0:
        empty = np.zeros(0)
        return Ranking(simplified, truncated, np.zeros(0, np.int64), empty, empty, empty, empty)
    if query_vector is None:
        with stage("embed"):
            query_vector = index.embedder.encode_query([simplified])[0]
    query_vector = np.asarray(query_vector, dtype=np.float32).reshape(-1)
    depth = min(n, params.depth)

    with stage("dense"):
        _, dense_ids = index.store.search(query_vector.reshape(1, -1), depth)
    with stage("keyword"):
        keyword_all = index.keyword_scores(simplified, depth, include=dense_ids[0])
        keyword_top = np.argpartition(-keyword_all, depth - 1)[:depth] if depth < n else np.arange(n)
    with stage("sentence"):
        candidates = np.union1d(dense_ids[0][dense_ids[0] >= 0], keyword_top[keyword_all[keyword_top] > 0])
        positions = candidates.astype(np.int64)
        # exact cosines from the stored vectors for every candidate (the store's own scores may be approximate)
        dense = np.asarray(index.embeddings[positions] @ query_vector, np.float64)
        sentence = _sentence_scores(index, positions, query_vector)
    with stage("fusion"):
        keyword = keyword_all[positions].astype(np.float64)
        fused = fuse_scores(dense, sentence, keyword, params)
        order = np.lexsort((positions, -fused))  # best first; ties by position, so results are reproducible
    return Ranking(
        simplified, truncated, positions[order], fused[order], dense[order], sentence[order], keyword[order]
    )


def retrieve_from(
    index: Index,
    question: str,
    k: int = 5,
    *,
    params: FusionParams | None = None,
    query_vector: np.ndarray | None = None,
) -> list[Hit]:
    """Top-``k`` hits for ``question`` from ``index`` (see module doc)."""
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"k must be a positive int, got {k!r}")
    params = params or FusionParams()
    if k > params.depth:  # enough candidates for k hits
        params = replace(params, depth=int(k))
    ranking = rank_chunks(index, question, params=params, query_vector=query_vector)
    with stage("hits"):
        return _hits(index, ranking, int(k))


def _hits(index: Index, ranking: Ranking, k: int) -> list[Hit]:
    hits = []
    for j in range(min(k, len(ranking))):
        chunk = index.chunks[int(ranking.positions[j])]
        article = index.articles[chunk.article_id]
        hits.append(
            Hit(
                chunk=chunk,
                title=article.title,
                outlet=article.outlet,
                rank=j + 1,
                score=float(ranking.fused[j]),
                dense_score=float(ranking.dense[j]),
                keyword_score=float(ranking.keyword[j]),
                matched_terms=tuple(index.keyword.matched_terms(ranking.question, chunk.id)),
                truncated=ranking.truncated,
            )
        )
    return hits
