"""The stores' own errors (this package imports nothing from ``rag``).

Like ``rag.errors`` they carry data: ``message``, a ``code``, a ``hint`` (what to do) and the ``path`` or URI
they are about; ``str(error)`` is ``"message; hint"``. ``rag`` turns them into its index errors where it
calls a store (``rag.errors.store_errors``).
"""

from __future__ import annotations

__all__ = ["StoreBusyError", "StoreError", "StoreMismatchError", "StoreMissingError"]


class StoreError(Exception):
    """A store could not do what was asked (a server failed, a file is unusable, ...)."""

    code = "store"

    def __init__(self, message: str, *, hint: str = "", path: str | None = None) -> None:
        super().__init__(f"{message}; {hint}" if hint else message)
        self.message, self.hint, self.path = message, hint, path


class StoreMissingError(StoreError):
    """There is no store where one was asked for (no files, no collection)."""

    code = "store_missing"


class StoreMismatchError(StoreError):
    """The store's files or collection do not fit (corrupt, another format or dimension, changed since)."""

    code = "store_mismatch"


class StoreBusyError(StoreError):
    """Another process holds the store (Milvus Lite serves one process at a time)."""

    code = "store_busy"
