"""Scoring the sentences of the retrieved passages and their candidate short answers (steps 3 and 4 of
:mod:`rag.extract.pipeline`), and the confidence of the best one."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from rag.extract.candidates import (
    Candidate,
    anchor_scores,
    anchors,
    candidates,
    find_all,
    quick_fit,
    type_fit,
)
from rag.extract.evidence import (
    IndexCache,
    SentenceView,
    Term,
    context_text,
    coverage,
    heading_views,
    sentence_views,
    term_match,
)
from rag.extract.params import AnswerParams
from rag.extract.qtype import QuestionInfo
from rag.index import Index
from rag.ingest.scripts import MatchingView, to_simplified
from rag.search.retrieve import Hit

__all__ = [
    "MIN_FIT",
    "STRICT_KINDS",
    "ScoredSentence",
    "choose_span",
    "collect_sentences",
    "confidence_features",
    "sentence_confidence",
    "span_features",
]

# ----------------------------------------------------------------------------------------------------------
# sentences and spans


@dataclass
class ScoredSentence:
    hit: Hit
    position: int
    start: int  # quotable span in the article
    end: int
    view: MatchingView  # of the quoted original; .simplified is what the rules read
    features: np.ndarray  # SENTENCE_FEATURES
    missing: float  # for the confidence: the rarest question term absent from the passage (0..1)
    score: float = 0.0
    spans: list[tuple[Candidate, np.ndarray]] = field(default_factory=list)  # with SPAN_FEATURES
    candidate: Candidate | None = None
    span_score: float = 0.0
    final: float = 0.0

    @property
    def text(self) -> str:  # Simplified
        return self.view.simplified

    @property
    def dense(self) -> float:
        return float(self.features[0])

    @property
    def keyword(self) -> float:
        return float(self.features[1])


def collect_sentences(
    index: Index,
    cache: IndexCache,
    hits: list[Hit],
    qvec: np.ndarray,
    terms: list[Term],
    info: QuestionInfo,
    params: AnswerParams,
) -> list[ScoredSentence]:
    """Every quotable sentence of the hits (and their articles' headings), scored, best first."""
    out: list[ScoredSentence] = []
    seen: set[tuple[str, int, int]] = set()
    weights = np.asarray(params.sentence_weights, dtype=np.float64)
    unseen = math.log(2.0 * max(len(index.keyword), 1) + 2.0)  # IDF of a word no document has
    question_bigrams = _bigrams(info.text[: max(info.wh_start, 0)] + " " + info.text[max(info.wh_end, 0) :])
    for rank, hit in enumerate(hits, start=1):
        position = cache.position.get(hit.chunk.id)
        if position is None:
            continue
        views = sentence_views(index, cache, position)
        vectors = index.sentence_vectors(position) if index.sentence_embeddings is not None else None
        passage = context_text(index, cache, position)
        context = coverage(terms, passage)
        missing = max((t.weight * (1.0 - term_match(t, passage)) for t in terms), default=0.0) / unseen
        article = index.articles[hit.chunk.article_id]
        title = to_simplified(f"{article.title} {article.subtitle}")
        focus_terms = [t for t in terms if t.text not in title] or terms
        focus_bigrams = {b for b in question_bigrams if b not in title} or question_bigrams
        # headings have no sentence vector: the passage's (embedded with its title) stands in for theirs
        rows: list[tuple[int | None, SentenceView | None]] = [
            (None, v) for v in heading_views(article, cache)
        ]
        rows += list(enumerate(views))
        for j, sv in rows:
            if sv is None:
                continue
            key = (hit.chunk.article_id, sv.start, sv.end)
            if key in seen:
                continue
            seen.add(key)
            if j is not None and vectors is not None and len(vectors) > j:
                dense = float(vectors[j] @ qvec)
            else:
                dense = hit.dense_score
            text = sv.view.simplified
            bigram = sum(b in text for b in focus_bigrams) / len(focus_bigrams) if focus_bigrams else 0.0
            found = anchors(text, info)
            frame = max((w for _, w in found.lefts), default=0.0) + max(
                (w for _, w in found.rights), default=0.0
            )
            features = np.array(
                [
                    dense,
                    coverage(terms, text),
                    context,
                    1.0 / rank,
                    quick_fit(text, info),
                    coverage(focus_terms, text),
                    bigram,
                    frame,
                ]
            )
            sentence = ScoredSentence(hit, position, sv.start, sv.end, sv.view, features, min(missing, 1.0))
            sentence.score = float(features @ weights)
            out.append(sentence)
    out.sort(key=lambda s: -s.score)
    return out


_WORD_CHAR = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")


def _bigrams(text: str) -> set[str]:
    return {
        text[i : i + 2]
        for i in range(len(text) - 1)
        if _WORD_CHAR.match(text[i]) and _WORD_CHAR.match(text[i + 1])
    }


_LONG = {"person": 8, "place": 12, "org": 16, "date": 14, "number": 14, "name": 16}
_HAN = re.compile(r"[\u4e00-\u9fff]")
_ALNUM = re.compile(r"[A-Za-z0-9]+(?:\.[0-9]+)?")


def _overlap(candidate: str, question: str) -> float:
    """Share of the candidate's characters that the question already has (Han by character, ASCII by word)."""
    han = _HAN.findall(candidate)
    words = _ALNUM.findall(candidate)
    q_words = set(_ALNUM.findall(question))
    total = len(han) + sum(len(w) for w in words)
    if total == 0:
        return 0.0
    same = sum(ch in question for ch in han) + sum(len(w) for w in words if w in q_words)
    return same / total


def span_features(
    s: ScoredSentence, info: QuestionInfo, terms: list[Term], cache: IndexCache
) -> list[tuple[Candidate, np.ndarray]]:
    """Candidate short answers of sentence ``s`` with their SPAN_FEATURES."""
    text = s.text
    found = anchors(text, info)
    static = cache.sentence_candidates(s.hit.chunk.article_id, s.start, s.end, text)
    spans = candidates(text, info, static, found)
    if not spans:
        return []
    if info.wh_start >= 0:
        question = info.text[: info.wh_start] + info.text[info.wh_end :]
    else:
        question = info.text
    places: list[
        tuple[int, float, int, int]
    ] = []  # (term, weight, start, end) of question terms in the sentence
    for i, t in enumerate(terms):
        for word in (t.text, *t.parts):
            places.extend(
                (i, t.weight * len(word) / len(t.text), p, p + len(word)) for p in find_all(text, word)
            )
    total = sum(t.weight for t in terms) or 1.0
    out = []
    for c in spans:
        left, right = anchor_scores(found, c.start, c.end)
        near = 0.0
        if places:
            per_term: dict[int, float] = {}
            for i, w, a, b in places:
                if a >= c.start and b <= c.end:
                    continue
                gap = c.start - b if b <= c.start else a - c.end if a >= c.end else 0
                per_term[i] = max(per_term.get(i, 0.0), w * math.exp(-max(gap, 0) / 8.0))
            near = min(1.0, sum(per_term.values()) / total)
        too_long = max(0, len(c.text) - _LONG.get(info.kind, 30)) / 10.0
        features = np.array([type_fit(info, c), left, right, near, _overlap(c.text, question), too_long])
        out.append((c, features))
    return out


STRICT_KINDS = frozenset({"number", "date", "person", "place"})  # a short answer must be of the kind asked
MIN_FIT = 0.5


def choose_span(s: ScoredSentence, params: AnswerParams, strict: bool) -> None:
    """The sentence's best candidate (for number/date/person/place questions: of that kind, or none)."""
    weights = np.asarray(params.span_weights, dtype=np.float64)
    s.candidate, s.span_score = None, 0.0
    best = -1e9
    for c, features in s.spans:
        if strict and features[0] < MIN_FIT:
            continue
        score = float(features @ weights)
        if score > best:
            s.candidate, s.span_score, best = c, score, score
    s.final = s.score + params.w_span * s.span_score


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(x, 50.0), -50.0)))


def confidence_features(s: ScoredSentence) -> np.ndarray:
    """CONFIDENCE_FEATURES of a sentence (after span selection)."""
    f = s.features
    return np.array([f[0], f[1], f[2], s.missing, s.span_score])


def sentence_confidence(s: ScoredSentence, params: AnswerParams) -> float:
    weights = np.asarray(params.confidence_weights, dtype=np.float64)
    return _sigmoid(params.confidence_bias + float(confidence_features(s) @ weights))
