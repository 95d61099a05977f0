"""The vector store interface and the input checks every implementation shares.

A store maps non-negative ``int64`` ids to ``float32`` vectors of one fixed dimension and answers top-k
inner-product queries. Missing result slots hold id ``-1`` and score ``-inf``.

``save(directory)`` writes the store's own files inside an existing or new directory; each file is written
to a temporary name and moved into place with ``os.replace``. Swapping whole index directories atomically is
the caller's job.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Any, Self

import numpy as np

__all__ = [
    "MISSING_ID",
    "MISSING_SCORE",
    "VectorStore",
    "check_ids",
    "check_k",
    "check_pairs",
    "check_vectors",
    "missing_results",
    "read_checked_blob",
    "read_checked_meta",
    "unit_rows",
    "write_atomic",
]

MISSING_ID = -1
MISSING_SCORE = float("-inf")


class VectorStore(ABC):
    """An id -> vector store with top-k inner-product search."""

    @property
    @abstractmethod
    def dim(self) -> int:
        """The dimension of every stored vector."""

    @abstractmethod
    def __len__(self) -> int:
        """The number of live (searchable) vectors."""

    @abstractmethod
    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add ``vectors`` (n, dim) under ``ids`` (n,). Ids must be new, distinct and non-negative."""

    @abstractmethod
    def remove(self, ids: np.ndarray) -> int:
        """Remove the given ids; unknown ids are ignored. Returns how many were removed."""

    @abstractmethod
    def search(
        self, queries: np.ndarray, k: int, *, ids: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` per query: ``(scores (m, k) float32, ids (m, k) int64)``, best first; with ``ids``, among
        those vectors only (the selection applied inside the search).

        Slots beyond the number of stored (or selected) vectors hold id ``-1`` and score ``-inf``.
        """

    @abstractmethod
    def ids(self) -> np.ndarray:
        """All live ids, sorted ascending, as ``int64``."""

    @abstractmethod
    def save(self, directory: Path) -> None:
        """Write the store's files inside ``directory`` (created if needed)."""

    @classmethod
    @abstractmethod
    def load(cls, directory: Path) -> Self:
        """Read a store written by :meth:`save`."""


def check_ids(ids: np.ndarray | list[int], *, allow_duplicates: bool = False) -> np.ndarray:
    """Return ``ids`` as a 1-D ``int64`` array, or raise ``ValueError``/``TypeError``."""
    arr = np.asarray(ids)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ValueError(f"ids must be a 1-D array, got shape {arr.shape}")
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if not np.issubdtype(arr.dtype, np.integer) or arr.dtype == np.bool_:
        raise TypeError(f"ids must be integers, got dtype {arr.dtype}")
    if arr.dtype == np.uint64 and int(arr.max()) > np.iinfo(np.int64).max:
        raise ValueError("ids must fit in int64")
    out = arr.astype(np.int64)
    if int(out.min()) < 0:
        raise ValueError(f"ids must be non-negative (-1 marks a missing result), got {int(out.min())}")
    if not allow_duplicates and np.unique(out).size != out.size:
        raise ValueError("ids contain duplicates")
    return np.ascontiguousarray(out)


def check_vectors(vectors: np.ndarray, dim: int, *, what: str = "vectors") -> np.ndarray:
    """Return ``vectors`` as a C-contiguous (n, dim) ``float32`` array of finite values.

    A 1-D array of length ``dim`` is taken as a single row.
    """
    arr = np.asarray(vectors)
    if arr.ndim == 1:
        arr = arr.reshape(1, -1)
    if arr.ndim != 2:
        raise ValueError(f"{what} must be a 2-D array (n, {dim}), got shape {arr.shape}")
    if arr.shape[1] != dim:
        raise ValueError(f"{what} have the wrong dimension: expected {dim}, got {arr.shape[1]}")
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise TypeError(f"{what} must be numeric, got dtype {arr.dtype}")
    out = np.ascontiguousarray(arr, dtype=np.float32)
    if not np.isfinite(out).all():
        bad = int(np.flatnonzero(~np.isfinite(out).all(axis=1))[0])
        raise ValueError(f"{what} must be finite: row {bad} holds NaN or infinity (after float32 conversion)")
    return out


def check_pairs(ids: np.ndarray | list[int], vectors: np.ndarray, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """``ids`` and ``vectors`` to add, checked (:func:`check_ids`, :func:`check_vectors`) and one id a row."""
    checked_ids = check_ids(ids)
    vecs = check_vectors(vectors, dim)
    if vecs.shape[0] != checked_ids.shape[0]:
        raise ValueError(f"got {checked_ids.shape[0]} ids for {vecs.shape[0]} vectors")
    return checked_ids, vecs


def unit_rows(x: np.ndarray, what: str) -> np.ndarray:
    """The rows of ``x`` scaled to length 1 (inner product = cosine); an all-zero row is a ``ValueError``."""
    norms = np.linalg.norm(x, axis=1)
    zero = np.flatnonzero(norms <= 1e-12)
    if zero.size:
        raise ValueError(f"{what} must not be all-zero (row {int(zero[0])}): cosine similarity is undefined")
    return np.ascontiguousarray(x / norms[:, None], dtype=np.float32)


def missing_results(n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``(scores, ids)`` for ``n`` queries and ``k`` slots, every slot missing (to be filled by a search)."""
    return np.full((n, k), MISSING_SCORE, dtype=np.float32), np.full((n, k), MISSING_ID, dtype=np.int64)


def check_k(k: int) -> int:
    """Return ``k`` as a positive ``int``."""
    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        raise TypeError(f"k must be an int, got {type(k).__name__}")
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    return int(k)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, fsync it, then ``os.replace`` it into place."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), 0o644)  # mkstemp makes 0600; index files are plain data
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_checked_meta(
    path: Path,
    *,
    fmt: str,
    version: int,
    fields: dict[str, type],
    missing: Callable[[], Exception],
    mismatch: Callable[[str], Exception],
    description: str,
) -> dict[str, Any]:
    """Read a JSON description written beside a binary file and check its format, version and typed fields.

    ``missing()`` is raised when the file is absent, ``mismatch(detail)`` for anything else wrong;
    ``description`` names what the file should describe (in the message)."""
    if not path.is_file():
        raise missing()
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise mismatch(f"{path.name} cannot be read ({exc})") from exc
    if not isinstance(meta, dict) or meta.get("format") != fmt:
        raise mismatch(f"{path.name} is not a {description}")
    if meta.get("format_version") != version:
        raise mismatch(f"format version {meta.get('format_version')!r}, this code reads {version}")
    for name, typ in fields.items():
        value = meta.get(name)
        if not isinstance(value, typ) or isinstance(value, bool):
            raise mismatch(f"{path.name} lacks a valid {name!r}")
    return meta


def read_checked_blob(path: Path, size: int, sha256: str, mismatch: Callable[[str], Exception]) -> bytes:
    """The bytes of ``path``, refused (``mismatch(detail)``) unless their length and SHA-256 are as recorded."""
    try:
        blob = path.read_bytes()
    except OSError as exc:
        raise mismatch(f"{path.name} cannot be read ({exc})") from exc
    if len(blob) != size or hashlib.sha256(blob).hexdigest() != sha256:
        raise mismatch(
            f"{path.name} is truncated or corrupt ({len(blob)} bytes, expected {size}, or its checksum differs)"
        )
    return blob
