"""The BM25 index's files: ``keyword.json`` (parameters, ids, vocabulary, checksum) and ``keyword.npz``
(numeric arrays only, read with ``allow_pickle=False``), checked before they are trusted."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import IndexMismatchError, IndexMissingError
from vectorstore.base import read_checked_blob, read_checked_meta

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "INDEX_FILE",
    "META_FILE",
    "NEEDS_NONOCCURRENCE",
    "check_arrays",
    "mismatch",
    "read_arrays",
    "read_meta",
]

INDEX_FILE = "keyword.npz"
META_FILE = "keyword.json"
FORMAT = "rag-news/keyword-index"
FORMAT_VERSION = 1
NEEDS_NONOCCURRENCE = ("bm25l", "bm25+")  # methods with a per-term constant for documents without the term

# ---------------------------------------------------------------------- files

_ARRAY_DTYPES = {
    "bm25_data": np.float32,
    "bm25_indices": np.int32,
    "bm25_indptr": np.int64,
    "bm25_nonoccurrence": np.float32,
    "tf_indptr": np.int64,
    "tf_terms": np.int32,
    "tf_counts": np.int32,
}


def mismatch(directory: Path, detail: str) -> IndexMismatchError:
    """The error for an unusable keyword index (its hint: rebuild the index)."""
    return IndexMismatchError(
        f"keyword index at {directory} is unusable: {detail}", hint="rebuild the index", path=directory
    )


def read_meta(directory: Path) -> dict[str, Any]:
    fields = {
        "params": dict, "tokenizer": str, "n_docs": int, "n_terms": int,
        "index_bytes": int, "index_sha256": str, "doc_ids": list, "vocab": list,
    }  # fmt: skip
    return read_checked_meta(
        directory / META_FILE,
        fmt=FORMAT,
        version=FORMAT_VERSION,
        fields=fields,
        missing=lambda: IndexMissingError(
            f"no keyword index at {directory} ({META_FILE} is missing)",
            hint="build the index",
            path=directory,
        ),
        mismatch=lambda detail: mismatch(directory, detail),
        description="keyword index description",
    )


def read_arrays(directory: Path, meta: dict[str, Any]) -> dict[str, np.ndarray]:
    blob = read_checked_blob(
        directory / INDEX_FILE, meta["index_bytes"], meta["index_sha256"], lambda d: mismatch(directory, d)
    )
    try:
        with np.load(io.BytesIO(blob), allow_pickle=False) as npz:
            missing = sorted(set(_ARRAY_DTYPES) - set(npz.files))
            if missing:
                raise ValueError(f"missing arrays {', '.join(missing)}")
            arrays = {name: npz[name] for name in _ARRAY_DTYPES}
    except (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile) as exc:
        raise mismatch(directory, f"{INDEX_FILE} cannot be read ({exc})") from exc
    for name, dtype in _ARRAY_DTYPES.items():
        if arrays[name].dtype != dtype or arrays[name].ndim != 1:
            raise mismatch(directory, f"{INDEX_FILE} array {name} has dtype {arrays[name].dtype}")
    return arrays


def check_arrays(a: dict[str, np.ndarray], n_docs: int, n_terms: int, needs_nonocc: bool) -> None:
    """Raise ``ValueError`` unless the arrays form a consistent index of this size."""
    _check_indptr(a["bm25_indptr"], n_terms, a["bm25_data"].size, "bm25_indptr")
    if a["bm25_indices"].size != a["bm25_data"].size:
        raise ValueError("bm25_indices and bm25_data differ in length")
    if a["bm25_indices"].size and not 0 <= a["bm25_indices"].min() <= a["bm25_indices"].max() < n_docs:
        raise ValueError("bm25_indices out of range")
    if needs_nonocc and a["bm25_nonoccurrence"].size != n_terms and n_docs and n_terms:
        raise ValueError("bm25_nonoccurrence has the wrong length")
    _check_indptr(a["tf_indptr"], n_docs, a["tf_terms"].size, "tf_indptr")
    if a["tf_counts"].size != a["tf_terms"].size:
        raise ValueError("tf_counts and tf_terms differ in length")
    if a["tf_terms"].size and not 0 <= a["tf_terms"].min() <= a["tf_terms"].max() < n_terms:
        raise ValueError("tf_terms out of range")
    if a["tf_counts"].size and a["tf_counts"].min() < 1:
        raise ValueError("tf_counts must be positive")
    if not (np.isfinite(a["bm25_data"]).all() and np.isfinite(a["bm25_nonoccurrence"]).all()):
        raise ValueError("non-finite BM25 weights")


def _check_indptr(indptr: np.ndarray, n: int, total: int, name: str) -> None:
    if indptr.size != n + 1 or indptr[0] != 0 or indptr[-1] != total or (np.diff(indptr) < 0).any():
        raise ValueError(f"{name} is malformed")
