"""Retrieval (and answer) metrics on SQuAD-format reading-comprehension files: CMRC 2018, DRCD, SQuAD.

Every paragraph of the file becomes one article of a *pooled* index, and every question is asked against the
whole pool: a paragraph counts as retrieved at the rank of its best chunk. The pooled index is cached under
``rag.settings.cache_dir()/eval/<key>/`` (:mod:`rag.eval.pooled`) where the key hashes the file's bytes, the embedder's fingerprint, the
chunking parameters and the index format, so a rerun embeds nothing.

Report keys (``evaluate_file``):
    n                   questions asked
    recall@1/5/20       fraction of questions whose gold paragraph is among the first 1/5/20 paragraphs
    mrr@20              mean reciprocal rank of the gold paragraph (0 when below rank 20)
    latency_ms_p50/p95  end-to-end ``retrieve_from`` time of one question (question embedding
                        included), measured one at a time on ``latency_sample`` questions
    em, f1              CMRC 2018 style answer metrics as fractions 0..1 (F1 over characters for
                        Chinese, words for ASCII, punctuation removed, best over the gold answers);
                        only when the answers stage (rag.answer) exists
    sentence_hit        fraction whose cited sentence covers a gold answer
    no_answer_rate_negatives  fraction of the ``negatives`` file's questions, asked against this
                        corpus, that get ``found == False``
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rag.embed import load_embedder
from rag.errors import RagError
from rag.eval.pooled import pooled_index, question_vectors
from rag.extract import answer_from
from rag.index import Index
from rag.ingest.scripts import to_simplified
from rag.ingest.squad import SquadQuestion, SquadSet, load_squad
from rag.metrics import exact_match, f1_score, mrr_at_k, percentile, recall_at_k
from rag.reader import load_reader
from rag.reader.manifest import trained_on_file
from rag.search.fusion import FusionParams
from rag.search.retrieve import Ranking, rank_chunks, retrieve_from
from rag.types import Answer

__all__ = ["LATENCY_SAMPLE", "evaluate_file", "evaluate_index", "format_report", "paragraph_ranks"]

LATENCY_SAMPLE = 200


def paragraph_ranks(ranking: Ranking, index: Index, gold: str, limit: int = 20) -> int | None:
    """1-based rank of article ``gold`` among the distinct articles of ``ranking`` (None below ``limit``)."""
    seen: set[str] = set()
    for position in ranking.positions:
        article_id = index.chunks[int(position)].article_id
        if article_id == gold:
            return len(seen) + 1
        seen.add(article_id)
        if len(seen) >= limit:
            return None
    return None


AnswerFn = Callable[..., Any]  # answer_from(index, question, *, k, hits, query_vector) -> Answer


def _answer_stage() -> AnswerFn | None:
    """The answer stage the metrics call (:func:`rag.extract.answer_from`); a seam for tests, which may
    return None to evaluate without one."""
    return answer_from


def _answer_metrics(
    index: Index, squad: SquadSet, vectors: np.ndarray, answer_fn: AnswerFn, params: FusionParams, k: int = 5
) -> dict[str, Any]:

    em, f1, hit = [], [], []
    for q, vector in zip(squad.questions, vectors, strict=True):
        golds = [to_simplified(a.text) for a in q.answers]
        if not golds:
            continue
        hits = retrieve_from(index, q.question, k, params=params, query_vector=vector)
        result = answer_fn(index, q.question, k=k, hits=hits, query_vector=vector)
        predicted = to_simplified(result.answer) if result.found else ""
        em.append(exact_match(predicted, golds))
        f1.append(f1_score(predicted, golds))
        hit.append(float(result.found and _sentence_holds_answer(result, q)))
    n = len(em)
    return {
        "answered": n,
        "em": round(sum(em) / n, 4) if n else None,
        "f1": round(sum(f1) / n, 4) if n else None,
        "sentence_hit": round(sum(hit) / n, 4) if n else None,
    }


def _sentence_holds_answer(result: Answer, q: SquadQuestion) -> bool:
    """Whether a cited span of the gold paragraph covers a gold answer (by offsets; by text when none)."""

    for c in result.citations:
        if c.article_id != q.paragraph_id:
            continue
        for a in q.answers:
            if a.answer_start >= 0 and c.start <= a.answer_start and a.answer_start + len(a.text) <= c.end:
                return True
            if a.answer_start < 0 and a.text in c.quote:
                return True
    sentence = to_simplified(result.sentence or "")
    return not result.citations and any(to_simplified(a.text) in sentence for a in q.answers if a.text)


def _no_answer_rate(
    index: Index, negatives: Path, answer_fn: AnswerFn, params: FusionParams, limit: int | None
) -> dict[str, Any]:

    neg = load_squad(negatives)
    questions = list(neg.questions[:limit] if limit else neg.questions)
    vectors = question_vectors(index, [q.question for q in questions]) if questions else np.zeros((0, 1))
    refused = 0
    for q, vector in zip(questions, vectors, strict=True):
        hits = retrieve_from(index, q.question, 5, params=params, query_vector=vector)
        refused += not answer_fn(index, q.question, k=5, hits=hits, query_vector=vector).found
    return {
        "negatives": str(negatives),
        "negatives_n": len(questions),
        "no_answer_rate_negatives": round(refused / len(questions), 4) if questions else None,
    }


def _latency(index: Index, questions: Sequence[str], params: FusionParams) -> list[float]:
    """Milliseconds of end-to-end ``retrieve_from`` (question embedding included), one question at a time."""

    retrieve_from(index, questions[0], 5, params=params)  # load the model and warm caches, not timed
    times = []
    for q in questions:
        t = time.perf_counter()
        retrieve_from(index, q, 5, params=params)
        times.append((time.perf_counter() - t) * 1000)
    return times


def evaluate_index(
    index: Index,
    squad: SquadSet,
    *,
    params: FusionParams | None = None,
    answers: bool = True,
    negatives: Path | str | None = None,
    latency_sample: int = LATENCY_SAMPLE,
    limit: int | None = None,
    reader: str | None = None,
) -> dict[str, Any]:
    """Metrics of ``squad``'s questions asked against ``index`` (see the module doc for the keys); answers
    by ``reader`` (a reader directory or HF QA model; default ``$RAG_READER``, else the shipped reader)."""

    params = params or FusionParams()
    questions = list(squad.questions[:limit] if limit else squad.questions)
    if not questions:
        raise RagError(f"{squad.path} has no questions to ask")
    missing = {q.paragraph_id for q in questions} - index.articles.keys()
    if missing:
        raise RagError(f"the index lacks the gold paragraphs {sorted(missing)[:3]} of {squad.path}")
    vectors = question_vectors(index, [q.question for q in questions])
    ranks = [
        paragraph_ranks(rank_chunks(index, q.question, params=params, query_vector=v), index, q.paragraph_id)
        for q, v in zip(questions, vectors, strict=True)
    ]
    step = max(1, len(questions) // max(1, latency_sample))
    sample = [q.question for q in questions[::step][:latency_sample]]
    times = _latency(index, sample, params) if sample and latency_sample > 0 else []
    report: dict[str, Any] = {
        "file": squad.path,
        "model": index.manifest["model"]["name"],
        "paragraphs": len(index.articles),
        "chunks": len(index.chunks),
        "n": len(questions),
        "recall@1": round(recall_at_k(ranks, 1), 4),
        "recall@5": round(recall_at_k(ranks, 5), 4),
        "recall@20": round(recall_at_k(ranks, 20), 4),
        "mrr@20": round(mrr_at_k(ranks, 20), 4),
        "latency_ms_p50": round(percentile(times, 50), 1) if times else None,
        "latency_ms_p95": round(percentile(times, 95), 1) if times else None,
        "latency_sample": (
            f"{len(times)} questions, one at a time, end to end (question embedding + search + fusion); "
            "the recall metrics use batch-embedded question vectors"
        ),
        "fusion": {k: getattr(params, k) for k in params.__dataclass_fields__},
    }
    answer_fn = _answer_stage() if answers else None
    if answer_fn is not None and reader is not None:
        answer_fn = functools.partial(answer_fn, reader=load_reader(reader))
    if answers and answer_fn is None:
        report["answers"] = "skipped: rag.answer is not available"
    elif answer_fn is not None:
        sub = SquadSet(squad.path, squad.paragraphs, tuple(questions))
        report.update(_answer_metrics(index, sub, vectors, answer_fn, params))
        chosen = load_reader(reader)  # the one that answered: readers are shared per name
        report["reader"] = str(getattr(chosen, "name", chosen))
        files = getattr(chosen, "training_files", [])  # none recorded by a hub model or a test's fake
        report["reader_trained_on_file"] = Path(squad.path).is_file() and trained_on_file(
            files, Path(squad.path)
        )
        if negatives is not None:
            report.update(_no_answer_rate(index, Path(negatives), answer_fn, params, limit))
    return report


def evaluate_file(
    path: Path | str,
    *,
    negatives: Path | str | None = None,
    model: str | None = None,
    limit: int | None = None,
    answers: bool = True,
    params: FusionParams | None = None,
    latency_sample: int = LATENCY_SAMPLE,
    reader: str | None = None,
) -> dict[str, Any]:
    """Ask every question of the SQuAD-format file ``path`` against the pooled index of all its paragraphs."""

    if limit is not None and limit < 1:
        raise RagError(f"--limit must be at least 1, got {limit}", code="bad_limit")
    squad = load_squad(path)  # fails fast on a bad file, before any model loads
    embedder = load_embedder(model)
    index = pooled_index(path, embedder)
    return evaluate_index(
        index,
        squad,
        params=params,
        answers=answers,
        negatives=negatives,
        latency_sample=latency_sample,
        limit=limit,
        reader=reader,
    )


def format_report(report: dict[str, Any]) -> str:
    """A readable table of an ``evaluate_file`` report."""

    def fmt(value: Any) -> str:
        if value is None:
            return "-"
        return f"{value:.4f}" if isinstance(value, float) else str(value)

    def ms(value: Any) -> str:
        return "-" if value is None else f"{value:.1f}"

    lines = [
        f"file        {report.get('file', '')}",
        f"model       {report.get('model', '')}",
        f"corpus      {report.get('paragraphs', 0)} paragraphs, {report.get('chunks', 0)} chunks (pooled)",
        f"questions   {report.get('n', 0)}",
        "",
        "retrieval   R@1     R@5     R@20    MRR@20",
        "            "
        + "  ".join(fmt(report.get(k)) for k in ("recall@1", "recall@5", "recall@20", "mrr@20")),
        "",
        f"latency     p50 {ms(report.get('latency_ms_p50'))} ms, p95 {ms(report.get('latency_ms_p95'))} ms "
        f"({report.get('latency_sample', '')})",
    ]
    if "em" in report:
        lines += [
            "",
            "answers     EM      F1      sentence_hit   (fractions 0..1, CMRC 2018 style)",
            "            "
            + "  ".join(fmt(report.get(k)) for k in ("em", "f1"))
            + f"  {fmt(report.get('sentence_hit'))}",
        ]
    if report.get("reader_trained_on_file"):
        lines.append(
            f"            (reader {report.get('reader')} was trained on this file: these answers are no test)"
        )
    if "no_answer_rate_negatives" in report:
        lines.append(
            f"negatives   {fmt(report['no_answer_rate_negatives'])} of {report.get('negatives_n')} questions "
            f"from "
            f"{report.get('negatives')} refused (found == False)"
        )
    if isinstance(report.get("answers"), str):
        lines += ["", f"answers     {report['answers']}"]
    if report.get("fusion"):
        lines += ["", "fusion      " + ", ".join(f"{k}={v}" for k, v in report["fusion"].items())]
    return "\n".join(lines)
