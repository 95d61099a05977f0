"""What a Milvus store is configured by: URIs, analyzers, the collection schema, the ``milvus.json`` description.

No connection is made here (pymilvus is imported only to describe a schema).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np

from .base import read_checked_meta
from .errors import StoreMismatchError, StoreMissingError

__all__ = [
    "BM25_B",
    "BM25_K1",
    "DEFAULT_ANALYZER",
    "DEFAULT_HNSW",
    "FORMAT",
    "FORMAT_VERSION",
    "INDEX_TYPES",
    "MAX_ARTICLE_ID_BYTES",
    "MAX_OUTLET_BYTES",
    "MAX_TEXT_BYTES",
    "META_FIELDS",
    "META_FILE",
    "analyzer_with_stopwords",
    "check_fields",
    "check_strings",
    "collection_schema",
    "filter_literal",
    "has_full_text",
    "is_milvus_uri",
    "lite_locked",
    "positive_int",
    "public_uri",
    "read_config",
    "resolve_uri",
]

META_FILE = "milvus.json"
DEFAULT_ANALYZER: dict[str, Any] = {"tokenizer": "jieba"}
INDEX_TYPES = ("FLAT", "HNSW")
DEFAULT_HNSW = {"M": 16, "efConstruction": 64, "ef": 128}
BM25_K1, BM25_B = 1.5, 0.75
MAX_TEXT_BYTES = 65535
MAX_ARTICLE_ID_BYTES = 512
MAX_OUTLET_BYTES = 512
META_FIELDS = (
    "published",
    "outlet",
    "canonical",
)  # scalar fields for filter expressions (rag.search.filters)
FORMAT = "rag-news/milvus-store"
FORMAT_VERSION = 1
_SCHEMES = ("http", "https", "tcp")


# ---------------------------------------------------------------------------------------------------- URIs


def is_milvus_uri(spec: str | os.PathLike[str] | None) -> bool:
    """Whether a ``--store`` value names Milvus: ``milvus://``, ``http(s)://``, ``tcp://`` or ``*.db``."""
    if spec is None:
        return False
    text = os.fspath(spec)
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    return scheme in ("milvus", *_SCHEMES) or (not scheme and text.endswith(".db"))


def resolve_uri(spec: str | os.PathLike[str]) -> str:
    """The pymilvus URI for a ``--store`` value.

    ``milvus://host:port`` -> ``http://host:port``; ``http(s)://`` and ``tcp://`` URIs pass unchanged;
    a path ending in ``.db`` is Milvus Lite and becomes absolute (its folder must exist).
    """
    text = os.fspath(spec).strip()
    if "://" in text:
        scheme, rest = text.split("://", 1)
        scheme = scheme.lower()
        if scheme == "milvus":
            scheme = "http"
        if scheme not in _SCHEMES or not rest.split("/", 1)[0]:
            raise ValueError(
                f"not a Milvus URI: {text!r}; use milvus://host:port, http(s)://host:port or a .db path"
            )
        return f"{scheme}://{rest}"
    if not text.endswith(".db"):
        raise ValueError(f"not a Milvus URI: {text!r}; a Milvus Lite database is a path ending in .db")
    path = Path(text).expanduser().absolute()
    if not path.parent.is_dir():
        raise ValueError(f"the folder of the Milvus Lite database {path} does not exist")
    return str(path)


def public_uri(uri: str) -> str:
    """``uri`` without user:password, for messages and saved files."""
    if "://" not in uri:
        return uri
    parts = urlsplit(uri)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def analyzer_with_stopwords(stopwords: Iterable[str], base: dict[str, Any] | None = None) -> dict[str, Any]:
    """``base`` (default jieba) plus a ``stop`` filter dropping ``stopwords`` (Lite and servers accept it)."""
    out = dict(base or DEFAULT_ANALYZER)
    out["filter"] = [*out.get("filter", []), {"type": "stop", "stop_words": sorted(set(stopwords))}]
    return out


