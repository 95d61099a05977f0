"""A :class:`VectorStore` on Milvus (pymilvus): dense vectors *and* BM25 full-text search in one collection.

The same client code talks to Milvus Lite (embedded, a local ``.db`` path; what the tests run), a Milvus
standalone server or a cluster (a URI). See :func:`resolve_uri` for the accepted spellings.

Collection schema (one row per chunk)::

    id          INT64 primary key      the vector id (in a rag index: the chunk's position)
    article_id  VARCHAR(512)           for deletes by article (a filter expression)
    text        VARCHAR(65535 bytes)   Simplified matching text, analyzed by ``analyzer`` (default jieba)
    dense       FLOAT_VECTOR(dim)      L2-normalised here; index FLAT (exact, default) or HNSW; metric IP
    sparse      SPARSE_FLOAT_VECTOR    output of a BM25 function over ``text``; SPARSE_INVERTED_INDEX, BM25

Scores: :meth:`MilvusStore.search` returns inner products of normalised vectors (cosine), like
``FaissStore``; :meth:`MilvusStore.keyword_search` returns positive BM25 scores, best first (Milvus Lite
reports BM25 as a negative distance, a server as a positive score: both become the positive score).
BM25 uses ``k1=1.5, b=0.75`` (the values of ``rag.keyword``; a server's own default k1 is 1.2).

The collection is created with ``consistency_level="Strong"`` so a search sees every acknowledged insert or
delete. :meth:`save` writes ``milvus.json`` (URI without credentials, collection, dimension, count, index and
analyzer settings); :meth:`load` reads it and reconnects. A token for a secured server is taken from the
``token`` argument or, when that is ``None``, from ``$MILVUS_TOKEN`` when the store connects; never saved.

Milvus Lite keeps one process per ``.db`` (a file lock): a second process opening it gets ``IndexBusyError``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Self
from urllib.parse import urlsplit, urlunsplit

import numpy as np

from rag.errors import IndexBusyError, IndexError_, IndexMismatchError, IndexMissingError

from .base import (
    VectorStore,
    check_ids,
    check_k,
    check_pairs,
    check_vectors,
    missing_results,
    read_checked_meta,
    unit_rows,
    write_atomic,
)

__all__ = [
    "DEFAULT_ANALYZER",
    "INDEX_TYPES",
    "META_FILE",
    "MilvusStore",
    "analyzer_with_stopwords",
    "is_milvus_uri",
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
_BATCH = 1000  # rows per insert / ids per delete or lookup (well under gRPC's 64 MiB message limit)
_MAX_TOPK = 16384  # Milvus's limit on search ``limit``
_FORMAT = "rag-news/milvus-store"
_FORMAT_VERSION = 1
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


def _public_uri(uri: str) -> str:
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


def _quote(value: str) -> str:
    """A Milvus filter-expression string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


# ---------------------------------------------------------------------------------------------------- store


