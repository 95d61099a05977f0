"""Assembling the :class:`~rag.types.Answer` (step 4 of :mod:`rag.extract.pipeline`) from the reader's spans:
the short answer in the asker's script, the sentences that say the same cited together, alternatives from
other articles, refusal below the threshold; citations carry the article's date, URL and reprints (``also``);
a question asking for the latest is answered from the newest of the close answers."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from rag.extract.followup import Resolution
from rag.extract.params import ReadParams
from rag.extract.passages import Window
from rag.index import Index
from rag.ingest.scripts import to_simplified, to_traditional
from rag.search import Hit, asks_latest
from rag.types import Answer, Article, Citation

__all__ = ["Found", "also_reported", "build_answer", "newest_first", "normalize_answer", "writer"]

_NORMALIZE = re.compile(r"[\s，,。！!？?；;：:、\"'“”‘’「」『』《》（）()\[\]【】…—～·]")


def normalize_answer(text: str) -> str:
    """Answer text for comparison: Simplified, lower case, no punctuation or spaces."""
    return _NORMALIZE.sub("", to_simplified(text)).lower()


def writer(script: str) -> Callable[[str], str]:
    return to_traditional if script == "traditional" else to_simplified


@dataclass(frozen=True)
class Found:
    """A window's best span, in article offsets, with its margin over "no answer"."""

    window: Window
    start: int
    end: int
    text: str  # the article's characters
    margin: float
    sentence: tuple[int, int]  # article span of the sentence(s) holding the span

    @property
    def hit(self) -> Hit:
        return self.window.hit

    @property
    def article_id(self) -> str:
        return self.window.hit.chunk.article_id


def _paragraph_number(article: Article, offset: int, fallback: int) -> int:
    """1-based paragraph holding ``offset``; 0 for the title and subtitle lines before the first paragraph."""
    for p in article.paragraphs:
        if p.start <= offset < p.end:
            return p.index + 1
    if article.paragraphs and offset < article.paragraphs[0].start:
        return 0
    return fallback


def also_reported(index: Index, article_id: str) -> tuple[dict[str, str], ...]:
    """The other copies of an article (its reprints), as a citation's ``also``."""
    return tuple(
        {"article_id": a.id, "outlet": a.outlet, "published": a.published, "url": a.url}
        for a in index.also(article_id)
    )


def _citation(index: Index, f: Found, number: int) -> Citation:
    article = index.articles[f.article_id]
    start, end = f.sentence
    return Citation(
        number=number,
        article_id=article.id,
        title=article.title,
        outlet=article.outlet,
        paragraph=_paragraph_number(article, start, f.hit.chunk.paragraph),
        start=start,
        end=end,
        quote=article.text[start:end],
        answer_start=f.start,
        answer_end=f.end,
        score=round(f.margin, 4),
        published=article.published,
        url=article.url,
        also=also_reported(index, article.id),
    )


def _agrees(a: str, b: str) -> bool:
    return bool(a) and bool(b) and (a == b or (min(len(a), len(b)) >= 2 and (a in b or b in a)))


def _confidence(margin: float, threshold: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(margin - threshold, 50.0), -50.0)))


def newest_first(index: Index, found: Sequence[Found], threshold: float, params: ReadParams) -> list[Found]:
    """For a "latest" question: of the spans that answer (margin at the threshold or above) within
    ``agree_margin`` of the best, the one from the newest dated article goes first; the rest keep their order."""
    if not found or found[0].margin < threshold:
        return list(found)
    close = [f for f in found if f.margin >= max(threshold, found[0].margin - params.agree_margin)]
    dated = [f for f in close if index.articles[f.article_id].published]
    if not dated:
        return list(found)
    newest = max(
        dated, key=lambda f: index.articles[f.article_id].published
    )  # first of the newest: best margin
    return [newest, *(f for f in found if f is not newest)]


def build_answer(
    index: Index,
    question: str,
    script: str,
    resolution: Resolution,
    notice: str,
    threshold: float,
    hits: Sequence[Hit],
    found: Sequence[Found],
    params: ReadParams,
) -> Answer:
    """The Answer for the reader's ``found`` spans (highest margin first); see the module doc. A question that
    asks for the latest is answered from the newest article among the close answers (:func:`newest_first`)."""
    if asks_latest(question) or asks_latest(resolution.question):
        found = newest_first(index, found, threshold, params)
    write = writer(script)
    resolved = write(resolution.question) if resolution.changed else ""
    base = Answer(question, False, resolved_question=resolved, script=script, notice=notice)
    if not found or found[0].margin < threshold:
        confidence = _confidence(found[0].margin, threshold) if found else 0.0
        return replace(base, confidence=confidence, closest=tuple(hits[: params.closest]))
    best = found[0]
    key = normalize_answer(best.text)
    support, taken = [best], [key]
    alternatives: list[Found] = []
    for f in found[1:]:
        other = normalize_answer(f.text)
        if f.margin < threshold or (f.sentence == best.sentence and f.article_id == best.article_id):
            continue
        if _agrees(key, other):
            if len(support) < params.max_citations and all(f.sentence != s.sentence for s in support):
                support.append(f)
        elif (
            f.article_id != best.article_id
            and f.margin >= best.margin - params.agree_margin
            and not any(_agrees(t, other) for t in taken)
            and len(alternatives) < params.max_alternatives
        ):
            alternatives.append(f)
            taken.append(other)
    citations = [_citation(index, f, i) for i, f in enumerate(support, start=1)]
    alt_answers: list[Answer] = []
    for f in alternatives:
        number = len(citations) + len(alt_answers) + 1
        c = _citation(index, f, number)
        alt_answers.append(
            Answer(
                question,
                True,
                answer=write(f.text),
                sentence=write(c.quote),
                confidence=_confidence(f.margin, threshold),
                citations=(c,),
                script=script,
            )
        )
    return Answer(
        question=question,
        found=True,
        answer=write(best.text),
        sentence=write(citations[0].quote),
        confidence=_confidence(best.margin, threshold),
        citations=tuple(citations),
        alternatives=tuple(alt_answers),
        resolved_question=resolved,
        script=script,
        notice=notice,
    )
