"""Load benchmark: N gradio_client sessions ask the chat UI's server for D seconds while an upload is indexed.

    .venv/bin/python benchmarks/load.py [--sessions 50] [--seconds 60] [--out benchmarks/results/load.json]
    .venv/bin/python benchmarks/load.py --fake --sessions 5 --seconds 5    # the short mode (tests/test_load_quick.py)
    .venv/bin/python benchmarks/load.py --reader DIR    # another reader (told never to answer), e.g. load_api.py's stand-in

benchmarks/load_api.py runs this beside its own run of the OpenAI-compatible API, for the same-run comparison.

What it does, bounded in time and on the loopback interface only:

1. Copies an index into a temporary folder, so the run never changes it: the real-model index of seeds/ that the
   slow tests keep in the cache (``rag.settings.cache_dir() / "test-indexes" / "seeds"``, built there first when it
   is missing), or ``--index DIR``; with ``--fake`` it builds one with ``FakeEmbedder(64)`` instead (seconds, no
   model; a fake index names its embedder in its manifest, so the server loads it like any other).
2. Starts ``python ui.py --host 127.0.0.1 --port P --index TMP/index --data TMP/uploads`` in a subprocess (the
   shipped command line and queue settings; ``--concurrency N`` sets ``GRADIO_DEFAULT_CONCURRENCY_LIMIT`` for it)
   and waits until it serves ``/config``.
3. Asks every question once, one at a time, for its expected answer (before the upload).
4. Runs ``--sessions`` threads for ``--seconds``, each with its own ``gradio_client.Client`` (its own session),
   calling ``/ask`` (k = 5) over the questions in its own rotation, one request after another.
5. At a quarter of the run, uploads one new article the way the browser does: POST ``/gradio_api/upload``, then
   the "加入索引" button's event (``fn_index`` from ``/config``) through ``/gradio_api/queue/join`` and its
   event stream. That event is ``api_visibility="private"``, so gradio_client refuses it; the raw protocol is the
   browser's and needs no change to ui.py. The server indexes it (``Backend.add_files`` -> ``update_index``) while
   the sessions keep asking; their next question finds the new generation.
6. After the run, asks every question once more (the expected answers after the upload: adding an article
   changes the keyword statistics, so an answer may legitimately change).

Outcomes per request: ``ok`` (the answer, sentence, citations and closest passages equal the expected ones for
that question, before or after the upload; the confidence is not compared); ``mixed_up`` (the answer names another
question, or equals another question's expected answer); ``wrong`` (anything else); ``stale`` (a question whose
answer the upload changed, the new article's at least, asked after the upload finished and still answered from
the old index); ``error`` (an exception or a timeout). Latency is the client's: send to result.

With the shipped queue settings Gradio runs at most one ``/ask`` at a time (``default_concurrency_limit`` 1 per
event; the upload is another event and runs beside it), so a request's latency is mostly its wait in the queue:
about ``sessions / throughput``. The client threads share the machine with the server.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

__all__ = ["NEW_ARTICLE", "NEW_QUESTION", "QUESTIONS", "drive", "main", "run_load", "tally"]

# Answerable from seeds/, both scripts (the first four are ui.EXAMPLES).
QUESTIONS = [
    "皋蘭縣九合鎮的建筑垃圾項目總投資多少？",
    "包头市政务服务指标在营商环境评估中取得了多少分？",
    "蘭州市開展的是什麼活動？",
    "宝鸡市委书记是谁？",
    "秦皇岛市委书记是谁？",
    "蘭州市今年上半年的生產總值是多少？",
    "包头市党员干部查摆了多少问题？",
    "寶雞市委書記叫什麼名字？",
    "秦皇島1到9月固定資產投資增長多少？",
    "兰州第二水源地的输水隧洞在哪里开工？",
    "宝鸡市对多少名科长进行了评议？",
    "九原區提拔了多少名副科級幹部？",
]
NEW_ID = "qingchuan_tea_expo"
NEW_ARTICLE = """青川县首届茶叶博览会开幕
本报讯 11月8日，青川县首届茶叶博览会在县城会展中心开幕，来自全国各地的120家茶企参展。
据介绍，本届博览会共签约项目37个，签约金额达到12.6亿元，涉及茶叶种植、加工和茶旅融合等领域。
青川县县长李明远表示，全县茶园面积已达到30万亩，茶产业成为群众增收的主导产业。
"""
NEW_QUESTION = "青川县茶叶博览会签约金额是多少？"  # only the new article answers it
NEW_ANSWER = "12.6亿元"

STARTUP_TIMEOUT = 240.0
ERRORS_KEPT = 5


# helpers ------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def signature(result: Any) -> str:
    """What must not differ between two answers to the same question on the same index (not the confidence,
    whose last digits may)."""
    if not isinstance(result, dict):
        return f"not a dict: {type(result).__name__}"

    def cite(c: dict) -> tuple:
        return (c.get("article_id"), c.get("start"), c.get("end"), c.get("answer_start"), c.get("answer_end"))

    def hit(h: dict) -> tuple:
        return (h.get("article_id"), h.get("chunk_id"), h.get("start"), h.get("end"))

    return json.dumps(
        [
            result.get("question"),
            result.get("found"),
            result.get("answer"),
            result.get("sentence"),
            [cite(c) for c in result.get("citations") or []],
            [hit(h) for h in result.get("closest") or []],
        ],
        ensure_ascii=False,
    )


def _without_question(sig: str) -> str:
    return json.dumps(json.loads(sig)[1:], ensure_ascii=False) if sig.startswith("[") else sig


def top_source(result: dict) -> str | None:
    """The article the answer cites first, or (nothing found) the closest passage's article."""
    for key in ("citations", "closest"):
        items = result.get(key) or []
        if items:
            return items[0].get("article_id")
    return None