class MilvusStore(VectorStore):
    """A Milvus collection as a vector store, with BM25 keyword search and deletes by article id.

    ``MilvusStore(uri, collection, dim)`` opens the collection, creating it when it does not exist and ``dim``
    is given (``index``: "FLAT" exact search, or "HNSW" with ``index_params`` M, efConstruction, ef).
    ``dim=None`` only opens. An existing collection must have this schema and dimension.
    """

    def __init__(
        self,
        uri: str,
        collection: str,
        dim: int | None = None,
        *,
        index: str = "FLAT",
        index_params: dict[str, int] | None = None,
        analyzer: dict[str, Any] | None = None,
        token: str | None = None,
    ) -> None:
        self._spec = os.fspath(uri)
        self._uri = resolve_uri(uri)
        if not isinstance(collection, str) or not collection:
            raise ValueError("collection must be a non-empty name")
        self._collection = collection
        index = index.upper()
        if index not in INDEX_TYPES:
            raise ValueError(f"unknown Milvus index type {index!r}; expected one of {', '.join(INDEX_TYPES)}")
        unknown = sorted(set(index_params or {}) - set(DEFAULT_HNSW))
        if unknown:
            raise ValueError(
                f"unknown HNSW parameter(s): {', '.join(unknown)} (allowed: {', '.join(DEFAULT_HNSW)})"
            )
        self._index_type = index
        self._index_params = {**DEFAULT_HNSW, **(index_params or {})} if index == "HNSW" else {}
        self._analyzer = dict(analyzer or DEFAULT_ANALYZER)
        self._client = self._connect(token)
        self.created = False  # whether this instance created the collection
        if self._call("check the collection", self._client.has_collection, collection):
            self._dim = self._open_existing(dim)
        elif dim is None:
            raise IndexMissingError(
                f"no collection {collection!r} at {_public_uri(self._uri)}; move an index there with: "
                f"python -m rag migrate --index DIR --to {self._spec}"
            )
        else:
            self._dim = _positive_int("dim", dim)
            self._create()
            self.created = True

    # ------------------------------------------------------------------ connection
    def _connect(self, token: str | None) -> Any:
        try:
            from pymilvus import MilvusClient, MilvusException
        except ImportError as exc:  # pragma: no cover - pymilvus is a declared dependency
            raise IndexError_('the Milvus store needs pymilvus: pip install "pymilvus[milvus_lite]"') from exc
        self._milvus_exception = MilvusException
        token = os.environ.get("MILVUS_TOKEN", "") if token is None else token
        try:
            return MilvusClient(uri=self._uri, token=token, timeout=30)
        except MilvusException as exc:
            if "://" not in self._uri and _lite_locked(Path(self._uri)):
                raise IndexBusyError(
                    f"another process has the Milvus Lite database {self._uri} open; Milvus Lite serves one "
                    "process at a time (use a Milvus server for several)"
                ) from exc
            raise self._error("connect", exc) from exc

    def _error(self, what: str, exc: Exception) -> IndexError_:
        detail = getattr(exc, "message", None) or str(exc)
        if "lock" in detail.lower() and "another process" in detail.lower():
            return IndexBusyError(f"another process has the Milvus Lite database {self._uri} open: {detail}")
        return IndexError_(
            f"Milvus at {_public_uri(self._uri)} (collection {self._collection!r}) failed to {what}: {detail}"
        )

    def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except self._milvus_exception as exc:
            raise self._error(what, exc) from exc

    def close(self) -> None:
        """Close the client (a Milvus Lite server stays up in this process until it exits)."""
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ schema
    def _create(self) -> None:
        from pymilvus import DataType, Function, FunctionType

        schema = self._client.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("article_id", DataType.VARCHAR, max_length=MAX_ARTICLE_ID_BYTES)
        schema.add_field(
            "text",
            DataType.VARCHAR,
            max_length=MAX_TEXT_BYTES,
            enable_analyzer=True,
            analyzer_params=self._analyzer,
        )
        schema.add_field("dense", DataType.FLOAT_VECTOR, dim=self._dim)
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_function(
            Function(
                name="text_bm25",
                function_type=FunctionType.BM25,
                input_field_names=["text"],
                output_field_names=["sparse"],
            )
        )
        params = self._client.prepare_index_params()
        dense_params = {k: v for k, v in self._index_params.items() if k != "ef"}
        params.add_index(
            field_name="dense", index_type=self._index_type, metric_type="IP", params=dense_params
        )
        params.add_index(
            field_name="sparse",
            index_type="SPARSE_INVERTED_INDEX",
            metric_type="BM25",
            params={"inverted_index_algo": "TAAT_NAIVE", "bm25_k1": BM25_K1, "bm25_b": BM25_B},
        )
        self._call(
            "create the collection",
            self._client.create_collection,
            self._collection,
            schema=schema,
            index_params=params,
            consistency_level="Strong",
        )

    def _open_existing(self, dim: int | None) -> int:
        info = self._call("describe the collection", self._client.describe_collection, self._collection)
        fields = {f["name"]: f for f in info.get("fields", [])}
        missing = {"id", "article_id", "text", "dense", "sparse"} - fields.keys()
        if missing:
            raise IndexMismatchError(
                f"collection {self._collection!r} at {_public_uri(self._uri)} is not a rag-news collection "
                f"(it lacks {', '.join(sorted(missing))}); pick another collection name"
            )
        found = int(fields["dense"]["params"]["dim"])
        if dim is not None and found != dim:
            raise IndexMismatchError(
                f"collection {self._collection!r} at {_public_uri(self._uri)} holds {found}-d vectors, "
                f"not {dim}-d; "
                "pick another collection name or replace it"
            )
        raw = fields["text"].get("params", {}).get("analyzer_params")
        if raw:
            self._analyzer = json.loads(raw) if isinstance(raw, str) else dict(raw)
        try:
            described = self._client.describe_index(self._collection, "dense")
        except self._milvus_exception:
            described = {}
        index_type = str(described.get("index_type", self._index_type)).upper()
        if index_type in INDEX_TYPES and index_type != self._index_type:
            self._index_type = index_type
            self._index_params = dict(DEFAULT_HNSW) if index_type == "HNSW" else {}
        self._call("load the collection", self._client.load_collection, self._collection)
        return found

    # ------------------------------------------------------------------ properties
    @property
    def dim(self) -> int:
        return self._dim

    @property
    def uri(self) -> str:
        return self._uri

    @property
    def collection(self) -> str:
        return self._collection

    @property
    def analyzer(self) -> dict[str, Any]:
        return dict(self._analyzer)

    @property
    def index_type(self) -> str:
        return self._index_type

    def __len__(self) -> int:
        rows = self._call(
            "count rows",
            self._client.query,
            self._collection,
            filter="",
            output_fields=["count(*)"],
            consistency_level="Strong",
        )
        return int(rows[0]["count(*)"]) if rows else 0

    def __repr__(self) -> str:
        return f"MilvusStore({_public_uri(self._uri)!r}, {self._collection!r}, dim={self._dim})"

    def ids(self) -> np.ndarray:
        found: list[int] = []
        count = len(self)
        if count < _MAX_TOPK:  # one query; Milvus caps a query's limit at 16384
            rows = self._call(
                "list ids",
                self._client.query,
                self._collection,
                filter="id >= 0",
                output_fields=["id"],
                limit=max(count, 1),
            )
            return np.array(sorted(int(r["id"]) for r in rows), dtype=np.int64)
        iterator = self._call(
            "list ids",
            self._client.query_iterator,
            self._collection,
            batch_size=10_000,
            filter="id >= 0",
            output_fields=["id"],
        )
        try:
            while batch := iterator.next():
                found.extend(int(row["id"]) for row in batch)
        finally:
            iterator.close()
        return np.array(sorted(found), dtype=np.int64)

    def _present(self, ids: np.ndarray) -> list[int]:
        """Which of ``ids`` are stored."""
        out: list[int] = []
        for start in range(0, ids.size, _BATCH):
            part = ids[start : start + _BATCH].tolist()
            rows = self._call(
                "look up ids",
                self._client.query,
                self._collection,
                filter=f"id in {part}",
                output_fields=["id"],
            )
            out.extend(int(r["id"]) for r in rows)
        return out

    # ------------------------------------------------------------------ mutation
    def add(
        self,
        ids: np.ndarray,
        vectors: np.ndarray,
        *,
        texts: Sequence[str] | None = None,
        article_ids: Sequence[str] | None = None,
        check_new: bool = True,
    ) -> None:
        """Add rows: vectors (normalised here), and optionally their matching text (for BM25) and article id.

        Rows without text are found by dense search only. ``check_new=False`` skips the look-up that rejects
        ids already stored (for a bulk load into a new collection).
        """
        ids, vecs = check_pairs(ids, vectors, self._dim)
        n = ids.shape[0]
        texts = [""] * n if texts is None else list(texts)
        article_ids = [""] * n if article_ids is None else list(article_ids)
        if len(texts) != n or len(article_ids) != n:
            raise ValueError(f"got {n} ids, {len(texts)} texts and {len(article_ids)} article ids")
        _check_strings(texts, "text", MAX_TEXT_BYTES)
        _check_strings(article_ids, "article id", MAX_ARTICLE_ID_BYTES)
        if n == 0:
            return
        vecs = unit_rows(vecs, "vectors")
        if check_new:
            taken = self._present(ids)
            if taken:
                raise ValueError(f"ids already in the store: {taken[:5]}{' ...' if len(taken) > 5 else ''}")
        for start in range(0, n, _BATCH):
            rows = [
                {"id": int(ids[i]), "article_id": article_ids[i], "text": texts[i], "dense": vecs[i].tolist()}
                for i in range(start, min(n, start + _BATCH))
            ]
            self._call("insert rows", self._client.insert, self._collection, rows)

    def add_texts(self, ids: np.ndarray, texts: Sequence[str], article_ids: Sequence[str]) -> None:
        """Set the matching text and article id of rows already stored (their vectors stay)."""
        ids = check_ids(ids)
        texts, article_ids = list(texts), list(article_ids)
        if not len(texts) == len(article_ids) == ids.size:
            raise ValueError(f"got {ids.size} ids, {len(texts)} texts and {len(article_ids)} article ids")
        _check_strings(texts, "text", MAX_TEXT_BYTES)
        _check_strings(article_ids, "article id", MAX_ARTICLE_ID_BYTES)
        for start in range(0, ids.size, _BATCH):
            part = ids[start : start + _BATCH]
            rows = self._call(
                "read vectors", self._client.get, self._collection, ids=part.tolist(), output_fields=["dense"]
            )
            vectors = {int(r["id"]): r["dense"] for r in rows}
            unknown = [int(i) for i in part if int(i) not in vectors]
            if unknown:
                raise ValueError(f"ids not in the store: {unknown[:5]}{' ...' if len(unknown) > 5 else ''}")
            at = start
            upsert = []
            for i in part:
                upsert.append(
                    {
                        "id": int(i),
                        "article_id": article_ids[at],
                        "text": texts[at],
                        "dense": list(vectors[int(i)]),
                    }
                )
                at += 1
            self._call("update rows", self._client.upsert, self._collection, upsert)

    def remove(self, ids: np.ndarray) -> int:
        wanted = np.unique(check_ids(ids, allow_duplicates=True))
        present = self._present(wanted)
        for start in range(0, len(present), _BATCH):
            self._call(
                "delete rows", self._client.delete, self._collection, ids=present[start : start + _BATCH]
            )
        return len(present)

    def delete_article(self, article_id: str) -> int:
        """Delete every row of ``article_id`` (a filter expression); returns how many were deleted."""
        return self.delete_articles([article_id])

    def delete_articles(self, article_ids: Iterable[str]) -> int:
        """Delete every row of the given articles; returns how many rows were deleted."""
        wanted = sorted({a for a in article_ids})
        _check_strings(wanted, "article id", MAX_ARTICLE_ID_BYTES)
        removed = 0
        for start in range(0, len(wanted), _BATCH):
            expr = f"article_id in [{', '.join(_quote(a) for a in wanted[start : start + _BATCH])}]"
            rows = self._call(
                "count an article's rows",
                self._client.query,
                self._collection,
                filter=expr,
                output_fields=["count(*)"],
            )
            count = int(rows[0]["count(*)"]) if rows else 0
            if count:
                self._call("delete an article's rows", self._client.delete, self._collection, filter=expr)
            removed += count
        return removed

    def flush(self) -> None:
        """Seal what was inserted (Lite: one segment with its indexes built; a server: sealed segments)."""
        self._call("flush", self._client.flush, self._collection)

    def drop(self) -> None:
        """Delete the whole collection."""
        self._call("drop the collection", self._client.drop_collection, self._collection)

    # ------------------------------------------------------------------ search
    def _dense_search_params(self) -> dict[str, Any]:
        if self._index_type == "HNSW":
            return {"metric_type": "IP", "params": {"ef": self._index_params["ef"]}}
        return {"metric_type": "IP"}

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        k = check_k(k)
        q = check_vectors(queries, self._dim, what="queries")
        scores, labels = missing_results(q.shape[0], k)
        if q.shape[0] == 0:
            return scores, labels
        q = unit_rows(q, "queries")
        limit = min(k, _MAX_TOPK)
        params = self._dense_search_params()
        if self._index_type == "HNSW":
            params["params"]["ef"] = max(params["params"]["ef"], limit)
        for start in range(0, q.shape[0], 100):
            result = self._call(
                "search vectors",
                self._client.search,
                self._collection,
                data=q[start : start + 100].tolist(),
                anns_field="dense",
                limit=limit,
                search_params=params,
                output_fields=["id"],
            )
            for row, hits in enumerate(result, start=start):
                for j, hit in enumerate(hits[:limit]):
                    labels[row, j] = int(hit["id"])
                    scores[row, j] = float(hit["distance"])
        return scores, labels

    def keyword_search(
        self, text: str, k: int, *, ids: Sequence[int] | np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """BM25 top-``k`` for ``text`` run in Milvus with the collection's analyzer: ``(scores, ids)``, 1-D,
        best first, positive scores only (documents sharing no term are left out). ``ids`` limits the search
        to those rows (a filter), e.g. to score given candidates."""
        k = check_k(k)
        if not isinstance(text, str):
            raise TypeError(f"text must be str, got {type(text).__name__}")
        empty = np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        if not text.strip():
            return empty
        expr = ""
        if ids is not None:
            wanted = check_ids(np.asarray(ids), allow_duplicates=True)
            if wanted.size == 0:
                return empty
            expr = f"id in {np.unique(wanted).tolist()}"
            k = min(k, int(np.unique(wanted).size))
        result = self._call(
            "run a BM25 search",
            self._client.search,
            self._collection,
            data=[text],
            anns_field="sparse",
            limit=min(k, _MAX_TOPK),
            search_params={"metric_type": "BM25"},
            output_fields=["id"],
            filter=expr,
        )
        hits = result[0] if result else []
        scores = np.array([abs(float(h["distance"])) for h in hits], dtype=np.float32)
        found = np.array([int(h["id"]) for h in hits], dtype=np.int64)
        keep = scores > 0
        order = np.argsort(-scores[keep], kind="stable")  # best first, whatever the sign convention
        return scores[keep][order], found[keep][order]

    def keyword_scores(self, text: str, depth: int, n: int, include: np.ndarray | None = None) -> np.ndarray:
        """Engine BM25 laid out as ``rag.keyword.KeywordIndex.scores``: an ``(n,)`` array indexed by id, with
        the top-``depth`` documents' scores and, for ``include`` (e.g. the dense candidates), theirs too;
        0 elsewhere. Ids must be below ``n``."""
        out = np.zeros(n, dtype=np.float32)
        scores, found = self.keyword_search(text, depth)
        out[found] = scores
        if include is not None:
            extra = np.setdiff1d(np.asarray(include, dtype=np.int64), found)
            extra = extra[extra >= 0]
            if extra.size:
                more_scores, more_ids = self.keyword_search(text, int(extra.size), ids=extra)
                out[more_ids] = more_scores
        return out

    # ------------------------------------------------------------------ persistence
    def config(self) -> dict[str, Any]:
        """What :meth:`save` writes (no credentials)."""
        from importlib.metadata import PackageNotFoundError, version

        try:
            client_version = version("pymilvus")
        except PackageNotFoundError:  # pragma: no cover
            client_version = "unknown"
        return {
            "format": _FORMAT,
            "format_version": _FORMAT_VERSION,
            "backend": "milvus",
            "uri": _public_uri(self._uri),
            "collection": self._collection,
            "dim": self._dim,
            "count": len(self),
            "metric": "inner_product",
            "normalized": True,
            "index": {"type": self._index_type, "params": self._index_params},
            "analyzer": self._analyzer,
            "bm25": {"k1": BM25_K1, "b": BM25_B},
            "pymilvus_version": client_version,
        }

    def save(self, directory: Path) -> None:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        write_atomic(
            directory / META_FILE, (json.dumps(self.config(), indent=1, ensure_ascii=False) + "\n").encode()
        )

    @classmethod
    def load(cls, directory: Path, *, token: str | None = None, check_count: bool = True) -> Self:
        directory = Path(directory)
        meta = read_config(directory)
        index = meta["index"]
        store = cls(
            meta["uri"],
            meta["collection"],
            None,
            index=index.get("type", "FLAT"),
            index_params=index.get("params") or None,
            token=token,
        )
        if store.dim != meta["dim"]:
            raise IndexMismatchError(
                f"Milvus collection {meta['collection']!r} holds {store.dim}-d vectors, {META_FILE} "
                f"says {meta['dim']}-d; move the index again with python -m rag migrate"
            )
        if check_count and len(store) != meta["count"]:
            raise IndexMismatchError(
                f"Milvus collection {meta['collection']!r} holds {len(store)} rows, {META_FILE} says "
                f"{meta['count']}; it was changed since; move the index again with python -m rag migrate"
            )
        return store


def read_config(directory: Path) -> dict[str, Any]:
    """The ``milvus.json`` written by :meth:`MilvusStore.save`, checked."""
    path = Path(directory) / META_FILE
    return read_checked_meta(
        path,
        fmt=_FORMAT,
        version=_FORMAT_VERSION,
        fields={"uri": str, "collection": str, "dim": int, "count": int, "index": dict},
        missing=lambda: IndexMissingError(f"no Milvus store description at {path}"),
        mismatch=lambda detail: IndexMismatchError(f"Milvus store description in {directory}: {detail}"),
        description="Milvus store description",
    )


def _lite_locked(path: Path) -> bool:
    """Whether another process holds Milvus Lite's lock on the database folder ``path``."""
    import fcntl

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


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)


def _check_strings(values: Sequence[str], what: str, max_bytes: int) -> None:
    for i, value in enumerate(values):
        if not isinstance(value, str):
            raise TypeError(f"{what} {i} must be str, got {type(value).__name__}")
        if len(value) * 4 > max_bytes and len(value.encode("utf-8")) > max_bytes:
            raise ValueError(f"{what} {i} is longer than Milvus allows ({max_bytes} bytes of UTF-8)")
