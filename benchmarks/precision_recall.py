"""Does the bf16 default keep dense retrieval within 0.5 points of fp32 on CMRC 2018 dev?

Re-embeds the pooled CMRC dev chunks (the same texts the index holds: Simplified view with title context) and all
questions in fp32, and compares dense-only R@1/R@5 against the bf16 vectors of the cached pooled index.
Prints one JSON object.

    .venv/bin/python benchmarks/precision_recall.py [--data ../shared/data/cmrc2018_dev.json] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def dense_recall(index, chunk_vectors: np.ndarray, question_vectors: np.ndarray, gold: list[str]) -> dict:
    article_of = np.array([c.article_id for c in index.chunks])
    scores = question_vectors @ chunk_vectors.T
    hits = {1: 0, 5: 0}
    for row, g in zip(scores, gold, strict=True):
        seen: list[str] = []
        for position in np.argsort(-row):
            a = article_of[position]
            if a not in seen:
                seen.append(a)
            if len(seen) >= 5:
                break
        for k in hits:
            hits[k] += g in seen[:k]
    return {f"R@{k}": round(v / len(gold), 4) for k, v in hits.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "cmrc2018_dev.json")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    if not args.data.is_file():
        print(
            f"error: {args.data} not found (the shared data sits beside the repo as ../shared/data)",
            file=sys.stderr,
        )
        return 2
    from rag.embed import SentenceTransformerEmbedder, default_model_name
    from rag.eval import pooled_index, question_vectors
    from rag.index import embed_text
    from rag.ingest import load_squad
    from rag.ingest.scripts import to_simplified
    from rag.search import prepare_question

    bf16 = SentenceTransformerEmbedder(default_model_name(), precision="bf16")
    fp32 = SentenceTransformerEmbedder(default_model_name(), precision="fp32")
    index = pooled_index(args.data, bf16)
    squad = load_squad(args.data)
    questions = [q for q in squad.questions if q.question.strip()]
    gold = [q.paragraph_id for q in questions]
    q_bf16 = question_vectors(index, [q.question for q in questions], bf16)
    started = time.monotonic()
    texts = [embed_text(index.articles[c.article_id], c) for c in index.chunks]
    c_fp32 = fp32.encode_document(texts)
    # the same question texts as question_vectors (its cache is keyed by weights, not precision, so not reused)
    q_fp32 = fp32.encode_query([to_simplified(prepare_question(q.question)[0]) for q in questions])
    seconds = time.monotonic() - started
    c_bf16 = np.asarray(index.embeddings)
    report = {
        "data": args.data.name,
        "chunks": len(texts),
        "questions": len(questions),
        "bf16": dense_recall(index, c_bf16, q_bf16, gold),
        "fp32": dense_recall(index, c_fp32, q_fp32, gold),
        "chunk_cosine_bf16_vs_fp32": {
            "mean": round(float(np.mean(np.sum(c_bf16 * c_fp32, axis=1))), 6),
            "min": round(float(np.min(np.sum(c_bf16 * c_fp32, axis=1))), 6),
        },
        "fp32_embed_seconds": round(seconds, 1),
        "note": "dense signal alone (chunk vectors); questions Simplified with the query prompt in both",
    }
    text = json.dumps(report, ensure_ascii=False, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
