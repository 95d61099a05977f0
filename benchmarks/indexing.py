"""Indexing time against the model's forward pass over the same paragraphs, in the same run; peak memory.

    .venv/bin/python benchmarks/indexing.py [--paragraphs 200] [--rounds 2] [--out benchmarks/results/indexing.json]

Passages: the first ``--paragraphs`` paragraphs of CMRC 2018 dev, one article each (``rag.ingest.squad``).

    raw       the model's forward pass alone over the chunk texts indexing embeds (each chunk with its title,
              prompt included), tokenized beforehand (untimed) into the same batches (``rag.embed.plan_batches``):
              what reading the paragraphs costs with nothing around it.
    mean      ``rag.index.index_articles`` into an empty folder with ``sentence_vectors="mean"`` (the
              default): chunking, tokenizing, only the sentences embedded (a chunk's vector the normalised mean
              of its sentences'), the BM25 index, reprint detection, writing and fsyncing the generation.
    separate  the same with ``sentence_vectors="separate"``: every chunk and every sentence embedded as its
              own text.

Each indexing time has a one-article run's time subtracted (``fixed_s``: what any build costs whatever its
size). Rounds alternate raw and the methods so all see the same machine; medians are reported.
``ratio_*`` = indexing seconds ÷ raw seconds (target: ≤ 1.1). Peak RSS: the process
high-water mark (VmHWM, reset before each step through /proc/self/clear_refs) during indexing, and the
resident size with the model loaded before it.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from report import emit  # noqa: E402
from tune_fusion import data_file  # noqa: E402

METHODS = ("mean", "separate")


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _reset_peak() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS (Linux ≥ 4.0)
    except OSError:
        pass


def chunk_texts(articles: list[Any]) -> list[str]:
    """What indexing reads of the paragraphs: each chunk's embed text (with its title)."""
    from rag.index import embed_text
    from rag.ingest.chunk import ChunkParams, chunk_article

    return [embed_text(a, c) for a in articles for c in chunk_article(a, ChunkParams())]


def raw_forward(embedder: Any, texts: list[str]) -> float:
    """Seconds of the model's forward over ``texts`` alone: tokenized beforehand (untimed) into the batches
    the embedder itself plans (``rag.embed.plan_batches``: by token count, ``token_budget`` padded tokens)."""
    import torch

    from rag.embed import plan_batches

    model = embedder._get_model()
    lengths = embedder.token_counts(texts, "document")
    plan = plan_batches(lengths, embedder.token_budget, embedder.batch_size)
    prompt = model.prompts.get("document") or None
    batches = [model.preprocess([texts[i] for i in batch], prompt=prompt) for batch in plan]
    started = time.perf_counter()
    with torch.inference_mode():
        for features in batches:
            model(features)["sentence_embedding"].float()
    return time.perf_counter() - started


def index_once(articles: list[Any], embedder: Any, method: str) -> tuple[float, int, int]:
    """Seconds to index ``articles`` into a fresh folder, peak RSS during it (kB), chunks made."""
    from rag.index import BuildOptions, index_articles

    with tempfile.TemporaryDirectory(prefix="rag-indexing-") as tmp:
        _reset_peak()
        started = time.perf_counter()
        options = BuildOptions(embedder=embedder, sentence_vectors=method, progress=lambda f, m: None)  # type: ignore[arg-type]
        report = index_articles(articles, Path(tmp) / "index", options)
        seconds = time.perf_counter() - started
        return seconds, _status_kb("VmHWM"), report.chunks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--paragraphs", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)

    from rag.embed import load_embedder
    from rag.ingest import load_squad, squad_articles

    embedder = load_embedder()
    articles = squad_articles(load_squad(data_file("cmrc_dev")))[: args.paragraphs]
    texts = chunk_texts(articles)
    for method in METHODS:
        index_once(articles[:5], embedder, method)  # model load, jieba dictionary, first-call costs
    rss_model_kb = _status_kb("VmRSS")
    raw: list[float] = []
    fixed: dict[str, list[float]] = {m: [] for m in METHODS}
    indexing: dict[str, list[float]] = {m: [] for m in METHODS}
    peaks: dict[str, list[int]] = {m: [] for m in METHODS}
    chunks = 0
    for _ in range(args.rounds):
        raw.append(raw_forward(embedder, texts))
        for method in METHODS:
            fixed[method].append(index_once(articles[:1], embedder, method)[0])
            seconds, peak, chunks = index_once(articles, embedder, method)
            indexing[method].append(seconds)
            peaks[method].append(peak)
    n = len(articles)
    raw_s = statistics.median(raw)
    out: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores (shared), load {os.getloadavg()[0]:.2f}",
        "model": embedder.name,
        "precision": getattr(embedder, "precision", None),
        "batching": f"token budget {embedder.token_budget}, at most {embedder.batch_size} texts",
        "passages": n,
        "chunks": chunks,
        "raw_forward_s": [round(x, 2) for x in raw],
        "raw_passages_per_s": round(n / raw_s, 2),
        "rss_with_model_mb": round(rss_model_kb / 1024),
    }
    for method in METHODS:
        fixed_s = statistics.median(fixed[method])
        index_s = statistics.median(indexing[method]) - fixed_s
        out[method] = {
            "indexing_s": [round(x, 2) for x in indexing[method]],
            "fixed_s": round(fixed_s, 2),
            "passages_per_s": round(n / index_s, 2),
            "ratio_to_raw": round(index_s / raw_s, 3),
            "peak_rss_mb": round(max(peaks[method]) / 1024),
        }
    out["load_after"] = round(os.getloadavg()[0], 2)
    return emit(out, args.out)


if __name__ == "__main__":
    raise SystemExit(main())
