"""The HTTP API served beside the page by ``python ui.py``: its requests run in their own worker pool (never
in Gradio's queue), the page's gradio_client API is unchanged on the shared port, and ``ui.main`` wires the
key (flag or ``$RAG_API_KEY``), the warm-up (503 until ready) and its log lines."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_cases import QUESTION, UNANSWERED, free_port

from rag.app.backend import Backend
from rag.types import Answer


def test_the_api_does_not_wait_in_gradios_queue(
    serve_api: Any, fake_seed_index: Path, tmp_path: Path
) -> None:
    from gradio_client import Client

    backend = Backend(fake_seed_index, tmp_path / "up")
    ask = backend.ask
    release = threading.Event()
    together = threading.Barrier(3, timeout=30)  # passed only when three answers run at the same time
    asked: list[str] = []

    def slow_ask(question: str, history: Any = None, k: int = 5, **filters: Any) -> Any:
        asked.append(question)
        if question == "慢":
            release.wait(60)  # holds the page's one /ask slot
        elif question.startswith("睡"):
            together.wait()  # raises BrokenBarrierError (a 500) unless all three are in at once
            return Answer(question, False)
        return ask(UNANSWERED, history, k, **filters)

    backend.ask = slow_ask  # type: ignore[method-assign]
    url = serve_api(backend, workers=3)
    job = Client(f"{url}/", verbose=False).submit("慢", 5, api_name="/ask")
    deadline = time.monotonic() + 30
    while "慢" not in asked:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    try:
        results: list[int] = []

        def call(q: str) -> None:
            results.append(httpx.post(f"{url}/api/answer", json={"question": q}, timeout=60).status_code)

        threads = [threading.Thread(target=call, args=(f"睡{i}",)) for i in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert results == [200, 200, 200]  # three answers side by side, while the page's /ask still waits
        assert not job.done()
    finally:
        release.set()
    assert job.result(timeout=60)["found"] is False


def test_the_pages_api_is_unchanged_beside_it(serve_api: Any, fake_seed_index: Path, tmp_path: Path) -> None:
    from gradio_client import Client

    client = Client(serve_api(Backend(fake_seed_index, tmp_path / "up")) + "/", verbose=False)
    result = client.predict("包頭市政務服務指標", 3, api_name="/retrieve")
    assert [h["rank"] for h in result["hits"]] == [1, 2, 3]
    assert result["hits"][0]["article_id"] == "002_8909f741626f9bc1"
    assert client.predict(UNANSWERED, api_name="/ask")["found"] is False
    with pytest.raises(Exception, match="问题是空的"):
        client.predict("   ", api_name="/ask")
    box, history, _ = client.predict(UNANSWERED, [], api_name="/chat")
    assert box == "" and [m["role"] for m in history] == ["user", "assistant"]


def test_main_serves_the_api_with_the_key_from_the_environment_and_503_until_warm(
    ui_module: Any,
    fake_index_copy: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    known_reader: Any,
) -> None:
    from rag.app.serving import HttpServer

    warm, stop = threading.Event(), threading.Event()
    warm_up = Backend.warm_up

    def gated_warm_up(self: Backend) -> None:
        warm.wait(60)
        warm_up(self)

    monkeypatch.setattr(Backend, "warm_up", gated_warm_up)
    monkeypatch.setattr(HttpServer, "block", lambda self: stop.wait(120))
    monkeypatch.setenv("RAG_API_KEY", "from-env")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    argv = ["--index", str(fake_index_copy), "--data", str(tmp_path / "up"), "--port", str(port)]
    code: list[int] = []
    caplog.set_level(logging.INFO, logger="rag")
    thread = threading.Thread(target=lambda: code.append(ui_module.main(argv)), daemon=True)
    thread.start()
    try:
        key = {"Authorization": "Bearer from-env"}
        deadline = time.monotonic() + 60
        while True:
            assert time.monotonic() < deadline and thread.is_alive()
            try:
                response = httpx.post(f"{base}/api/answer", json={"question": QUESTION}, headers=key)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert response.status_code == 503 and response.headers["retry-after"] == "5"
        assert response.json()["error"]["code"] == "loading"
        assert httpx.get(f"{base}/").status_code == 200  # the page serves meanwhile
        assert httpx.post(f"{base}/api/answer", json={"question": QUESTION}).status_code == 401
        warm.set()
        while "ready in" not in caplog.text:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        answered = httpx.post(f"{base}/api/answer", json={"question": QUESTION}, headers=key, timeout=60)
        assert answered.status_code == 200 and answered.json()["answer"] == "97.54"
    finally:
        warm.set()
        stop.set()
        thread.join(60)
    assert code == [0]
    assert f"serving at {base}" in caplog.text
    assert f"OpenAI-compatible base URL {base}/v1 (key required)" in caplog.text


def test_main_refuses_a_taken_port_and_bad_workers(
    ui_module: Any, fake_seed_index: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import socket

    argv = ["--index", str(fake_seed_index), "--data", str(tmp_path / "up")]
    assert ui_module.main([*argv, "--workers", "0"]) == 2
    assert "--workers must be at least 1" in capsys.readouterr().err
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert ui_module.main([*argv, "--port", str(port)]) == 2
    assert f"cannot serve on 127.0.0.1:{port}" in capsys.readouterr().err


def test_the_answering_pool_has_workers_threads_each_on_one_torch_thread(
    fake_seed_index: Path, tmp_path: Path
) -> None:
    import asyncio

    import torch

    from rag.app.service import ApiOptions, Service

    service = Service(Backend(fake_seed_index, tmp_path / "up"), ApiOptions(workers=2))
    seen: list[tuple[str, int]] = []

    def work() -> None:
        time.sleep(0.6)
        seen.append((threading.current_thread().name, torch.get_num_threads()))

    async def four() -> float:
        started = time.monotonic()
        await asyncio.gather(*(service.answer(work) for _ in range(4)))
        return time.monotonic() - started

    try:
        elapsed = asyncio.run(four())
    finally:
        service.close()
    assert elapsed >= 1.2, elapsed  # four 0.6 s answers on two threads: two rounds, never four at once
    names = {name for name, _ in seen}
    assert len(names) == 2 and all(name.startswith("rag-answer") for name in names), names
    assert [threads for _, threads in seen] == [1, 1, 1, 1]


def test_the_default_pool_is_one_thread_per_core_at_most_eight(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from rag.app.service import ApiOptions, default_workers

    for cores, workers in ((1, 1), (2, 2), (6, 6), (64, 8)):
        monkeypatch.setattr(os, "sched_getaffinity", lambda pid, n=cores: set(range(n)))
        assert default_workers() == workers
        assert ApiOptions().workers == workers
