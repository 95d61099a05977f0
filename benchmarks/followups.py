"""Follow-up questions: how often the rewrite is right, and (optionally) what the seeds then answer.

    .venv/bin/python benchmarks/followups.py [--retrieval] [--answers] [--reader DIR] [--out FILE]

The cases are the conversations of ``tests/followup_cases.py`` (over ``seeds/``). Always reported:
``rewrite`` — the share of cases whose resolved question (``rag.extract.followup.resolve_followup``) is one the case
accepts, overall and per kind, with every miss, and the time one conversation takes to resolve.
``--retrieval`` (real embedder, seeds index built under ``cache_dir()/bench`` on first use): for the cases that
name a source article, the share whose first retrieved passage (top 5) is from it, for the question as the
pipeline retrieves it. ``--answers`` (also the reader:
``--reader`` / ``$RAG_READER`` / the shipped one): the share answered right end to end through
``rag.extract.answer_from`` with the history — the short answer matches one accepted answer (CMRC 2018 EM) and
the first citation is from the case's article, or, where the seeds hold no answer, the question is refused.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

from followup_cases import CASES, rewrite_ok  # noqa: E402
from report import emit  # noqa: E402


def share(flags: list[bool]) -> float:
    return round(sum(flags) / len(flags), 3) if flags else 0.0


def rewrites() -> dict[str, Any]:
    from rag.extract.followup import resolve_followup
    from rag.metrics import percentile

    resolve_followup("那宝鸡呢？", ["秦皇岛市委书记是谁？"])  # loads the tagger
    by_kind: dict[str, list[bool]] = defaultdict(list)
    misses, times = [], []
    for case in CASES:
        started = time.perf_counter()
        got = resolve_followup(case.turn, case.history).question
        times.append((time.perf_counter() - started) * 1000)
        ok = rewrite_ok(case, got)
        by_kind[case.kind].append(ok)
        if not ok:
            misses.append({"case": case.name, "turn": case.turn, "got": got, "expected": list(case.expected)})
    flags = [ok for oks in by_kind.values() for ok in oks]
    return {
        "cases": len(flags),
        "accuracy": share(flags),
        "by_kind": {kind: {"n": len(oks), "accuracy": share(oks)} for kind, oks in by_kind.items()},
        "ms_per_conversation": {
            "p50": round(percentile(times, 50), 2),
            "p95": round(percentile(times, 95), 2),
        },
        "misses": misses,
    }


def seeds_index() -> Any:
    from rag.embed import load_embedder
    from rag.index import BuildOptions, build_index, load_index
    from rag.settings import cache_dir

    embedder = load_embedder(None)
    directory = cache_dir() / "bench" / f"seeds-{embedder.fingerprint()}"
    build_index([ROOT / "seeds"], directory, BuildOptions(embedder=embedder))  # a no-op when up to date
    return load_index(directory, embedder=embedder)


def answered_right(answer: Any, accepted: tuple[str, ...], article: str) -> bool:
    """``answer`` matches one of ``accepted`` (CMRC 2018 EM, in Simplified) and first cites an article whose id
    starts with ``article``; with nothing accepted (the seeds hold no answer), it is a refusal."""
    from rag.ingest.scripts import to_simplified
    from rag.metrics import exact_match

    if not accepted:
        return not answer.found
    if not answer.found or not answer.citations:
        return False
    golds = [to_simplified(a) for a in accepted]
    return bool(exact_match(to_simplified(answer.answer), golds)) and (
        answer.citations[0].article_id.startswith(article)
    )


def retrieval(index: Any) -> dict[str, Any]:
    from rag.extract.followup import resolve_followup
    from rag.search import retrieve_from

    flags, misses = [], []
    for case in CASES:
        if not case.article:
            continue
        question = resolve_followup(case.turn, case.history).question
        hits = retrieve_from(index, question, 5)
        ok = bool(hits) and hits[0].article_id.startswith(case.article)
        flags.append(ok)
        if not ok:
            misses.append({"case": case.name, "asked": question, "top": hits[0].article_id if hits else None})
    return {"cases": len(flags), "top1_article": share(flags), "misses": misses}


def answers(index: Any, reader_name: str | None) -> dict[str, Any]:
    from rag.errors import RagError
    from rag.extract import answer_from
    from rag.reader import load_reader

    reader = load_reader(reader_name)
    try:
        reader.warm_up()
    except RagError as e:  # no reader to answer with (e.g. the shipped one not trained yet): say so
        return {"reader": reader_name or "default", "error": str(e)}
    flags: list[bool] = []
    refused_flags: list[bool] = []
    misses: list[dict[str, Any]] = []
    for case in CASES:
        if not case.answers:
            continue
        a = answer_from(index, case.turn, history=case.history, reader=reader)
        ok = answered_right(a, () if case.answers == ("",) else case.answers, case.article)
        (refused_flags if case.answers == ("",) else flags).append(ok)
        if not ok:
            source = a.citations[0].article_id if a.citations else None
            misses.append(
                {
                    "case": case.name,
                    "asked": a.resolved_question or a.question,
                    "got": a.answer,
                    "found": a.found,
                    "source": source,
                    "expected": list(case.answers),
                }
            )
    return {
        "reader": reader_name or "default",
        "cases": len(flags) + len(refused_flags),
        "right": share(flags + refused_flags),
        "answerable": {"n": len(flags), "right": share(flags)},
        "unanswerable_refused": {"n": len(refused_flags), "right": share(refused_flags)},
        "misses": misses,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--retrieval", action="store_true", help="top-1 article of the resolved question")
    parser.add_argument(
        "--answers", action="store_true", help="end-to-end answers (real embedder and reader)"
    )
    parser.add_argument(
        "--reader", default=None, help="reader directory or HF QA model (default: the shipped)"
    )
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON report here")
    args = parser.parse_args(argv)
    report: dict[str, Any] = {"benchmark": "followups", "rewrite": rewrites()}
    if args.retrieval or args.answers:
        index = seeds_index()
        report["retrieval"] = retrieval(index)
        if args.answers:
            report["answers"] = answers(index, args.reader)
    return emit(report, args.out)


if __name__ == "__main__":
    raise SystemExit(main())
