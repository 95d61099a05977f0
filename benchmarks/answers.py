"""Answer-stage benchmark on a pooled SQuAD-format corpus (CMRC 2018, DRCD), and the tuner of its weights.

Every paragraph of the file is one article of a pooled index (``rag.eval.pooled_index``, cached under
``~/.cache/rag-news/eval/``); every question is asked against the whole pool with ``rag.extract.answer_from``
(question vectors batch-embedded once and cached; passages from ``retrieve_from`` with that vector).

Reported (fractions 0..1):
    recall@5        the gold paragraph is among the 5 passages read
    sentence_hit    the first citation is a sentence of the gold paragraph that covers a gold answer (by
                    offsets); 0 when the question is refused. ``_raw``: the same, before the
                    no-answer threshold
    em, f1          CMRC 2018 style (``rag.metrics``) on the short answer; 0 when refused. ``_raw``: before it
    refused         answerable questions refused (``found == False``)
    latency         ms of ``answer_from`` per question with the passages and question vector given
                    (sentence scoring, spans, citations), p50/p95

Usage (from the repository root; data under ../shared/data):

    nice -n 5 .venv/bin/python benchmarks/answers.py cmrc2018_dev.json [--limit 500] [--json]
    nice -n 5 .venv/bin/python benchmarks/answers.py cmrc2018_trial.json
    nice -n 5 .venv/bin/python benchmarks/answers.py cmrc2018_dev.json --tune   # fit the AnswerParams weights
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag.eval import pooled_index, question_vectors  # noqa: E402
from rag.extract import (  # noqa: E402
    DEFAULT_PARAMS,
    MIN_FIT,
    SENTENCE_FEATURES,
    STRICT_KINDS,
    AnswerParams,
    answer_from,
    confidence_features,
    read_question,
)
from rag.ingest import SquadQuestion, load_squad  # noqa: E402
from rag.ingest.scripts import to_simplified  # noqa: E402
from rag.metrics import exact_match, f1_score, percentile  # noqa: E402
from rag.search import retrieve_from  # noqa: E402

__all__ = ["DATA_DIR", "Prepared", "data_path", "load", "prepare", "sentence_covers"]

DATA_DIR = ROOT.parent / "shared" / "data"


def data_path(name: str | Path) -> Path:
    """A data file by name (looked up under ../shared/data) or path; exits with a clear message if missing."""
    path = Path(name)
    if not path.is_file():
        path = DATA_DIR / Path(name).name
    if not path.is_file():
        raise SystemExit(f"missing data file {name}: put the CMRC 2018 / DRCD json files under {DATA_DIR}")
    return path


def load(
    name: str | Path, corpus: str | Path | None = None, limit: int | None = None
) -> tuple[Any, list, np.ndarray]:
    """(pooled index of ``corpus`` (default: the same file), questions of ``name``, their vectors)."""
    from rag.embed import load_embedder

    embedder = load_embedder(None)
    own = pooled_index(data_path(name), embedder)
    index = pooled_index(data_path(corpus), embedder) if corpus else own
    questions = list(load_squad(data_path(name)).questions)
    # all of them, cached beside the questions' own pool: one embedding whatever the corpus asked
    vectors = question_vectors(own, [q.question for q in questions])
    if limit:
        step = max(1, len(questions) // limit)  # spread over the file: paragraphs come in topic blocks
        questions, vectors = questions[::step][:limit], vectors[::step][:limit]
    return index, questions, vectors


def sentence_covers(article_id: str, start: int, end: int, q: SquadQuestion) -> bool:
    """Whether ``[start, end)`` of article ``article_id`` covers a gold answer of ``q`` (by offsets)."""
    if article_id != q.paragraph_id:
        return False
    return any(
        a.answer_start >= 0 and start <= a.answer_start and a.answer_start + len(a.text) <= end
        for a in q.answers
    )


def _golds(q: SquadQuestion) -> list[str]:
    return [to_simplified(a.text) for a in q.answers if a.text]


# ------------------------------------------------------------------------------------------------- evaluation


def evaluate(
    index: Any, questions: list, vectors: np.ndarray, params: AnswerParams, k: int = 5
) -> dict[str, Any]:
    raw_params = replace(params, threshold=0.0)  # everything answered; the real threshold applied below
    rows = []
    times = []
    by_kind: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    from rag.extract.qtype import analyse_question

    for q, v in zip(questions, vectors, strict=True):
        golds = _golds(q)
        if not golds:
            continue
        hits = retrieve_from(index, q.question, k, query_vector=v)
        t = time.perf_counter()
        answer = answer_from(index, q.question, hits=hits, query_vector=v, params=raw_params)
        times.append((time.perf_counter() - t) * 1000)
        found = answer.found and answer.confidence >= params.threshold
        c = answer.citations[0] if answer.citations else None
        hit = bool(c and sentence_covers(c.article_id, c.start, c.end, q))
        predicted = to_simplified(answer.answer)
        em, f1 = exact_match(predicted, golds), f1_score(predicted, golds)
        recall = any(h.chunk.article_id == q.paragraph_id for h in hits)
        rows.append((recall, hit, em, f1, found))
        kind = analyse_question(to_simplified(q.question)).kind
        by_kind[kind].append((hit, em, f1))
    a = np.array(rows, dtype=np.float64)
    n = len(a)
    found = a[:, 4]
    return {
        "n": n,
        "recall@5": round(a[:, 0].mean(), 4),
        "sentence_hit": round((a[:, 1] * found).mean(), 4),
        "sentence_hit_raw": round(a[:, 1].mean(), 4),
        "em": round((a[:, 2] * found).mean(), 4),
        "f1": round((a[:, 3] * found).mean(), 4),
        "em_raw": round(a[:, 2].mean(), 4),
        "f1_raw": round(a[:, 3].mean(), 4),
        "refused": round(1 - found.mean(), 4),
        "latency_ms_p50": round(percentile(times, 50), 2),
        "latency_ms_p95": round(percentile(times, 95), 2),
        "by_kind": {
            kind: {
                "n": len(v),
                "sentence_hit": round(float(np.mean([x[0] for x in v])), 3),
                "em": round(float(np.mean([x[1] for x in v])), 3),
                "f1": round(float(np.mean([x[2] for x in v])), 3),
            }
            for kind, v in sorted(by_kind.items(), key=lambda kv: -len(kv[1]))
        },
    }


# ------------------------------------------------------------------------------------------------- tuning


@dataclass
class Prepared:
    """Features of every question, padded: R sentences read, C candidates each."""

    sentence: np.ndarray  # (Q, R, F) SENTENCE_FEATURES
    valid: np.ndarray  # (Q, R) bool
    covers: np.ndarray  # (Q, R) the sentence covers a gold answer
    span: np.ndarray  # (Q, R, C, 6) SPAN_FEATURES
    span_valid: np.ndarray  # (Q, R, C)
    em: np.ndarray  # (Q, R, C)
    f1: np.ndarray  # (Q, R, C)
    confidence: np.ndarray  # (Q, R, 4) CONFIDENCE_FEATURES without the span score
    strict: np.ndarray  # (Q,) the question wants a number/date/person/place (rag.extract.STRICT_KINDS)


def prepare(index: Any, questions: list, vectors: np.ndarray, read: int = 8, k: int = 5) -> Prepared:
    """Read every question once (``read`` sentences get candidate spans) and keep the features."""
    per_q, strict = [], []
    for q, v in zip(questions, vectors, strict=True):
        golds = _golds(q)
        hits = retrieve_from(index, q.question, k, query_vector=v)
        r = read_question(index, q.question, hits=hits, query_vector=v, read=read)
        sentences = []
        for s in r.sentences[:read]:  # the same sentences as r.read, in sentence-score order
            spans = []
            for c, f in s.spans:
                a, b = s.view.original_span(c.start, c.end)
                text = to_simplified(s.view.original[a:b])
                spans.append((f, exact_match(text, golds), f1_score(text, golds)))
            covers = sentence_covers(s.hit.chunk.article_id, s.start, s.end, q)
            sentences.append((s.features, covers, spans, confidence_features(s)[:4]))
        per_q.append(sentences)
        strict.append(r.info is not None and r.info.kind in STRICT_KINDS)
    n_q = len(per_q)
    n_c = max((len(sp) for sents in per_q for _, _, sp, _ in sents), default=1) or 1
    p = Prepared(
        np.full((n_q, read, len(SENTENCE_FEATURES)), 0.0),
        np.zeros((n_q, read), bool),
        np.zeros((n_q, read), bool),
        np.zeros((n_q, read, n_c, 6)),
        np.zeros((n_q, read, n_c), bool),
        np.zeros((n_q, read, n_c)),
        np.zeros((n_q, read, n_c)),
        np.zeros((n_q, read, 4)),
        np.array(strict, dtype=bool),
    )
    for i, sents in enumerate(per_q):
        for j, (features, covers, spans, conf) in enumerate(sents):
            p.sentence[i, j] = features
            p.valid[i, j] = True
            p.covers[i, j] = covers
            p.confidence[i, j] = conf
            for c, (f, em, f1) in enumerate(spans):
                p.span[i, j, c] = f
                p.span_valid[i, j, c] = True
                p.em[i, j, c] = em
                p.f1[i, j, c] = f1
    return p


def choose(p: Prepared, params: AnswerParams) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(chosen sentence, chosen candidate, best span score of every sentence) per question, as answer_from
    would pick them from the prepared sentences."""
    n_q = p.valid.shape[0]
    s_score = np.where(p.valid, p.sentence @ np.asarray(params.sentence_weights), -np.inf)
    allowed = p.span_valid & ~(p.strict[:, None, None] & (p.span[..., 0] < MIN_FIT))
    c_score = np.where(allowed, p.span @ np.asarray(params.span_weights), -np.inf)
    best_c = c_score.argmax(axis=2)
    best_span = np.take_along_axis(c_score, best_c[..., None], axis=2)[..., 0]
    best_span = np.where(np.isfinite(best_span), best_span, 0.0)
    order = np.argsort(-s_score, axis=1, kind="stable")
    read = np.zeros_like(p.valid)
    np.put_along_axis(read, order[:, : params.sentences], True, axis=1)
    final = np.where(read & p.valid, s_score + params.w_span * best_span, -np.inf)
    chosen = final.argmax(axis=1)
    return chosen, best_c[np.arange(n_q), chosen], best_span


