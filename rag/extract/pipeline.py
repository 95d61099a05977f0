"""Extracted answers with citations: no generative model, every answer is a span a trained reader picked.

How an answer is found (settings in :class:`~rag.extract.params.ReadParams`):

1. **Follow-ups** are resolved first (:mod:`rag.extract.followup`): ``那宝鸡呢？`` after ``秦皇岛市委书记是谁？`` is
   asked as ``宝鸡市委书记是谁？``.
2. **Passages**: the question (Simplified) is embedded once; the same vector drives retrieval
   (:func:`rag.search.retrieve_from`) and the sentence scores that choose what is read.
3. **Reading**: windows of the best sentences of the top passages, and their articles' heading lines
   (:mod:`rag.extract.passages`), go to the reader (:mod:`rag.reader`) in one batch; each window's best span
   comes back with its *margin* over the reader's "no answer" score; spans from articles that do not name
   every place the question names are dropped (:mod:`rag.extract.grounding`). A question about the article
   itself (who wrote it, which outlet) is answered from the byline of the best article that has one
   (:mod:`rag.extract.byline`).
4. **Answer**: the span of the highest margin, if that margin reaches the reader's calibrated threshold; the
   sentence holding it is the quote. Spans of other windows that say the same are cited with it; a different
   answer from another article whose margin is close is shown as an alternative, with its own source.
   Otherwise nothing is answered (``found=False``) and the closest passages are offered instead.

The answer and sentence are written in the asker's script (OpenCC); citations quote the original characters
with offsets into ``Article.text`` (``article.text[c.start:c.end] == c.quote``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from rag.extract.assemble import Found, build_answer, writer
from rag.extract.byline import asks_byline, byline_found
from rag.extract.evidence import index_cache, question_terms
from rag.extract.followup import Resolution, resolve_followup
from rag.extract.grounding import keep_naming
from rag.extract.params import DEFAULT_PARAMS, ReadParams
from rag.extract.passages import Sentence, Window, rank_sentences, reading_windows
from rag.extract.qtype import analyse_question
from rag.index import Index
from rag.ingest.scripts import detect_script
from rag.reader import Reader, load_reader
from rag.search import Hit, Selection, retrieve_from, selection_for
from rag.search.question import prepare_question, query_text
from rag.timing import stage
from rag.types import Answer

__all__ = ["BYLINE_MARGIN", "Reading", "answer_from", "read_question"]

BYLINE_MARGIN = 10.0  # a byline's answer is metadata, not a guess: this far above the reader's threshold


@dataclass
class Reading:
    """Everything the answer stage worked out for one question (for :func:`answer_from` and benchmarks)."""

    question: str  # as asked (validated)
    script: str  # the asker's: "traditional" or "simplified"
    resolution: Resolution
    notice: str
    threshold: float = 0.0
    hits: list[Hit] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)  # of the hits read, best score first
    windows: list[Window] = field(default_factory=list)  # what the reader read
    found: list[Found] = field(default_factory=list)  # each window's best span, highest margin first
    selection: Selection | None = None  # the date/outlet filter (and reprints) the search ran under


def _found(window: Window, span: Any) -> Found:
    a, b = window.view.original_span(span.start, span.end)
    start, end = window.start + a, window.start + b
    return Found(window, start, end, window.view.original[a:b], span.margin, window.sentence_at(start, end))


def read_question(
    index: Index,
    question: str,
    *,
    history: Any = None,
    k: int = 5,
    hits: list[Hit] | None = None,
    query_vector: np.ndarray | None = None,
    params: ReadParams | None = None,
    reader: Reader | None = None,
    since: str | None = None,
    until: str | None = None,
    outlets: str | list[str] | tuple[str, ...] | None = None,
) -> Reading:
    """Steps 1-3 of the module doc for ``question``, searching articles published ``since``..``until`` by
    ``outlets`` (:func:`rag.search.retrieve_from`)."""
    params = params or DEFAULT_PARAMS
    reader = reader if reader is not None else load_reader()
    text, truncated = prepare_question(question)
    script = "traditional" if detect_script(text) == "traditional" else "simplified"
    resolution = resolve_followup(text, history)
    asked = resolution.question  # Simplified
    notes = []
    if truncated:
        notes.append("问题太长，只读了前500个字" if script == "simplified" else "問題太長，只讀了前500個字")
    if resolution.changed:
        notes.append(writer(script)(resolution.explain()))
    threshold = reader.threshold if params.threshold is None else params.threshold
    selection = selection_for(index, since, until, outlets)
    if selection.empty:
        notes.append(writer(script)(_nothing_matches(selection)))
    reading = Reading(text, script, resolution, "；".join(notes), threshold, selection=selection)
    if len(index.chunks) == 0 or selection.empty:
        return reading
    simplified = query_text(asked)
    if query_vector is None:
        with stage("embed"):
            query_vector = index.embedder.encode_query([simplified])[0]
    qvec = np.asarray(query_vector, dtype=np.float32).reshape(-1)
    with stage("analyse"):
        cache = index_cache(index)
        terms = question_terms(index, cache, simplified, analyse_question(simplified))
    if hits is None:
        hits = retrieve_from(index, asked, k, query_vector=qvec, selection=selection)
    reading.hits = list(hits)
    with stage("extract"):
        reading.sentences = rank_sentences(index, cache, reading.hits, qvec, terms, params)
        reading.windows = reading_windows(index, reading.sentences, params)
    found: list[Found] = []
    if reading.windows:
        with stage("read"):
            spans = reader.read(simplified, [w.text for w in reading.windows])
        found = [_found(w, per[0]) for w, per in zip(reading.windows, spans, strict=True) if per]
    if ask := asks_byline(simplified):  # the byline of the best article (that names the places asked)
        bylines = byline_found(index, reading.hits, ask, threshold + BYLINE_MARGIN)
        found += keep_naming(index, asked, bylines)[:1] if params.grounded else bylines[:1]
    if params.grounded:
        found = keep_naming(index, asked, found)
    reading.found = sorted(found, key=lambda f: -f.margin)
    return reading


def _nothing_matches(selection: Selection) -> str:
    flt = selection.filter
    parts = []
    if flt.since or flt.until:
        parts.append(f"{flt.since or '最早'}至{flt.until or '今'}")
    if flt.outlets:
        parts.append("、".join(flt.outlets))
    return f"筛选条件（{'，'.join(parts)}）没有匹配任何文章"


def answer_from(
    index: Index,
    question: str,
    *,
    history: Any = None,
    k: int = 5,
    hits: list[Hit] | None = None,
    query_vector: np.ndarray | None = None,
    params: ReadParams | None = None,
    reader: Reader | None = None,
    since: str | None = None,
    until: str | None = None,
    outlets: str | list[str] | tuple[str, ...] | None = None,
) -> Answer:
    """Answer ``question`` from ``index``: a short answer and its sentence, with citations (see module doc).

    ``history``: earlier turns (question strings, ``(question, answer)`` pairs or Answers) for follow-ups.
    ``hits``: passages already retrieved for this question (evaluators); ``query_vector``: its embedding
    (``index.embedder.encode_query([query_text(resolved question)])[0]``); both are computed when missing.
    ``reader``: default :func:`rag.reader.load_reader` (``$RAG_READER``, else the shipped reader).
    ``since``/``until``/``outlets``: search only articles published in that range by those outlets; a filter
    that matches no article gives a "not found" answer whose ``notice`` says so (never unfiltered results)."""
    params = params or DEFAULT_PARAMS
    r = read_question(
        index,
        question,
        history=history,
        k=k,
        hits=hits,
        query_vector=query_vector,
        params=params,
        reader=reader,
        since=since,
        until=until,
        outlets=outlets,
    )
    with stage("extract"):
        answer = build_answer(
            index, r.question, r.script, r.resolution, r.notice, r.threshold, r.hits, r.found, params
        )
    if r.selection is not None and r.selection.filter.active:
        answer = replace(answer, filters={**r.selection.filter.to_dict(), "articles": r.selection.articles})
    return answer
