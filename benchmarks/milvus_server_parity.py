"""The CMRC 2018 dev pool through a Milvus 2.3 server process against FAISS: top-5, R@k, per-query latency.

    .venv/bin/python benchmarks/milvus_server_parity.py [--limit N] [--out benchmarks/results/milvus_server_parity.json]

A ``milvus run standalone`` server (the ``milvus`` package of the test extra, started as the tests start it:
``tests/milvus_server.py``, a free loopback port, data in a temp dir, SIGKILLed at the end); the cached CMRC dev
pooled index (``rag.eval.pooled_index``) copied to a temp folder and moved into the server with
``rag.index.migrate.migrate_to_milvus`` (no re-embedding; the 2.3 server has no BM25 function, so BM25 stays on
the local keyword index). Per question, FAISS side vs server side: dense top-5 ids (``store.search``, FLAT exact),
the fused ranking's top-1 and top-5 (``rag.search.rank_chunks``), paragraph R@1/R@5 of each, and the wall time
of ``rank_chunks`` with the question vector given (search + fusion; one question at a time, over gRPC for the
server).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

from milvus_server import MilvusProcess  # noqa: E402
from report import emit  # noqa: E402
from tune_fusion import data_file  # noqa: E402


def _ranks(index: Any, questions: list[Any], vectors: np.ndarray) -> tuple[list[Any], list[float]]:
    from rag.eval.evaluate import paragraph_ranks
    from rag.search.retrieve import rank_chunks

    rankings, times = [], []
    for q, v in zip(questions, vectors, strict=True):
        started = time.perf_counter()
        ranking = rank_chunks(index, q.question, query_vector=v)
        times.append(1000 * (time.perf_counter() - started))
        rankings.append((ranking, paragraph_ranks(ranking, index, q.paragraph_id)))
    return rankings, times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--limit", type=int, help="first N questions")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)

    from rag.embed import load_embedder
    from rag.eval.pooled import pooled_index, question_vectors
    from rag.index import load_index
    from rag.index.migrate import MilvusTarget, migrate_to_milvus
    from rag.ingest import load_squad

    path = data_file("cmrc_dev")
    embedder = load_embedder()
    source = pooled_index(path, embedder)
    questions = list(load_squad(path).questions[: args.limit] if args.limit else load_squad(path).questions)
    vectors = question_vectors(source, [q.question for q in questions])
    with tempfile.TemporaryDirectory(prefix="rag-milvus-server-") as tmp:
        directory = Path(shutil.copytree(source.directory, Path(tmp) / "index"))
        server = MilvusProcess(Path(tmp) / "milvus").start()
        try:
            started = time.perf_counter()
            moved = migrate_to_milvus(directory, MilvusTarget(server.uri))
            migrate_s = time.perf_counter() - started
            local = load_index(directory, embedder=embedder)
            remote = load_index(directory, embedder=embedder, store=server.uri)
            _ranks(remote, questions[:20], vectors[:20])  # connection, collection load
            on_local, local_ms = _ranks(local, questions, vectors)
            on_server, server_ms = _ranks(remote, questions, vectors)
            dense_same = np.mean(
                [
                    np.array_equal(
                        local.store.search(v[None, :], 5)[1], remote.store.search(v[None, :], 5)[1]
                    )
                    for v in vectors
                ]
            )
        finally:
            server.kill()
    n = len(questions)
    pairs = [(a, b) for (a, _), (b, _) in zip(on_local, on_server, strict=True)]

    def recall(rows: list[Any], k: int) -> float:
        return round(sum(r is not None and r <= k for _, r in rows) / n, 4)

    out = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores (shared), load {os.getloadavg()[0]:.2f}",
        "server": f"Milvus {server.version} standalone (milvus package), loopback, FLAT",
        "bm25": moved.get("bm25"),
        "rows": moved.get("rows"),
        "migrate_s": round(migrate_s, 1),
        "questions": n,
        "dense_top5_identical": round(float(dense_same), 4),
        "fused_top1_same": round(float(np.mean([a.positions[0] == b.positions[0] for a, b in pairs])), 4),
        "fused_top5_same": round(float(np.mean([np.array_equal(a.positions[:5], b.positions[:5]) for a, b in pairs])), 4),
        "faiss": {"recall@1": recall(on_local, 1), "recall@5": recall(on_local, 5),
                  "rank_ms_p50": round(statistics.median(local_ms), 2)},
        "server_side": {"recall@1": recall(on_server, 1), "recall@5": recall(on_server, 5),
                        "rank_ms_p50": round(statistics.median(server_ms), 2),
                        "rank_ms_p95": round(float(np.percentile(server_ms, 95)), 2)},
    }  # fmt: skip
    return emit(out, args.out)


if __name__ == "__main__":
    raise SystemExit(main())
