"""Extracted answers with citations: no generative model, every answer is a span of an article.

How an answer is found (all scores are explained by :class:`AnswerParams`, whose defaults were fitted on
CMRC 2018 dev with ``benchmarks/answers.py`` and ``benchmarks/calibrate_no_answer.py``):

1. **Follow-ups** are resolved first (:mod:`rag.extract.followup`): ``那宝鸡呢？`` after ``秦皇岛市委书记是谁？`` is
   asked as ``宝鸡市委书记是谁？``.
2. **Passages**: the question (Simplified) is embedded once; the same vector drives retrieval
   (:func:`rag.search.retrieve_from`) and sentence scoring.
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

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rag.extract.assemble import build_answer, writer
from rag.extract.evidence import index_cache, question_terms
from rag.extract.followup import Resolution, resolve_followup
from rag.extract.params import DEFAULT_PARAMS, AnswerParams
from rag.extract.qtype import QuestionInfo, analyse_question
from rag.extract.sentences import STRICT_KINDS, ScoredSentence, choose_span, collect_sentences, span_features
from rag.index import Index
from rag.ingest.scripts import detect_script
from rag.search.question import prepare_question, query_text
from rag.search.retrieve import Hit, retrieve_from
from rag.timing import stage
from rag.types import Answer

__all__ = ["Reading", "answer_from", "read_question"]


@dataclass
class Reading:
    """Everything the answer stage worked out for one question (for :func:`answer_from` and benchmarks)."""

    question: str  # as asked (validated)
    script: str  # the asker's: "traditional" or "simplified"
    resolution: Resolution
    notice: str
    info: QuestionInfo | None = None
    hits: list[Hit] = field(default_factory=list)
    # all candidate sentences, by sentence score
    sentences: list[ScoredSentence] = field(default_factory=list)
    # the ones read closely (spans found), by final score
    read: list[ScoredSentence] = field(default_factory=list)


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
        notes.append(writer(script)(resolution.explain()))
    reading = Reading(text, script, resolution, "；".join(notes))
    if len(index.chunks) == 0:
        return reading
    if query_vector is None:
        with stage("embed"):
            query_vector = index.embedder.encode_query([query_text(asked)])[0]
    qvec = np.asarray(query_vector, dtype=np.float32).reshape(-1)
    with stage("analyse"):
        cache = index_cache(index)
        info = reading.info = analyse_question(query_text(asked))
        terms = question_terms(index, cache, info.text, info)
    reading.hits = list(retrieve_from(index, asked, k, query_vector=qvec) if hits is None else hits)
    with stage("extract"):
        reading.sentences = collect_sentences(index, cache, reading.hits, qvec, terms, info, params)
        reading.read = reading.sentences[: params.sentences if read is None else read]
        for s in reading.read:
            s.spans = span_features(s, info, terms, cache)
            choose_span(s, params, info.kind in STRICT_KINDS)
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
        return build_answer(
            index, r.question, r.resolution, r.script, r.read, r.info, r.hits, params, r.notice
        )