def device() -> str:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{platform.machine()}, {os.cpu_count()} cores{f' ({model})' if model else ''}, shared; loopback"


def make_client(url: str) -> Any:
    from gradio_client import Client

    return Client(url, verbose=False, analytics_enabled=False, download_files=False)


def ask(client: Any, question: str, timeout: float) -> dict:
    return client.submit(question, 5, api_name="/ask").result(timeout=timeout)


# the index and the server -------------------------------------------------------------------------------


def prepare_index(target: Path, *, fake: bool, source: Path | None) -> str:
    """Put a private copy of the index at ``target``; returns a description."""
    from rag.index import BuildOptions, build_index

    if fake:
        from rag.embed import FakeEmbedder

        build_index([ROOT / "seeds"], target, BuildOptions(embedder=FakeEmbedder(dim=64)))
        return "seeds/ with FakeEmbedder(64), built for this run"
    if source is None:
        from rag.settings import cache_dir

        source = cache_dir() / "test-indexes" / "seeds"
        if not (source / "CURRENT").is_file():
            # what tests/conftest.py's real_seed_index does
            build_index([ROOT / "seeds"], source, BuildOptions(lock_wait=900))
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.lock", ".CURRENT.*"))
    return f"copy of {source}"


class Server:
    """``python ui.py`` on a loopback port, killed on exit."""

    def __init__(
        self,
        index: Path,
        data: Path,
        log: Path,
        concurrency: int | None,
        reader: Path | None = None,
        extra: list[str] | None = None,
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}
        env["TRANSFORMERS_OFFLINE"] = "1"
        if concurrency is not None:
            env["GRADIO_DEFAULT_CONCURRENCY_LIMIT"] = str(concurrency)
        cmd = [sys.executable, str(ROOT / "ui.py"), "--host", "127.0.0.1", "--port", str(self.port)]
        cmd += ["--index", str(index), "--data", str(data)]
        if reader is not None:  # it never answers: every reply offers the closest passages
            cmd += ["--reader", str(reader)]
            env["RAG_READER_THRESHOLD"] = "1e9"
        cmd += extra or []
        self.log = log
        self._log = log.open("wb")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)

    def wait_ready(
        self, timeout: float, path: str = "config", headers: dict[str, str] | None = None
    ) -> float:
        """Seconds until ``GET path`` answers 200 (the page's config by default)."""
        import httpx

        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited ({self.proc.returncode}):\n{self.tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + path, headers=headers, timeout=5).status_code == 200:
                    return time.monotonic() - started
            time.sleep(0.25)
        raise TimeoutError(f"the server was not ready in {timeout:.0f} s:\n{self.tail()}")

    def tail(self, n: int = 3000) -> str:
        self._log.flush()
        return self.log.read_bytes()[-n:].decode("utf-8", "replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._log.close()


def upload_like_browser(url: str, path: Path, timeout: float) -> dict[str, Any]:
    """Upload ``path`` through the "文档" tab: the file upload, then the 加入索引 button's queued event. Returns
    the status text the page would show and how long each step took."""
    import httpx

    api = url + "gradio_api/"
    started = time.monotonic()
    steps: dict[str, Any] = {}
    with httpx.Client(timeout=timeout) as http:
        config = http.get(url + "config").json()
        ids = {c["props"].get("elem_id"): c["id"] for c in config["components"]}
        button, files = ids["rag-add"], ids["rag-files"]
        dep = next(d for d in config["dependencies"] if [button, "click"] in d["targets"])
        if dep["inputs"] != [files]:
            raise RuntimeError(f"unexpected inputs for the upload event: {dep['inputs']}")
        with path.open("rb") as f:
            r = http.post(api + "upload", files=[("files", (path.name, f, "text/plain"))])
        r.raise_for_status()
        file_data = {"path": r.json()[0], "orig_name": path.name, "meta": {"_type": "gradio.FileData"}}
        session = uuid.uuid4().hex[:11]
        payload = {
            "data": [[file_data]],
            "event_data": None,
            "fn_index": dep["id"],
            "trigger_id": button,
            "session_hash": session,
        }
        http.post(api + "queue/join", json=payload).raise_for_status()
        steps["file_upload_and_join_s"] = round(time.monotonic() - started, 2)
        deadline = started + timeout
        with http.stream("GET", api + "queue/data", params={"session_hash": session}) as stream:
            for line in stream.iter_lines():
                if time.monotonic() > deadline:
                    raise TimeoutError("the upload did not finish in time")
                if not line.startswith("data:"):
                    continue
                msg = json.loads(line[5:])
                if msg.get("msg") == "process_starts":
                    steps["queued_s"] = round(time.monotonic() - started - steps["file_upload_and_join_s"], 2)
                elif msg.get("msg") == "process_completed":
                    if not msg.get("success"):
                        raise RuntimeError(f"the upload failed: {msg.get('output')}")
                    steps["total_s"] = round(time.monotonic() - started, 2)
                    steps["status"] = str(msg["output"]["data"][0])
                    return steps
    raise RuntimeError("the upload's event stream ended without a result")


# the run ------------------------------------------------------------------------------------------------


class Record:
    __slots__ = ("done", "question", "result", "sent", "session")

    def __init__(self, session: int, question: str, sent: float, done: float, result: Any) -> None:
        self.session, self.question, self.sent, self.done, self.result = session, question, sent, done, result


def judge(record: Record, before: dict[str, str], after: dict[str, str], upload_end: float | None) -> str:
    """One request's outcome (see the module docstring)."""
    question, result = record.question, record.result
    sig = signature(result)
    if sig in (before[question], after[question]):
        late = upload_end is not None and record.sent > upload_end
        return "stale" if late and sig == before[question] != after[question] else "ok"
    if isinstance(result, dict) and result.get("question") not in (None, question):
        return "mixed_up"
    got = _without_question(sig)
    if any(
        got in (_without_question(before[q]), _without_question(after[q])) for q in before if q != question
    ):
        return "mixed_up"
    return "wrong"


def tally(
    records: list[Record], errors: list[str], hung: int, elapsed: float, outcome_of: Callable[[Record], str]
) -> dict[str, Any]:
    """What a run's report says of its requests: counts, throughput, each record's ``outcome_of`` (ok,
    mixed_up, wrong, stale) with the first bad ones, latency percentiles."""
    outcomes = {"ok": 0, "mixed_up": 0, "wrong": 0, "stale": 0}
    examples: list[dict[str, Any]] = []
    for r in records:
        outcome = outcome_of(r)
        outcomes[outcome] += 1
        if outcome != "ok" and len(examples) < ERRORS_KEPT:
            examples.append(
                {
                    "outcome": outcome,
                    "session": r.session,
                    "sent_s": round(r.sent, 2),
                    "asked": r.question,
                    "got": signature(r.result)[:400],
                }
            )
    lat = [(r.done - r.sent) * 1000 for r in records]
    return {
        "requests": len(records) + len(errors),
        "completed": len(records),
        "throughput_rps": round(len(records) / elapsed, 2) if elapsed else 0.0,
        "errors": len(errors),
        "error_messages": errors[:ERRORS_KEPT],
        **outcomes,
        "bad_examples": examples,
        "hung_threads": hung,
        "latency_ms": {
            "p50": round(percentile(lat, 50), 1),
            "p95": round(percentile(lat, 95), 1),
            "p99": round(percentile(lat, 99), 1),
            "max": round(max(lat), 1) if lat else 0.0,
            "mean": round(sum(lat) / len(lat), 1) if lat else 0.0,
        },
    }


def run_load(
    *,
    sessions: int = 50,
    seconds: float = 60.0,
    fake: bool = False,
    index: Path | None = None,
    concurrency: int | None = None,
    request_timeout: float = 120.0,
    upload_at: float | None = None,
    reader: Path | None = None,
) -> dict[str, Any]:
    """The benchmark; returns the report (see the module docstring). ``reader``: a reader directory for the
    server, told never to answer (default: the shipped reader; with ``fake``, a tiny random one)."""
    questions = [*QUESTIONS, NEW_QUESTION]
    started = time.monotonic()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="rag-load-") as tmp_name:
        tmp = Path(tmp_name)
        index_note = prepare_index(tmp / "index", fake=fake, source=index)
        new_file = tmp / f"{NEW_ID}.txt"
        new_file.write_text(NEW_ARTICLE, encoding="utf-8")
        if fake and reader is None:  # a tiny random reader, told never to answer (the short mode checks
            from rag.reader.fake import save_random_qa_model  # retrieval and serving)

            reader = save_random_qa_model(tmp / "reader")
        server = Server(tmp / "index", tmp / "uploads", tmp / "server.log", concurrency, reader)
        log_tail = ""
        try:
            startup = server.wait_ready(STARTUP_TIMEOUT)
            probe = make_client(server.url)
            first = {q: ask(probe, q, request_timeout) for q in questions}
            if top_source(first[NEW_QUESTION]) == NEW_ID:
                raise RuntimeError("the new article's question is answered before the upload")
            url = server.url
            records, upload, errors, hung, elapsed = drive(
                questions,
                sessions,
                seconds,
                request_timeout,
                seconds / 4 if upload_at is None else upload_at,
                connect=lambda i: make_client(url),
                ask=lambda client, i, question: ask(client, question, request_timeout),
                upload=lambda: upload_like_browser(url, new_file, request_timeout),
            )
            last = {q: ask(probe, q, request_timeout) for q in questions}
            with contextlib.suppress(Exception):
                probe.close()
        finally:
            server.stop()
            log_text = server.log.read_text("utf-8", "replace")
            if server.proc.returncode not in (0, -15):
                log_tail = server.tail(2000)
    before = {q: signature(r) for q, r in first.items()}
    after = {q: signature(r) for q, r in last.items()}
    served_new = [r.done for r in records if r.question == NEW_QUESTION and top_source(r.result) == NEW_ID]
    new = last[NEW_QUESTION]
    report: dict[str, Any] = {
        "sessions": sessions,
        "seconds": seconds,
        "elapsed_s": round(elapsed, 1),
        "questions": len(questions),
        **tally(records, errors, hung, elapsed, lambda r: judge(r, before, after, upload.get("end_s"))),
        "upload": upload,
        "new_article": {
            "id": NEW_ID,
            "question": NEW_QUESTION,
            "top_source_before": top_source(first[NEW_QUESTION]),
            "top_source_after": top_source(new),
            "answer_after": new.get("answer"),
            "retrievable_after": top_source(new) == NEW_ID,
            "answered_after": bool(new.get("found")) and NEW_ANSWER in (new.get("answer") or ""),
            "first_served_to_a_session_s": round(min(served_new), 2) if served_new else None,
        },
        "changed_by_upload": sorted(q for q in QUESTIONS if before[q] != after[q]),
        "server_log_tracebacks": log_text.count("Traceback"),
        "server_log_errors": sum(" ERROR " in line for line in log_text.splitlines()),
        "index": index_note,
        "reader": str(reader) if reader is not None else "the shipped reader",
        "server": "python ui.py (subprocess), shipped queue settings"
        + (f", GRADIO_DEFAULT_CONCURRENCY_LIMIT={concurrency}" if concurrency is not None else ""),
        "server_startup_s": round(startup, 1),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "device": device(),
        "total_seconds": round(time.monotonic() - started, 1),
    }
    if log_tail:
        report["server_log_tail"] = log_tail
    return report


