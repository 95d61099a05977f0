"""Milvus parity: the same questions through FAISS + rag.search.bm25 and through Milvus Lite, top-5 and R@k.

    nice -n 5 .venv/bin/python benchmarks/milvus_parity.py [--out benchmarks/results/milvus_parity.json]
        [--datasets seeds,cmrc_dev] [--limit N] [--analyzers jieba,jieba_stop]

Corpora: the seeds index (real model, cached under ``cache_dir()/bench``) with the seed questions of
``benchmarks/retrieval.py``, and the CMRC 2018 dev pooled index of ``rag.eval.pooled_index`` (cached;
built on first use) with all its questions and their cached vectors. Each index is copied to a temporary
folder and moved into a Milvus Lite database there with ``rag.index.migrate.migrate_to_milvus`` (no re-embedding).

Compared per question, FAISS side vs Milvus side:
    dense    top-5 of ``index.store`` (FAISS exact) vs ``MilvusStore.search`` (FLAT, exact)
    keyword  top-5 of ``rag.search.bm25`` (own jieba tokenizer, stopwords, numbers whole; BM25 lucene, k1=1.5,
             b=0.75) vs Milvus BM25 (jieba analyzer; same k1, b) over the same Simplified matching text
    fused    ``rag.search.rank_chunks`` vs the same fusion with both candidate lists and the BM25 scores
             taken from Milvus (``MilvusStore.keyword_scores``), as wired into rank_chunks for a Milvus store
and, where the questions have gold paragraphs (CMRC), paragraph R@1/R@5/R@20 and MRR@20 of each side.

Analyzers (``rag.index.milvus.default_analyzer``): ``jieba`` = ``{"tokenizer": "jieba"}`` (as the issue checked on
Lite); ``jieba_stop`` (the migrate default) = the same plus a ``stop`` filter with rag.search.bm25's stopwords and
punctuation (closer to rag.search.bm25's own tokenization).
Latencies are Milvus Lite's (pure Python, in-process): they say nothing about a server.
"""

from __future__ import annotations

import argparse
import copy
import inspect
import json
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def analyzers() -> dict[str, dict[str, Any]]:
    from rag.index.milvus import ANALYZERS, default_analyzer

    return {name: default_analyzer(name) for name in ANALYZERS}


def rank_chunks_engine(index: Any, store: Any, question: str, params: Any, query_vector: np.ndarray) -> Any:
    """``rag.search.rank_chunks`` with Milvus doing both candidate searches (the wiring proposed for it)."""
    from rag.ingest.scripts import to_simplified
    from rag.search import Ranking, fuse_scores, prepare_question, sentence_scores

    text, truncated = prepare_question(question)
    simplified = to_simplified(text)
    n = len(index.chunks)
    query_vector = np.asarray(query_vector, dtype=np.float32).reshape(-1)
    depth = min(n, params.depth)
    _, dense_ids = store.search(query_vector.reshape(1, -1), depth)
    keyword_all = store.keyword_scores(simplified, depth, n, include=dense_ids[0])  # the wired line
    keyword_top = np.argpartition(-keyword_all, depth - 1)[:depth] if depth < n else np.arange(n)
    candidates = np.union1d(dense_ids[0][dense_ids[0] >= 0], keyword_top[keyword_all[keyword_top] > 0])
    positions = candidates.astype(np.int64)
    dense = np.asarray(index.embeddings[positions] @ query_vector, np.float64)
    sentence = sentence_scores(index, positions, query_vector)
    keyword = keyword_all[positions].astype(np.float64)
    fused = fuse_scores(dense, sentence, keyword, params)
    order = np.lexsort((positions, -fused))
    return Ranking(
        simplified, truncated, positions[order], fused[order], dense[order], sentence[order], keyword[order]
    )


def _wired() -> bool:
    """Whether rag.search.rank_chunks already asks a Milvus store for its BM25 scores."""
    from rag.search import rank_chunks

    return "keyword_scores" in inspect.getsource(rank_chunks)


def _overlap(a: list[int], b: list[int]) -> float:
    return len(set(a) & set(b)) / max(1, len(a))


def _tie_aware_same(a: list[int], b: list[int], scores: dict[int, float], eps: float = 1e-5) -> bool:
    """Same top list up to the order of (near-)equal scores."""
    if a == b:
        return True
    if set(a) != set(b):
        return False
    return all(abs(scores.get(x, 0) - scores.get(y, 0)) <= eps for x, y in zip(a, b, strict=True) if x != y)