def objective(p: Prepared, params: AnswerParams) -> dict[str, float]:
    chosen, cand, _ = choose(p, params)
    q = np.arange(len(chosen))
    any_valid = p.valid.any(axis=1)
    hit = p.covers[q, chosen] & any_valid
    has_span = p.span_valid[q, chosen, cand] & ~(p.strict & (p.span[q, chosen, cand, 0] < MIN_FIT))
    em = np.where(has_span, p.em[q, chosen, cand], 0.0)
    f1 = np.where(has_span, p.f1[q, chosen, cand], 0.0)
    return {"sentence_hit": float(hit.mean()), "em": float(em.mean()), "f1": float(f1.mean())}


def _score(m: dict[str, float]) -> float:
    return m["f1"] + 0.5 * m["em"] + 0.5 * m["sentence_hit"]


def tune(p: Prepared, start: AnswerParams, rounds: int = 8) -> AnswerParams:
    """Coordinate ascent over the sentence and span weights, w_span and the number of sentences read."""
    best = start
    best_value = _score(objective(p, best))
    print(f"start {objective(p, best)}", file=sys.stderr)
    factors = (0.0, 0.5, 0.75, 0.9, 0.95, 1.05, 1.1, 1.33, 2.0)
    for r in range(rounds):
        improved = False
        for field_name in ("sentence_weights", "span_weights"):
            weights = list(getattr(best, field_name))
            for i in range(len(weights)):
                values = [weights[i] * f for f in factors] + (
                    [0.1, 0.25, 0.5, 1.0, -0.25] if weights[i] == 0 else []
                )
                for value_i in values:
                    w = list(weights)
                    w[i] = round(value_i, 4)
                    cand = replace(best, **{field_name: tuple(w)})
                    value = _score(objective(p, cand))
                    if value > best_value + 1e-6:
                        best, best_value, weights, improved = cand, value, w, True
        for f in factors:
            cand = replace(best, w_span=round(best.w_span * f if best.w_span else 0.25, 4))
            value = _score(objective(p, cand))
            if value > best_value + 1e-6:
                best, best_value, improved = cand, value, True
        for m in (1, 2, 3, 4, 5, 6, 8):
            if m > p.valid.shape[1]:
                continue
            cand = replace(best, sentences=m)
            value = _score(objective(p, cand))
            if value > best_value + 1e-6:
                best, best_value, improved = cand, value, True
        print(f"round {r + 1}: {objective(p, best)}", file=sys.stderr)
        if not improved:
            break
    return best


