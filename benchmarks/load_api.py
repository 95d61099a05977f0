"""Load benchmark of the OpenAI-compatible API: N ``openai`` clients ask ``/v1/chat/completions`` for D seconds
while an upload is indexed, beside the Gradio-queue figures (benchmarks/load.py) of the same run.

    .venv/bin/python benchmarks/load_api.py [--sessions 50] [--seconds 60] [--out benchmarks/results/load_api.json]
    .venv/bin/python benchmarks/load_api.py --fake --sessions 4 --seconds 5 --skip-gradio   # the short mode

One run, on the loopback interface only:

1. The Gradio queue: ``load.run_load`` with the same sessions, seconds and reader (its own server and index
   copy; see benchmarks/load.py), unless ``--skip-gradio``.
2. The API: ``python ui.py --api-key … --workers W`` on a fresh copy of the same index (``load.prepare_index``),
   ready once ``GET /api/health`` answers 200; every question asked once with the ``openai`` client (the
   expected answers before the upload); ``--sessions`` threads, each with its own ``openai.OpenAI`` client,
   ask ``/v1/chat/completions`` in their own rotation for ``--seconds`` (every fifth session streams, and its
   reply is the content joined from the chunks and the ``answer`` of the last one); a quarter in, one new
   article is uploaded through ``POST /api/documents`` while they ask; afterwards every question once more
   (the expected answers after it).

Each reply is judged as in load.py (``ok``, ``mixed_up``, ``wrong``, ``stale``, ``error``) on its ``answer``
extension field, and its ``content`` must also be the expected Markdown of that same answer (else ``wrong``).

The reader: ``--fake``: a FakeEmbedder index and a tiny random reader (seconds, no model); otherwise the real
seeds index with ``--reader DIR``, or by default a stand-in with the shipped reader's shape and cost (the e5
base with an untrained span head, built for the run: the trained weights are not needed to measure serving).
Both phases use the same reader, told never to answer, so every reply is the not-found reply with the closest
passages, after the reader has read every window.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import load  # benchmarks/load.py
from report import emit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

__all__ = ["judge_reply", "main", "run_api_load", "stand_in_reader"]

KEY = "load-benchmark"
STREAM_EVERY = 5  # every fifth session streams


def stand_in_reader(directory: Path) -> Path:
    """The shipped reader's shape (the rebuilt e5 base with a span head), its head untrained, saved as a
    Hugging Face QA model: it reads as slowly as the trained reader and answers nothing useful."""
    from transformers import AutoTokenizer

    from rag.reader.model import build_qa_model, default_base_dir

    base = default_base_dir()
    build_qa_model(base).save_pretrained(directory)
    AutoTokenizer.from_pretrained(base, local_files_only=True).save_pretrained(directory)
    return directory


def streams(session: int) -> bool:
    return session % STREAM_EVERY == STREAM_EVERY - 1


def make_client(url: str, timeout: float) -> Any:
    import openai

    return openai.OpenAI(base_url=f"{url}v1", api_key=KEY, max_retries=0, timeout=timeout)


def chat(client: Any, question: str, stream: bool) -> dict[str, Any]:
    """One reply: the answer (the ``answer`` extension field) with the reply's content under "content"."""
    messages = [{"role": "user", "content": question}]
    if not stream:
        completion = client.chat.completions.create(model="rag-news", messages=messages)
        return {**(completion.model_extra or {})["answer"], "content": completion.choices[0].message.content}
    parts, answer = [], None
    for chunk in client.chat.completions.create(model="rag-news", messages=messages, stream=True):
        if chunk.choices:
            parts.append(chunk.choices[0].delta.content or "")
        answer = (chunk.model_extra or {}).get("answer") or answer
    if answer is None:
        raise RuntimeError("the stream ended without an answer")
    return {**answer, "content": "".join(parts)}


def judge_reply(
    record: load.Record,
    before: dict[str, dict[str, Any]],
    after: dict[str, dict[str, Any]],
    upload_end: float | None,
) -> str:
    """load.judge on the answer, and the content must be the expected one of the answer it matched."""
    sigs = (
        {q: load.signature(r) for q, r in before.items()},
        {q: load.signature(r) for q, r in after.items()},
    )
    outcome = load.judge(record, sigs[0], sigs[1], upload_end)
    if outcome != "ok":
        return outcome
    sig, q = load.signature(record.result), record.question
    expected = {r[q]["content"] for r, s in zip((before, after), sigs, strict=True) if s[q] == sig}
    return "ok" if record.result.get("content") in expected else "wrong"


def upload_documents(url: str, path: Path, timeout: float) -> dict[str, Any]:
    import httpx

    started = time.monotonic()
    with path.open("rb") as f:
        response = httpx.post(
            f"{url}api/documents",
            files=[("files", (path.name, f, "text/plain"))],
            headers={"Authorization": f"Bearer {KEY}"},
            timeout=timeout,
        )
    response.raise_for_status()
    body = response.json()
    return {"total_s": round(time.monotonic() - started, 2), "status": body["documents"][0]["message"]}


