"""The OpenAI-compatible API's bodies (``/v1``, :mod:`rag.app.openai_api`), as Pydantic models: the subset of
OpenAI's Chat Completions and Models objects that chat clients and the ``openai`` SDK read, plus extension
fields: ``answer`` in the reply, carrying the structured answer (citations with offsets), and the filters
``since``, ``until`` and ``outlets`` in the request (with the SDK: ``extra_body={"since": "2023"}``; also read
from OpenAI's ``metadata`` object, where ``outlets`` is one string, names separated by commas).

Requests accept any other field OpenAI defines (``temperature``, ``top_p``, ``max_tokens``, ``tools``, …) and
ignore it: the answer is extracted from the articles, not sampled.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from rag.app.schemas import AnswerOut, FilterFields

__all__ = [
    "MODEL_ID",
    "AssistantMessage",
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatCompletionRequest",
    "ChatMessage",
    "Choice",
    "ChunkChoice",
    "ContentPart",
    "Delta",
    "ModelCard",
    "ModelList",
    "StreamOptions",
    "Usage",
]

MODEL_ID = "rag-news"  # what GET /v1/models lists; a request may name any model

_ANSWER = "extension: the structured answer (rag.types.Answer: citations with offsets, closest passages)"


class ContentPart(BaseModel):
    """A part of a message's content; only ``text`` parts are read."""

    model_config = ConfigDict(extra="allow")

    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None
    name: str | None = None


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")

    include_usage: bool = False


class ChatCompletionRequest(FilterFields):
    """``POST /v1/chat/completions``: the last message is the question (role ``user``); the earlier user and
    assistant messages are the conversation, for follow-ups; system messages are ignored. ``since``, ``until``
    and ``outlets`` (extension fields, or ``metadata`` keys) filter the articles, as on ``POST /api/answer``."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(MODEL_ID, description="any name; the one model answers")
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = Field(
        False, description="server-sent events in OpenAI's chunk format, ending data: [DONE]"
    )
    stream_options: StreamOptions | None = None
    # accepted and ignored (nothing is sampled)
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    max_completion_tokens: int | None = None
    n: int | None = None
    stop: str | list[str] | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    seed: int | None = None
    user: str | None = None
    metadata: dict[str, str] | None = Field(
        None,
        description="OpenAI's key-value pairs: since, until and outlets (comma-separated) are read here "
        "when the extension fields do not give them; other keys are ignored",
    )

    def filters(self) -> tuple[str, str, list[str] | str]:
        """(since, until, outlets): the extension fields, else the ones ``metadata`` gives."""
        given = self.metadata or {}
        return (
            self.since or given.get("since", ""),
            self.until or given.get("until", ""),
            self.outlets or given.get("outlets", ""),
        )


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str = Field(description="the answer as Markdown with numbered sources, as the chat UI shows it")


class Usage(BaseModel):
    """Nothing is generated, so nothing is counted: always zeros (present because some clients expect it)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class Choice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: Literal["stop"] = "stop"
    logprobs: None = None


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: Usage = Field(default_factory=Usage)
    answer: AnswerOut = Field(description=_ANSWER)


class Delta(BaseModel):
    role: Literal["assistant"] | None = None
    content: str | None = None


class ChunkChoice(BaseModel):
    index: int = 0
    delta: Delta
    finish_reason: Literal["stop"] | None = None
    logprobs: None = None


class ChatCompletionChunk(BaseModel):
    """One server-sent event of a streamed reply: the first carries the role, the next ones the content line
    by line, the last one ``finish_reason`` "stop" and the ``answer``."""

    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChunkChoice]
    usage: Usage | None = Field(None, description="only on the extra last event of include_usage")
    answer: AnswerOut | None = Field(None, description=_ANSWER + "; on the event that finishes the reply")


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]
