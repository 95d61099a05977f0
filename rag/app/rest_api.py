"""The REST API under ``/api``: answers, retrieval, the articles, uploads and removals, over the chat UI's
:class:`~rag.app.backend.Backend` (same checks, same messages). Bodies are :mod:`rag.app.schemas`.

``since`` / ``until`` (ISO dates, inclusive) and ``outlets`` filter the articles searched, as the chat UI's
筛选 panel does; a bad date is a 400 ``bad_date`` (``bad_date_range`` when ``since`` is after ``until``).

| route | what |
|---|---|
| ``POST /api/answer`` | ``{question, k, history, since, until, outlets}`` → the Answer (``Answer.to_dict()``) |
| ``POST /api/retrieve`` | ``{question, k, history, since, until, outlets}`` → the k best passages, scored |
| ``GET /api/articles`` | the indexed articles with their chunk counts, dates and URLs |
| ``GET /api/outlets`` | the indexed articles' outlets, most articles first (what ``outlets`` may name) |
| ``POST /api/documents`` | multipart ``files`` (up to 10, 5 MB each, .txt .md .html .htm) → indexed |
| ``DELETE /api/documents/{article_id}`` | the article removed from the index (an upload's file too) |
| ``GET /api/health`` | 200 once the index and the model are loaded (503 with Retry-After before) |
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, UploadFile

from rag.app import render_html as R
from rag.app.backend import MAX_UPLOAD_BYTES, Backend, UploadReport, too_large_message
from rag.app.messages import code_message
from rag.app.schemas import (
    AnswerOut,
    AnswerRequest,
    ArticleOut,
    ArticlesResponse,
    DocumentOut,
    DocumentsResponse,
    ErrorResponse,
    HealthResponse,
    HitOut,
    OutletsResponse,
    RemovalResponse,
    RetrieveRequest,
    RetrieveResponse,
)
from rag.app.service import ApiError, Service

__all__ = ["MAX_UPLOAD_FILES", "rest_router"]

MAX_UPLOAD_FILES = 10
_ERRORS = {s: {"model": ErrorResponse} for s in (400, 401, 404, 409, 413, 422, 500, 503)}


def _ignore_progress(fraction: float, message: str) -> None:
    pass


def _add_uploads(backend: Backend, files: list[UploadFile]) -> UploadReport:
    """Save the uploads in a private folder (each under its safe name, in its own subfolder) and index them."""
    with tempfile.TemporaryDirectory(prefix="rag-upload-") as tmp:
        paths = []
        for i, upload in enumerate(files):
            path = Path(tmp) / str(i) / R.safe_filename(upload.filename or "upload")
            path.parent.mkdir()
            upload.file.seek(0)
            path.write_bytes(upload.file.read())
            paths.append(path)
        return backend.add_documents(paths, _ignore_progress)


def rest_router(service: Service) -> APIRouter:
    """The ``/api`` routes, every one behind the key check and the readiness check."""
    router = APIRouter(
        prefix="/api",
        dependencies=[Depends(service.authorize), Depends(service.require_ready)],
        responses=_ERRORS,  # type: ignore[arg-type]  # FastAPI's own annotation is wider than it reads
    )
    _answer_routes(router, service)
    _document_routes(router, service)
    return router


def _answer_routes(router: APIRouter, service: Service) -> None:
    backend = service.backend

    @router.post("/answer", response_model=AnswerOut, tags=["answers"])
    async def answer(body: AnswerRequest) -> AnswerOut:
        """Answer a question from the indexed articles: the short answer, its sentence, numbered citations
        with character offsets, dates, URLs and reprints; when nothing supports an answer, ``found`` is false
        and ``closest`` holds the closest passages (none when the filter lets no article through: then
        ``notice`` says so). 400 for an empty or punctuation-only question, or a bad date."""
        history = [(t.question, t.answer) for t in body.history]
        ask = functools.partial(backend.ask, since=body.since, until=body.until, outlets=body.outlets)
        result = await service.answer(ask, body.question, history, body.k)
        return AnswerOut.model_validate(result.to_dict())

    @router.post("/retrieve", response_model=RetrieveResponse, tags=["answers"])
    async def retrieve(body: RetrieveRequest) -> RetrieveResponse:
        """The k passages that best match the question (a follow-up read against ``history``), best first,
        with their fused, dense and BM25 scores, among the articles the filter lets through (none when it
        lets none through). 400 for an empty or punctuation-only question, or a bad date."""
        history = [(t.question, t.answer) for t in body.history]

        def run() -> RetrieveResponse:
            resolved = backend.resolve(body.question, history) if history else ""
            hits = backend.retrieve(
                resolved or body.question, body.k, since=body.since, until=body.until, outlets=body.outlets
            )
            out = [HitOut.model_validate(h.to_dict()) for h in hits]
            return RetrieveResponse(question=body.question, resolved_question=resolved, hits=out)

        return await service.answer(run)

    @router.get("/health", response_model=HealthResponse, tags=["service"])
    async def health() -> HealthResponse:
        """200 once the index and the model are loaded; 503 with Retry-After while they load."""
        index = await service.answer(backend.index)
        return HealthResponse(status="ready", articles=len(index.articles), chunks=len(index.chunks))


def _document_routes(router: APIRouter, service: Service) -> None:
    backend = service.backend

    @router.get("/articles", response_model=ArticlesResponse, tags=["documents"])
    async def articles() -> ArticlesResponse:
        """The indexed articles, uploads first, with their chunk counts."""
        entries = await service.answer(backend.articles)
        listed = [ArticleOut.model_validate(e, from_attributes=True) for e in entries]
        return ArticlesResponse(articles=listed, chunks=sum(a.chunks for a in listed))

    @router.get("/outlets", response_model=OutletsResponse, tags=["documents"])
    async def outlets() -> OutletsResponse:
        """The outlets of the indexed articles, most articles first: the names ``outlets`` may give."""
        return OutletsResponse(outlets=await service.answer(backend.outlets))

    @router.post("/documents", response_model=DocumentsResponse, tags=["documents"])
    async def add_documents(
        files: Annotated[list[UploadFile], File(description="up to 10 files, 5 MB each")],
    ) -> DocumentsResponse:
        """Index uploaded articles (.txt, .md, .html, .htm; 5 MB each; encodings detected) with the checks
        of the UI's 文档 tab, and keep them in the uploads folder. 413 when a file is over 5 MB (nothing is
        indexed); 400 when every file is refused; else 200 with what became of each file."""
        if len(files) > MAX_UPLOAD_FILES:
            message = code_message("too_many_files", limit=MAX_UPLOAD_FILES)
            raise ApiError(400, "too_many_files", message, param="files")
        for upload in files:
            size = upload.size if upload.size is not None else _measure(upload)
            if size > MAX_UPLOAD_BYTES:
                name = R.one_line(upload.filename or "upload")
                raise ApiError(413, "too_large", f"{name}：{too_large_message(size)}", param="files")
        report = await service.write(_add_uploads, backend, files)
        if report.files and all(f.status == "refused" for f in report.files):
            message = "；".join(f.message for f in report.files)
            raise ApiError(400, report.files[0].code or "document", message, param="files")
        documents = [DocumentOut.model_validate(f, from_attributes=True) for f in report.files]
        return DocumentsResponse(
            documents=documents, indexed=report.indexed, articles=report.articles, chunks=report.chunks
        )

    @router.delete("/documents/{article_id}", response_model=RemovalResponse, tags=["documents"])
    async def remove_document(article_id: str) -> RemovalResponse:
        """Remove an article from the index (an uploaded one's file too; a built-in one comes back with
        ``make run``). 404 for an id the index does not hold (see ``GET /api/articles``)."""
        removal = await service.write(backend.remove_article, article_id)
        return RemovalResponse(
            article_id=removal.article_id,
            title=removal.title,
            articles=removal.articles,
            chunks=removal.chunks,
            message=removal.message,
        )


def _measure(upload: UploadFile) -> int:
    upload.file.seek(0, 2)
    size = upload.file.tell()
    upload.file.seek(0)
    return size