def run_api_load(
    *,
    sessions: int = 50,
    seconds: float = 60.0,
    fake: bool = False,
    index: Path | None = None,
    reader: Path | None = None,
    workers: int | None = None,
    request_timeout: float = 120.0,
    upload_at: float | None = None,
) -> dict[str, Any]:
    """Phase 2 of the module doc; returns its report (``reader``: as in load.run_load)."""
    questions = [*load.QUESTIONS, load.NEW_QUESTION]
    started, load_before = time.monotonic(), os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="rag-load-api-") as tmp_name:
        tmp = Path(tmp_name)
        index_note = load.prepare_index(tmp / "index", fake=fake, source=index)
        new_file = tmp / f"{load.NEW_ID}.txt"
        new_file.write_text(load.NEW_ARTICLE, encoding="utf-8")
        if reader is None and fake:
            from rag.reader.fake import save_random_qa_model

            reader = save_random_qa_model(tmp / "reader")
        extra = ["--api-key", KEY] + (["--workers", str(workers)] if workers else [])
        server = load.Server(tmp / "index", tmp / "uploads", tmp / "server.log", None, reader, extra)
        try:
            startup = server.wait_ready(
                load.STARTUP_TIMEOUT, "api/health", {"Authorization": f"Bearer {KEY}"}
            )
            probe = make_client(server.url, request_timeout)
            first = {q: chat(probe, q, False) for q in questions}
            if load.top_source(first[load.NEW_QUESTION]) == load.NEW_ID:
                raise RuntimeError("the new article's question is answered before the upload")
            at = seconds / 4 if upload_at is None else upload_at
            url = server.url
            records, upload, errors, hung, elapsed = load.drive(
                questions,
                sessions,
                seconds,
                request_timeout,
                at,
                connect=lambda i: make_client(url, request_timeout),
                ask=lambda client, i, question: chat(client, question, streams(i)),
                upload=lambda: upload_documents(url, new_file, request_timeout),
            )
            streamed = sum(streams(r.session) for r in records)
            last = {q: chat(probe, q, False) for q in questions}
        finally:
            server.stop()
            log_text = server.log.read_text("utf-8", "replace")
    new = last[load.NEW_QUESTION]
    return {
        "sessions": sessions,
        "seconds": seconds,
        "elapsed_s": round(elapsed, 1),
        "streamed": streamed,
        **load.tally(
            records, errors, hung, elapsed, lambda r: judge_reply(r, first, last, upload.get("end_s"))
        ),
        "upload": upload,
        "new_article": {
            "top_source_before": load.top_source(first[load.NEW_QUESTION]),
            "top_source_after": load.top_source(new),
            "retrievable_after": load.top_source(new) == load.NEW_ID,
        },
        "server_log_tracebacks": log_text.count("Traceback"),
        "index": index_note,
        "reader": str(reader) if reader is not None else "the shipped reader",
        "server": f"python ui.py --api-key … --workers {workers or 'default (one per core)'} (subprocess)",
        "server_startup_s": round(startup, 1),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "device": load.device(),
        "total_seconds": round(time.monotonic() - started, 1),
    }


def compare(api: dict[str, Any], gradio: dict[str, Any] | None) -> dict[str, Any]:
    """The two phases' headline figures side by side."""
    rows = {"openai_v1": api} | ({"gradio_queue": gradio} if gradio else {})
    return {
        name: {
            "throughput_rps": r["throughput_rps"],
            "p50_ms": r["latency_ms"]["p50"],
            "p95_ms": r["latency_ms"]["p95"],
            "requests": r["requests"],
            "errors": r["errors"],
            "mixed_up": r["mixed_up"],
            "wrong": r["wrong"],
        }
        for name, r in rows.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument(
        "--fake", action="store_true", help="FakeEmbedder index, tiny reader (the short mode)"
    )
    parser.add_argument("--index", type=Path, help="copy this index (default: the cached real seeds index)")
    parser.add_argument("--reader", type=Path, help="a reader directory (default: a stand-in, see above)")
    parser.add_argument("--workers", type=int, help="the server's --workers (default: one per core)")
    parser.add_argument("--skip-gradio", action="store_true", help="only the API phase")
    parser.add_argument("--request-timeout", type=float, default=120.0)
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args(argv)
    if not 1 <= args.sessions <= 200 or not 0 < args.seconds <= 600:
        parser.error("--sessions must be 1..200 and --seconds 0..600")
    with tempfile.TemporaryDirectory(prefix="rag-reader-") as tmp:
        reader = args.reader
        if reader is None and not args.fake:
            reader = stand_in_reader(Path(tmp) / "stand-in")
        common = {"sessions": args.sessions, "seconds": args.seconds, "fake": args.fake, "index": args.index}
        common |= {"request_timeout": args.request_timeout, "reader": reader}
        gradio = None if args.skip_gradio else load.run_load(**common)
        api = run_api_load(**common, workers=args.workers)
    note = "stand-in reader (e5 base, untrained span head)" if args.reader is None and not args.fake else None
    report = {
        "comparison": compare(api, gradio),
        "reader_note": note,
        "openai_v1": api,
        "gradio_queue": gradio,
    }
    emit(report, args.out)
    bad = api["errors"] + api["mixed_up"] + api["wrong"] + api["stale"] + api["hung_threads"]
    return 0 if bad == 0 and api["new_article"]["retrievable_after"] else 1


if __name__ == "__main__":
    sys.exit(main())
