"""The OpenAI-compatible API under ``/v1``, for chat front ends (Open WebUI, LobeChat, Chatbox) and the
``openai`` SDK: ``POST /v1/chat/completions`` (plain, or ``stream: true`` server-sent events) and
``GET /v1/models``. Bodies are :mod:`rag.app.openai_schemas`.

The last message is the question; the earlier user and assistant messages are the conversation, read back as
the chat UI reads its own (:func:`rag.app.render_html.history_pairs`), so a follow-up (``那宝鸡呢？``) is
understood. The reply's ``content`` is the chat UI's Markdown for the answer
(:func:`rag.app.render_html.answer_markdown`): the short answer in bold, the quote, numbered sources; a
question nothing answers gets the not-found reply with the closest passages, as an ordinary reply. The
structured answer rides along in the extension field ``answer``. The extension fields ``since``, ``until`` and
``outlets`` (or the same keys in ``metadata``) filter the articles searched, as ``POST /api/answer``'s do.
"""

from __future__ import annotations

import functools
import json
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from rag.app import render_html as R
from rag.app.openai_schemas import (
    MODEL_ID,
    AssistantMessage,
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    ChatMessage,
    Choice,
    ChunkChoice,
    Delta,
    ModelCard,
    ModelList,
    Usage,
)
from rag.app.schemas import MAX_TURNS, AnswerOut, ErrorResponse
from rag.app.service import ApiError, Service

__all__ = ["conversation", "openai_router", "sse_events"]

_ERRORS = {s: {"model": ErrorResponse} for s in (400, 401, 404, 422, 500, 503)}
_STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def conversation(messages: Sequence[ChatMessage]) -> tuple[str, list[tuple[str, str]]]:
    """The question (the last message, which must be the user's) and the earlier turns as (question, answer)
    pairs (the last :data:`~rag.app.schemas.MAX_TURNS`); system and tool messages are not read."""
    if not messages or messages[-1].role != "user":
        raise ApiError(400, "no_question", param="messages")
    question = R.message_text(messages[-1].model_dump())
    earlier = [m.model_dump() for m in messages[:-1] if m.role in ("user", "assistant")]
    return question, R.history_pairs(earlier, escaped=False)[-MAX_TURNS:]


def _chunk(ident: str, created: int, model: str, choices: list[ChunkChoice], **extra: Any) -> str:
    """One event: the chunk as JSON, without the null fields OpenAI leaves out (empty delta fields, and
    ``usage`` / ``answer`` where they do not belong)."""
    chunk = ChatCompletionChunk(id=ident, created=created, model=model, choices=choices, **extra)
    data = chunk.model_dump(mode="json")
    for choice in data["choices"]:
        choice["delta"] = {k: v for k, v in choice["delta"].items() if v is not None}
    for key in ("usage", "answer"):
        if data[key] is None:
            del data[key]
    return "data: " + json.dumps(data, ensure_ascii=False, separators=(",", ":"))


async def sse_events(
    ident: str, created: int, model: str, content: str, answer: AnswerOut, *, usage: bool = False
) -> AsyncIterator[str]:
    """The streamed reply: the role, the content line by line (joined they are ``content``), the finish with
    the structured answer, the usage when asked for, and ``data: [DONE]``."""
    yield _chunk(ident, created, model, [ChunkChoice(delta=Delta(role="assistant", content=""))]) + "\n\n"
    for line in content.splitlines(keepends=True):
        yield _chunk(ident, created, model, [ChunkChoice(delta=Delta(content=line))]) + "\n\n"
    finish = [ChunkChoice(delta=Delta(), finish_reason="stop")]
    yield _chunk(ident, created, model, finish, answer=answer) + "\n\n"
    if usage:
        yield _chunk(ident, created, model, [], usage=Usage()) + "\n\n"
    yield "data: [DONE]\n\n"


def openai_router(service: Service) -> APIRouter:
    """The ``/v1`` routes, behind the key check (chat completions behind the readiness check too)."""
    backend = service.backend
    started = int(time.time())
    card = ModelCard(id=MODEL_ID, created=started, owned_by="rag-news")
    router = APIRouter(
        prefix="/v1",
        tags=["openai"],
        dependencies=[Depends(service.authorize)],
        responses=_ERRORS,  # type: ignore[arg-type]  # FastAPI's own annotation is wider than it reads
    )

    @router.post(
        "/chat/completions",
        response_model=ChatCompletion,
        dependencies=[Depends(service.require_ready)],
        responses={200: {"content": {"text/event-stream": {}}}},
    )
    async def chat_completions(body: ChatCompletionRequest) -> ChatCompletion | StreamingResponse:
        """Answer the last user message, reading the earlier ones as the conversation. Sampling parameters
        are accepted and ignored; ``since`` / ``until`` / ``outlets`` filter the articles (400 ``bad_date``
        for a bad date). ``stream: true``: server-sent ``chat.completion.chunk`` events, then
        ``data: [DONE]``."""
        question, history = conversation(body.messages)
        since, until, outlets = body.filters()
        ask = functools.partial(backend.ask, since=since, until=until, outlets=outlets)
        result = await service.answer(ask, question, history)
        content = R.answer_markdown(result)
        answer = AnswerOut.model_validate(result.to_dict())
        ident, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
        if body.stream:
            usage = body.stream_options is not None and body.stream_options.include_usage
            events = sse_events(ident, created, body.model, content, answer, usage=usage)
            return StreamingResponse(events, media_type="text/event-stream", headers=_STREAM_HEADERS)
        message = AssistantMessage(content=content)
        return ChatCompletion(
            id=ident, created=created, model=body.model, choices=[Choice(message=message)], answer=answer
        )

    @router.get("/models", response_model=ModelList)
    async def models() -> ModelList:
        """The one model (any name is answered by it)."""
        return ModelList(data=[card])

    @router.get("/models/{model}", response_model=ModelCard)
    async def model(model: str) -> ModelCard:
        if model != MODEL_ID:
            raise ApiError(404, "model_not_found", param="model")
        return card

    return router
