"""Cold start: process start → the chat UI serving (HTTP 200 on /) with an existing index, model warm.

    .venv/bin/python benchmarks/cold_start.py [--runs 3] [--out benchmarks/results/cold_start.json]

Each run starts ``python ui.py --index COPY --port P`` (a copy of the real-model seeds index, so nothing is
built) and polls ``http://127.0.0.1:P/`` every 50 ms. ``ui.py`` loads the index and the model and answers a
warm-up question before it binds the port, so the first user question pays no loading cost. Also reported:
the "ready in" time ui.py logs (index + model + warm-up) — the rest is Python, torch and Gradio imports and
Gradio's startup. Target: ≤ 15 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def one_run(index: Path, timeout: float = 120.0) -> dict[str, Any]:
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="rag-cold-") as tmp:
        log = Path(tmp) / "ui.log"
        with log.open("wb") as sink:
            started = time.perf_counter()
            proc = subprocess.Popen(
                [sys.executable, str(ROOT / "ui.py"), "--index", str(index), "--port", str(port),
                 "--data", str(Path(tmp) / "uploads")],
                stdout=sink, stderr=subprocess.STDOUT, cwd=ROOT,
            )  # fmt: skip
            try:
                seconds = None
                while time.perf_counter() - started < timeout and proc.poll() is None:
                    try:
                        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as r:
                            if r.status == 200:
                                seconds = time.perf_counter() - started
                                break
                    except OSError:
                        time.sleep(0.05)
            finally:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
        text = log.read_text("utf-8", "replace")
    ready = re.search(r"ready in ([\d.]+) s", text)
    if seconds is None:
        raise SystemExit(f"ui.py did not serve within {timeout} s:\n{text[-2000:]}")
    return {"serving_s": round(seconds, 2), "ready_log_s": float(ready.group(1)) if ready else None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)

    from rag.embed import load_embedder
    from rag.index import build_index
    from rag.paths import cache_dir

    embedder = load_embedder()
    source = cache_dir() / "bench" / f"seeds-{embedder.fingerprint()}"
    build_index([ROOT / "seeds"], source, embedder=embedder)  # a no-op when it exists
    del embedder
    runs = []
    with tempfile.TemporaryDirectory(prefix="rag-cold-index-") as tmp:
        index = Path(shutil.copytree(source, Path(tmp) / "index"))
        for _ in range(args.runs):
            runs.append(one_run(index))
    serving = [r["serving_s"] for r in runs]
    out = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores (shared), load {os.getloadavg()[0]:.2f}",
        "what": "python ui.py start → HTTP 200 on /, existing seeds index, model loaded and warmed",
        "runs": runs,
        "serving_s_median": round(statistics.median(serving), 2),
        "serving_s_max": max(serving),
    }
    text = json.dumps(out, ensure_ascii=False, indent=1)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
