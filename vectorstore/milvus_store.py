"""A :class:`VectorStore` on Milvus (pymilvus): dense vectors *and* BM25 full-text search in one collection.

The same client code talks to Milvus Lite (embedded, a local ``.db`` path; what the tests run), a Milvus
standalone server or a cluster (a URI). See :func:`resolve_uri` for the accepted spellings.

Collection schema (one row per chunk)::

    id          INT64 primary key      the vector id (in a rag index: the chunk's position)
    article_id  VARCHAR(512)           for deletes by article (a filter expression)
    published   VARCHAR(16)            the article's ISO date ("" when unknown), for date filters
    outlet      VARCHAR(512)           the article's outlet as compared (``rag.search.filters.outlet_key``)
    canonical   BOOL                   searched without a filter (false for a reprint of another row's article)
    text        VARCHAR(65535 bytes)   Simplified matching text, analyzed by ``analyzer`` (default jieba)
    dense       FLOAT_VECTOR(dim)      L2-normalised here; index FLAT (exact, default) or HNSW; metric IP
    sparse      SPARSE_FLOAT_VECTOR    output of a BM25 function over ``text``; SPARSE_INVERTED_INDEX, BM25
                                       (only where the server has BM25 functions: Milvus Lite, Milvus >= 2.5)

A server older than 2.5 (``get_server_version()``) gets the collection without ``sparse`` (and ``text``
unanalysed): :attr:`full_text` is false, :meth:`keyword_search` refuses, and ``rag`` keeps BM25 on its local
keyword index (said once in the log). A server that does not answer raises ``StoreUnreachableError``.

Scores: :meth:`MilvusStore.search` returns inner products of normalised vectors (cosine), like
``FaissStore``; :meth:`MilvusStore.keyword_search` returns positive BM25 scores, best first (Milvus Lite
reports BM25 as a negative distance, a server as a positive score: both become the positive score).
BM25 uses ``k1=1.5, b=0.75`` (the values of ``rag.search.bm25``; a server's own default k1 is 1.2).

The collection is created with ``consistency_level="Strong"`` so a search sees every acknowledged insert or
delete. :meth:`save` writes ``milvus.json`` (URI without credentials, collection, dimension, count, index and
analyzer settings); :meth:`load` reads it and reconnects. A token for a secured server is taken from the
``token`` argument or, when that is ``None``, from ``$MILVUS_TOKEN`` when the store connects; never saved.

Milvus Lite keeps one process per ``.db`` (a file lock): a second process opening it gets ``StoreBusyError``.
Errors are :mod:`vectorstore.errors` classes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Self

import numpy as np

from .base import (
    VectorStore,
    check_ids,
    check_k,
    check_pairs,
    check_vectors,
    missing_results,
    unit_rows,
    write_atomic,
)
from .errors import StoreMismatchError
from .milvus_collection import MilvusCollection
from .milvus_config import (
    BM25_B,
    BM25_K1,
    DEFAULT_ANALYZER,
    FORMAT,
    FORMAT_VERSION,
    INDEX_TYPES,
    MAX_ARTICLE_ID_BYTES,
    MAX_OUTLET_BYTES,
    MAX_TEXT_BYTES,
    META_FILE,
    analyzer_with_stopwords,
    check_strings,
    filter_literal,
    is_milvus_uri,
    public_uri,
    read_config,
    resolve_uri,
)

__all__ = [
    "DEFAULT_ANALYZER",
    "INDEX_TYPES",
    "META_FILE",
    "MilvusStore",
    "analyzer_with_stopwords",
    "is_milvus_uri",
    "public_uri",
    "read_config",
    "resolve_uri",
]

_BATCH = 1000  # rows per insert / ids per delete or lookup (well under gRPC's 64 MiB message limit)
_MAX_TOPK = 16384  # Milvus's limit on search ``limit``


# ---------------------------------------------------------------------------------------------------- store


class MilvusStore(MilvusCollection, VectorStore):
    """A Milvus collection as a vector store, with BM25 keyword search and deletes by article id.

    Opening and creating: see :class:`~vectorstore.milvus_collection.MilvusCollection`.
    """

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
    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors without text (found by dense search only); see :meth:`add_rows`."""
        self.add_rows(ids, vectors)

    def add_rows(
        self,
        ids: np.ndarray,
        vectors: np.ndarray,
        *,
        texts: Sequence[str] | None = None,
        article_ids: Sequence[str] | None = None,
        check_new: bool = True,
        meta: Sequence[tuple[str, str, bool]] | None = None,
    ) -> None:
        """Add rows: vectors (normalised here), and optionally their matching text (for BM25), article id and
        ``meta`` per row: (published, outlet key, canonical) for filter expressions (default "", "", true).

        Rows without text are found by dense search only. ``check_new=False`` skips the look-up that rejects
        ids already stored (for a bulk load into a new collection).
        """
        ids, vecs = check_pairs(ids, vectors, self._dim)
        n = ids.shape[0]
        texts = [""] * n if texts is None else list(texts)
        article_ids = [""] * n if article_ids is None else list(article_ids)
        meta = [("", "", True)] * n if meta is None else list(meta)
        if len(texts) != n or len(article_ids) != n or len(meta) != n:
            raise ValueError(
                f"got {n} ids, {len(texts)} texts, {len(article_ids)} article ids, {len(meta)} meta"
            )
        check_strings(texts, "text", MAX_TEXT_BYTES)
        check_strings(article_ids, "article id", MAX_ARTICLE_ID_BYTES)
        check_strings([m[1] for m in meta], "outlet", MAX_OUTLET_BYTES)
        if n == 0:
            return
        vecs = unit_rows(vecs, "vectors")
        if check_new:
            taken = self._present(ids)
            if taken:
                raise ValueError(f"ids already in the store: {taken[:5]}{' ...' if len(taken) > 5 else ''}")
        for start in range(0, n, _BATCH):
            rows = [
                {"id": int(ids[i]), "article_id": article_ids[i], "text": texts[i], "dense": vecs[i].tolist(),
                 **self._meta_row(meta[i])}
                for i in range(start, min(n, start + _BATCH))
            ]  # fmt: skip
            self._call("insert rows", self._client.insert, self._collection, rows)

    def _meta_row(self, meta: tuple[str, str, bool]) -> dict[str, Any]:
        if not self._has_meta:
            return {}
        published, outlet, canonical = meta
        return {"published": published, "outlet": outlet, "canonical": bool(canonical)}

    def _where(self, where: str, ids: np.ndarray | None) -> str:
        """The filter expression of a search: ``where`` (on the scalar fields) or the ``ids`` to search."""
        if where and not self._has_meta:
            raise StoreMismatchError(
                f"Milvus collection {self._collection!r} was made before date and outlet filters (its rows have "
                "no published/outlet/canonical fields)",
                hint="move the index again with python -m rag migrate --replace",
                path=public_uri(self._uri),
            )
        if ids is not None:
            wanted = np.unique(check_ids(np.asarray(ids), allow_duplicates=True)).tolist()
            by_id = f"id in {wanted}"
            return f"({where}) and {by_id}" if where else by_id
        return where

    def add_texts(self, ids: np.ndarray, texts: Sequence[str], article_ids: Sequence[str]) -> None:
        """Set the matching text and article id of rows already stored (their vectors stay)."""
        ids = check_ids(ids)
        texts, article_ids = list(texts), list(article_ids)
        if not len(texts) == len(article_ids) == ids.size:
            raise ValueError(f"got {ids.size} ids, {len(texts)} texts and {len(article_ids)} article ids")
        check_strings(texts, "text", MAX_TEXT_BYTES)
        check_strings(article_ids, "article id", MAX_ARTICLE_ID_BYTES)
        for start in range(0, ids.size, _BATCH):
            part = ids[start : start + _BATCH]
            fields = ["dense", *(("published", "outlet", "canonical") if self._has_meta else ())]
            rows = self._call(
                "read vectors", self._client.get, self._collection, ids=part.tolist(), output_fields=fields
            )
            vectors = {int(r["id"]): r["dense"] for r in rows}
            kept = {int(r["id"]): {f: r[f] for f in fields[1:]} for r in rows}
            unknown = [int(i) for i in part if int(i) not in vectors]
            if unknown:
                raise ValueError(f"ids not in the store: {unknown[:5]}{' ...' if len(unknown) > 5 else ''}")
            upsert = [
                {
                    "id": int(i),
                    "article_id": article_ids[at],
                    "text": texts[at],
                    "dense": list(vectors[int(i)]),
                    **kept[int(i)],
                }
                for at, i in enumerate(part, start=start)
            ]
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
        check_strings(wanted, "article id", MAX_ARTICLE_ID_BYTES)
        removed = 0
        for start in range(0, len(wanted), _BATCH):
            expr = f"article_id in [{', '.join(filter_literal(a) for a in wanted[start : start + _BATCH])}]"
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

    # ------------------------------------------------------------------ search
    def _dense_search_params(self) -> dict[str, Any]:
        if self._index_type == "HNSW":
            return {"metric_type": "IP", "params": {"ef": self._index_params["ef"]}}
        return {"metric_type": "IP"}

    def search(
        self, queries: np.ndarray, k: int, *, ids: np.ndarray | None = None, where: str = ""
    ) -> tuple[np.ndarray, np.ndarray]:
        """Dense top-``k``; ``where``: a filter expression on the scalar fields, ``ids``: only these rows (both
        applied by Milvus inside the search)."""
        k = check_k(k)
        q = check_vectors(queries, self._dim, what="queries")
        scores, labels = missing_results(q.shape[0], k)
        expr = self._where(where, ids)
        if q.shape[0] == 0 or (ids is not None and len(ids) == 0):
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
                filter=expr,
            )
            for row, hits in enumerate(result, start=start):
                for j, hit in enumerate(hits[:limit]):
                    labels[row, j] = int(hit["id"])
                    scores[row, j] = float(hit["distance"])
        return scores, labels

    def keyword_search(
        self, text: str, k: int, *, ids: Sequence[int] | np.ndarray | None = None, where: str = ""
    ) -> tuple[np.ndarray, np.ndarray]:
        """BM25 top-``k`` for ``text`` run in Milvus with the collection's analyzer: ``(scores, ids)``, 1-D,
        best first, positive scores only (documents sharing no term are left out). ``ids`` limits the search
        to those rows (a filter), e.g. to score given candidates; ``where`` is a filter expression on the
        scalar fields."""
        k = check_k(k)
        if not self._full_text:
            raise StoreMismatchError(
                f"Milvus collection {self._collection!r} at {public_uri(self._uri)} has no BM25 function "
                f"(server {self.server_version})",
                hint="score keywords with the local keyword index",
                path=public_uri(self._uri),
            )
        if not isinstance(text, str):
            raise TypeError(f"text must be str, got {type(text).__name__}")
        empty = np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        if not text.strip():
            return empty
        if ids is not None:
            wanted = check_ids(np.asarray(ids), allow_duplicates=True)
            if wanted.size == 0:
                return empty
            k = min(k, int(np.unique(wanted).size))
        expr = self._where(where, None if ids is None else np.asarray(ids))
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

    def keyword_scores(
        self, text: str, depth: int, n: int, include: np.ndarray | None = None, *, where: str = ""
    ) -> np.ndarray:
        """Engine BM25 laid out as ``rag.search.KeywordIndex.scores``: an ``(n,)`` array indexed by id, with
        the top-``depth`` documents' scores (among rows matching ``where``) and, for ``include`` (e.g. the dense
        candidates), theirs too; 0 elsewhere. Ids must be below ``n``."""
        out = np.zeros(n, dtype=np.float32)
        scores, found = self.keyword_search(text, depth, where=where)
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
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "backend": "milvus",
            "uri": public_uri(self._uri),
            "collection": self._collection,
            "dim": self._dim,
            "count": len(self),
            "metric": "inner_product",
            "normalized": True,
            "index": {"type": self._index_type, "params": self._index_params},
            "analyzer": self._analyzer,
            "bm25": {"k1": BM25_K1, "b": BM25_B} if self._full_text else None,
            "full_text": self._full_text,
            "server_version": self.server_version,
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
            raise StoreMismatchError(
                f"Milvus collection {meta['collection']!r} holds {store.dim}-d vectors, {META_FILE} "
                f"says {meta['dim']}-d",
                hint="move the index again with python -m rag migrate",
                path=str(directory),
            )
        if check_count and len(store) != meta["count"]:
            raise StoreMismatchError(
                f"Milvus collection {meta['collection']!r} holds {len(store)} rows, {META_FILE} says "
                f"{meta['count']}; it was changed since",
                hint="move the index again with python -m rag migrate",
                path=str(directory),
            )
        return store