def filter_literal(value: str) -> str:
    """A Milvus filter-expression string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def has_full_text(server_version: str) -> bool:
    """Whether a Milvus server of ``server_version`` (``get_server_version()``: ``v2.3.5-lite``,
    ``v2.5.4``, ``milvus_lite-3.2.2``) runs BM25 functions: Milvus Lite and servers from 2.5 do; an
    unreadable version is taken to be a recent one."""
    text = server_version.strip().lower()
    if text.startswith("milvus_lite"):
        return True
    match = re.match(r"v?(\d+)\.(\d+)", text)
    return match is None or (int(match.group(1)), int(match.group(2))) >= (2, 5)


def collection_schema(
    client: Any,
    dim: int,
    analyzer: dict[str, Any],
    index_type: str,
    index_params: dict[str, int],
    full_text: bool = True,
) -> tuple[Any, Any]:
    """The schema and index parameters of a new collection (see the module doc of ``milvus_store``);
    ``full_text=False`` (a server without BM25 functions): the text is stored unanalysed, without the
    ``sparse`` field and its BM25 function."""
    from pymilvus import DataType, Function, FunctionType

    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("article_id", DataType.VARCHAR, max_length=MAX_ARTICLE_ID_BYTES)
    schema.add_field("published", DataType.VARCHAR, max_length=16)  # ISO date, "" when unknown
    schema.add_field("outlet", DataType.VARCHAR, max_length=MAX_OUTLET_BYTES)  # the outlet as compared
    schema.add_field("canonical", DataType.BOOL)  # searched without a filter (not a reprint of another row)
    text_params: dict[str, Any] = {"enable_analyzer": True, "analyzer_params": analyzer} if full_text else {}
    schema.add_field("text", DataType.VARCHAR, max_length=MAX_TEXT_BYTES, **text_params)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
    params = client.prepare_index_params()
    dense_params = {k: v for k, v in index_params.items() if k != "ef"}
    params.add_index(field_name="dense", index_type=index_type, metric_type="IP", params=dense_params)
    if not full_text:
        return schema, params
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(
        Function(
            name="text_bm25",
            function_type=FunctionType.BM25,
            input_field_names=["text"],
            output_field_names=["sparse"],
        )
    )
    params.add_index(
        field_name="sparse",
        index_type="SPARSE_INVERTED_INDEX",
        metric_type="BM25",
        params={"inverted_index_algo": "TAAT_NAIVE", "bm25_k1": BM25_K1, "bm25_b": BM25_B},
    )
    return schema, params


def check_fields(
    info: dict[str, Any], collection: str, uri: str, dim: int | None
) -> tuple[int, dict[str, Any] | None, bool, bool]:
    """The dimension and analyzer of an existing collection (``describe_collection``'s ``info``), checked
    to be a rag-news collection of ``dim``-d vectors (any dimension when ``dim`` is None), whether it has
    the scalar fields that filters need (:data:`META_FIELDS`; a collection made before them has not) and
    whether it has the BM25 ``sparse`` field (not on a server without BM25 functions)."""
    fields = {f["name"]: f for f in info.get("fields", [])}
    missing = {"id", "article_id", "text", "dense"} - fields.keys()
    if missing:
        raise StoreMismatchError(
            f"collection {collection!r} at {uri} is not a rag-news collection "
            f"(it lacks {', '.join(sorted(missing))})",
            hint="pick another collection name",
        )
    found = int(fields["dense"]["params"]["dim"])
    if dim is not None and found != dim:
        raise StoreMismatchError(
            f"collection {collection!r} at {uri} holds {found}-d vectors, not {dim}-d",
            hint="pick another collection name or replace it",
        )
    raw = fields["text"].get("params", {}).get("analyzer_params")
    analyzer = (json.loads(raw) if isinstance(raw, str) else dict(raw)) if raw else None
    return found, analyzer, all(f in fields for f in META_FIELDS), "sparse" in fields


def read_config(directory: Path) -> dict[str, Any]:
    """The ``milvus.json`` written by :meth:`MilvusStore.save`, checked."""
    path = Path(directory) / META_FILE
    return read_checked_meta(
        path,
        fmt=FORMAT,
        version=FORMAT_VERSION,
        fields={"uri": str, "collection": str, "dim": int, "count": int, "index": dict},
        missing=lambda: StoreMissingError(f"no Milvus store description at {path}", path=str(path)),
        mismatch=lambda detail: StoreMismatchError(
            f"Milvus store description in {directory}: {detail}", path=str(directory)
        ),
        description="Milvus store description",
    )


def lite_locked(path: Path) -> bool:
    """Whether another process holds Milvus Lite's lock on the database folder ``path``."""
    lock = path / "LOCK"
    if not lock.is_file():
        return False
    with lock.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


def positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)


def check_strings(values: Sequence[str], what: str, max_bytes: int) -> None:
    for i, value in enumerate(values):
        if not isinstance(value, str):
            raise TypeError(f"{what} {i} must be str, got {type(value).__name__}")
        if len(value) * 4 > max_bytes and len(value.encode("utf-8")) > max_bytes:
            raise ValueError(f"{what} {i} is longer than Milvus allows ({max_bytes} bytes of UTF-8)")
