"""Vector stores: the :class:`VectorStore` interface and its FAISS implementation."""

from __future__ import annotations

from .base import MISSING_ID, MISSING_SCORE, VectorStore
from .faiss_store import KINDS, FaissStore

__all__ = ["KINDS", "MISSING_ID", "MISSING_SCORE", "FaissStore", "VectorStore"]
