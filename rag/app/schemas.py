"""The REST API's request and response bodies (``/api``, :mod:`rag.app.rest_api`) and the error body every HTTP
endpoint answers with (OpenAI's shape, ``/api`` and ``/v1`` alike), as Pydantic models: FastAPI checks requests
against them (a malformed body is a 422) and documents them at ``/docs``.

The answer models mirror ``rag.types.Answer.to_dict()`` (and ``Hit.to_dict()``) field for field, so the JSON
is the one ``gradio_client``'s ``/ask`` and ``python -m rag ask --json`` give.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict  # pydantic reads typing.TypedDict only from Python 3.12

from rag.app.backend import MAX_K

__all__ = [
    "MAX_OUTLETS",
    "MAX_TURNS",
    "AnswerFilters",
    "AnswerOut",
    "AnswerRequest",
    "ArticleOut",
    "ArticlesResponse",
    "CitationOut",
    "DocumentOut",
    "DocumentsResponse",
    "ErrorDetail",
    "ErrorResponse",
    "FilterFields",
    "HealthResponse",
    "HitOut",
    "OutletsResponse",
    "RemovalResponse",
    "Reprint",
    "RetrieveRequest",
    "RetrieveResponse",
    "Turn",
]

MAX_TURNS = 100  # earlier turns a request may carry (each is read up to 500 characters)
MAX_OUTLETS = 50  # outlet names a filter may list
_DATE_HELP = (
    "ISO date: YYYY-MM-DD, YYYY-MM (a month) or YYYY (a year); inclusive ({} of a month or year); "
    "'' for none. Only articles with a known date pass a date filter; a bad date is a 400 bad_date "
    "(since after until: bad_date_range)"
)
_OUTLETS_HELP = (
    "outlet names (see GET /api/outlets); an article passes when its outlet contains one of them "
    "(Simplified or Traditional, case and spaces ignored); empty: any outlet"
)


# errors ---------------------------------------------------------------------------------------------------


class ErrorDetail(BaseModel):
    message: str = Field(description="what went wrong, in Chinese (the chat UI's words for the same error)")
    type: str = Field(
        description="invalid_request_error (400, 404, 409, 413, 422), authentication_error (401), "
        "server_error (500, 503)"
    )
    code: str = Field(
        description="stable, to branch on: question_empty, question_no_words, invalid_api_key, "
        "api_key_required, unknown_article, too_large, invalid_request, loading, index_busy, …"
    )
    param: str | None = Field(None, description="the request field at fault, when there is one")


class ErrorResponse(BaseModel):
    """Every error, under ``/api`` and ``/v1`` alike: OpenAI's error shape."""

    error: ErrorDetail


# requests -------------------------------------------------------------------------------------------------


class Turn(BaseModel):
    """One earlier turn of the conversation."""

    model_config = ConfigDict(extra="forbid")

    question: str
    answer: str = Field("", description="the short answer given (else its sentence; '' when none)")


class FilterFields(BaseModel):
    """The date and outlet filter a question may carry (as the chat UI's 筛选 panel): only the articles it
    lets through are searched."""

    since: str = Field(
        "", description="only articles published on or after this " + _DATE_HELP.format("first day")
    )
    until: str = Field(
        "", description="only articles published on or before this " + _DATE_HELP.format("last day")
    )
    outlets: list[str] = Field(default_factory=list, max_length=MAX_OUTLETS, description=_OUTLETS_HELP)


class _QuestionRequest(FilterFields):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(description="in Traditional or Simplified Chinese; read up to 500 characters")
    k: int = Field(5, ge=1, le=MAX_K, description="passages to retrieve")
    history: list[Turn] = Field(
        default_factory=list,
        max_length=MAX_TURNS,
        description="earlier turns, oldest first: a follow-up (那宝鸡呢？) is read against them",
    )


class AnswerRequest(_QuestionRequest):
    """``POST /api/answer``."""


class RetrieveRequest(_QuestionRequest):
    """``POST /api/retrieve``."""


# answers --------------------------------------------------------------------------------------------------


class Reprint(TypedDict):
    """Another outlet's copy of a cited article (a reprint)."""

    article_id: str
    outlet: str
    published: str
    url: str


