"""Assembling the :class:`~rag.types.Answer` (step 5 and 6 of :mod:`rag.extract.pipeline`): the short
answer in the asker's script, the sentences that carry it cited together, alternatives from other passages,
refusal below the confidence threshold."""

from __future__ import annotations

import re
from collections.abc import Callable

from rag.extract.candidates import type_fit
from rag.extract.followup import Resolution
from rag.extract.params import AnswerParams
from rag.extract.qtype import QuestionInfo
from rag.extract.sentences import ScoredSentence, sentence_confidence
from rag.index import Index
from rag.ingest.scripts import to_simplified, to_traditional
from rag.search.retrieve import Hit
from rag.types import Answer, Article, Citation

__all__ = ["build_answer", "normalize_answer", "writer"]

# ----------------------------------------------------------------------------------------------------------
# assembling the Answer

_NORMALIZE = re.compile(r"[\s，,。！!？?；;：:、\"'“”‘’「」『』《》（）()\[\]【】…—～·]")


def normalize_answer(text: str) -> str:
    """Answer text for comparison: Simplified, lower case, no punctuation or spaces."""
    return _NORMALIZE.sub("", to_simplified(text)).lower()


def _paragraph_number(article: Article, offset: int, fallback: int) -> int:
    """1-based paragraph holding ``offset``; 0 for the title and subtitle lines before the first paragraph."""
    for p in article.paragraphs:
        if p.start <= offset < p.end:
            return p.index + 1
    if article.paragraphs and offset < article.paragraphs[0].start:
        return 0
    return fallback


def _citation(index: Index, s: ScoredSentence, number: int, answer: str) -> Citation:
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


def writer(script: str) -> Callable[[str], str]:
    return to_traditional if script == "traditional" else to_simplified


def _short_answer(s: ScoredSentence, info: QuestionInfo) -> str:
    """The candidate's original characters, when a short answer can be pinned down."""
    c = s.candidate
    if c is None:
        return ""
    if not info.wants_span and c.source not in ("slot", "reason"):  # why/how: only a framed clause
        return ""
    a, b = s.view.original_span(c.start, c.end)
    return s.view.original[a:b]


def build_answer(
    index: Index,
    question: str,
    resolution: Resolution,
    script: str,
    ranked: list[ScoredSentence],
    info: QuestionInfo,
    hits: list[Hit],
    params: AnswerParams,
    notice: str,
) -> Answer:
    write = writer(script)
    resolved = write(resolution.question) if resolution.changed else ""
    closest = tuple(hits[: params.closest])
    if not ranked:
        return Answer(
            question, False, closest=closest, resolved_question=resolved, script=script, notice=notice
        )
    best = ranked[0]
    confidence = sentence_confidence(best, params)
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
                    confidence=sentence_confidence(s, params),
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