def compare(
    index: Any, store: Any, questions: list[str], vectors: np.ndarray, gold: list[str] | None, k: int = 5
) -> dict[str, Any]:
    from rag.eval import paragraph_ranks
    from rag.ingest.scripts import to_simplified
    from rag.metrics import mrr_at_k, percentile, recall_at_k
    from rag.search import FusionParams, prepare_question, rank_chunks

    params = FusionParams()
    engine_index = copy.copy(index)
    engine_index.store = store
    wired = _wired()
    _, faiss_dense = index.store.search(vectors, k)
    _, milvus_dense = store.search(vectors, k)
    out: dict[str, Any] = {"n": len(questions), "fusion_path": "rank_chunks (wired)" if wired else "replica"}
    same = {"dense": 0, "keyword": 0, "fused": 0}
    same_top1 = {"dense": 0, "keyword": 0, "fused": 0}
    overlaps: dict[str, list[float]] = {"dense": [], "keyword": [], "fused": []}
    ranks_faiss: list[int | None] = []
    ranks_milvus: list[int | None] = []
    kw_ranks_faiss: list[int | None] = []
    kw_ranks_milvus: list[int | None] = []
    times_keyword, times_fused = [], []
    examples = []
    for i, (q, v) in enumerate(zip(questions, vectors, strict=True)):
        a, b = faiss_dense[i].tolist(), milvus_dense[i].tolist()
        cos = {int(x): float(index.embeddings[int(x)] @ v) for x in set(a) | set(b) if x >= 0}
        same["dense"] += _tie_aware_same(a, b, cos)
        same_top1["dense"] += a[0] == b[0] or abs(cos[a[0]] - cos[b[0]]) < 1e-5
        overlaps["dense"].append(_overlap(a, b))

        simplified = to_simplified(prepare_question(q)[0])
        local_scores = index.keyword.scores(simplified)
        hits = np.flatnonzero(local_scores > 0)
        local = hits[np.argsort(-local_scores[hits], kind="stable")[:k]].tolist()
        t = time.perf_counter()
        _, eng_ids = store.keyword_search(simplified, k)
        times_keyword.append((time.perf_counter() - t) * 1000)
        engine = eng_ids.tolist()
        same["keyword"] += local == engine
        same_top1["keyword"] += bool(local and engine and local[0] == engine[0]) or (not local and not engine)
        overlaps["keyword"].append(_overlap(local, engine) if local or engine else 1.0)

        r_faiss = rank_chunks(index, q, params=params, query_vector=v)
        t = time.perf_counter()
        if wired:
            r_milvus = rank_chunks(engine_index, q, params=params, query_vector=v)
        else:
            r_milvus = rank_chunks_engine(index, store, q, params, v)
        times_fused.append((time.perf_counter() - t) * 1000)
        fa, fb = r_faiss.positions[:k].tolist(), r_milvus.positions[:k].tolist()
        same["fused"] += fa == fb
        same_top1["fused"] += bool(fa and fb and fa[0] == fb[0])
        overlaps["fused"].append(_overlap(fa, fb))
        if fa != fb and len(examples) < 5:
            examples.append(
                {
                    "question": q,
                    "faiss_top5": [index.chunks[p].id for p in fa],
                    "milvus_top5": [index.chunks[p].id for p in fb],
                    "rag_keyword_terms": index.keyword.query_terms(simplified),
                }
            )
        if gold is not None:
            ranks_faiss.append(paragraph_ranks(r_faiss, index, gold[i]))
            ranks_milvus.append(paragraph_ranks(r_milvus, index, gold[i]))
            kw_ranks_faiss.append(_kw_paragraph_rank(index, local_scores, gold[i]))
            full = np.zeros(len(index.chunks), np.float32)
            s20, i20 = store.keyword_search(simplified, 100)
            full[i20] = s20
            kw_ranks_milvus.append(_kw_paragraph_rank(index, full, gold[i]))
    n = max(1, len(questions))
    for key in same:
        out[key] = {
            "same_top5": round(same[key] / n, 4),
            "same_top1": round(same_top1[key] / n, 4),
            "mean_overlap_at_5": round(float(np.mean(overlaps[key])) if overlaps[key] else 1.0, 4),
        }
    out["dense"]["note"] = "same_top5 counts lists equal up to the order of equal cosines"
    out["milvus_lite_latency_ms"] = {
        "keyword_search_p50": round(percentile(times_keyword, 50), 1),
        "fused_p50": round(percentile(times_fused, 50), 1),
        "note": "Milvus Lite is pure Python in this process; a server's latency is not measured here",
    }
    out["differing_examples"] = examples
    if gold is not None:
        out["recall"] = {}
        for name, ranks in (
            ("fused_faiss", ranks_faiss),
            ("fused_milvus", ranks_milvus),
            ("keyword_only_rag_keyword", kw_ranks_faiss),
            ("keyword_only_milvus", kw_ranks_milvus),
        ):
            out["recall"][name] = {
                "recall@1": round(100 * recall_at_k(ranks, 1), 2),
                "recall@5": round(100 * recall_at_k(ranks, 5), 2),
                "recall@20": round(100 * recall_at_k(ranks, 20), 2),
                "mrr@20": round(mrr_at_k(ranks, 20), 4),
            }
        r = out["recall"]
        out["recall"]["fused_delta_points"] = {
            m: round(r["fused_milvus"][m] - r["fused_faiss"][m], 2)
            for m in ("recall@1", "recall@5", "recall@20")
        }
    return out


