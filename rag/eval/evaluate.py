"""Retrieval (and answer) metrics on SQuAD-format reading-comprehension files: CMRC 2018, DRCD, SQuAD.

Every paragraph of the file becomes one article of a *pooled* index, and every question is asked against the
whole pool: a paragraph counts as retrieved at the rank of its best chunk. The pooled index is cached under
``rag.paths.cache_dir()/eval/<key>/`` where the key hashes the file's bytes, the embedder's fingerprint, the
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

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rag.chunk import ChunkParams
from rag.errors import RagError
from rag.types import Article, Paragraph

__all__ = [
    "EVAL_FORMAT",
    "SquadAnswer",
    "SquadParagraph",
    "SquadQuestion",
    "SquadSet",
    "evaluate_file",
    "evaluate_index",
    "format_report",
    "load_squad",
    "pooled_index",
    "pooled_index_dir",
    "squad_articles",
]

# Bump when squad_articles or the pooled index layout changes: cached pooled indexes then rebuild.
EVAL_FORMAT = 1
LATENCY_SAMPLE = 200


@dataclass(frozen=True)
class SquadAnswer:
    text: str
    answer_start: (
        int  # offset into the paragraph's context; -1 when the file gives none and the text is not found
    )


@dataclass(frozen=True)
class SquadParagraph:
    id: str
    title: str
    context: str


@dataclass(frozen=True)
class SquadQuestion:
    id: str
    question: str
    answers: tuple[SquadAnswer, ...]
    paragraph_id: str


@dataclass(frozen=True)
class SquadSet:
    path: str
    paragraphs: tuple[SquadParagraph, ...]
    questions: tuple[SquadQuestion, ...]


# ------------------------------------------------------------------------------------------------ reading


def _fail(path: Path, why: str) -> RagError:
    return RagError(
        f'{path} is not a SQuAD-format file ({why}); expected {{"data": [{{"title", "paragraphs": '
        f'[{{"context", "qas": [{{"question", "answers": [{{"text", "answer_start"}}]}}]}}]}}]}} '
        "as in CMRC 2018 or DRCD"
    )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _answers(raw: Any, context: str) -> tuple[SquadAnswer, ...]:
    """Answers of one question. Accepts SQuAD dicts, CMRC-style plain strings, and missing offsets."""
    out: list[SquadAnswer] = []
    for a in raw if isinstance(raw, list) else []:
        text = a if isinstance(a, str) else _text(a.get("text")) if isinstance(a, dict) else ""
        if not text.strip():
            continue
        start = a.get("answer_start") if isinstance(a, dict) else None
        if isinstance(start, str) and start.strip().lstrip("-").isdigit():
            start = int(start)
        if (
            not isinstance(start, int)
            or isinstance(start, bool)
            or context[start : start + len(text)] != text
        ):
            start = context.find(text)  # offsets missing, or off by a few in the file: the first occurrence
        out.append(SquadAnswer(text, start))
    return tuple(out)


def load_squad(path: Path | str) -> SquadSet:
    """Read a SQuAD-like file: SQuAD 1.1/2.0, CMRC 2018 (``query_text``/``query_id`` spellings too), DRCD.

    A top-level list of articles is accepted as well as ``{"data": [...]}``. Paragraphs without an id get a
    stable one from a hash of their title and context; repeated ids get ``~2``, ``~3`` suffixes.
    """
    path = Path(path)
    try:
        raw = json.loads(path.read_bytes().decode("utf-8-sig"))
    except OSError as exc:
        raise RagError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise _fail(path, f"not UTF-8: {exc.reason} at byte {exc.start}") from exc
    except json.JSONDecodeError as exc:
        raise _fail(path, f"not JSON: {exc.msg} at line {exc.lineno}") from exc
    items = raw.get("data") if isinstance(raw, dict) else raw
    if not isinstance(items, list) or not items:
        raise _fail(path, "no non-empty 'data' list")
    paragraphs: list[SquadParagraph] = []
    questions: list[SquadQuestion] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("paragraphs"), list):
            raise _fail(path, f"data item {i} has no 'paragraphs' list")
        title = _text(item.get("title")).strip()
        for j, para in enumerate(item["paragraphs"]):
            context = para.get("context") if isinstance(para, dict) else None
            if not isinstance(context, str) or not isinstance(para.get("qas", []), list):
                raise _fail(
                    path, f"paragraph {j} of data item {i} has no 'context' text or its 'qas' is not a list"
                )
            if not context.strip():
                continue
            pid = str(para.get("id") or para.get("context_id") or "").strip()
            if not pid:
                pid = "p" + hashlib.sha256(f"{title}\0{context}".encode()).hexdigest()[:12]
            seen[pid] = seen.get(pid, 0) + 1
            if seen[pid] > 1:
                pid = f"{pid}~{seen[pid]}"
            paragraphs.append(SquadParagraph(pid, title, context))
            for k, qa in enumerate(para.get("qas", [])):
                if not isinstance(qa, dict):
                    raise _fail(path, f"question {k} of paragraph {pid} is not an object")
                question = _text(qa.get("question") or qa.get("query_text")).strip()
                if not question:
                    continue
                qid = str(qa.get("id") or qa.get("query_id") or f"{pid}-q{k}")
                questions.append(SquadQuestion(qid, question, _answers(qa.get("answers"), context), pid))
    if not paragraphs:
        raise _fail(path, "no paragraph with a context")
    return SquadSet(str(path), tuple(paragraphs), tuple(questions))


def squad_articles(squad: SquadSet) -> list[Article]:
    """One Article per paragraph: its text is the context unchanged, so gold ``answer_start`` indexes it."""
    from rag.scripts import detect_script

    articles = []
    for p in squad.paragraphs:
        digest = hashlib.sha256(f"{p.title}\0{p.context}".encode()).hexdigest()
        articles.append(
            Article(
                id=p.id,
                title=p.title,
                text=p.context,
                source=f"{Path(squad.path).name}#{p.id}",
                script=detect_script(p.context),
                paragraphs=(Paragraph(0, 0, len(p.context)),),
                content_hash=digest,
            )
        )
    return articles


# ------------------------------------------------------------------------------------------- pooled index


def pooled_index_dir(
    path: Path | str, embedder: Any, params: ChunkParams | None = None, *, title_context: bool = True
) -> Path:
    """The cache directory of ``path``'s pooled index for this embedder (see the module doc)."""
    from rag.index import FORMAT_VERSION
    from rag.keyword import TOKENIZER_VERSION
    from rag.paths import cache_dir

    params = params or ChunkParams()
    h = hashlib.sha256(Path(path).read_bytes())
    spec = {
        "embedder": embedder.fingerprint(),
        "chunking": [params.max_chars, params.min_chars, title_context],
        "index_format": FORMAT_VERSION,
        "tokenizer": TOKENIZER_VERSION,
        "eval_format": EVAL_FORMAT,
    }
    h.update(json.dumps(spec, sort_keys=True).encode())
    return cache_dir() / "eval" / h.hexdigest()[:16]


