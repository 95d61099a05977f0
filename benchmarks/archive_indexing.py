"""Indexing a JSONL archive against the same articles as ``.txt`` files: the cost per article.

    .venv/bin/python benchmarks/archive_indexing.py [--rows 10000] [--build-rows N] [--real 100] [--out benchmarks/results/archive_indexing.json]

Articles: ``--rows`` distinct articles, each a title and eight sentences drawn (seeded) from the paragraphs of
CMRC 2018 dev and DRCD dev (``../shared/data``), with a date, an outlet and a URL; written once as one
``.jsonl`` archive (one row each) and once as ``.txt`` files (a title line, a ``发布时间：… 来源：…`` line, the
text). Each is indexed with ``rag.index.build_index`` into an empty folder with the FakeEmbedder (so the reading,
cleaning, chunking, BM25, reprint grouping and writing are what is measured, not the model), and read alone
(``rag.ingest.ingest``, ``--rounds`` times, alternating, medians); ``--build-rows`` builds only the first N
(reading is where an archive and text files differ; the rest of a build costs the same per chunk, and a 10k-row
build with the fake embedder takes minutes on two cores). Then ``--real`` articles of each with the real
model (e5-small; 0 skips it). Reported: seconds and milliseconds per article for each; ``ratio`` = archive ÷ text
(target ≤ 1).
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import re
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

OUTLETS = ("新华网", "人民日报", "中国新闻网", "澎湃新闻", "光明日报", "经济日报", "中央社", "联合早报")


def _sentences() -> list[str]:
    pool = []
    for name in ("cmrc2018_dev.json", "DRCD_dev.json"):
        data = json.loads(data_file(name).read_text(encoding="utf-8"))
        for item in data["data"]:
            for paragraph in item["paragraphs"]:
                pool += [s for s in re.split(r"(?<=[。！？])", paragraph["context"]) if len(s) >= 12]
    return pool


def make_articles(n: int, seed: int = 0) -> list[dict[str, str]]:
    rng = random.Random(seed)
    pool = _sentences()
    rows = []
    for i in range(n):
        picked = rng.sample(pool, 8)
        title = picked[0][:18].rstrip("，。、") + f"（{i}）"
        text = "\n".join("".join(picked[j : j + 2]) for j in range(0, 8, 2))
        day = f"20{rng.randint(10, 23)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        rows.append({"id": str(i), "title": title, "text": text, "published": day,
                     "outlet": OUTLETS[i % len(OUTLETS)], "url": f"http://news.example.cn/{day[:4]}/{i}.html"})  # fmt: skip
    return rows


def write_both(rows: list[dict[str, str]], root: Path) -> tuple[Path, Path]:
    archive, texts = root / "archive", root / "texts"
    archive.mkdir()
    texts.mkdir()
    (archive / "news.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8"
    )
    for r in rows:
        header = f"发布时间：{r['published']} 10:00　来源：{r['outlet']}"
        (texts / f"a{int(r['id']):06d}.txt").write_text(
            f"{r['title']}\n{header}\n{r['text']}\n", encoding="utf-8"
        )
    return archive, texts


def _read_seconds(docs: Path) -> tuple[float, int]:
    from rag.ingest import ingest

    started = time.perf_counter()
    n = len(ingest([docs]).articles)
    return time.perf_counter() - started, n


def _time_build(docs: Path, index: Path, embedder: Any, reads: list[float]) -> dict[str, float]:
    from rag.index import BuildOptions, build_index

    started = time.perf_counter()
    report = build_index([docs], index, BuildOptions(embedder=embedder, progress=lambda f, m: None))
    build = time.perf_counter() - started
    n = report.articles
    read = statistics.median(reads)
    return {"articles": n, "chunks": report.chunks, "read_seconds_median": round(read, 2),
            "build_seconds": round(build, 2), "read_ms_per_article": round(1000 * read / n, 3),
            "build_ms_per_article": round(1000 * build / n, 3), "reprints_grouped": report.reprints}  # fmt: skip


def _read_rounds(texts: Path, archive: Path, n: int, rounds: int) -> dict[str, list[float]]:
    """Seconds to read each folder alone, ``rounds`` times, txt and jsonl alternating."""
    reads: dict[str, list[float]] = {"txt": [], "jsonl": []}
    for _ in range(rounds):
        for name, docs in (("txt", texts), ("jsonl", archive)):
            seconds, read = _read_seconds(docs)
            assert read == n, (name, read)
            reads[name].append(seconds)
    return reads


def _reads(rows: list[dict[str, str]], rounds: int) -> dict[str, Any]:
    """Reading alone ``rounds`` times, txt and jsonl alternating: medians per article."""
    with tempfile.TemporaryDirectory() as tmp:
        archive, texts = write_both(rows, Path(tmp))
        reads = _read_rounds(texts, archive, len(rows), rounds)
    ms = {name: round(1000 * statistics.median(v) / len(rows), 3) for name, v in reads.items()}
    return {"rows": len(rows), "rounds": rounds, "txt_read_ms_per_article": ms["txt"],
            "jsonl_read_ms_per_article": ms["jsonl"], "ratio_read": round(ms["jsonl"] / ms["txt"], 3)}  # fmt: skip


def _compare(rows: list[dict[str, str]], embedder: Any, rounds: int) -> dict[str, Any]:
    """Reading alone ``rounds`` times, txt and jsonl alternating (medians); one build of each."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        archive, texts = write_both(rows, root)
        reads = _read_rounds(texts, archive, len(rows), rounds)
        text_run = _time_build(texts, root / "index-texts", embedder, reads["txt"])
        archive_run = _time_build(archive, root / "index-archive", embedder, reads["jsonl"])
    return {
        "build_rows": len(rows),
        "read_rounds": rounds,
        "txt": text_run,
        "jsonl": archive_run,
        "ratio_build": round(archive_run["build_ms_per_article"] / text_run["build_ms_per_article"], 3),
        "ratio_read": round(archive_run["read_ms_per_article"] / text_run["read_ms_per_article"], 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--build-rows", type=int, help="rows built into an index (default: all)")
    parser.add_argument(
        "--real", type=int, default=100, help="articles indexed with the real model (0: skip)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds of reading alone (medians)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    from rag.embed import FakeEmbedder, load_embedder

    rows = make_articles(args.rows)
    report: dict[str, Any] = {
        "benchmark": "archive_indexing",
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}, python {platform.python_version()}",
        "rows": args.rows,
    }
    if args.build_rows is not None and args.build_rows < args.rows:
        report["read_all_rows"] = _reads(rows, args.rounds)
    report["fake_embedder"] = _compare(rows[: args.build_rows], FakeEmbedder(dim=64), args.rounds)
    if args.real:
        embedder = load_embedder(None)
        embedder.encode_document(["预热"])
        report["real_model"] = {"model": embedder.name, **_compare(rows[: args.real], embedder, 1)}
    report["target"] = "ratio_build <= 1 (an archive costs no more per article than .txt files)"
    return emit(report, args.out)


if __name__ == "__main__":
    sys.exit(main())
