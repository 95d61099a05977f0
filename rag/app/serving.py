"""Serving one ASGI application (the API with the chat UI mounted on it, see ``ui.py``) from a background
thread, and the background warm-up that runs while it serves."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import uvicorn

__all__ = ["Background", "HttpServer"]


class Background:
    """Run ``fn`` in a daemon thread; :attr:`done` says whether it has finished, :meth:`wait` returns the
    exception it raised, if any."""

    def __init__(self, fn: Callable[[], Any], name: str = "rag-warm-up") -> None:
        self._error: BaseException | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(fn,), name=name, daemon=True)
        self._thread.start()

    def _run(self, fn: Callable[[], Any]) -> None:
        try:
            fn()
        except BaseException as exc:  # reported by wait()
            self._error = exc
        finally:
            self._done.set()

    @property
    def done(self) -> bool:
        """Finished, and without an error (a failed warm-up stops the server instead)."""
        return self._done.is_set() and self._error is None

    def wait(self) -> BaseException | None:
        self._thread.join()
        return self._error


class HttpServer:
    """``app`` served by uvicorn on ``host:port`` from a daemon thread, until :meth:`close`."""

    def __init__(self, app: Any, host: str, port: int) -> None:
        self.host, self.port = host, port
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="rag-http", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        """Serve; returns once the socket listens and the app has started. OSError when it cannot (the
        port is taken, the address is not this machine's): uvicorn has logged why."""
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.close()
                raise OSError(f"cannot serve on {self.host}:{self.port}")
            time.sleep(0.01)

    def block(self) -> None:
        """Wait until the server stops (Ctrl-C: KeyboardInterrupt in the caller)."""
        while self._thread.is_alive():
            self._thread.join(0.2)

    def close(self) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(30)
