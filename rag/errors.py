"""The library's error hierarchy. The CLI and the UI turn these into messages; nothing here exits."""

from __future__ import annotations

__all__ = [
    "BadQuestionError",
    "DocumentError",
    "IndexBusyError",
    "IndexError_",
    "IndexMismatchError",
    "IndexMissingError",
    "ModelError",
    "RagError",
]


class RagError(Exception):
    """Base class of every error this package raises on purpose."""


class DocumentError(RagError):
    """A document could not be read or decoded (the message names the file)."""


class BadQuestionError(RagError):
    """A question is empty or otherwise unusable."""


class ModelError(RagError):
    """The embedding model could not be built or loaded."""


class IndexError_(RagError):
    """Base class of index problems; the message says how to rebuild."""


class IndexMissingError(IndexError_):
    """No index exists at the given directory."""


class IndexMismatchError(IndexError_):
    """The index on disk does not fit this code, model or its own files (corrupt, other model, other format)."""


class IndexBusyError(IndexError_):
    """Another process is writing the index."""
