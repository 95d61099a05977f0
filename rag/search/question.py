"""A question as the search sees it: validated (not empty, has words), control and zero-width characters
removed, whitespace folded, cut to :data:`MAX_QUESTION_CHARS`; :func:`query_text` is its Simplified form."""

from __future__ import annotations

import re

from rag.errors import BadQuestionError
from rag.ingest.scripts import to_simplified

__all__ = ["LATEST_WORDS", "MAX_QUESTION_CHARS", "asks_latest", "prepare_question", "query_text"]

# a question with one of these asks for the state of things now: newer articles are preferred among those that
# answer it (rag.search.retrieve, rag.extract.assemble)
LATEST_WORDS = ("最新", "最近", "目前", "截至目前", "截止目前", "截至现在", "迄今", "当前", "现在")
_LATEST = re.compile("|".join(LATEST_WORDS))

MAX_QUESTION_CHARS = (
    500  # longer questions are cut for the model (512 tokens); callers are told via Hit.truncated
)
_EXAMPLE = "type a question, e.g. 秦皇島市委書記是誰？"


def prepare_question(question: str) -> tuple[str, bool]:
    """Validate and normalize a question: (text for the model, whether it was truncated)."""
    if not isinstance(question, str):
        raise BadQuestionError("the question must be text", code="question_not_text")
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200d\u2060\ufeff]", "", question)
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        raise BadQuestionError("the question is empty", code="question_empty", hint=_EXAMPLE)
    if not any(ch.isalnum() for ch in text):  # Han characters, letters and digits are alphanumeric
        raise BadQuestionError(
            "the question has no words, only punctuation, symbols or emoji",
            code="question_no_words",
            hint=_EXAMPLE,
        )
    truncated = len(text) > MAX_QUESTION_CHARS
    return text[:MAX_QUESTION_CHARS], truncated


def asks_latest(question: str) -> bool:
    """Whether ``question`` asks for the latest state (:data:`LATEST_WORDS`, either script)."""
    return isinstance(question, str) and bool(_LATEST.search(to_simplified(question)))


def query_text(question: str) -> str:
    """What the embedding model sees for a question: its Simplified, validated text."""
    return to_simplified(prepare_question(question)[0])