class AnswerFilters(TypedDict, total=False):
    """The date/outlet filter an answer's search ran under; ``{}`` when it ran under none."""

    since: str  # ISO date, "" for open
    until: str
    outlets: list[str]
    articles: int  # how many articles the filter let through (0: none, and nothing was found)


class CitationOut(BaseModel):
    """Where an answer comes from; offsets index the article's text (half-open)."""

    number: int = Field(description="1-based, as the answer's [1], [2] marks")
    article_id: str
    title: str
    outlet: str
    paragraph: int = Field(description="1-based paragraph number in the article")
    start: int
    end: int
    quote: str = Field(description="the article's characters [start, end)")
    answer_start: int | None = None
    answer_end: int | None = None
    score: float
    published: str = Field(description="the article's ISO date, YYYY-MM-DD ('' when unknown)")
    url: str = Field(description="the article's URL ('' when unknown)")
    also: list[Reprint] = Field(description="reprints of the article by other outlets")


class HitOut(BaseModel):
    """A retrieved passage (a chunk of an article) and its scores."""

    rank: int
    chunk_id: str
    article_id: str
    title: str
    outlet: str
    published: str = Field(description="the article's ISO date, YYYY-MM-DD ('' when unknown)")
    url: str = Field(description="the article's URL ('' when unknown)")
    paragraph: int
    start: int
    end: int
    text: str
    score: float = Field(description="the fused score")
    dense_score: float
    keyword_score: float = Field(description="BM25")
    matched_terms: list[str]


class AnswerOut(BaseModel):
    """An extracted answer with its citations; when nothing is found, ``found`` is false and ``closest``
    holds the closest passages."""

    question: str
    found: bool
    answer: str = Field(description="the short answer ('' when none was pinned down)")
    sentence: str = Field(description="the supporting sentence(s)")
    confidence: float
    citations: list[CitationOut]
    alternatives: list[AnswerOut] = Field(description="other answers when the sources disagree")
    closest: list[HitOut]
    resolved_question: str = Field(description="the question after follow-up resolution ('' when unchanged)")
    script: str = Field(description="the asker's script: simplified or traditional")
    notice: str = Field(
        description="e.g. that a long question was cut, or that the filter matched no article"
    )
    filters: AnswerFilters = Field(
        description="the filter the search ran under, with how many articles it let through; {} when none"
    )


class RetrieveResponse(BaseModel):
    question: str
    resolved_question: str = Field(
        description="what was searched for when the question is a follow-up (Simplified); '' otherwise"
    )
    hits: list[HitOut]


# documents ------------------------------------------------------------------------------------------------


class ArticleOut(BaseModel):
    id: str
    title: str
    outlet: str
    published: str = Field(description="ISO date, YYYY-MM-DD ('' when unknown)")
    url: str
    script: str
    chunks: int
    uploaded: bool = Field(description="uploaded (kept in the uploads folder) rather than built in")


class ArticlesResponse(BaseModel):
    articles: list[ArticleOut] = Field(description="uploads first, then by id")
    chunks: int = Field(description="chunks in the whole index")


class OutletsResponse(BaseModel):
    outlets: list[str] = Field(description="the indexed articles' outlets, most articles first")


class DocumentOut(BaseModel):
    name: str = Field(description="the file's name (made safe)")
    status: str = Field(description="added, updated, duplicate (same text as an indexed article) or refused")
    message: str = Field(description="what the 文档 tab shows for it")
    article_id: str = Field(description="its id (or the article it duplicates); '' when refused")
    title: str
    code: str = Field(description="why it was refused: unsupported_type, undecodable, empty_file, …")


class DocumentsResponse(BaseModel):
    documents: list[DocumentOut]
    indexed: bool = Field(description="whether the index changed")
    articles: int = Field(description="articles in the index after the upload (0 when it did not change)")
    chunks: int


class RemovalResponse(BaseModel):
    article_id: str
    title: str
    articles: int = Field(description="articles in the index after the removal")
    chunks: int
    message: str


class HealthResponse(BaseModel):
    status: str = Field(description="ready (while loading, the endpoint answers 503 with Retry-After)")
    articles: int
    chunks: int
