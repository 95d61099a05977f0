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

A date/outlet filter and the reprint groups (:mod:`rag.search.filters`) select the chunks searched: the dense
search selects them inside FAISS (or Milvus, by a filter expression), BM25 ranks only them, so ``k`` hits come
back after filtering. A question asking for the latest (:func:`~rag.search.question.asks_latest`) puts, among
the hits whose fused score is within ``FusionParams.recency_window`` of the best, newer articles first; no
other question is reordered by date.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from rag.errors import store_errors
from rag.ingest.scripts import to_simplified
from rag.search.filters import ArticleFilter, Selection, make_filter, select
from rag.search.fusion import FusionParams, fuse_scores
from rag.search.protocols import KeywordEngine, SearchIndex
from rag.search.question import asks_latest, prepare_question
from rag.timing import stage
from rag.types import Chunk

__all__ = [
    "Hit",
    "Ranking",
    "keyword_scores",
    "rank_chunks",
    "retrieve_from",
    "selection_for",
    "sentence_scores",
]


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
    published: str = ""  # the article's ISO date ("" when unknown)
    url: str = ""

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
            "published": self.published,
            "url": self.url,
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


def sentence_scores(index: SearchIndex, positions: np.ndarray, query_vector: np.ndarray) -> np.ndarray:
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


def keyword_scores(
    index: SearchIndex,
    text: str,
    depth: int,
    include: np.ndarray | None = None,
    selection: Selection | None = None,
) -> np.ndarray:
    """BM25 of ``text`` (Simplified) for every chunk, by position, 0 outside ``selection``. A store with its own
    full-text search (Milvus with BM25 functions) scores in the engine: its top ``depth`` (of the selected rows)
    and the ``include`` rows, 0 elsewhere; otherwise the local keyword index scores every chunk."""
    if isinstance(index.store, KeywordEngine) and index.store.full_text:
        where = selection.expression if selection is not None else ""
        with store_errors():
            return np.asarray(
                index.store.keyword_scores(text, depth, len(index.chunks), include=include, where=where),
                np.float64,
            )
    scores = index.keyword.scores(text)
    if selection is not None and selection.positions is not None:
        kept = np.zeros_like(scores)
        kept[selection.positions] = scores[selection.positions]
        return kept
    return np.asarray(scores)


def _dense_ids(index: SearchIndex, query_vector: np.ndarray, depth: int, selection: Selection) -> np.ndarray:
    """The top ``depth`` chunk positions by dense search among the selected ones (FAISS id selection, a
    Milvus filter expression); exact over the selected vectors when the store fills fewer slots (HNSW under a
    narrow selection)."""
    query = query_vector.reshape(1, -1)
    with store_errors():
        if selection.positions is None:
            _, ids = index.store.search(query, depth)
        elif isinstance(index.store, KeywordEngine):
            _, ids = index.store.search(query, depth, where=selection.expression)
        else:
            _, ids = index.store.search(query, depth, ids=selection.positions)
    found = ids[0][ids[0] >= 0]
    wanted = depth if selection.positions is None else min(depth, int(selection.positions.size))
    if found.size < wanted and selection.positions is not None:
        cos = np.asarray(index.embeddings[selection.positions] @ query_vector, np.float64)
        found = selection.positions[np.argsort(-cos, kind="stable")[:wanted]]
    return np.asarray(found, dtype=np.int64)


