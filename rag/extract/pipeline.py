"""Extracted answers with citations: no generative model, every answer is a span of an article.

How an answer is found (all scores are explained by :class:`AnswerParams`, whose defaults were fitted on
CMRC 2018 dev with ``benchmarks/answers.py`` and ``benchmarks/calibrate_no_answer.py``):

1. **Follow-ups** are resolved first (:mod:`rag.followup`): ``那宝鸡呢？`` after ``秦皇岛市委书记是谁？`` is
   asked as ``宝鸡市委书记是谁？``.
2. **Passages**: the question (Simplified) is embedded once; the same vector drives retrieval
   (:func:`rag.retrieve.retrieve_from`) and sentence scoring.
3. **Sentences** of the top passages are scored by meaning (cosine between the question vector and the
   sentence's precomputed vector), by IDF-weighted keyword coverage (the question's jieba terms found in
   the sentence; in the sentence's passage with its title), by the passage's rank and by whether the
   sentence holds something of the kind asked for (a number for 多少, a date for 何时 ...). Sentences
   with mojibake are quoted only up to the damaged clause, or not at all.
4. **Short answer**: in the best few sentences, candidate spans (numbers with units, dates, people, places,
   organisations, quoted names, noun phrases, and the slot framed by the question's own neighbouring words)
   are scored by type fit, by sitting where the question's phrase sits (``是由[?]开发`` ~
   ``是由光荣开发``), by closeness to the matched keywords, minus overlap with the question's own words and
   excess length.
5. **Agreement**: sentences that carry the same answer are cited together; a different answer of the right
   kind from a comparably good sentence is shown as an alternative, with its own sources.
6. **No answer**: a logistic confidence from the best sentence's evidence; below the calibrated threshold the
   answer is refused (``found=False``) and the closest passages are offered instead.

The answer and sentence are written in the asker's script (OpenCC); citations quote the original characters
with offsets into ``Article.text`` (``article.text[c.start:c.end] == c.quote``).
"""

from __future__ import annotations

import math
import re
import weakref
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rag.followup import Resolution, resolve_followup
from rag.index import Index
from rag.qtype import (
    Candidate,
    QuestionInfo,
    analyse_question,
    anchor_scores,
    anchors,
    candidates,
    quick_fit,
    sentence_candidates,
    type_fit,
)
from rag.retrieve import Hit, prepare_question, retrieve_from
from rag.scripts import MatchingView, detect_script, matching_view, to_simplified, to_traditional
from rag.timing import stage
from rag.types import Answer, Article, Citation, Span

__all__ = [
    "CONFIDENCE_FEATURES",
    "MIN_FIT",
    "SENTENCE_FEATURES",
    "SPAN_FEATURES",
    "STRICT_KINDS",
    "AnswerParams",
    "Reading",
    "answer_from",
    "confidence_features",
    "format_answer",
    "normalize_answer",
    "query_text",
    "read_question",
]


SENTENCE_FEATURES = ("dense", "keyword", "context", "rank", "type", "focus", "bigram", "frame")
SPAN_FEATURES = ("fit", "left", "right", "near", "overlap", "too_long")
CONFIDENCE_FEATURES = ("dense", "keyword", "context", "missing", "span")