def pooled_index(
    path: Path | str,
    embedder: Any = None,
    *,
    params: ChunkParams | None = None,
    title_context: bool = True,
    progress: Callable[[float, str], None] | None = None,
) -> Any:
    """The pooled index of every paragraph of ``path`` (built on first use, then loaded from the cache)."""
    from rag.embed import load_embedder
    from rag.errors import IndexError_
    from rag.index import index_articles, load_index

    embedder = embedder if embedder is not None else load_embedder(None)
    directory = pooled_index_dir(path, embedder, params, title_context=title_context)
    try:
        return load_index(directory, embedder=embedder)
    except IndexError_:
        pass
    articles = squad_articles(load_squad(path))
    index_articles(
        articles,
        directory,
        embedder=embedder,
        params=params,
        title_context=title_context,
        rebuild=True,
        progress=progress,
        docs=[str(path)],
    )
    return load_index(directory, embedder=embedder)


def question_vectors(index: Any, questions: Sequence[str], embedder: Any = None) -> np.ndarray:
    """Query vectors of ``questions`` as ``retrieve_from`` makes them (Simplified, query prompt),
    batch-embedded once and cached beside an index that has a directory."""
    from rag.retrieve import prepare_question
    from rag.scripts import to_simplified

    embedder = embedder if embedder is not None else index.embedder
    texts = [to_simplified(prepare_question(q)[0]) for q in questions]
    h = hashlib.sha256(embedder.fingerprint().encode())
    for t in texts:
        h.update(t.encode("utf-8") + b"\0")
    cache = Path(index.directory) / f"questions-{h.hexdigest()[:16]}.npy" if index.directory else None
    if cache is not None and cache.is_file():
        try:
            vectors = np.load(cache, allow_pickle=False)
            if vectors.shape == (len(texts), embedder.dim):
                return vectors
        except (OSError, ValueError):
            pass
    vectors = embedder.encode_query(texts) if texts else np.zeros((0, embedder.dim), np.float32)
    if cache is not None:
        tmp = cache.with_suffix(f".{time.time_ns()}.tmp")
        with tmp.open("wb") as f:
            np.save(f, np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)
        tmp.replace(cache)
    return vectors