def fit_sentence_weights(p: Prepared, l2: float = 1e-3) -> tuple[float, ...]:
    """Sentence weights from a listwise softmax ranker: per question, a softmax over its sentences, fitted to
    put the probability on the sentences that cover a gold answer (convex; L-BFGS)."""
    from scipy.optimize import minimize

    usable = (p.covers & p.valid).any(axis=1)
    x, valid, covers = p.sentence[usable], p.valid[usable], p.covers[usable] & p.valid[usable]
    scale = x[valid].std(axis=0) + 1e-9

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = np.where(valid, (x / scale) @ w, -np.inf)
        z -= z.max(axis=1, keepdims=True)
        e = np.where(valid, np.exp(z), 0.0)
        prob = e / e.sum(axis=1, keepdims=True)
        good = np.where(covers, prob, 0.0).sum(axis=1)
        value = -np.log(good + 1e-12).mean() + l2 * float(w @ w)
        target = np.where(covers, prob, 0.0) / (good[:, None] + 1e-12)  # d(-log good)/dz = prob - target
        grad_z = prob - target
        grad = (
            np.einsum("qr,qrf->f", grad_z, np.where(valid[..., None], x / scale, 0.0)) / len(x) + 2 * l2 * w
        )
        return value, grad

    result = minimize(loss, np.zeros(x.shape[2]), jac=True, method="L-BFGS-B")
    weights = result.x / scale
    return tuple(round(float(w), 4) for w in weights)