@dataclass(frozen=True)
class AnswerParams:
    """Weights and thresholds of the answer stage (see the module doc). Each weight tuple pairs with the
    feature names above:

    sentence   dense    cosine(question vector, sentence vector)
               keyword  IDF-weighted share of the question's terms found in the sentence (sub-words: partly)
               context  the same share in the sentence's passage with its title
               rank     1 / rank of the passage
               type     the sentence holds a number / date / name of the kind asked for (regexes only)
               focus    like keyword, over the terms that the article's title does not have (inside an article
                        the title's words are everywhere; the others pick the sentence)
               bigram   share of the question's character bigrams (outside the title) found in the sentence
               frame    the question's neighbour words around its question phrase occur in the sentence
    span       fit      the candidate's kind fits the question's (0..1, units included)
               left     a word that precedes the question phrase ends right before the candidate
               right    a word that follows the question phrase starts right after it
               near     IDF-weighted closeness of the question's terms to the candidate in the sentence
               overlap  share of the candidate's characters that the question itself has (answers rarely
                        repeat the question)
               too_long characters beyond a typical length for the kind, / 10
    confidence logistic on the best sentence's dense, keyword, context, missing (IDF of the rarest question
               term absent from its passage, / the IDF of an unseen word) and its best span score
    """

    # weights: coordinate ascent on CMRC 2018 dev (1000 questions; benchmarks/answers.py --tune); confidence:
    # logistic regression, positives vs off-corpus negatives (benchmarks/calibrate_no_answer.py)
    sentences: int = 4  # best sentences read closely for a short answer
    sentence_weights: tuple[float, ...] = (4.4, 0.0, 1.62, 0.887, 0.1392, 0.5198, 0.4489, 0.1663)
    span_weights: tuple[float, ...] = (1.197, 1.44, 1.8956, 0.2228, -0.5569, 0.0)
    w_span: float = 0.2778  # final sentence score = sentence score + w_span * its best span's score
    confidence_bias: float = -44.3027
    confidence_weights: tuple[float, ...] = (46.3259, 0.4896, 5.0864, -1.7425, 0.267)
    threshold: float = 0.2048  # confidence below this: no answer (refuses 95% of off-corpus questions)
    agree_margin: float = 1.0  # alternatives: final score within this of the best
    max_citations: int = 3
    closest: int = 3  # passages offered when there is no answer


DEFAULT_PARAMS = AnswerParams()

# ----------------------------------------------------------------------------------------------------------
# per-index caches (static for a loaded index: chunk positions, sentence views, document frequencies)


@dataclass
class _SentenceView:
    start: int  # quotable span in the article (stripped; mojibake clauses cut off)
    end: int
    view: MatchingView  # of article.text[start:end]


class _IndexCache:
    def __init__(self, index: Index) -> None:
        self.position = {c.id: i for i, c in enumerate(index.chunks)}
        self.sentences: dict[int, list[_SentenceView | None]] = {}
        self.context: dict[int, str] = {}
        self.headings: dict[str, list[_SentenceView]] = {}
        self.df: dict[str, int] = {}
        self.spans: dict[tuple[str, int, int], list[Candidate]] = {}  # question-independent candidates

    def sentence_candidates(self, article_id: str, start: int, end: int, text: str) -> list[Candidate]:
        key = (article_id, start, end)
        found = self.spans.get(key)
        if found is None:
            if len(self.spans) >= _SPAN_CACHE:
                self.spans.clear()
            found = self.spans[key] = sentence_candidates(text)
        return found


_SPAN_CACHE = 50_000  # sentences whose part-of-speech candidates are kept per index
_caches: weakref.WeakKeyDictionary[Index, _IndexCache] = weakref.WeakKeyDictionary()


def _cache(index: Index) -> _IndexCache:
    cache = _caches.get(index)
    if cache is None:
        cache = _caches[index] = _IndexCache(index)
    return cache


_CLAUSE = re.compile(r"[^，,、；;：:]*[，,、；;：:]?")
_STRIP = " \t\r\n\u3000"
_EDGE_PUNCT = "，,、；;：: \t\r\n\u3000"


def _quotable(text: str, start: int, end: int, bad: tuple[Span, ...]) -> tuple[int, int] | None:
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


def _sentence_views(index: Index, cache: _IndexCache, position: int) -> list[_SentenceView | None]:
    views = cache.sentences.get(position)
    if views is None:
        chunk = index.chunks[position]
        text = index.articles[chunk.article_id].text
        views = []
        for span in chunk.sentences:
            q = _quotable(text, span.start, span.end, chunk.low_quality)
            views.append(None if q is None else _SentenceView(q[0], q[1], matching_view(text[q[0] : q[1]])))
        cache.sentences[position] = views
    return views


def _heading_views(article: Article, cache: _IndexCache) -> list[_SentenceView]:
    """Title and subtitle lines that precede the first paragraph (they belong to no chunk but may hold the
    answer: ``——訪秦皇島市委書記朱政學``)."""
    views = cache.headings.get(article.id)
    if views is None:
        views = []
        first = article.paragraphs[0].start if article.paragraphs else 0
        pos = 0
        for line in article.text[:first].split("\n"):
            q = _quotable(article.text, pos, pos + len(line), article.low_quality)
            if q is not None:
                views.append(_SentenceView(q[0], q[1], matching_view(article.text[q[0] : q[1]])))
            pos += len(line) + 1
        cache.headings[article.id] = views
    return views


