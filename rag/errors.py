"""The library's error hierarchy: errors carry data, and the CLI and the UI turn them into messages.

Every error has a ``message`` (what went wrong), a ``code`` (stable, for a caller that maps errors to its own
words: the chat UI's Chinese messages), a ``hint`` (what to do about it, e.g. the command that rebuilds an
index) and the ``path`` it is about, when there is one. ``str(error)`` is ``"message; hint"``. Nothing here
exits, and nobody reads the text back: branch on the class or the ``code``.

A vector store (``vectorstore``) raises its own :class:`vectorstore.errors.StoreError`; :func:`store_errors`
turns one into the index error of the same meaning where this package calls a store.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from vectorstore.errors import (
    StoreBusyError,
    StoreError,
    StoreMismatchError,
    StoreMissingError,
    StoreUnreachableError,
)

__all__ = [
    "BadFilterError",
    "BadQuestionError",
    "DocumentError",
    "FetchError",
    "IndexBusyError",
    "IndexMismatchError",
    "IndexMissingError",
    "IndexProblem",
    "ModelError",
    "RagError",
    "StoreUnreachable",
    "as_index_problem",
    "store_errors",
]


class RagError(Exception):
    """Base class of every error this package raises on purpose."""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        hint: str = "",
        path: str | os.PathLike[str] | None = None,
    ) -> None:
        self.message = message
        self.code = code or _default_code(type(self))
        self.hint = hint
        self.path = None if path is None else os.fspath(path)
        super().__init__(self.__str__())

    def __str__(self) -> str:
        return f"{self.message}; {self.hint}" if self.hint else self.message


class DocumentError(RagError):
    """A document could not be read or used. ``reason`` is the message without the file name; ``code`` is
    one of ``empty_file``, ``binary_file``, ``bom_mismatch``, ``undecodable``, ``no_text``, ``unreadable``,
    ``too_large``, ``unsupported_type``."""

    def __init__(
        self, reason: str, *, code: str | None = None, path: str | os.PathLike[str] | None = None
    ) -> None:
        self.reason = reason
        super().__init__(f"{os.fspath(path)}: {reason}" if path is not None else reason, code=code, path=path)


class BadQuestionError(RagError):
    """A question is unusable; ``code``: ``question_not_text``, ``question_empty`` or ``question_no_words``."""


class BadFilterError(RagError):
    """A date or outlet filter is unusable; ``code``: ``bad_date`` or ``bad_date_range``."""


class FetchError(RagError):
    """A feed or page could not be fetched or used; ``path`` is its URL. ``code``: ``fetch_timeout``,
    ``fetch_failed``, ``fetch_too_large``, ``not_a_feed``, ``bad_url``."""


class ModelError(RagError):
    """The embedding model could not be built or loaded."""


class IndexProblem(RagError):
    """Base class of index problems; the ``hint`` says how to build, rebuild or move the index."""


class IndexMissingError(IndexProblem):
    """No index (or no Milvus copy of it) exists where one was asked for."""


class IndexMismatchError(IndexProblem):
    """The index on disk does not fit this code, model or its own files (corrupt, other model, other format)."""


class IndexBusyError(IndexProblem):
    """Another process is writing the index (or holds its Milvus Lite database)."""


class StoreUnreachable(IndexProblem):
    """The vector store's server (Milvus) does not answer; the index is fine and a later call may work."""


_DEFAULT_CODES: dict[type[RagError], str] = {
    RagError: "error",
    DocumentError: "document",
    BadQuestionError: "bad_question",
    BadFilterError: "bad_filter",
    FetchError: "fetch",
    ModelError: "model",
    IndexProblem: "index",
    IndexMissingError: "index_missing",
    IndexMismatchError: "index_mismatch",
    IndexBusyError: "index_busy",
    StoreUnreachable: "store_unreachable",
}


def _default_code(kind: type[RagError]) -> str:
    """The code of the nearest class in ``kind``'s ancestry that has one."""
    return next(_DEFAULT_CODES[k] for k in kind.__mro__ if k in _DEFAULT_CODES)


_FROM_STORE: tuple[tuple[type[StoreError], type[IndexProblem]], ...] = (
    (StoreMissingError, IndexMissingError),
    (StoreMismatchError, IndexMismatchError),
    (StoreBusyError, IndexBusyError),
    (StoreUnreachableError, StoreUnreachable),
)


def as_index_problem(exc: StoreError) -> IndexProblem:
    """The index error that means what the store's ``exc`` means (same message, hint and path)."""
    kind = next((ours for theirs, ours in _FROM_STORE if isinstance(exc, theirs)), IndexProblem)
    return kind(exc.message, hint=exc.hint, path=exc.path)


@contextmanager
def store_errors() -> Iterator[None]:
    """Raise a vector store's error inside the block as the matching :class:`IndexProblem`."""
    try:
        yield
    except StoreError as exc:
        raise as_index_problem(exc) from exc
