"""What the HTTP API's endpoints share (:mod:`rag.app.rest_api`, :mod:`rag.app.openai_api`): its options, the
worker pools, the key and readiness checks, and errors as OpenAI-shaped JSON.

Answering runs in a pool of ``workers`` threads (default: one per core, at most 8), each on one torch
intra-op thread, so that N questions use the N cores without oversubscribing them; the event loop only waits.
Uploads and removals run on one more thread, the index writer, one at a time (the Backend's lock and the
index's ``flock`` serialize them with the chat UI's too). Nothing here waits in Gradio's queue.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import JSONResponse

from rag.app.backend import Backend
from rag.app.messages import code_message, user_message
from rag.errors import BadFilterError, BadQuestionError, DocumentError, RagError

__all__ = [
    "RETRY_AFTER_S",
    "ApiError",
    "ApiOptions",
    "Service",
    "default_workers",
    "error_response",
    "rag_error",
]

log = logging.getLogger("rag.api")
T = TypeVar("T")
RETRY_AFTER_S = 5

_TYPES = {401: "authentication_error"}  # else: 5xx server_error, 4xx invalid_request_error
_STATUS_BY_CODE = {
    "unknown_article": 404,
    "index_in_memory": 409,
    "too_large": 413,
    "index_busy": 503,
    "store_unreachable": 503,
}


def default_workers() -> int:
    """One answering thread per core this process may run on, at most 8."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(8, cores))


@dataclass(frozen=True)
class ApiOptions:
    """``api_key``: required as ``Authorization: Bearer KEY`` on ``/api`` and ``/v1`` ("" = no key);
    ``login``: the UI has a login (``--auth``): then, without a key, the API refuses every request rather
    than be the open door beside a locked one; ``cors``: origins a browser may call from (none: CORS off);
    ``ready``: False while the index and the model are still loading (the endpoints answer 503)."""

    api_key: str = ""
    login: bool = False
    cors: Sequence[str] = ()
    workers: int = field(default_factory=default_workers)
    ready: Callable[[], bool] = lambda: True


class ApiError(Exception):
    """An error the API answers with: HTTP ``status``, a stable ``code`` and a message (by default the one
    :mod:`rag.app.messages` has for the code)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str | None = None,
        *,
        param: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.status, self.code, self.param = status, code, param
        self.message = message if message is not None else code_message(code)
        self.headers = dict(headers or {})
        super().__init__(self.message)


def error_response(exc: ApiError) -> JSONResponse:
    kind = _TYPES.get(exc.status) or ("server_error" if exc.status >= 500 else "invalid_request_error")
    body = {"error": {"message": exc.message, "type": kind, "code": exc.code, "param": exc.param}}
    return JSONResponse(body, status_code=exc.status, headers=exc.headers)


def rag_error(exc: RagError) -> ApiError:
    """The API error for one of the library's: a bad question, filter or document is the client's (400), an
    unknown article 404, a busy index 503 (retry), a damaged index or model the server's (500, its own
    message)."""
    if isinstance(exc, BadQuestionError | BadFilterError | DocumentError):
        status = _STATUS_BY_CODE.get(exc.code, 400)
    else:
        status = _STATUS_BY_CODE.get(exc.code, 500)
    headers = {"Retry-After": str(RETRY_AFTER_S)} if status == 503 else None
    return ApiError(status, exc.code, user_message(exc), headers=headers)


class Service:
    """The backend (the same one the chat UI uses), the pools and the checks, for the routers."""

    def __init__(self, backend: Backend, options: ApiOptions) -> None:
        self.backend = backend
        self.options = options
        threads = _torch_threads()
        self._answers = ThreadPoolExecutor(
            options.workers, thread_name_prefix="rag-answer", initializer=_set_torch_threads, initargs=(1,)
        )
        # indexing an upload batches many texts: it keeps the process's intra-op threads
        self._writer = ThreadPoolExecutor(
            1, thread_name_prefix="rag-writer", initializer=_set_torch_threads, initargs=(threads,)
        )

    async def answer(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` on an answering thread."""
        return await asyncio.get_running_loop().run_in_executor(self._answers, functools.partial(fn, *args))

    async def write(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` on the index writer's thread."""
        return await asyncio.get_running_loop().run_in_executor(self._writer, functools.partial(fn, *args))

    async def authorize(self, request: Request) -> None:
        """A dependency: the API key, when one is set (or refusal, when the UI has a login and no key is)."""
        key = self.options.api_key
        if not key:
            if self.options.login:
                raise ApiError(401, "api_key_required")
            return
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), key.encode()):
            raise ApiError(401, "invalid_api_key", headers={"WWW-Authenticate": "Bearer"})

    async def require_ready(self) -> None:
        """A dependency: 503 with Retry-After while the index and the model are still loading."""
        if not self.options.ready():
            raise ApiError(503, "loading", headers={"Retry-After": str(RETRY_AFTER_S)})

    def close(self) -> None:
        self._answers.shutdown(wait=False, cancel_futures=True)
        self._writer.shutdown(wait=False, cancel_futures=True)


def _torch_threads() -> int:
    import torch

    return int(torch.get_num_threads())


def _set_torch_threads(n: int) -> None:
    import torch

    torch.set_num_threads(n)