def _context_text(index: Index, cache: _IndexCache, position: int) -> str:
    text = cache.context.get(position)
    if text is None:
        chunk = index.chunks[position]
        article = index.articles[chunk.article_id]
        text = cache.context[position] = to_simplified(f"{article.title} {article.subtitle}\n{chunk.text}")
    return text


# ----------------------------------------------------------------------------------------------------------
# question terms


@dataclass(frozen=True)
class _Term:
    text: str
    weight: float  # IDF
    parts: tuple[str, ...]  # dictionary sub-words, for partial credit


def _terms(index: Index, cache: _IndexCache, question: str, info: QuestionInfo) -> list[_Term]:
    """The question's keyword terms (widest tokens; sub-words kept for partial matches), IDF-weighted."""
    tokens = index.keyword.tokenizer.tokenize_with_offsets(question)
    if info.wh_start >= 0:
        tokens = [t for t in tokens if t[2] <= info.wh_start or t[1] >= info.wh_end]
    n = max(len(index.keyword), 1)
    terms: dict[str, _Term] = {}
    for token, start, end in tokens:
        if any(s <= start and end <= e and (e - s) > (end - start) for _, s, e in tokens):
            continue  # a sub-word of a wider token
        df = cache.df.get(token)
        if df is None:
            df = cache.df[token] = _document_frequency(index, token)
        parts = tuple(t for t, s, e in tokens if start <= s and e <= end and (e - s) < (end - start))
        terms.setdefault(token, _Term(token, math.log(1.0 + (n - df + 0.5) / (df + 0.5)), parts))
    return list(terms.values())


def _document_frequency(index: Index, token: str) -> int:
    counter = getattr(index.keyword, "document_frequency", None)
    if counter is not None:
        return int(counter(token))
    return int(np.count_nonzero(index.keyword.scores(token)))  # pragma: no cover - older keyword index


def _match(term: _Term, text: str) -> float:
    if term.text in text:
        return 1.0
    return max((len(p) / len(term.text) for p in term.parts if p in text), default=0.0)


def _coverage(terms: list[_Term], text: str) -> float:
    total = sum(t.weight for t in terms)
    if total <= 0:
        return 0.0
    return sum(t.weight * _match(t, text) for t in terms) / total


# ----------------------------------------------------------------------------------------------------------
# sentences and spans


@dataclass
class _Sentence:
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


def _collect_sentences(
    index: Index,
    cache: _IndexCache,
    hits: list[Hit],
    qvec: np.ndarray,
    terms: list[_Term],
    info: QuestionInfo,
    params: AnswerParams,
) -> list[_Sentence]:
    """Every quotable sentence of the hits (and their articles' headings), scored, best first."""
    out: list[_Sentence] = []
    seen: set[tuple[str, int, int]] = set()
    weights = np.asarray(params.sentence_weights, dtype=np.float64)
    unseen = math.log(2.0 * max(len(index.keyword), 1) + 2.0)  # IDF of a word no document has
    question_bigrams = _bigrams(info.text[: max(info.wh_start, 0)] + " " + info.text[max(info.wh_end, 0) :])
    for rank, hit in enumerate(hits, start=1):
        position = cache.position.get(hit.chunk.id)
        if position is None:
            continue
        views = _sentence_views(index, cache, position)
        vectors = index.sentence_vectors(position) if index.sentence_embeddings is not None else None
        passage = _context_text(index, cache, position)
        context = _coverage(terms, passage)
        missing = max((t.weight * (1.0 - _match(t, passage)) for t in terms), default=0.0) / unseen
        article = index.articles[hit.chunk.article_id]
        title = to_simplified(f"{article.title} {article.subtitle}")
        focus_terms = [t for t in terms if t.text not in title] or terms
        focus_bigrams = {b for b in question_bigrams if b not in title} or question_bigrams
        # headings have no sentence vector: the passage's (embedded with its title) stands in for theirs
        rows: list[tuple[int | None, _SentenceView | None]] = [
            (None, v) for v in _heading_views(article, cache)
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
                    _coverage(terms, text),
                    context,
                    1.0 / rank,
                    quick_fit(text, info),
                    _coverage(focus_terms, text),
                    bigram,
                    frame,
                ]
            )
            sentence = _Sentence(hit, position, sv.start, sv.end, sv.view, features, min(missing, 1.0))
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


