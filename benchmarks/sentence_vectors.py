"""The two ways an index makes its vectors, in one run: retrieval and answers on pooled CMRC dev and DRCD dev.

    .venv/bin/python benchmarks/sentence_vectors.py [--answers 150] [--out benchmarks/results/sentence_vectors.json]

For CMRC 2018 dev and DRCD dev, each pooled (every paragraph an article of one index, every question asked
against all of them, as ``rag eval`` does), two indexes that differ only in how their vectors are made
(``rag.index.options.SentenceVectors``; BM25 and fusion parameters identical):

    separate   each chunk's text and each sentence's text embedded (two passes)
    mean       only the sentences and titles embedded; a chunk's vector is its sentences' mean plus its title's,
               normalised (``rag.index.mean_vector``; the default)

    retrieval  R@1, R@5, R@20, MRR@20 over every question (``rag.eval.evaluate_index``, the shipped retriever;
               chunk vectors are its dense signal and candidates, sentence vectors its best-sentence cosine)
    answers    EM, F1 (CMRC 2018 official definitions), sentence_hit over the first ``--answers`` questions,
               answered by the shipped reader (trained on CMRC 2018 trial + DRCD dev: its DRCD dev answers are
               on questions it was trained on, so they compare the methods, not the reader)
    build_s    seconds to build each pooled index (0 when it came from the cache: ``--fresh`` rebuilds);
               ``benchmarks/indexing.py`` times the methods against the model's forward pass

``delta_points`` = mean − separate, in points (percent); "mean" may replace "separate" only at ≥ −0.5
point of R@1 on every set (``keep``). The fusion weights were tuned with separate vectors on these two sets
(``benchmarks/tune_fusion.py``), which favours "separate" if anything.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from report import emit  # noqa: E402
from tune_fusion import data_file  # noqa: E402

METHODS = ("separate", "mean")
RETRIEVAL = ("recall@1", "recall@5", "recall@20", "mrr@20")
ANSWERS = ("em", "f1", "sentence_hit")


def _one(name: str, method: str, embedder: Any, answers: int, fresh: bool) -> dict[str, Any]:
    from rag.eval.evaluate import evaluate_index
    from rag.eval.pooled import pooled_index, pooled_index_dir
    from rag.ingest import load_squad

    path = data_file(name)
    directory = pooled_index_dir(path, embedder, sentence_vectors=method)  # type: ignore[arg-type]
    if fresh:
        shutil.rmtree(directory, ignore_errors=True)
    cached = (directory / "CURRENT").exists()
    started = time.perf_counter()
    index = pooled_index(path, embedder, sentence_vectors=method, progress=lambda f, m: None)  # type: ignore[arg-type]
    build_s = 0.0 if cached else time.perf_counter() - started
    assert index.manifest["sentence_vectors"] == method, index.manifest.get("sentence_vectors")
    squad = load_squad(path)
    report = evaluate_index(index, squad, answers=False, latency_sample=0)
    out: dict[str, Any] = {k: report[k] for k in ("n", "paragraphs", "chunks", *RETRIEVAL)}
    out["sentences"] = int(index.sentence_embeddings.shape[0]) if index.sentence_embeddings is not None else 0
    out["build_s"] = round(build_s, 1)
    if answers:
        started = time.perf_counter()
        read = evaluate_index(index, squad, answers=True, limit=answers, latency_sample=0)
        out["answers"] = {k: read[k] for k in ("answered", *ANSWERS)}
        out["answers"]["seconds"] = round(time.perf_counter() - started, 1)
    print(f"{name} {method}: {out}", file=sys.stderr, flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--answers", type=int, default=150, help="questions answered per dataset and method")
    parser.add_argument("--data", nargs="+", default=["cmrc_dev", "drcd_dev"])
    parser.add_argument("--fresh", action="store_true", help="rebuild the pooled indexes (to time them)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)

    from rag.embed import load_embedder

    embedder = load_embedder()
    results: dict[str, Any] = {}
    for name in args.data:
        per = {method: _one(name, method, embedder, args.answers, args.fresh) for method in METHODS}
        mean, separate = per["mean"], per["separate"]
        delta = {k: round(100 * (mean[k] - separate[k]), 2) for k in RETRIEVAL}
        if args.answers:
            delta.update({k: round(100 * (mean["answers"][k] - separate["answers"][k]), 2) for k in ANSWERS})
        results[name] = {**per, "delta_points": delta}
    worst = min(r["delta_points"]["recall@1"] for r in results.values())
    out = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores (shared), load {os.getloadavg()[0]:.2f}",
        "model": embedder.name,
        "precision": getattr(embedder, "precision", None),
        "reader": "shipped (rag/reader/weights: trained on CMRC 2018 trial + DRCD dev)",
        "results": results,
        "worst_recall@1_delta_points": worst,
        "keep": worst >= -0.5,
    }
    return emit(out, args.out)


if __name__ == "__main__":
    raise SystemExit(main())