def _kw_paragraph_rank(index: Any, scores: np.ndarray, gold: str, limit: int = 20) -> int | None:
    hits = np.flatnonzero(scores > 0)
    order = hits[np.lexsort((hits, -scores[hits]))]
    seen: set[str] = set()
    for p in order:
        article = index.chunks[int(p)].article_id
        if article == gold:
            return len(seen) + 1
        seen.add(article)
        if len(seen) >= limit:
            return None
    return None


def run_dataset(
    name: str, embedder: Any, workdir: Path, analyzer_names: list[str], limit: int | None
) -> dict[str, Any]:
    from tune_fusion import data_file

    from rag.eval import pooled_index, question_vectors
    from rag.index import BuildOptions, build_index, load_index
    from rag.index.migrate import MilvusTarget, migrate_to_milvus
    from rag.index.milvus import open_migrated
    from rag.ingest import load_squad
    from rag.settings import cache_dir

    if name == "seeds":
        from retrieval import SEED_QUESTIONS

        source = cache_dir() / "bench" / f"seeds-{embedder.fingerprint()}"
        build_index([ROOT / "seeds"], source, BuildOptions(embedder=embedder))
        questions, gold = list(SEED_QUESTIONS), None
    else:
        path = data_file(name)
        source = pooled_index(path, embedder).directory
        squad = load_squad(path)
        qs = squad.questions[:limit] if limit else squad.questions
        questions, gold = [q.question for q in qs], [q.paragraph_id for q in qs]
    copy_dir = workdir / f"{name}-index"
    shutil.copytree(source, copy_dir, ignore=shutil.ignore_patterns(".lock", "questions-*.npy", "milvus"))
    index = load_index(copy_dir, embedder=embedder)
    if name == "seeds":
        vectors = question_vectors(index, questions, embedder)
    else:
        all_vectors = question_vectors(
            pooled_index(data_file(name), embedder), [q.question for q in squad.questions]
        )
        vectors = all_vectors[: len(questions)]
    result: dict[str, Any] = {"chunks": len(index.chunks), "articles": len(index.articles), "analyzers": {}}
    for analyzer_name in analyzer_names:
        db = workdir / f"{name}-{analyzer_name}.db"
        report = migrate_to_milvus(copy_dir, MilvusTarget(str(db), analyzer=analyzers()[analyzer_name]))
        store = open_migrated(Path(report["config"]).parents[1], str(db))
        started = time.perf_counter()
        result["analyzers"][analyzer_name] = {
            "analyzer_params": store.analyzer,
            "migrate_seconds": report["seconds"],
            **compare(index, store, questions, vectors, gold),
            "compare_seconds": round(time.perf_counter() - started, 1),
        }
        store.close()
        print(f"{name} / {analyzer_name}: done", file=sys.stderr)
    return result


def main(argv: list[str] | None = None) -> int:
    import milvus_lite
    import pymilvus

    from rag.embed import load_embedder

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "milvus_parity.json")
    parser.add_argument("--datasets", default="seeds,cmrc_dev")
    parser.add_argument("--analyzers", default="jieba,jieba_stop")
    parser.add_argument("--limit", type=int, help="first N questions of a SQuAD file")
    args = parser.parse_args(argv)
    embedder = load_embedder(None)
    report: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()},
        "versions": {"pymilvus": pymilvus.__version__, "milvus_lite": milvus_lite.__version__},
        "model": embedder.name,
        "store": "Milvus Lite (embedded, local .db), FLAT dense index (exact), BM25 k1=1.5 b=0.75",
        "datasets": {},
    }
    with tempfile.TemporaryDirectory(prefix="milvus-parity-") as tmp:
        for name in [d for d in args.datasets.split(",") if d]:
            report["datasets"][name] = run_dataset(
                name, embedder, Path(tmp), [a for a in args.analyzers.split(",") if a], args.limit
            )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
