"""Default locations, read from the environment at call time (never at import)."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["REPO_ROOT", "cache_dir", "default_docs_dir", "default_index_dir"]

REPO_ROOT = Path(__file__).resolve().parents[1]


def cache_dir() -> Path:
    """Where rebuilt models and embedding caches live: ``$RAG_CACHE_DIR`` or ``~/.cache/rag-news``."""
    return Path(os.environ.get("RAG_CACHE_DIR") or Path.home() / ".cache" / "rag-news")


def default_index_dir() -> Path:
    """``$RAG_INDEX`` or ``index/`` beside the package (what ``make run`` builds)."""
    return Path(os.environ.get("RAG_INDEX") or REPO_ROOT / "index")


def default_docs_dir() -> Path:
    """``$RAG_DOCS`` or the bundled ``seeds/`` corpus."""
    return Path(os.environ.get("RAG_DOCS") or REPO_ROOT / "seeds")