def rank_chunks(
    index: SearchIndex,
    question: str,
    *,
    params: FusionParams | None = None,
    query_vector: np.ndarray | None = None,
    selection: Selection | None = None,
) -> Ranking:
    """All fusion candidates for ``question``, best first, among the chunks ``selection`` allows (default:
    every chunk but the reprints' other copies; see the module doc).

    ``query_vector``: the question's vector when already embedded, as
    ``index.embedder.encode_query([to_simplified(prepare_question(question)[0])])[0]``.
    """
    params = params or FusionParams()
    selection = selection if selection is not None else select(index.filter_table, ArticleFilter())
    text, truncated = prepare_question(question)
    simplified = to_simplified(text)
    n = len(index.chunks)
    if n == 0 or selection.empty:
        empty = np.zeros(0)
        return Ranking(simplified, truncated, np.zeros(0, np.int64), empty, empty, empty, empty)
    if query_vector is None:
        with stage("embed"):
            query_vector = index.embedder.encode_query([simplified])[0]
    query_vector = np.asarray(query_vector, dtype=np.float32).reshape(-1)
    depth = min(n, params.depth)

    with stage("dense"):
        dense_ids = _dense_ids(index, query_vector, depth, selection)
    with stage("keyword"):
        keyword_all = keyword_scores(index, simplified, depth, include=dense_ids, selection=selection)
        keyword_top = np.argpartition(-keyword_all, depth - 1)[:depth] if depth < n else np.arange(n)
    with stage("sentence"):
        candidates = np.union1d(dense_ids, keyword_top[keyword_all[keyword_top] > 0])
        positions = candidates.astype(np.int64)
        # exact cosines from the stored vectors for every candidate (the store's own scores may be approximate)
        dense = np.asarray(index.embeddings[positions] @ query_vector, np.float64)
        sentence = sentence_scores(index, positions, query_vector)
    with stage("fusion"):
        keyword = keyword_all[positions].astype(np.float64)
        fused = fuse_scores(dense, sentence, keyword, params)
        order = np.lexsort((positions, -fused))  # best first; ties by position, so results are reproducible
    return Ranking(
        simplified, truncated, positions[order], fused[order], dense[order], sentence[order], keyword[order]
    )


def selection_for(
    index: SearchIndex,
    since: str | None = None,
    until: str | None = None,
    outlets: str | list[str] | tuple[str, ...] | None = None,
) -> Selection:
    """The chunks a search under these filters may return (:func:`rag.search.filters.make_filter`,
    :func:`~rag.search.filters.select`); ``BadFilterError`` for a bad date."""
    return select(index.filter_table, make_filter(since, until, outlets))


def retrieve_from(
    index: SearchIndex,
    question: str,
    k: int = 5,
    *,
    params: FusionParams | None = None,
    query_vector: np.ndarray | None = None,
    since: str | None = None,
    until: str | None = None,
    outlets: str | list[str] | tuple[str, ...] | None = None,
    selection: Selection | None = None,
) -> list[Hit]:
    """Top-``k`` hits for ``question`` from ``index`` (see module doc), published ``since``..``until``
    (ISO dates, inclusive; ``YYYY-MM`` and ``YYYY`` too) by one of ``outlets``; ``selection``: those filters
    already resolved (:func:`selection_for`). A filter that matches no article gives no hits."""
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"k must be a positive int, got {k!r}")
    params = params or FusionParams()
    if k > params.depth:  # enough candidates for k hits
        params = replace(params, depth=int(k))
    if selection is None:
        selection = selection_for(index, since, until, outlets)
    ranking = rank_chunks(index, question, params=params, query_vector=query_vector, selection=selection)
    with stage("hits"):
        order = _recent_first(index, ranking, params) if asks_latest(question) else None
        return _hits(index, ranking, int(k), order)


def _recent_first(index: SearchIndex, ranking: Ranking, params: FusionParams) -> np.ndarray:
    """Candidate order for a "latest" question: those within ``recency_window`` of the best score, newest
    article first (undated last), then the rest as ranked."""
    if len(ranking) == 0:
        return np.zeros(0, np.int64)
    close = np.flatnonzero(ranking.fused >= ranking.fused[0] - params.recency_window)
    dates = [index.articles[index.chunks[int(ranking.positions[j])].article_id].published for j in close]
    newest = sorted(range(len(close)), key=lambda i: dates[i], reverse=True)  # stable: ties keep their rank
    return np.concatenate([close[newest], np.arange(close.size, len(ranking))]).astype(np.int64)


def _hits(index: SearchIndex, ranking: Ranking, k: int, order: np.ndarray | None = None) -> list[Hit]:
    hits = []
    for rank, j in enumerate(order if order is not None else range(len(ranking))):
        if rank >= k:
            break
        chunk = index.chunks[int(ranking.positions[j])]
        article = index.articles[chunk.article_id]
        hits.append(
            Hit(
                chunk=chunk,
                title=article.title,
                outlet=article.outlet,
                rank=rank + 1,
                score=float(ranking.fused[j]),
                dense_score=float(ranking.dense[j]),
                keyword_score=float(ranking.keyword[j]),
                matched_terms=tuple(index.keyword.matched_terms(ranking.question, chunk.id)),
                truncated=ranking.truncated,
                published=article.published,
                url=article.url,
            )
        )
    return hits
