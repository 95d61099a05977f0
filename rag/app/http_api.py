"""The HTTP API as one FastAPI application: the REST API under ``/api`` (:mod:`rag.app.rest_api`), the
OpenAI-compatible one under ``/v1`` (:mod:`rag.app.openai_api`), their OpenAPI docs at ``/docs``, over the chat
UI's :class:`~rag.app.backend.Backend`. ``ui.py`` mounts the Gradio page on the same app at ``/``, so one
process serves all three on one port.

Errors are JSON in OpenAI's shape (``{"error": {"message", "type", "code", "param"}}``, see
:mod:`rag.app.service`), for every route under ``/api`` and ``/v1``, unknown ones included (404, 405), and for
bodies FastAPI refuses (422). A body must say its length (411 otherwise) and stay under 2 MB (uploads: 10 × 5 MB
and 1 MB of form); over it, 413 before a byte is read.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import NoReturn

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import PlainTextResponse, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from rag.app.backend import MAX_UPLOAD_BYTES, Backend
from rag.app.messages import code_message
from rag.app.openai_api import openai_router
from rag.app.rest_api import MAX_UPLOAD_FILES, rest_router
from rag.app.service import ApiError, ApiOptions, Service, error_response, rag_error
from rag.errors import RagError

__all__ = ["API_PREFIXES", "MAX_BODY_BYTES", "MAX_UPLOAD_BODY_BYTES", "create_api"]

log = logging.getLogger("rag.api")

API_PREFIXES = ("/api/", "/v1/")
MAX_BODY_BYTES = 2 * 2**20
MAX_UPLOAD_BODY_BYTES = MAX_UPLOAD_FILES * MAX_UPLOAD_BYTES + 2**20
_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]
_STATUS_CODES = {
    400: "invalid_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
}

DESCRIPTION = """Answers quoted from Chinese news articles, with citations. The same answers as the chat UI at
`/`: a REST API under `/api` and an OpenAI-compatible one under `/v1` (point any OpenAI client's base URL at
`http://HOST:PORT/v1`). With `--api-key KEY` (or `$RAG_API_KEY`) every request needs
`Authorization: Bearer KEY`. Errors: `{"error": {"message", "type", "code", "param"}}`."""


def _is_api(path: str) -> bool:
    return path.startswith(API_PREFIXES) or path in ("/api", "/v1")


def _mb(n: int) -> str:
    return f"{n / 2**20:.1f} MB"


class BodyLimit:
    """Refuses an API request body with no declared length (411) or a length over its route's limit (413),
    before the application reads it (the server never delivers more than the declared length)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH") or not _is_api(path):
            await self.app(scope, receive, send)
            return
        limit = MAX_UPLOAD_BODY_BYTES if path.rstrip("/") == "/api/documents" else MAX_BODY_BYTES
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        error = None
        if length is None or not length.isdigit():
            error = ApiError(411, "length_required")
        elif int(length) > limit:
            message = code_message("request_too_large", size=_mb(int(length)), limit=_mb(limit))
            error = ApiError(413, "request_too_large", message)
        if error is None:
            await self.app(scope, receive, send)
        else:
            await error_response(error)(scope, receive, send)


def _validation_error(exc: RequestValidationError) -> ApiError:
    errors = list(exc.errors())

    def where(e: dict) -> str:
        return ".".join(str(x) for x in e.get("loc", ()) if x != "body")

    said = "; ".join(f"{where(e) or 'body'}: {e.get('msg', '')}" for e in errors[:3])
    message = f"{code_message('invalid_request')}：{said}" if said else code_message("invalid_request")
    return ApiError(422, "invalid_request", message, param=(where(errors[0]) or None) if errors else None)


def _install_handlers(app: FastAPI) -> None:
    async def on_api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return error_response(exc)

    async def on_rag_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RagError)
        return error_response(rag_error(exc))

    async def on_invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return error_response(_validation_error(exc))

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        code = _STATUS_CODES.get(exc.status_code, "invalid_request")
        detail = exc.detail if isinstance(exc.detail, str) else code_message(code)
        return error_response(ApiError(exc.status_code, code, detail, headers=exc.headers))

    async def on_crash(request: Request, exc: Exception) -> Response:
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        if not _is_api(request.url.path):  # the mounted page's own failure: no API body
            return PlainTextResponse("Internal Server Error", status_code=500)
        return error_response(ApiError(500, "internal_error"))

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(RagError, on_rag_error)
    app.add_exception_handler(RequestValidationError, on_invalid)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_crash)


def _add_fallbacks(app: FastAPI, routers: Sequence[APIRouter]) -> None:
    """Unknown routes and methods under ``/api`` and ``/v1`` answer here (JSON 404 / 405), never reaching
    the page mounted at ``/``."""
    known = [r for router in routers for r in router.routes if isinstance(r, APIRoute)]

    async def unknown(request: Request) -> NoReturn:
        path = request.url.path
        allowed = sorted({m for r in known if r.path_regex.match(path) for m in r.methods or ()})
        if allowed:
            raise ApiError(405, "method_not_allowed", headers={"Allow": ", ".join(allowed)})
        raise ApiError(404, "not_found")

    for prefix in ("/api", "/v1"):
        for path in (prefix, f"{prefix}/{{rest:path}}"):
            app.add_api_route(path, unknown, methods=_METHODS, include_in_schema=False, response_model=None)


def create_api(backend: Backend, options: ApiOptions | None = None) -> FastAPI:
    """The API over ``backend`` (see the module doc); mount the UI on it with ``gr.mount_gradio_app(app,
    blocks, path="/")``. Its worker pools shut down with the app's lifespan."""
    options = options or ApiOptions()
    service = Service(backend, options)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            service.close()

    app = FastAPI(
        title="rag-news",
        summary="Answers quoted from Chinese news articles, with citations",
        description=DESCRIPTION,
        version="0.1.0",
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.service = service
    routers = [rest_router(service), openai_router(service)]
    for router in routers:
        app.include_router(router)
    _add_fallbacks(app, routers)
    _install_handlers(app)
    app.add_middleware(BodyLimit)
    if options.cors:  # outermost: preflights are answered before anything else; Gradio then adds no CORS
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(options.cors),
            allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type"],
            max_age=600,
        )
    return app
