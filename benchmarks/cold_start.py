"""Cold start: process start → the chat UI serving, and → the first answer, with an existing index.

    .venv/bin/python benchmarks/cold_start.py [--runs 3] [--out benchmarks/results/cold_start.json]

Each run starts ``python ui.py --index COPY --port P`` (a copy of the real-model seeds index, so nothing is
built) and polls ``http://127.0.0.1:P/`` every 50 ms: ``serving_s`` is the first HTTP 200. ``ui.py`` loads
the index, then loads the model and answers a warm-up question in the background while Gradio starts; a
question asked right when the page serves (``/ask`` through gradio_client) waits for that: ``first_answer_s``
is when its answer arrives. ``ready_log_s`` is ui.py's own "ready in" (from after its imports to the model
warm). Target: serving ≤ 15 s.
"""

from __future__ import annotations

import argparse
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
sys.path.insert(0, str(ROOT / "benchmarks"))

from report import emit  # noqa: E402

QUESTION = "宝鸡市委书记是谁？"


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
                first_answer = None
                if seconds is not None:
                    from gradio_client import Client

                    client = Client(f"http://127.0.0.1:{port}/", verbose=False)
                    if client.predict(QUESTION, 5, api_name="/ask")["found"]:
                        first_answer = time.perf_counter() - started
            finally:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
        text = log.read_text("utf-8", "replace")
    ready = re.search(r"ready in ([\d.]+) s", text)
    if seconds is None or first_answer is None:
        raise SystemExit(f"ui.py did not serve and answer within {timeout} s:\n{text[-2000:]}")
    return {
        "serving_s": round(seconds, 2),
        "first_answer_s": round(first_answer, 2),
        "ready_log_s": float(ready.group(1)) if ready else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)

    from rag.embed import load_embedder
    from rag.index import BuildOptions, build_index
    from rag.settings import cache_dir

    embedder = load_embedder()
    source = cache_dir() / "bench" / f"seeds-{embedder.fingerprint()}"
    build_index([ROOT / "seeds"], source, BuildOptions(embedder=embedder))  # a no-op when it exists
    del embedder
    runs = []
    with tempfile.TemporaryDirectory(prefix="rag-cold-index-") as tmp:
        index = Path(shutil.copytree(source, Path(tmp) / "index"))
        for _ in range(args.runs):
            runs.append(one_run(index))
    serving = [r["serving_s"] for r in runs]
    answers = [r["first_answer_s"] for r in runs]
    out = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores (shared), load {os.getloadavg()[0]:.2f}",
        "what": "python ui.py start → HTTP 200 on / (serving) and → a /ask answer (first answer); existing "
        "seeds index",
        "runs": runs,
        "serving_s_median": round(statistics.median(serving), 2),
        "serving_s_max": max(serving),
        "first_answer_s_median": round(statistics.median(answers), 2),
    }
    return emit(out, args.out)


if __name__ == "__main__":
    raise SystemExit(main())