def _params_code(params: AnswerParams) -> str:
    d = asdict(params)
    return ", ".join(f"{k}={d[k]}" for k in ("sentences", "sentence_weights", "span_weights", "w_span"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("data", nargs="?", default="cmrc2018_dev.json")
    parser.add_argument("--limit", type=int, help="questions (spread over the file)")
    parser.add_argument("--tune", action="store_true", help="fit sentence/span weights on this file")
    parser.add_argument(
        "--prepared", help="with --tune: .npz file caching the features (reused when present)"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    index, questions, vectors = load(args.data, limit=args.limit)
    if args.tune:
        t = time.time()
        if args.prepared and Path(args.prepared).is_file():
            with np.load(args.prepared, allow_pickle=False) as z:
                p = Prepared(**{k: z[k] for k in Prepared.__dataclass_fields__})
        else:
            p = prepare(index, questions, vectors)
            if args.prepared:
                np.savez_compressed(args.prepared, **asdict(p))
        print(f"prepared {len(questions)} questions in {time.time() - t:.0f} s", file=sys.stderr)
        ranked = replace(DEFAULT_PARAMS, sentence_weights=fit_sentence_weights(p))
        print(f"softmax ranker: {ranked.sentence_weights} {objective(p, ranked)}", file=sys.stderr)
        start = max((DEFAULT_PARAMS, ranked), key=lambda params: _score(objective(p, params)))
        best = tune(p, start)
        print(_params_code(best))
        print(json.dumps(objective(p, best)))
        return 0
    report = evaluate(index, questions, vectors, DEFAULT_PARAMS)
    report["data"] = str(data_path(args.data))
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        kinds = Counter({k: v["n"] for k, v in report["by_kind"].items()})
        print(json.dumps({k: v for k, v in report.items() if k != "by_kind"}, ensure_ascii=False))
        for kind, _ in kinds.most_common():
            print(f"  {kind:8s} {report['by_kind'][kind]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
