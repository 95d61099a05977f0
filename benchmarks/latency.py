"""End-to-end ``rag.answer`` latency, p50/p95, with the time of each stage (``rag.timing``).

    .venv/bin/python benchmarks/latency.py [--out benchmarks/results/latency.json] [--repeats 3]
        [--cmrc-questions 300] [--no-cmrc]

Seeds: ``rag.answer(question, index=DIR)`` on the seeds index (real model; built under ``cache_dir()/bench``
if missing, a no-op otherwise) for the 12 seed questions of benchmarks/retrieval.py padded with CMRC trial
questions to 50, each asked ``--repeats`` times; the model is loaded and one question answered before timing.
CMRC: the same on the CMRC 2018 dev pooled index (``rag.eval.pooled_index``, cached) for the first
``--cmrc-questions`` dev questions, asked once each. Every call embeds its question (no vector cache).
The reader is the default one (``$RAG_READER``, ``$RAG_READER_PRECISION``).
``model_forward_alone_p50_ms``: the question encoder alone in a tight loop over the same questions, measured
just before, as a gauge of the machine's speed at that moment (this shared VM's varies by 1.5x over an hour).

Stages (``rag.timing.STAGES``): embed, analyse, dense, keyword, sentence, fusion, hits, extract, read (the reader); ``other`` is
the rest of the call (question checks, script detection, follow-up resolution, index lookup).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from report import emit  # noqa: E402
from retrieval import SEED_QUESTIONS  # noqa: E402
from tune_fusion import data_file  # noqa: E402


def _ms(x: float) -> float:
    return round(x, 2)


def measure(directory: Path, questions: list[str], repeats: int) -> dict[str, Any]:
    """Answer every question ``repeats`` times through ``rag.answer``; latency and stage percentiles."""
    import rag
    from rag.metrics import percentile
    from rag.timing import STAGES, record

    index = rag.get_index(directory)
    rag.answer(questions[0], index=directory)  # model load, tokenizer dictionaries, first-call costs
    forward = []  # the model alone, question after question: how fast this machine is right now
    for q in questions:
        started = time.perf_counter()
        index.embedder.encode_query([q])
        forward.append((time.perf_counter() - started) * 1000)
    totals: list[float] = []
    stages: dict[str, list[float]] = {name: [] for name in (*STAGES, "other")}
    found = 0
    for _ in range(repeats):
        for q in questions:
            with record() as timings:
                started = time.perf_counter()
                answer = rag.answer(q, index=directory)
                total = (time.perf_counter() - started) * 1000
            totals.append(total)
            found += answer.found
            for name in STAGES:
                stages[name].append(timings.get(name, 0.0))
            stages["other"].append(total - sum(timings.values()))
    return {
        "index": f"{len(index.articles)} articles, {len(index.chunks)} chunks",
        "questions": len(questions),
        "repeats": repeats,
        "answered": round(found / len(totals), 3),
        "model_forward_alone_p50_ms": _ms(percentile(forward, 50)),
        "p50_ms": _ms(percentile(totals, 50)),
        "p95_ms": _ms(percentile(totals, 95)),
        "max_ms": _ms(max(totals)),
        "stages_p50_ms": {k: _ms(percentile(v, 50)) for k, v in stages.items()},
        "stages_mean_ms": {k: _ms(sum(v) / len(v)) for k, v in stages.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cmrc-questions", type=int, default=300)
    parser.add_argument("--no-cmrc", action="store_true")
    args = parser.parse_args(argv)

    from rag.embed import load_embedder
    from rag.eval import pooled_index
    from rag.index import BuildOptions, build_index
    from rag.ingest import load_squad
    from rag.reader import load_reader
    from rag.settings import cache_dir

    embedder = load_embedder()
    reader = load_reader()
    seeds_dir = cache_dir() / "bench" / f"seeds-{embedder.fingerprint()}"
    build_index([ROOT / "seeds"], seeds_dir, BuildOptions(embedder=embedder))
    trial = [q.question for q in load_squad(data_file("cmrc_trial")).questions]
    out: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores (shared), load {os.getloadavg()[0]:.2f}",
        "model": embedder.name,
        "reader": {"name": reader.name, "precision": getattr(reader, "precision", None)},
        "what": "rag.answer(question, index=DIR) wall time, question embedding included, one thread",
        "seeds": measure(seeds_dir, (SEED_QUESTIONS + trial)[:50], args.repeats),
    }
    if not args.no_cmrc:
        path = data_file("cmrc_dev")
        cmrc = pooled_index(path, embedder)
        questions = [q.question for q in load_squad(path).questions][: args.cmrc_questions]
        out["cmrc_dev_pooled"] = measure(cmrc.directory, questions, 1)
    out["load_after"] = round(os.getloadavg()[0], 2)
    return emit(out, args.out)


if __name__ == "__main__":
    raise SystemExit(main())
