"""Retrieval benchmark: datasets x methods -> R@1, R@5, R@20, MRR@20; plus query latency on the seeds index.

    nice -n 5 .venv/bin/python benchmarks/retrieval.py [--out benchmarks/results/retrieval.json]

Datasets (SQuAD format, read from ../shared/data): CMRC 2018 dev and DRCD dev (the tuning sets) and
cmrc2018_trial (the unseen split). Each file is a *pooled* corpus: all its paragraphs in one index, every
question asked against all of them; a paragraph counts at the rank of its best chunk.

Methods:
    bm25          jieba-BM25 alone over the chunk text with its title (the index's keyword index)
    dense         e5-small cosine alone (chunk text with its title), exact search
    rrf60         reciprocal-rank fusion (k = 60) of the top 100 of each of the two lists above
    tuned_hybrid  rag.retrieve with the default FusionParams, run through rag.eval (the shipped code path)

Latency: ``retrieve_from(index, q, k=5)`` end to end, question embedding included, one question at a
time, on the index of seeds/ (built into the cache on first use), 50 questions x 3 repeats after a warm-up.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from report import emit  # noqa: E402
from tune_fusion import DATASETS, data_file, load_features, rrf_ranks, single_ranks, summary  # noqa: E402

# Questions about the seed articles (both scripts), then off-corpus ones; padded with trial questions to 50.
SEED_QUESTIONS = [
    "秦皇岛市委书记是谁？",
    "蘭州市今年上半年的生產總值是多少？",
    "兰州市上半年GDP是多少？",
    "包头市党员干部查摆了多少问题？",
    "寶雞市委書記叫什麼名字？",
    "秦皇島1到9月固定資產投資增長多少？",
    "兰州第二水源地的输水隧洞在哪里开工？",
    "包頭市政務服務在營商環境評估中得了多少分？",
    "宝鸡市对多少名科长进行了评议？",
    "九原區提拔了多少名副科級幹部？",
    "上海市委书记是谁？",
    "昨晚的足球比赛谁赢了？",
]


def _round(x: float) -> float:
    return round(x, 1)


def seeds_latency(embedder: Any, n: int = 50, repeats: int = 3) -> dict[str, Any]:
    from rag.index import BuildOptions, build_index, load_index
    from rag.ingest import load_squad
    from rag.ingest.scripts import to_simplified
    from rag.metrics import percentile
    from rag.search import prepare_question, rank_chunks, retrieve_from
    from rag.settings import cache_dir

    directory = cache_dir() / "bench" / f"seeds-{embedder.fingerprint()}"
    build_index(
        [ROOT / "seeds"], directory, BuildOptions(embedder=embedder)
    )  # a no-op when the seeds have not changed
    index = load_index(directory, embedder=embedder)
    trial = [q.question for q in load_squad(data_file("cmrc_trial")).questions]
    questions = (SEED_QUESTIONS + trial)[:n]
    retrieve_from(index, questions[0], 5)  # model load and first-call costs, not timed
    total, embed, search = [], [], []
    for _ in range(repeats):
        for q in questions:
            t0 = time.perf_counter()
            retrieve_from(index, q, 5)
            t1 = time.perf_counter()
            vector = embedder.encode_query([to_simplified(prepare_question(q)[0])])[0]
            t2 = time.perf_counter()
            rank_chunks(index, q, query_vector=vector)
            t3 = time.perf_counter()
            total.append((t1 - t0) * 1000)
            embed.append((t2 - t1) * 1000)
            search.append((t3 - t2) * 1000)
    return {
        "index": f"seeds/ ({len(index.articles)} articles, {len(index.chunks)} chunks)",
        "questions": len(questions),
        "repeats": repeats,
        "latency_ms_p50": _round(percentile(total, 50)),
        "latency_ms_p95": _round(percentile(total, 95)),
        "embed_ms_p50": _round(percentile(embed, 50)),
        "fusion_ms_p50": _round(percentile(search, 50)),
        "what": "retrieve_from(k=5) end to end incl. question embedding; embed = encode_query alone; "
        "fusion = rank_chunks with a given vector (search + BM25 + sentence scores + fusion)",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", help="embedding model (default: the bundled e5-small)")
    parser.add_argument(
        "--out", type=Path, help="also write the JSON here (e.g. benchmarks/results/retrieval.json)"
    )
    parser.add_argument("--no-latency", action="store_true")
    parser.add_argument("--latency-only", action="store_true", help="only the seeds query latency (seconds)")
    args = parser.parse_args(argv)

    from rag.embed import load_embedder
    from rag.eval import evaluate_index, pooled_index
    from rag.ingest import load_squad
    from rag.search import FusionParams

    embedder = load_embedder(args.model)
    started = time.monotonic()
    out: dict[str, Any] = {
        "model": embedder.name,
        "fusion": FusionParams().__dict__,
        "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores (shared)",
        "datasets": {},
    }
    for name in () if args.latency_only else DATASETS:
        f = load_features(name, embedder)
        path = data_file(name)
        tuned = evaluate_index(
            pooled_index(path, embedder), load_squad(path), answers=False, latency_sample=0
        )
        out["datasets"][name] = {
            "file": path.name,
            "paragraphs": len(f.starts),
            "split": "tuning" if name != "cmrc_trial" else "unseen",
            "bm25": summary(single_ranks(f, "bm25")),
            "dense": summary(single_ranks(f, "dense")),
            "rrf60": summary(rrf_ranks(f)),
            "tuned_hybrid": {
                "R@1": tuned["recall@1"],
                "R@5": tuned["recall@5"],
                "R@20": tuned["recall@20"],
                "MRR@20": tuned["mrr@20"],
                "n": tuned["n"],
            },
        }
    if not args.no_latency:
        out["seeds_latency"] = seeds_latency(embedder)
    out["seconds"] = round(time.monotonic() - started, 1)
    return emit(out, args.out)


if __name__ == "__main__":
    raise SystemExit(main())