def _find_all(text: str, needle: str) -> list[int]:
    out, at = [], text.find(needle)
    while at >= 0:
        out.append(at)
        at = text.find(needle, at + 1)
    return out


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


def _span_features(
    s: _Sentence, info: QuestionInfo, terms: list[_Term], cache: _IndexCache
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
                (i, t.weight * len(word) / len(t.text), p, p + len(word)) for p in _find_all(text, word)
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


def _choose_span(s: _Sentence, params: AnswerParams, strict: bool) -> None:
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


def confidence_features(s: _Sentence) -> np.ndarray:
    """CONFIDENCE_FEATURES of a sentence (after span selection)."""
    f = s.features
    return np.array([f[0], f[1], f[2], s.missing, s.span_score])


def _confidence(s: _Sentence, params: AnswerParams) -> float:
    weights = np.asarray(params.confidence_weights, dtype=np.float64)
    return _sigmoid(params.confidence_bias + float(confidence_features(s) @ weights))


# ----------------------------------------------------------------------------------------------------------
# assembling the Answer

_NORMALIZE = re.compile(r"[\s，,。！!？?；;：:、\"'“”‘’「」『』《》（）()\[\]【】…—～·]")


def normalize_answer(text: str) -> str:
    """Answer text for comparison: Simplified, lower case, no punctuation or spaces."""
    return _NORMALIZE.sub("", to_simplified(text)).lower()


def query_text(question: str) -> str:
    """What the embedding model sees for a (resolved) question: its Simplified, validated text."""
    return to_simplified(prepare_question(question)[0])


def _paragraph_number(article: Article, offset: int, fallback: int) -> int:
    """1-based paragraph holding ``offset``; 0 for the title and subtitle lines before the first paragraph."""
    for p in article.paragraphs:
        if p.start <= offset < p.end:
            return p.index + 1
    if article.paragraphs and offset < article.paragraphs[0].start:
        return 0
    return fallback


def _citation(index: Index, s: _Sentence, number: int, answer: str) -> Citation:
    """A citation of sentence ``s``; ``answer`` (normalized) is located inside it when present."""
    article = index.articles[s.hit.chunk.article_id]
    a_start = a_end = None
    if answer:
        if s.candidate is not None and normalize_answer(s.candidate.text) == answer:
            vs, ve = s.candidate.start, s.candidate.end
        else:
            vs, ve = _locate(s.text, answer)
        if ve > vs:
            os_, oe = s.view.original_span(vs, ve)
            a_start, a_end = s.start + os_, s.start + oe
    return Citation(
        number=number,
        article_id=article.id,
        title=article.title,
        outlet=article.outlet,
        paragraph=_paragraph_number(article, s.start, s.hit.chunk.paragraph),
        start=s.start,
        end=s.end,
        quote=article.text[s.start : s.end],
        answer_start=a_start,
        answer_end=a_end,
        score=round(s.final, 4),
    )


def _locate(text: str, answer: str) -> tuple[int, int]:
    """Span of ``text`` (Simplified) whose normalized form is ``answer`` (0, 0 when absent)."""
    kept = [(i, ch) for i, ch in enumerate(text) if not _NORMALIZE.fullmatch(ch)]
    flat = "".join(ch for _, ch in kept).lower()
    at = flat.find(answer)
    if at < 0 or not answer:
        return 0, 0
    return kept[at][0], kept[at + len(answer) - 1][0] + 1


def _writer(script: str):  # type: ignore[no-untyped-def]
    return to_traditional if script == "traditional" else to_simplified


def _short_answer(s: _Sentence, info: QuestionInfo) -> str:
    """The candidate's original characters, when a short answer can be pinned down."""
    c = s.candidate
    if c is None:
        return ""
    if not info.wants_span and c.source not in ("slot", "reason"):  # why/how: only a framed clause
        return ""
    a, b = s.view.original_span(c.start, c.end)
    return s.view.original[a:b]


def _build(
    index: Index,
    question: str,
    resolution: Resolution,
    script: str,
    ranked: list[_Sentence],
    info: QuestionInfo,
    hits: list[Hit],
    params: AnswerParams,
    notice: str,
) -> Answer:
    write = _writer(script)
    resolved = write(resolution.question) if resolution.changed else ""
    closest = tuple(hits[: params.closest])
    if not ranked:
        return Answer(
            question, False, closest=closest, resolved_question=resolved, script=script, notice=notice
        )
    best = ranked[0]
    confidence = _confidence(best, params)
    if confidence < params.threshold:
        return Answer(
            question,
            False,
            confidence=confidence,
            closest=closest,
            resolved_question=resolved,
            script=script,
            notice=notice,
        )
    short = _short_answer(best, info)
    key = normalize_answer(short) if short else ""
    support = [best]
    if len(key) >= 2:  # the same fact in other sentences read
        support += [s for s in ranked[1:] if key in normalize_answer(s.text)]
    support = support[: params.max_citations]
    citations = [_citation(index, s, i, key) for i, s in enumerate(support, start=1)]

    alternatives: list[Answer] = []
    if key and info.wants_span:
        taken = {key}
        for s in ranked[1:]:
            if s in support or s.candidate is None or s.final < best.final - params.agree_margin:
                continue
            alt = _short_answer(s, info)
            alt_key = normalize_answer(alt) if alt else ""
            if not alt_key or alt_key in taken or any(alt_key in k or k in alt_key for k in taken):
                continue
            if s.hit.chunk.id == best.hit.chunk.id or type_fit(info, s.candidate) < 0.8:
                continue  # another passage, with an answer of the kind asked for
            if s.keyword < 0.9 * best.keyword or s.features[5] < 0.9 * best.features[5]:
                continue  # ... about the same thing: as many of the question's words
            taken.add(alt_key)
            number = len(citations) + sum(len(a.citations) for a in alternatives) + 1
            alternatives.append(
                Answer(
                    question,
                    True,
                    answer=write(alt),
                    sentence=write(index.articles[s.hit.chunk.article_id].text[s.start : s.end]),
                    confidence=_confidence(s, params),
                    citations=(_citation(index, s, number, alt_key),),
                    script=script,
                )
            )
            if len(alternatives) == 2:
                break
    return Answer(
        question=question,
        found=True,
        answer=write(short),
        sentence=write(citations[0].quote),
        confidence=confidence,
        citations=tuple(citations),
        alternatives=tuple(alternatives),
        resolved_question=resolved,
        script=script,
        notice=notice,
    )


@dataclass
class Reading:
    """Everything the answer stage worked out for one question (for :func:`answer_from` and benchmarks)."""

    question: str  # as asked (validated)
    script: str  # the asker's: "traditional" or "simplified"
    resolution: Resolution
    notice: str
    info: QuestionInfo | None = None
    hits: list[Hit] = field(default_factory=list)
    sentences: list[_Sentence] = field(default_factory=list)  # all candidate sentences, by sentence score
    read: list[_Sentence] = field(default_factory=list)  # the ones read closely (spans found), by final score


def read_question(
    index: Index,
    question: str,
    *,
    history: Any = None,
    k: int = 5,
    hits: list[Hit] | None = None,
    query_vector: np.ndarray | None = None,
    params: AnswerParams | None = None,
    read: int | None = None,
) -> Reading:
    """Steps 1-4 of the module doc for ``question``; ``read`` sentences get candidate spans (default
    ``params.sentences``)."""
    params = params or DEFAULT_PARAMS
    text, truncated = prepare_question(question)
    script = "traditional" if detect_script(text) == "traditional" else "simplified"
    resolution = resolve_followup(text, history)
    asked = resolution.question  # Simplified
    notes = []
    if truncated:
        notes.append("问题太长，只读了前500个字" if script == "simplified" else "問題太長，只讀了前500個字")
    if resolution.changed:
        notes.append(_writer(script)(resolution.explain()))
    reading = Reading(text, script, resolution, "；".join(notes))
    if len(index.chunks) == 0:
        return reading
    if query_vector is None:
        with stage("embed"):
            query_vector = index.embedder.encode_query([query_text(asked)])[0]
    qvec = np.asarray(query_vector, dtype=np.float32).reshape(-1)
    with stage("analyse"):
        cache = _cache(index)
        info = reading.info = analyse_question(query_text(asked))
        terms = _terms(index, cache, info.text, info)
    reading.hits = list(retrieve_from(index, asked, k, query_vector=qvec) if hits is None else hits)
    with stage("extract"):
        reading.sentences = _collect_sentences(index, cache, reading.hits, qvec, terms, info, params)
        reading.read = reading.sentences[: params.sentences if read is None else read]
        for s in reading.read:
            s.spans = _span_features(s, info, terms, cache)
            _choose_span(s, params, info.kind in STRICT_KINDS)
        reading.read.sort(key=lambda s: -s.final)
    return reading


def answer_from(
    index: Index,
    question: str,
    *,
    history: Any = None,
    k: int = 5,
    hits: list[Hit] | None = None,
    query_vector: np.ndarray | None = None,
    params: AnswerParams | None = None,
) -> Answer:
    """Answer ``question`` from ``index``: a short answer and its sentence, with citations (see module doc).

    ``history``: earlier turns (question strings, ``(question, answer)`` pairs or Answers) for follow-ups.
    ``hits``: passages already retrieved for this question (evaluators); ``query_vector``: its embedding
    (``index.embedder.encode_query([query_text(resolved question)])[0]``); both are computed when missing."""
    params = params or DEFAULT_PARAMS
    r = read_question(
        index, question, history=history, k=k, hits=hits, query_vector=query_vector, params=params
    )
    if r.info is None:
        return Answer(r.question, False, script=r.script, notice=r.notice)
    with stage("extract"):
        return _build(index, r.question, r.resolution, r.script, r.read, r.info, r.hits, params, r.notice)


# ----------------------------------------------------------------------------------------------------------
# text output

_LABELS = {
    "simplified": {
        "answer": "答案",
        "basis": "依据",
        "sources": "来源",
        "confidence": "置信度",
        "para": "第{}段",
        "none": "没有找到能回答这个问题的内容。",
        "closest": "最接近的段落",
        "alt": "另一说法",
        "resolved": "理解为",
        "heading": "标题",
    },
    "traditional": {
        "answer": "答案",
        "basis": "依據",
        "sources": "來源",
        "confidence": "置信度",
        "para": "第{}段",
        "none": "沒有找到能回答這個問題的內容。",
        "closest": "最接近的段落",
        "alt": "另一說法",
        "resolved": "理解為",
        "heading": "標題",
    },
}


def _source_line(c: Citation, label: dict[str, str]) -> str:
    where = label["para"].format(c.paragraph) if c.paragraph > 0 else label["heading"]
    parts = [c.title or c.article_id, c.outlet, where]
    return f"[{c.number}] " + " · ".join(p for p in parts if p)


def format_answer(answer: Answer) -> str:
    """The answer as text for a terminal: answer, quoted basis with citation numbers, sources."""
    label = _LABELS["traditional" if answer.script == "traditional" else "simplified"]
    lines: list[str] = []
    if answer.resolved_question:
        lines.append(f"（{label['resolved']}：{answer.resolved_question}）")
    if answer.notice:
        lines.append(f"（{answer.notice}）")
    if not answer.found:
        lines.append(label["none"])
        if answer.closest:
            lines.append(f"{label['closest']}：")
            for h in answer.closest:
                text = h.text.strip().replace("\n", " ")
                lines.append(f"  - {h.title} · 第{h.paragraph}段：{text[:80]}{'…' if len(text) > 80 else ''}")
        return "\n".join(lines)
    marks = "".join(f"[{c.number}]" for c in answer.citations)
    if answer.answer:
        lines.append(f"{label['answer']}：{answer.answer} {marks}")
    lines.append(f"{label['basis']}：“{answer.sentence}”{'' if answer.answer else ' ' + marks}")
    for alt in answer.alternatives:
        alt_marks = "".join(f"[{c.number}]" for c in alt.citations)
        lines.append(f"{label['alt']}：{alt.answer} {alt_marks}（“{alt.sentence}”）")
    lines.append(f"{label['sources']}：")
    for c in (*answer.citations, *(c for alt in answer.alternatives for c in alt.citations)):
        lines.append("  " + _source_line(c, label))
    lines.append(f"{label['confidence']}：{answer.confidence:.2f}")
    return "\n".join(lines)
