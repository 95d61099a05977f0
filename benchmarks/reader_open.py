"""Open-domain answers with the trained reader, and its refusals, through the answer stage as wired.

    .venv/bin/python benchmarks/reader_open.py [--data cmrc2018_dev.json] [--negatives DRCD_dev.json]
        [--reader DIR] [--limit N] [--unit sentences|chunks] [--split all|tune|report] [--out FILE]

Every paragraph of ``--data`` is one article of a pooled index (``rag.eval``); each question is asked three ways:
* **answerable**: against the whole pool, as ``rag eval`` does: EM / F1 (CMRC 2018's script, percent) with the
  reader's threshold, the same with no threshold (the F1 the threshold costs), and sentence_hit (the cited
  sentence of the gold paragraph holds a gold answer);
* **gold removed**: against the pool without its answer paragraph (what an on-topic unanswerable question
  looks like): the share refused;
* **off-corpus**: ``--negatives``' questions (another corpus) against this pool: the share refused.
One reading per question and way: the answer at any threshold comes from the same margins, so the report also
sweeps the threshold (``curve``); the same readings without the place check (:mod:`rag.extract.grounding`) are
``without_place_check``. The reader's own threshold was calibrated on held-out questions of its
training files; ``trained_on`` in the report names them, so that a number is never quoted from a reader
trained on the questions it is measured on.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from reader_gold import in_split, measured_on_training  # noqa: E402
from report import emit  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
NO_THRESHOLD = -1e9


def _best(reading: Any, index: Any, grounded: bool) -> tuple[str, float, Any]:
    """The best span of a reading (read with ``grounded=False``), and with the place check applied."""
    from rag.extract.grounding import keep_naming

    found = keep_naming(index, reading.resolution.question, reading.found) if grounded else reading.found
    if not found:
        return "", float("-inf"), None
    f = found[0]
    return f.text, f.margin, f


def _holds(index: Any, f: Any, q: Any) -> bool:
    """The sentence cited for span ``f`` is in the gold paragraph and covers a gold answer."""
    if f is None or f.article_id != q.paragraph_id:
        return False
    start, end = f.sentence
    return any(
        a.answer_start >= 0 and start <= a.answer_start and a.answer_start + len(a.text) <= end
        for a in q.answers
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    from rag.embed import load_embedder
    from rag.eval import pooled_index, question_vectors
    from rag.extract import DEFAULT_PARAMS, read_question
    from rag.ingest import load_squad
    from rag.ingest.scripts import to_simplified
    from rag.metrics import exact_match, f1_score, percentile
    from rag.reader import load_reader
    from rag.reader.data import article_group
    from rag.search import retrieve_from

    reader = load_reader(args.reader)
    reader.warm_up()
    if refusal := measured_on_training(reader, [args.data], args.allow_trained):
        raise SystemExit(refusal)
    params = replace(DEFAULT_PARAMS, unit=args.unit, threshold=NO_THRESHOLD, grounded=False)
    embedder = load_embedder(None)
    index = pooled_index(args.data, embedder)
    squad = load_squad(args.data)
    groups = {p.id: article_group(args.data, p.title, p.id) for p in squad.paragraphs}
    questions = [q for q in squad.questions if q.answers and in_split(groups[q.paragraph_id], args.split)][
        : args.limit or None
    ]
    vectors = question_vectors(index, [q.question for q in questions])
    rows: dict[bool, list[tuple]] = {True: [], False: []}  # grounded or not: one reading serves both
    times = []
    for q, v in zip(questions, vectors, strict=True):
        hits = retrieve_from(index, q.question, 5 + 3, query_vector=v)
        started = time.perf_counter()
        r = read_question(index, q.question, hits=hits[:5], query_vector=v, params=params, reader=reader)
        times.append((time.perf_counter() - started) * 1000)
        others = [h for h in hits if h.article_id != q.paragraph_id][:5]
        g = read_question(index, q.question, hits=others, query_vector=v, params=params, reader=reader)
        golds = [to_simplified(a.text) for a in q.answers]
        for grounded in (True, False):
            text, margin, f = _best(r, index, grounded)
            pred = to_simplified(text)
            removed = _best(g, index, grounded)[1]
            rows[grounded].append(
                (exact_match(pred, golds), f1_score(pred, golds), margin, _holds(index, f, q), removed)
            )
    negatives: dict[bool, list[float]] = {True: [], False: []}
    if args.negatives:
        neg = [q for q in load_squad(args.negatives).questions][: args.negatives_limit]
        for q, v in zip(neg, question_vectors(index, [q.question for q in neg]), strict=True):
            r = read_question(index, q.question, query_vector=v, params=params, reader=reader)
            for grounded in (True, False):
                negatives[grounded].append(_best(r, index, grounded)[1])
    return {
        "rows": rows,
        "negatives": negatives,
        "reader": reader,
        "index": index,
        "read_ms_p50": round(percentile(times, 50), 1) if times else None,
    }


def summarize(rows: list[tuple], negatives: list[float], threshold: float) -> dict[str, Any]:
    n = max(len(rows), 1)
    kept = [r for r in rows if r[2] >= threshold]
    out = {
        "threshold": round(threshold, 3),
        "em": round(100 * sum(r[0] for r in kept) / n, 2),
        "f1": round(100 * sum(r[1] for r in kept) / n, 2),
        "sentence_hit": round(sum(1 for r in kept if r[3]) / n, 4),
        "answered": round(len(kept) / n, 4),
        "refused_gold_removed": round(sum(1 for r in rows if r[4] < threshold) / n, 4),
    }
    if negatives:
        out["refused_off_corpus"] = round(sum(1 for m in negatives if m < threshold) / len(negatives), 4)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA / "cmrc2018_dev.json")
    parser.add_argument("--negatives", type=Path, default=DATA / "DRCD_dev.json")
    parser.add_argument("--negatives-limit", type=int, default=500)
    parser.add_argument("--reader", default=None)
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--unit", choices=["sentences", "chunks"], default="sentences")
    parser.add_argument(
        "--split",
        choices=["all", "tune", "report"],
        default="all",
        help="questions of a fifth of the articles, or of the rest (as reader_gold.py --split)",
    )
    parser.add_argument(
        "--allow-trained", action="store_true", help="measure on a file the reader trained on"
    )
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    started = time.monotonic()
    result = run(args)
    reader = result["reader"]
    rows, negatives = result["rows"][True], result["negatives"][True]
    raw_rows, raw_negatives = result["rows"][False], result["negatives"][False]
    report = {
        "benchmark": "reader_open",
        "data": args.data.name,
        "negatives": args.negatives.name if args.negatives else None,
        "reader": reader.name,
        "trained_on": [
            f["name"] for f in getattr(reader, "manifest", {}).get("training", {}).get("files", [])
        ],
        "unit": args.unit,
        "split": args.split,
        "questions": len(rows),
        "negatives_n": len(negatives),
        "pool": f"{len(result['index'].articles)} paragraphs, {len(result['index'].chunks)} chunks",
        "at_reader_threshold": summarize(rows, negatives, reader.threshold),
        "no_threshold": summarize(rows, negatives, NO_THRESHOLD),
        "curve": [summarize(rows, negatives, t) for t in (-2, -1, 0, 1, 2, 3, 4, 5, 6)],
        "without_place_check": {
            "at_reader_threshold": summarize(raw_rows, raw_negatives, reader.threshold),
            "no_threshold": summarize(raw_rows, raw_negatives, NO_THRESHOLD),
        },
        "read_ms_p50": result["read_ms_p50"],
        "seconds": round(time.monotonic() - started, 1),
    }
    return emit(report, args.out)


if __name__ == "__main__":
    sys.exit(main())
