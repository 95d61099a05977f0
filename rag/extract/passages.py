"""What the reader reads: windows of quotable sentences cut from the retrieved passages.

A *sentence* here is a quotable sentence of a hit's chunk (stripped; a clause holding mojibake cut off, see
:func:`rag.extract.evidence.quotable`) or a title/subtitle line of the hit's article. Sentences are scored by
meaning and keywords (:class:`~rag.extract.params.ReadParams`'s ``weights``). A *window* is a run of
consecutive sentences of one chunk with no mojibake between them, read as one passage: with unit
"sentences", each of the best sentences grown by its neighbours up to ``window_chars``; with unit "chunks",
every hit's whole chunk. The article's heading lines are one more window. Every window keeps its article
offsets and its Simplified matching view, so a span the reader finds maps back to the original characters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rag.extract.evidence import (
    IndexCache,
    SentenceView,
    Term,
    context_text,
    coverage,
    heading_views,
    sentence_views,
)
from rag.extract.params import ReadParams
from rag.index import Index
from rag.ingest.scripts import MatchingView, matching_view, to_simplified
from rag.search import Hit

__all__ = ["Sentence", "Window", "rank_sentences", "reading_windows"]


@dataclass(frozen=True)
class Sentence:
    hit: Hit
    rank: int  # the hit's, 1-based
    order: int  # position among its chunk's sentences; -1 for a heading line
    start: int  # quotable span in the article
    end: int
    view: MatchingView
    score: float


@dataclass(frozen=True)
class Window:
    """Sentences ``[first, last]`` of one chunk (or heading lines), read as one passage."""

    hit: Hit
    sentences: tuple[Sentence, ...]  # in article order
    start: int
    end: int
    view: MatchingView  # of article.text[start:end]

    @property
    def text(self) -> str:  # what the reader reads (Simplified)
        return self.view.simplified

    def sentence_at(self, start: int, end: int) -> tuple[int, int]:
        """Article span of the sentence(s) of this window that hold article characters ``[start, end)``."""
        held = [s for s in self.sentences if s.start < end and start < s.end] or [
            min(self.sentences, key=lambda s: abs(s.start - start))
        ]
        return held[0].start, held[-1].end


def rank_sentences(
    index: Index,
    cache: IndexCache,
    hits: Sequence[Hit],
    qvec: np.ndarray,
    terms: list[Term],
    params: ReadParams,
) -> list[Sentence]:
    """Every quotable sentence and heading line of the top ``params.passages`` hits, best score first."""
    w_dense, w_context, w_focus, w_rank = params.weights
    out: list[Sentence] = []
    headed: set[str] = set()
    for rank, hit in enumerate(hits[: params.passages], start=1):
        position = cache.position.get(hit.chunk.id)
        if position is None:
            continue
        article = index.articles[hit.chunk.article_id]
        title = to_simplified(f"{article.title} {article.subtitle}")
        focus_terms = [t for t in terms if t.text not in title] or terms
        base = w_context * coverage(terms, context_text(index, cache, position)) + w_rank / rank
        vectors = index.sentence_vectors(position) if index.sentence_embeddings is not None else None
        cosines = vectors @ qvec if vectors is not None and len(vectors) else None
        rows: list[tuple[int, SentenceView | None]] = list(enumerate(sentence_views(index, cache, position)))
        # headings have no vector: the passage's (made with its title) stands in, capped at its best
        # sentence's (a chunk vector made of its title and sentences sits closer to a question than any one
        # sentence, so uncapped a title line would outrank the body sentence that holds the same answer)
        heading = hit.dense_score if cosines is None else min(hit.dense_score, float(cosines.max()))
        if article.id not in headed:
            headed.add(article.id)
            rows = [(-1, v) for v in heading_views(article, cache)] + rows
        for order, sv in rows:
            if sv is None:
                continue
            dense = float(cosines[order]) if order >= 0 and cosines is not None else heading
            score = base + w_dense * dense + w_focus * coverage(focus_terms, sv.view.simplified)
            out.append(Sentence(hit, rank, order, sv.start, sv.end, sv.view, score))
    out.sort(key=lambda s: -s.score)
    return out


def _clean_between(index: Index, hit: Hit, a: Sentence, b: Sentence) -> bool:
    """Whether article characters between sentences ``a`` and ``b`` hold no mojibake."""
    bad = index.articles[hit.chunk.article_id].low_quality
    return not any(x.start < b.start and a.end < x.end for x in bad)


def _window(index: Index, hit: Hit, sentences: Sequence[Sentence]) -> Window:
    text = index.articles[hit.chunk.article_id].text
    start, end = sentences[0].start, sentences[-1].end
    return Window(hit, tuple(sentences), start, end, matching_view(text[start:end]))


def _runs(index: Index, sentences: Sequence[Sentence]) -> list[list[Sentence]]:
    """Group sentences (of one chunk or of one article's headings, in article order) into runs of neighbours
    with no mojibake between them."""
    runs: list[list[Sentence]] = []
    for s in sentences:
        last = runs[-1][-1] if runs else None
        if (
            last is not None
            and (s.order == last.order + 1 or (s.order < 0 and last.order < 0))
            and _clean_between(index, s.hit, last, s)
        ):
            runs[-1].append(s)
        else:
            runs.append([s])
    return runs


def reading_windows(index: Index, ranked: Sequence[Sentence], params: ReadParams) -> list[Window]:
    """The windows to read (see the module doc), best first."""
    by_chunk: dict[tuple[str, bool], list[Sentence]] = {}  # (chunk id, heading?) -> its sentences
    for s in sorted(ranked, key=lambda s: (s.hit.chunk.id, s.order < 0, s.start)):
        by_chunk.setdefault((s.hit.chunk.id, s.order < 0), []).append(s)
    runs = [run for group in by_chunk.values() for run in _runs(index, group)]
    best = {id(s): i for i, s in enumerate(ranked)}

    def rank_of(run: Sequence[Sentence]) -> int:
        return min(best[id(s)] for s in run)

    if params.unit == "chunks":
        return [_window(index, run[0].hit, run) for run in sorted(runs, key=rank_of)]
    windows: list[list[Sentence]] = []
    covered: set[int] = set()
    for s in ranked:
        if len(windows) == params.windows:
            break
        if id(s) in covered:
            continue
        run = next(r for r in runs if any(x is s for x in r))
        i = next(j for j, x in enumerate(run) if x is s)
        lo, hi = i, i + 1
        while True:  # grow by the better-scored neighbour while the window stays short enough
            options = [j for j in (lo - 1, hi) if 0 <= j < len(run)]
            if not options:
                break
            j = min(options, key=lambda j: best[id(run[j])])
            a, b = min(lo, j), max(hi, j + 1)
            if run[b - 1].end - run[a].start > params.window_chars:
                break
            lo, hi = a, b
        windows.append(run[lo:hi])
        covered.update(id(x) for x in run[lo:hi])
    return [_window(index, w[0].hit, w) for w in windows]
