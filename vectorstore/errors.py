"""The stores' own errors (this package imports nothing from ``rag``).

Like ``rag.errors`` they carry data: ``message``, a ``code``, a ``hint`` (what to do) and the ``path`` or URI
they are about; ``str(error)`` is ``"message; hint"``. ``rag`` turns them into its index errors where it
calls a store (``rag.errors.store_errors``).
"""

from __future__ import annotations

__all__ = ["StoreBusyError", "StoreError", "StoreMismatchError", "StoreMissingError", "StoreUnreachableError"]


class StoreError(Exception):
    """A store could not do what was asked (a server failed, a file is unusable, ...)."""

    code = "store"

    def __init_subclass__(cls, *, code: str) -> None:
        super().__init_subclass__()
        cls.code = code

    def __init__(self, message: str, *, hint: str = "", path: str | None = None) -> None:
        super().__init__(f"{message}; {hint}" if hint else message)
        self.message, self.hint, self.path = message, hint, path


class StoreMissingError(StoreError, code="store_missing"):
    """There is no store where one was asked for (no files, no collection)."""


class StoreMismatchError(StoreError, code="store_mismatch"):
    """The store's files or collection do not fit (corrupt, another format or dimension, changed since)."""


class StoreBusyError(StoreError, code="store_busy"):
    """Another process holds the store (Milvus Lite serves one process at a time)."""


class StoreUnreachableError(StoreError, code="store_unreachable"):
    """The store's server does not answer (down, restarting, unreachable); the same call may work later."""