def drive(
    questions: list[str],
    sessions: int,
    seconds: float,
    request_timeout: float,
    upload_at: float,
    *,
    connect: Callable[[int], Any],
    ask: Callable[[Any, int, str], Any],
    upload: Callable[[], dict[str, Any]],
) -> tuple[list[Record], dict[str, Any], list[str], int, float]:
    """The sessions and the upload: session ``i`` gets its client from ``connect(i)`` and asks with
    ``ask(client, i, question)`` over the questions in its own rotation, one after another, for ``seconds``;
    ``upload()`` runs ``upload_at`` seconds in. Returns (records, upload, errors, threads still running,
    elapsed s)."""
    records: list[Record] = []
    errors: list[str] = []
    lock = threading.Lock()
    t0: list[float] = []  # set once, by the barrier, before any thread goes on
    ready = threading.Barrier(
        sessions + 2, action=lambda: t0.append(time.monotonic()), timeout=STARTUP_TIMEOUT
    )
    uploaded: dict[str, Any] = {}

    def clock() -> float:
        return time.monotonic() - t0[0]

    def session(i: int) -> None:
        client = None
        try:
            client = connect(i)
        except Exception as exc:  # reported
            with lock:
                errors.append(f"session {i}: connect: {type(exc).__name__}: {exc}"[:300])
        with contextlib.suppress(threading.BrokenBarrierError):
            ready.wait()
        if client is None or not t0:
            return
        j = i * len(questions) // sessions  # the sessions start spread over the rotation
        while clock() < seconds:
            question = questions[j % len(questions)]
            j += 1
            sent = clock()
            try:
                result = ask(client, i, question)
            except Exception as exc:  # reported
                with lock:
                    errors.append(f"session {i} at {sent:.1f} s: {type(exc).__name__}: {exc}"[:300])
                continue
            with lock:
                records.append(Record(i, question, sent, clock(), result))
        with contextlib.suppress(Exception):
            client.close()

    def uploader() -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            ready.wait()
        if not t0:
            return
        time.sleep(max(0.0, upload_at - clock()))
        uploaded["start_s"] = round(clock(), 2)
        try:
            uploaded.update(upload())
            uploaded["ok"] = True
        except Exception as exc:  # reported
            uploaded["ok"] = False
            uploaded["status"] = f"{type(exc).__name__}: {exc}"[:500]
        uploaded["end_s"] = round(clock(), 2)

    threads = [threading.Thread(target=session, args=(i,), daemon=True) for i in range(sessions)]
    threads.append(threading.Thread(target=uploader, daemon=True))
    for t in threads:
        t.start()
    try:
        ready.wait()
    except threading.BrokenBarrierError:
        raise RuntimeError(f"the sessions did not all connect: {errors[:ERRORS_KEPT]}") from None
    deadline = time.monotonic() + seconds + request_timeout + 30
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    with lock:
        return list(records), dict(uploaded), list(errors), sum(t.is_alive() for t in threads), clock()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--fake", action="store_true", help="FakeEmbedder index (the short mode; no model)")
    parser.add_argument("--index", type=Path, help="copy this index (default: the cached real seeds index)")
    parser.add_argument(
        "--concurrency", type=int, help="GRADIO_DEFAULT_CONCURRENCY_LIMIT for the server (default: unset = 1)"
    )
    parser.add_argument("--upload-at", type=float, help="seconds into the run (default: a quarter of it)")
    parser.add_argument("--reader", type=Path, help="a reader directory, told never to answer")
    parser.add_argument("--request-timeout", type=float, default=120.0, help="seconds per request")
    parser.add_argument(
        "--out", type=Path, help="also write the JSON here (e.g. benchmarks/results/load.json)"
    )
    args = parser.parse_args(argv)
    if not 1 <= args.sessions <= 200 or not 0 < args.seconds <= 600:
        parser.error("--sessions must be 1..200 and --seconds 0..600")
    report = run_load(
        sessions=args.sessions,
        seconds=args.seconds,
        fake=args.fake,
        index=args.index,
        concurrency=args.concurrency,
        request_timeout=args.request_timeout,
        upload_at=args.upload_at,
        reader=args.reader,
    )
    text = json.dumps(report, ensure_ascii=False, indent=1)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    bad = report["errors"] + report["mixed_up"] + report["wrong"] + report["stale"] + report["hung_threads"]
    return 0 if bad == 0 and report["new_article"]["retrievable_after"] else 1


if __name__ == "__main__":
    sys.exit(main())
