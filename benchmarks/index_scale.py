"""Indexing a news archive at scale with the real model: ``rag index`` killed midway, resumed, checked, projected.

    .venv/bin/python benchmarks/index_scale.py [--paragraphs 20000] [--kill-at 0.5] [--out benchmarks/results/index_scale.json]

Corpus: the paragraphs of CMRC 2018 dev + trial and DRCD dev (``../shared/data``, 2,104 paragraphs), each one
article of a JSONL archive (title, text, date, outlet, URL), repeated with light edits until ``--paragraphs``
rows: copy ``r`` of a paragraph drops its last sentence when it has more than one, and carries another date and
outlet (so copies are grouped as reprints, as wire stories are in a real archive).

Run: ``python -m rag index --docs archive.jsonl --index DIR`` as a child process, exactly as a user runs it
(the default model, ``--sentence-vectors`` as given, its progress bar on stderr). With ``--kill-at F`` the child
is killed (SIGKILL) once its checkpoint (``DIR/resume/``) holds a fraction F of the embedding batches, then
the same command runs again and continues from the checkpoint. Reported: wall seconds of each run, batches read
back, articles/s over both runs, the child's peak RSS (``wait4``), the index's size on disk, and projections
for 100k and 1M articles on this machine (linear in articles from the measured rate, plus the one-article
fixed cost; RSS: :func:`projected_rss_gb`). ``identical``: two batches, one finished before
the kill and one after, are embedded again in this process and must equal the index's vectors bit for bit
(the same texts in the same batch through the same model: what an uninterrupted build computes); the full
equality of a resumed and an uninterrupted index is asserted at small scale by ``tests/index/test_resume.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from report import emit  # noqa: E402
from tune_fusion import data_file  # noqa: E402

OUTLETS = ("新华网", "人民日报", "中国新闻网", "澎湃新闻", "光明日报", "经济日报", "中央社", "联合早报")
SOURCES = ("cmrc_dev", "cmrc_trial", "drcd_dev")


def make_rows(n: int, seed: int = 0) -> list[dict[str, str]]:
    """``n`` archive rows: every source paragraph once, then lightly edited copies (module doc)."""
    paragraphs: list[tuple[str, str]] = []
    for name in SOURCES:
        for item in json.loads(data_file(name).read_text(encoding="utf-8"))["data"]:
            paragraphs += [(item.get("title") or p["context"][:12], p["context"]) for p in item["paragraphs"]]
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        copy, (title, text) = divmod(i, len(paragraphs))[0], paragraphs[i % len(paragraphs)]
        if copy:
            sentences = [s for s in re.split(r"(?<=[。！？])", text) if s]
            text = "".join(sentences[:-1]) if len(sentences) > 1 else text
        day = f"20{rng.randint(10, 23)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        rows.append({"id": f"p{i}", "title": title, "text": text, "published": day,
                     "outlet": OUTLETS[(i + copy) % len(OUTLETS)], "url": f"http://news.example.cn/{day[:4]}/{i}.html"})  # fmt: skip
    return rows


def _checkpoint(index: Path) -> tuple[int, int]:
    """(batches done, texts) of the build checkpoint at ``index``, (0, 0) while there is none."""
    try:
        saved = json.loads((index / "resume" / "checkpoint.json").read_text(encoding="utf-8"))
        return len(saved["done"]), int(saved["texts"])
    except (OSError, ValueError, KeyError):
        return 0, 0


def run_index(
    archive: Path, index: Path, log: Path, kill_at: float | None, batch: int, method: str
) -> dict[str, Any]:
    """One ``rag index`` child; killed once the checkpoint holds ``kill_at`` of the batches (if given)."""
    command = [sys.executable, "-m", "rag", "index", "--docs", str(archive), "--index", str(index),
               "--sentence-vectors", method]  # fmt: skip
    started = time.perf_counter()
    with log.open("ab") as sink:
        child = subprocess.Popen(command, cwd=ROOT, stdout=sink, stderr=sink)
        killed = False
        while True:  # wait4 (not Popen.poll, which would reap the child first) gives its peak RSS
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            done, texts = _checkpoint(index)
            if not killed and kill_at is not None and texts and done >= kill_at * (-(-texts // batch)):
                os.kill(child.pid, signal.SIGKILL)
                killed = True
            time.sleep(0.5)
        child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    done, texts = _checkpoint(index)
    return {
        "seconds": round(seconds, 1),
        "killed": killed,
        "exit": os.waitstatus_to_exitcode(status),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
        "checkpoint_batches": done,
        "texts": texts,
    }


def build_texts(built: Any) -> list[str]:
    """The texts the build of the loaded index ``built`` embedded, in its order: for "mean" vectors every
    sentence then each distinct title (``rag.index.mean_texts``), for "separate" every chunk then every
    sentence."""
    from rag.index import embed_text, mean_texts, sentence_text, title_text

    chunks = [(built.articles[c.article_id], c) for c in built.chunks]
    sentences = [sentence_text(a, s) for a, c in chunks for s in c.sentences]
    if built.manifest["sentence_vectors"] == "mean":
        return mean_texts(sentences, (title_text(a) for a in built.articles.values()))
    return [embed_text(a, c) for a, c in chunks] + sentences


def verify(index: Path, batches: list[int], batch: int, embedder: Any = None) -> dict[str, Any]:
    """Embed ``batches`` (checkpoint batch numbers) of the build's texts (:func:`build_texts`) again here:
    ``equal`` when every row the index stores comes out bit for bit (a batch is cut from the texts ordered
    longest first, ``rag.index.resume.length_order``; a "mean" index does not store its titles' vectors, so
    only its sentences' rows are compared), and for "mean" ``chunks_are_means``: every chunk vector is
    ``rag.index.mean_vector`` of its sentences' and its title's. ``embedder``: default the default model
    (what ``rag index`` used)."""
    from rag.embed import load_embedder
    from rag.index import load_index, mean_vector, title_text
    from rag.index.resume import length_order

    embedder = embedder or load_embedder()
    built = load_index(index, embedder=embedder)
    texts = build_texts(built)
    stored = np.asarray(built.embeddings)
    out: dict[str, Any] = {"batches_checked": batches}
    if built.manifest["sentence_vectors"] == "mean":
        rows = np.asarray(built.sentence_embeddings)
        titles = texts[len(rows) :]
        title_vectors = dict(zip(titles, embedder.encode_document(titles), strict=True))
        expected = np.vstack(
            [
                mean_vector(
                    built.sentence_vectors(i), title_vectors.get(title_text(built.articles[c.article_id]))
                )
                for i, c in enumerate(built.chunks)
            ]
        )
        out["chunks_are_means"] = bool(np.allclose(stored, expected, atol=1e-3))
    else:
        rows = np.vstack([stored, np.asarray(built.sentence_embeddings)])
    order = length_order(texts)
    equal = True
    for number in batches:
        positions = order[number * batch : (number + 1) * batch]
        again = embedder.encode_document([texts[p] for p in positions])
        kept = [i for i, p in enumerate(positions) if p < len(rows)]  # rows the index stores
        equal &= bool(np.array_equal(again[kept], rows[[positions[i] for i in kept]]))
    out["equal"] = equal
    return out


def projected_rss_gb(peak_mb: float, per_article_mb: float, measured: int, n: int) -> float:
    """Peak RSS for ``n`` articles: the measured peak (model, activations, this corpus) plus twice the index's
    bytes per article for each article more (a build holds every vector while it embeds, then stacks them)."""
    return round((peak_mb + 2 * per_article_mb * (n - measured)) / 1024, 1)


def _size_mb(path: Path) -> float:
    return round(sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--paragraphs", type=int, default=20000)
    parser.add_argument(
        "--kill-at", type=float, default=0.5, help="fraction of batches; 0 runs uninterrupted"
    )
    parser.add_argument(
        "--work", type=Path, help="folder for the archive and the index (default: a temp dir)"
    )
    parser.add_argument("--sentence-vectors", choices=["mean", "separate"], default="mean")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)

    from rag.index.resume import BATCH_TEXTS

    work = args.work or Path(tempfile.mkdtemp(prefix="rag-index-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    archive, index, log = work / "archive.jsonl", work / "index", work / "index.log"
    rows = make_rows(args.paragraphs)
    archive.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    one = work / "one.jsonl"
    one.write_text(json.dumps(rows[0], ensure_ascii=False) + "\n", encoding="utf-8")
    fixed = run_index(
        one, work / "one-index", log, None, BATCH_TEXTS, args.sentence_vectors
    )  # start-up, model load, one article

    runs = []
    if args.kill_at > 0:
        runs.append(run_index(archive, index, log, args.kill_at, BATCH_TEXTS, args.sentence_vectors))
    runs.append(run_index(archive, index, log, None, BATCH_TEXTS, args.sentence_vectors))
    final = runs[-1]
    if final["exit"] != 0:
        raise SystemExit(f"rag index failed (exit {final['exit']}): see {log}")
    total_s = sum(r["seconds"] for r in runs)
    read_back = runs[0]["checkpoint_batches"] if len(runs) > 1 else 0
    from rag.index import load_index

    built = load_index(index)
    texts = len(build_texts(built))
    n_batches = -(-texts // BATCH_TEXTS)
    checked = sorted({max(0, read_back - 1), min(n_batches - 1, read_back + 1)})
    rate = args.paragraphs / max(1e-9, total_s - len(runs) * fixed["seconds"])
    per_article_mb = _size_mb(index) / args.paragraphs
    out = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores (shared), load {os.getloadavg()[0]:.2f}",
        "device": "cpu (no GPU lent to this task)",
        "articles": args.paragraphs,
        "chunks": len(built.chunks),
        "sentences": int(built.sentence_embeddings.shape[0]) if built.sentence_embeddings is not None else 0,
        "sentence_vectors": built.manifest.get("sentence_vectors"),
        "reprint_groups": len(built.manifest.get("reprints", {}).get("groups", [])),
        "one_article_run": fixed,
        "runs": runs,
        "batches": n_batches,
        "batches_read_back": read_back,
        "identical": verify(index, checked, BATCH_TEXTS),
        "wall_s_total": round(total_s, 1),
        "articles_per_s": round(rate, 2),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        "index_size_mb": _size_mb(index),
        "projected": {
            f"{n:,}_articles": {
                "hours": round((fixed["seconds"] + n / rate) / 3600, 1),
                "peak_rss_gb": projected_rss_gb(
                    max(r["peak_rss_mb"] for r in runs), per_article_mb, args.paragraphs, n
                ),
                "index_size_gb": round(_size_mb(index) / args.paragraphs * n / 1024, 1),
            }
            for n in (100_000, 1_000_000)
        },
        "log": str(log) if args.keep else "",
    }
    if not args.keep and args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return emit(out, args.out)


if __name__ == "__main__":
    raise SystemExit(main())
