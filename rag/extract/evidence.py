"""What the answer stage reads of an index, cached per loaded index (chunk positions, quotable sentence
spans and their matching views, heading lines, passage texts, document frequencies), and
the question's IDF-weighted keyword terms with their coverage of a text."""

from __future__ import annotations

import math
import re
import weakref
from dataclasses import dataclass

from rag.extract.qtype import QuestionInfo
from rag.index import Index
from rag.ingest.scripts import MatchingView, matching_view, to_simplified
from rag.types import Article, Span

__all__ = [
    "IndexCache",
    "SentenceView",
    "Term",
    "context_text",
    "coverage",
    "heading_views",
    "index_cache",
    "question_terms",
    "quotable",
    "sentence_views",
    "term_match",
]

# ----------------------------------------------------------------------------------------------------------
# per-index caches (static for a loaded index: chunk positions, sentence views, document frequencies)


@dataclass
class SentenceView:
    start: int  # quotable span in the article (stripped; mojibake clauses cut off)
    end: int
    view: MatchingView  # of article.text[start:end]


class IndexCache:
    def __init__(self, index: Index) -> None:
        self.position = {c.id: i for i, c in enumerate(index.chunks)}
        self.sentences: dict[int, list[SentenceView | None]] = {}
        self.context: dict[int, str] = {}
        self.headings: dict[str, list[SentenceView]] = {}
        self.df: dict[str, int] = {}
        # article id -> title, subtitle and text in Simplified (grounding)
        self.simplified: dict[str, str] = {}


_caches: weakref.WeakKeyDictionary[Index, IndexCache] = weakref.WeakKeyDictionary()


def index_cache(index: Index) -> IndexCache:
    cache = _caches.get(index)
    if cache is None:
        cache = _caches[index] = IndexCache(index)
    return cache


_CLAUSE = re.compile(r"[^，,、；;：:]*[，,、；;：:]?")
_STRIP = " \t\r\n\u3000"
_EDGE_PUNCT = "，,、；;：: \t\r\n\u3000"


def quotable(text: str, start: int, end: int, bad: tuple[Span, ...]) -> tuple[int, int] | None:
    """The part of sentence ``[start, end)`` that may be quoted: stripped, and when it overlaps mojibake, the
    longest run of clean clauses (None when fewer than 6 characters are left)."""
    while start < end and text[start] in _STRIP:
        start += 1
    while end > start and text[end - 1] in _STRIP:
        end -= 1
    overlapping = [b for b in bad if b.start < end and b.end > start]
    if overlapping:
        best: tuple[int, int] | None = None
        run_start = None
        pos = start
        for m in _CLAUSE.finditer(text, start, end):
            if m.end() == m.start():
                continue
            clean = not any(b.start < m.end() and b.end > m.start() for b in overlapping)
            if clean and run_start is None:
                run_start = m.start()
            if not clean and run_start is not None:
                if best is None or pos - run_start > best[1] - best[0]:
                    best = (run_start, pos)
                run_start = None
            pos = m.end()
        if run_start is not None and (best is None or pos - run_start > best[1] - best[0]):
            best = (run_start, pos)
        if best is None:
            return None
        start, end = best
        while end > start and text[end - 1] in _EDGE_PUNCT:
            end -= 1
        while start < end and text[start] in _EDGE_PUNCT:
            start += 1
    return (start, end) if end - start >= 6 else None


def sentence_views(index: Index, cache: IndexCache, position: int) -> list[SentenceView | None]:
    views = cache.sentences.get(position)
    if views is None:
        chunk = index.chunks[position]
        text = index.articles[chunk.article_id].text
        views = []
        for span in chunk.sentences:
            q = quotable(text, span.start, span.end, chunk.low_quality)
            views.append(None if q is None else SentenceView(q[0], q[1], matching_view(text[q[0] : q[1]])))
        cache.sentences[position] = views
    return views


def heading_views(article: Article, cache: IndexCache) -> list[SentenceView]:
    """Title and subtitle lines that precede the first paragraph (they belong to no chunk but may hold the
    answer: ``——訪秦皇島市委書記朱政學``)."""
    views = cache.headings.get(article.id)
    if views is None:
        views = []
        first = article.paragraphs[0].start if article.paragraphs else 0
        pos = 0
        for line in article.text[:first].split("\n"):
            q = quotable(article.text, pos, pos + len(line), article.low_quality)
            if q is not None:
                views.append(SentenceView(q[0], q[1], matching_view(article.text[q[0] : q[1]])))
            pos += len(line) + 1
        cache.headings[article.id] = views
    return views


def context_text(index: Index, cache: IndexCache, position: int) -> str:
    text = cache.context.get(position)
    if text is None:
        chunk = index.chunks[position]
        article = index.articles[chunk.article_id]
        text = cache.context[position] = to_simplified(f"{article.title} {article.subtitle}\n{chunk.text}")
    return text


# ----------------------------------------------------------------------------------------------------------
# question terms


@dataclass(frozen=True)
class Term:
    text: str
    weight: float  # IDF
    parts: tuple[str, ...]  # dictionary sub-words, for partial credit


def question_terms(index: Index, cache: IndexCache, question: str, info: QuestionInfo) -> list[Term]:
    """The question's keyword terms (widest tokens; sub-words kept for partial matches), IDF-weighted."""
    tokens = index.keyword.tokenizer.tokenize_with_offsets(question)
    if info.wh_start >= 0:
        tokens = [t for t in tokens if t[2] <= info.wh_start or t[1] >= info.wh_end]
    n = max(len(index.keyword), 1)
    terms: dict[str, Term] = {}
    for token, start, end in tokens:
        if any(s <= start and end <= e and (e - s) > (end - start) for _, s, e in tokens):
            continue  # a sub-word of a wider token
        df = cache.df.get(token)
        if df is None:
            df = cache.df[token] = _document_frequency(index, token)
        parts = tuple(t for t, s, e in tokens if start <= s and e <= end and (e - s) < (end - start))
        terms.setdefault(token, Term(token, math.log(1.0 + (n - df + 0.5) / (df + 0.5)), parts))
    return list(terms.values())


def _document_frequency(index: Index, token: str) -> int:
    return int(index.keyword.document_frequency(token))


def term_match(term: Term, text: str) -> float:
    if term.text in text:
        return 1.0
    return max((len(p) / len(term.text) for p in term.parts if p in text), default=0.0)


def coverage(terms: list[Term], text: str) -> float:
    total = sum(t.weight for t in terms)
    if total <= 0:
        return 0.0
    return sum(t.weight * term_match(t, text) for t in terms) / total
