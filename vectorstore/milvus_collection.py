"""A Milvus collection in the rag-news schema: connecting, creating or opening it, its settings, errors.

:class:`vectorstore.milvus_store.MilvusStore` is the vector store on top of it (rows, searches, the saved
description). Every pymilvus failure becomes a :mod:`vectorstore.errors` error naming what failed.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Self

from .errors import StoreBusyError, StoreError, StoreMissingError, StoreUnreachableError
from .milvus_config import (
    DEFAULT_ANALYZER,
    DEFAULT_HNSW,
    INDEX_TYPES,
    check_fields,
    collection_schema,
    has_full_text,
    lite_locked,
    positive_int,
    public_uri,
    resolve_uri,
)

__all__ = ["MilvusCollection"]

log = logging.getLogger(__name__)
_CONNECT_FAILED = 2  # pymilvus's Status.CONNECT_FAILED: the server is down or unreachable
_NOT_LOADED = 101  # Milvus's ErrCollectionNotLoaded
_SAID: set[str] = set()  # the URIs whose missing BM25 was logged (once per process)


def _say_once(uri: str, message: str) -> None:
    if uri not in _SAID:
        _SAID.add(uri)
        log.warning(message)


class MilvusCollection:
    """One collection at a Milvus URI, opened or created.

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
        self._has_meta = True  # the rows carry published/outlet/canonical (a collection made before: not)
        self.server_version = str(self._call("read the server version", self._client.get_server_version))
        self._full_text = has_full_text(self.server_version)  # for a new collection; an existing one says
        if self._call("check the collection", self._client.has_collection, collection):
            self._dim = self._open_existing(dim)
        elif dim is None:
            raise StoreMissingError(
                f"no collection {collection!r} at {public_uri(self._uri)}",
                hint=f"move an index there with: python -m rag migrate --index DIR --to {self._spec}",
                path=public_uri(self._uri),
            )
        else:
            self._dim = positive_int("dim", dim)
            self._create()
            self.created = True

    # ------------------------------------------------------------------ connection
    def _connect(self, token: str | None) -> Any:
        try:
            from pymilvus import MilvusClient, MilvusException
        except ImportError as exc:  # pragma: no cover - pymilvus is a declared dependency
            raise StoreError('the Milvus store needs pymilvus: pip install "pymilvus[milvus_lite]"') from exc
        self._milvus_exception = MilvusException
        try:
            return MilvusClient(uri=self._uri, token=token or "", timeout=30)
        except MilvusException as exc:
            if "://" not in self._uri and lite_locked(Path(self._uri)):
                raise StoreBusyError(
                    f"another process has the Milvus Lite database {self._uri} open",
                    hint="Milvus Lite serves one process at a time (use a Milvus server for several)",
                    path=self._uri,
                ) from exc
            raise self._error("connect", exc) from exc

    def _error(self, what: str, exc: Exception) -> StoreError:
        # pymilvus reports a held Milvus Lite lock only in its text: the one place a message is read
        detail = getattr(exc, "message", None) or str(exc)
        if getattr(exc, "code", None) == _CONNECT_FAILED:
            return StoreUnreachableError(
                f"vector store unreachable: Milvus at {public_uri(self._uri)} did not answer (failed to {what}: "
                f"{detail})",
                hint="check that the Milvus server is running; the next request tries again",
                path=public_uri(self._uri),
            )
        if "lock" in detail.lower() and "another process" in detail.lower():
            return StoreBusyError(
                f"another process has the Milvus Lite database {self._uri} open: {detail}", path=self._uri
            )
        return StoreError(
            f"Milvus at {public_uri(self._uri)} (collection {self._collection!r}) failed to {what}: {detail}",
            path=public_uri(self._uri),
        )

    def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except self._milvus_exception as exc:
            if getattr(exc, "code", None) != _NOT_LOADED:
                raise self._error(what, exc) from exc
        # a restarted server (2.3) serves a collection again once it is loaded: load it, then try once more
        try:
            self._client.load_collection(self._collection)
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
        schema, params = collection_schema(
            self._client, self._dim, self._analyzer, self._index_type, self._index_params, self._full_text
        )
        if not self._full_text:
            _say_once(self._uri, f"Milvus server {self.server_version} at {public_uri(self._uri)} has no BM25 "
                      "function (Milvus < 2.5): BM25 stays on the local keyword index")  # fmt: skip
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
        found, analyzer, self._has_meta, self._full_text = check_fields(
            info, self._collection, public_uri(self._uri), dim
        )
        if analyzer is not None:
            self._analyzer = analyzer
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

    @property
    def full_text(self) -> bool:
        """Whether the collection runs BM25 itself (a ``sparse`` field with a BM25 function); not on a server
        older than 2.5, where BM25 stays on the local keyword index."""
        return self._full_text

    @property
    def has_meta_fields(self) -> bool:
        """Whether the rows carry the scalar fields filter expressions use (``published``, ``outlet``,
        ``canonical``); a collection made before them must be moved again to be filtered."""
        return self._has_meta

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
        return f"MilvusStore({public_uri(self._uri)!r}, {self._collection!r}, dim={self._dim})"

    def flush(self) -> None:
        """Seal what was inserted (Lite: one segment with its indexes built; a server: sealed segments)."""
        self._call("flush", self._client.flush, self._collection)

    def drop(self) -> None:
        """Delete the whole collection."""
        self.drop_collection(self._collection)

    def list_collections(self) -> list[str]:
        """The names of every collection at this store's URI (this connection's database)."""
        return list(self._call("list the collections", self._client.list_collections))

    def drop_collection(self, name: str) -> None:
        """Delete the collection ``name`` at this store's URI (this store's own: :meth:`drop`)."""
        self._call("drop the collection", self._client.drop_collection, name)