# ------------------------------------------------------------------------------------------------ evaluation


def paragraph_ranks(ranking: Any, index: Any, gold: str, limit: int = 20) -> int | None:
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


def _answer_stage() -> Callable[..., Any] | None:
    """``rag.answer.answer_from`` called with precomputed hits (and the question vector when it takes one),
    or None when the answers stage is not there."""
    try:
        from rag.answer import answer_from
    except ImportError:
        return None
    import inspect

    takes_vector = "query_vector" in inspect.signature(answer_from).parameters

    def ask(index: Any, question: str, *, k: int, hits: list[Any], query_vector: np.ndarray) -> Any:
        if takes_vector:
            return answer_from(index, question, k=k, hits=hits, query_vector=query_vector)
        return answer_from(index, question, k=k, hits=hits)

    return ask


def _answer_metrics(
    index: Any, squad: SquadSet, vectors: np.ndarray, answer_from: Callable[..., Any], params: Any, k: int = 5
) -> dict[str, Any]:
    from rag.metrics import exact_match, f1_score
    from rag.retrieve import retrieve_from
    from rag.scripts import to_simplified

    em, f1, hit = [], [], []
    for q, vector in zip(squad.questions, vectors, strict=True):
        golds = [to_simplified(a.text) for a in q.answers]
        if not golds:
            continue
        hits = retrieve_from(index, q.question, k, params=params, query_vector=vector)
        result = answer_from(index, q.question, k=k, hits=hits, query_vector=vector)
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


def _sentence_holds_answer(result: Any, q: SquadQuestion) -> bool:
    """Whether a cited span of the gold paragraph covers a gold answer (by offsets; by text when none)."""
    from rag.scripts import to_simplified

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
    index: Any, negatives: Path, answer_from: Callable[..., Any], params: Any, limit: int | None
) -> dict[str, Any]:
    from rag.retrieve import retrieve_from

    neg = load_squad(negatives)
    questions = list(neg.questions[:limit] if limit else neg.questions)
    vectors = question_vectors(index, [q.question for q in questions]) if questions else np.zeros((0, 1))
    refused = 0
    for q, vector in zip(questions, vectors, strict=True):
        hits = retrieve_from(index, q.question, 5, params=params, query_vector=vector)
        refused += not answer_from(index, q.question, k=5, hits=hits, query_vector=vector).found
    return {
        "negatives": str(negatives),
        "negatives_n": len(questions),
        "no_answer_rate_negatives": round(refused / len(questions), 4) if questions else None,
    }


def _latency(index: Any, questions: Sequence[str], params: Any) -> list[float]:
    """Milliseconds of end-to-end ``retrieve_from`` (question embedding included), one question at a time."""
    from rag.retrieve import retrieve_from

    retrieve_from(index, questions[0], 5, params=params)  # load the model and warm caches, not timed
    times = []
    for q in questions:
        t = time.perf_counter()
        retrieve_from(index, q, 5, params=params)
        times.append((time.perf_counter() - t) * 1000)
    return times


def evaluate_index(
    index: Any,
    squad: SquadSet,
    *,
    params: Any = None,
    answers: bool = True,
    negatives: Path | str | None = None,
    latency_sample: int = LATENCY_SAMPLE,
    limit: int | None = None,
) -> dict[str, Any]:
    """Metrics of ``squad``'s questions asked against ``index`` (see the module doc for the keys)."""
    from rag.metrics import mrr_at_k, percentile, recall_at_k
    from rag.retrieve import FusionParams, rank_chunks

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
    answer_from = _answer_stage() if answers else None
    if answers and answer_from is None:
        report["answers"] = "skipped: rag.answer is not available"
    elif answer_from is not None:
        sub = SquadSet(squad.path, squad.paragraphs, tuple(questions))
        report.update(_answer_metrics(index, sub, vectors, answer_from, params))
        if negatives is not None:
            report.update(_no_answer_rate(index, Path(negatives), answer_from, params, limit))
    return report


def evaluate_file(
    path: Path | str,
    *,
    negatives: Path | str | None = None,
    model: str | None = None,
    limit: int | None = None,
    answers: bool = True,
    params: Any = None,
    latency_sample: int = LATENCY_SAMPLE,
) -> dict[str, Any]:
    """Ask every question of the SQuAD-format file ``path`` against the pooled index of all its paragraphs."""
    from rag.embed import load_embedder

    if limit is not None and limit < 1:
        raise RagError(f"--limit must be at least 1, got {limit}")
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
