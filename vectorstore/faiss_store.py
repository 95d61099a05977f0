"""A :class:`VectorStore` on FAISS: exact ("flat"), graph ("hnsw") or inverted-file ("ivf") search.

Scores are inner products of L2-normalised vectors (cosine similarity): the store normalises every added
vector and every query itself, and rejects all-zero rows.

Kinds
-----
``flat`` (default)
    ``IndexIDMap2(IndexFlatIP)``: exact search; removal deletes the vectors.
``hnsw``
    ``IndexIDMap2(IndexHNSWFlat(METRIC_INNER_PRODUCT))`` with params ``M`` (32), ``ef_construction`` (100) and
    ``ef_search`` (512: at 1M e5-like vectors, M=16 and ef_search 128 find only .875 of the exact top-10, 512
    finds .970 in 4.2 ms p50; benchmarks/scale.py). HNSW graphs cannot delete nodes, so :meth:`FaissStore.remove` keeps a *tombstone*
    set: searches pass FAISS an ``IDSelectorNot(IDSelectorBatch(tombstones))`` so removed vectors never come
    back and the k slots are still filled from live vectors. When tombstones exceed ``compact_ratio`` (0.2)
    of the stored vectors, or a removed id is added again, the graph is rebuilt from the live vectors.
    Tombstones are saved with the store.
``ivf``
    ``IndexIVFFlat`` (or ``IndexIVFPQ`` when ``pq_m`` > 0, with ``pq_nbits`` bits per code) with params
    ``nlist`` (100) and ``nprobe`` (8). IVF needs training, so vectors are first kept in an exact
    ``IndexIDMap2(IndexFlatIP)``; once the store holds ``min_train`` vectors (default ``39 * nlist``, and at
    least ``39 * 2**pq_nbits`` for PQ) the IVF index is trained on all of them and replaces the exact one.
    IVF indexes carry their own ids, so no id map is needed; removal deletes the vectors.

Files written by :meth:`FaissStore.save`: ``vectors.faiss`` (``faiss.serialize_index`` bytes) and
``store.json`` (kind, dim, count, params, size and SHA-256 of ``vectors.faiss``, tombstones). No pickle.
A store is not safe to mutate from several threads at once; concurrent searches are fine.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Self, cast

import faiss
import numpy as np

from .base import (
    MISSING_ID,
    MISSING_SCORE,
    VectorStore,
    check_ids,
    check_k,
    check_pairs,
    check_vectors,
    missing_results,
    read_checked_blob,
    read_checked_meta,
    unit_rows,
    write_atomic,
)
from .errors import StoreMismatchError, StoreMissingError

__all__ = ["DEFAULT_PARAMS", "INDEX_FILE", "KINDS", "META_FILE", "FaissStore"]

KINDS = ("flat", "hnsw", "ivf")
INDEX_FILE = "vectors.faiss"
META_FILE = "store.json"
_FORMAT = "rag-news/faiss-store"
_FORMAT_VERSION = 1

DEFAULT_PARAMS: dict[str, dict[str, Any]] = {
    "flat": {},
    "hnsw": {"M": 32, "ef_construction": 100, "ef_search": 512, "compact_ratio": 0.2},
    "ivf": {"nlist": 100, "nprobe": 8, "pq_m": 0, "pq_nbits": 8, "min_train": None},
}


def _resolve_params(kind: str, dim: int, params: dict[str, Any]) -> dict[str, Any]:
    if kind not in KINDS:
        raise ValueError(f"unknown vector store kind {kind!r}; expected one of {', '.join(KINDS)}")
    defaults = DEFAULT_PARAMS[kind]
    unknown = sorted(set(params) - set(defaults))
    if unknown:
        allowed = ", ".join(defaults) or "none"
        raise ValueError(f"unknown parameter(s) for kind {kind!r}: {', '.join(unknown)} (allowed: {allowed})")
    out = {**defaults, **params}
    if kind == "hnsw":
        for name in ("M", "ef_construction", "ef_search"):
            out[name] = _positive_int(name, out[name])
        ratio = out["compact_ratio"]
        if isinstance(ratio, bool) or not isinstance(ratio, int | float) or not 0 < ratio <= 1:
            raise ValueError(f"compact_ratio must be a number in (0, 1], got {ratio!r}")
        out["compact_ratio"] = float(ratio)
    elif kind == "ivf":
        for name in ("nlist", "nprobe"):
            out[name] = _positive_int(name, out[name])
        out["pq_m"] = _positive_int("pq_m", out["pq_m"], allow_zero=True)
        out["pq_nbits"] = _positive_int("pq_nbits", out["pq_nbits"])
        if out["pq_m"] and dim % out["pq_m"]:
            raise ValueError(f"pq_m must divide the dimension: {dim} is not a multiple of {out['pq_m']}")
        if out["min_train"] is None:
            floor = 39 * 2 ** out["pq_nbits"] if out["pq_m"] else 0
            out["min_train"] = max(39 * out["nlist"], floor)
        out["min_train"] = _positive_int("min_train", out["min_train"])
        if out["min_train"] < out["nlist"]:
            raise ValueError(f"min_train ({out['min_train']}) must be at least nlist ({out['nlist']})")
    return out


def _positive_int(name: str, value: Any, *, allow_zero: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name} must be an int, got {value!r}")
    if value < (0 if allow_zero else 1):
        raise ValueError(f"{name} must be {'non-negative' if allow_zero else 'positive'}, got {value}")
    return int(value)


def _idmap_contents(index: faiss.IndexIDMap2) -> tuple[np.ndarray, np.ndarray]:
    """(ids, vectors) of everything inside an ``IndexIDMap2`` over a flat-storage index."""
    ids = faiss.vector_to_array(index.id_map).astype(np.int64)
    if index.ntotal == 0:
        return ids, np.zeros((0, index.d), dtype=np.float32)
    return ids, index.index.reconstruct_n(0, index.ntotal)


def _ivf_ids(index: faiss.IndexIVF) -> np.ndarray:
    invlists = index.invlists
    assert invlists is not None  # an IVF index always has its lists
    parts = [np.zeros(0, dtype=np.int64)]
    for list_no in range(index.nlist):
        size = invlists.list_size(list_no)
        if size:
            parts.append(faiss.rev_swig_ptr(invlists.get_ids(list_no), size).astype(np.int64))
    return np.concatenate(parts)


class FaissStore(VectorStore):
    """FAISS-backed vector store; see the module docstring for the kinds and their parameters."""

    def __init__(self, dim: int, kind: str = "flat", **params: Any) -> None:
        self._dim = _positive_int("dim", dim)
        self._kind = kind
        self._params = _resolve_params(kind, self._dim, params)
        self._index: faiss.Index = self._empty_index()
        self._ids: set[int] = set()
        self._tombstones: set[int] = set()  # hnsw only
        self._selector: Any = None  # hnsw only: excludes tombstones; rebuilt when they change

    # ------------------------------------------------------------------ properties
    @property
    def dim(self) -> int:
        return self._dim

    @property
    def kind(self) -> str:
        return self._kind

    @property
    def params(self) -> dict[str, Any]:
        return dict(self._params)

    def set_ef_search(self, ef: int) -> None:
        """HNSW: how many candidates a search explores (recall against speed; ``benchmarks/scale.py`` sweeps it).
        Saved with the store."""
        if self._kind != "hnsw":
            raise ValueError(f"ef_search is an HNSW parameter; this store is {self._kind!r}")
        self._params["ef_search"] = _positive_int("ef_search", ef)

    @property
    def trained(self) -> bool:
        """For "ivf": whether the IVF index has replaced the exact staging index. Always True otherwise."""
        return self._kind != "ivf" or isinstance(self._index, faiss.IndexIVF)

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, item: object) -> bool:
        return isinstance(item, int | np.integer) and int(item) in self._ids

    def __repr__(self) -> str:
        return f"FaissStore(dim={self._dim}, kind={self._kind!r}, count={len(self)})"

    def ids(self) -> np.ndarray:
        return np.fromiter(sorted(self._ids), dtype=np.int64, count=len(self._ids))

    # ------------------------------------------------------------------ mutation
    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        ids, vecs = check_pairs(ids, vectors, self._dim)
        if ids.size == 0:
            return
        vecs = unit_rows(vecs, "vectors")
        taken = [int(i) for i in ids if int(i) in self._ids]
        if taken:
            raise ValueError(f"ids already in the store: {taken[:5]}{' ...' if len(taken) > 5 else ''}")
        if self._tombstones and any(int(i) in self._tombstones for i in ids):
            self._compact()
        self._index.add_with_ids(vecs, ids)
        self._ids.update(ids.tolist())
        if self._kind == "ivf" and not self.trained and self._index.ntotal >= self._params["min_train"]:
            self._train_ivf()

    def remove(self, ids: np.ndarray) -> int:
        wanted = check_ids(ids, allow_duplicates=True)
        present = np.array(sorted({int(i) for i in wanted} & self._ids), dtype=np.int64)
        if present.size == 0:
            return 0
        if self._kind == "hnsw":
            self._tombstones.update(present.tolist())
            self._ids.difference_update(present.tolist())
            self._selector = None
            if len(self._tombstones) > self._params["compact_ratio"] * self._index.ntotal:
                self._compact()
        else:
            removed = self._index.remove_ids(faiss.IDSelectorBatch(present))
            if removed != present.size:  # pragma: no cover - would mean the id bookkeeping drifted
                raise RuntimeError(f"FAISS removed {removed} vectors, expected {present.size}")
            self._ids.difference_update(present.tolist())
        return int(present.size)

    # ------------------------------------------------------------------ search
    def search(
        self, queries: np.ndarray, k: int, *, ids: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` per query; ``ids``: search only among these (FAISS id selection inside the search, so
        ``k`` slots fill from them; HNSW may fill fewer when they are a small share of the graph)."""
        k = check_k(k)
        q = check_vectors(queries, self._dim, what="queries")
        scores, labels = missing_results(q.shape[0], k)
        wanted = None if ids is None else check_ids(ids, allow_duplicates=True)
        live = len(self._ids) if wanted is None else int(np.unique(wanted).size)
        if q.shape[0] == 0 or not self._ids or live == 0:
            return scores, labels
        q = unit_rows(q, "queries")
        kk = min(k, len(self._ids), live)
        params, keep = self._search_params(kk, wanted)
        # One query gains nothing from OpenMP threads and loses a lot when the cores are busy (31 ms vs
        # 0.15 ms for 81 vectors on 2 loaded cores): search single queries on one thread, batches on all.
        threads = faiss.omp_get_max_threads()
        if q.shape[0] == 1:
            faiss.omp_set_num_threads(1)
        try:
            if params is None:
                dist, found = self._index.search(q, kk)
            else:
                dist, found = self._index.search(q, kk, params=params)
        finally:
            faiss.omp_set_num_threads(threads)
        del keep  # the selector's arrays lived until the search was done
        missing = found < 0
        dist[missing] = MISSING_SCORE
        found[missing] = MISSING_ID
        scores[:, :kk] = dist
        labels[:, :kk] = found
        return scores, labels

    def _search_params(self, k: int, wanted: np.ndarray | None = None) -> tuple[Any, list[Any]]:
        """FAISS search parameters, and the objects their selector needs kept alive meanwhile."""
        keep: list[Any] = []
        selector: Any = None
        if wanted is not None:
            mask = np.zeros(int(wanted.max()) + 1 if wanted.size else 1, bool)
            mask[wanted] = True
            bitmap = np.packbits(mask, bitorder="little")
            selector = faiss.IDSelectorBitmap(bitmap.size, faiss.swig_ptr(bitmap))
            keep += [bitmap, selector]
        if self._kind == "hnsw":
            params = faiss.SearchParametersHNSW()  # type: ignore[attr-defined]  # missing from faiss's stubs
            params.efSearch = max(self._params["ef_search"], k)
            if self._tombstones:
                if self._selector is None:
                    batch = faiss.IDSelectorBatch(np.array(sorted(self._tombstones), dtype=np.int64))
                    self._selector = (batch, faiss.IDSelectorNot(batch))  # keep both alive
                if selector is not None:
                    selector = faiss.IDSelectorAnd(selector, self._selector[1])
                    keep.append(selector)
                else:
                    selector = self._selector[1]
        elif self._kind == "ivf" and self.trained:
            params = faiss.SearchParametersIVF()
            params.nprobe = min(self._params["nprobe"], self._params["nlist"])
        elif selector is not None:
            params = faiss.SearchParameters()
        else:
            return None, keep
        if selector is not None:
            params.sel = selector
        return params, keep

    # ------------------------------------------------------------------ index building
    def _empty_index(self) -> faiss.Index:
        if self._kind == "hnsw":
            hnsw = faiss.IndexHNSWFlat(self._dim, self._params["M"], faiss.METRIC_INNER_PRODUCT)
            hnsw.hnsw.efConstruction = self._params["ef_construction"]
            hnsw.hnsw.efSearch = self._params["ef_search"]
            return faiss.IndexIDMap2(hnsw)
        return faiss.IndexIDMap2(faiss.IndexFlatIP(self._dim))  # flat, and ivf before training

    def _new_ivf(self) -> faiss.IndexIVF:
        p = self._params
        quantizer = faiss.IndexFlatIP(self._dim)
        ivf: faiss.IndexIVF
        if p["pq_m"]:
            ivf = faiss.IndexIVFPQ(
                quantizer, self._dim, p["nlist"], p["pq_m"], p["pq_nbits"], faiss.METRIC_INNER_PRODUCT
            )
        else:
            ivf = faiss.IndexIVFFlat(quantizer, self._dim, p["nlist"], faiss.METRIC_INNER_PRODUCT)
        ivf.nprobe = min(p["nprobe"], p["nlist"])
        return ivf

    def _train_ivf(self) -> None:
        ids, vecs = _idmap_contents(cast(faiss.IndexIDMap2, self._index))  # untrained IVF: the exact id map
        ivf = self._new_ivf()
        ivf.train(vecs)
        ivf.add_with_ids(vecs, ids)
        self._index = ivf

    def _compact(self) -> None:
        """HNSW: rebuild the graph from the live vectors, dropping tombstones."""
        ids, vecs = _idmap_contents(cast(faiss.IndexIDMap2, self._index))  # HNSW lives in an id map
        keep = ~np.isin(ids, np.fromiter(self._tombstones, dtype=np.int64, count=len(self._tombstones)))
        index = self._empty_index()
        if keep.any():
            index.add_with_ids(np.ascontiguousarray(vecs[keep]), np.ascontiguousarray(ids[keep]))
        self._index = index
        self._tombstones.clear()
        self._selector = None

    # ------------------------------------------------------------------ persistence
    def save(self, directory: Path) -> None:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        blob = faiss.serialize_index(self._index).tobytes()
        write_atomic(directory / INDEX_FILE, blob)
        meta = {
            "format": _FORMAT,
            "format_version": _FORMAT_VERSION,
            "backend": "faiss",
            "kind": self._kind,
            "dim": self._dim,
            "count": len(self._ids),
            "metric": "inner_product",
            "normalized": True,
            "params": self._params,
            "trained": self.trained,
            "tombstones": sorted(self._tombstones),
            "index_file": INDEX_FILE,
            "index_bytes": len(blob),
            "index_sha256": hashlib.sha256(blob).hexdigest(),
            "faiss_version": faiss.__version__,
        }
        write_atomic(directory / META_FILE, (json.dumps(meta, indent=1) + "\n").encode("utf-8"))

    @classmethod
    def load(cls, directory: Path) -> Self:
        directory = Path(directory)
        meta = _read_meta(directory)
        try:
            store = cls(meta["dim"], meta["kind"], **meta["params"])
        except (TypeError, ValueError) as exc:
            raise _mismatch(directory, f"{META_FILE} holds invalid settings: {exc}") from exc
        index = _read_index(directory, meta)
        store._adopt(index, meta, directory)
        return store

    def _adopt(self, index: faiss.Index, meta: dict[str, Any], directory: Path) -> None:
        """Take over a deserialized index after checking it fits ``meta``."""
        if index.d != self._dim:
            raise _mismatch(directory, f"{INDEX_FILE} has dimension {index.d}, {META_FILE} says {self._dim}")
        if index.metric_type != faiss.METRIC_INNER_PRODUCT:
            raise _mismatch(directory, f"{INDEX_FILE} does not use inner-product search")
        trained = bool(meta.get("trained", True))
        if isinstance(index, faiss.IndexIVF):
            ok = self._kind == "ivf" and trained
            ids = _ivf_ids(index)
        elif isinstance(index, faiss.IndexIDMap2):
            inner = faiss.downcast_index(index.index)
            expected = faiss.IndexHNSWFlat if self._kind == "hnsw" else faiss.IndexFlat
            ok = isinstance(inner, expected) and (self._kind != "ivf" or not trained)
            ids = faiss.vector_to_array(index.id_map).astype(np.int64)
        else:
            ok, ids = False, np.zeros(0, dtype=np.int64)
        if not ok:
            raise _mismatch(
                directory, f"{INDEX_FILE} holds a {type(index).__name__}, not a {self._kind!r} store"
            )
        if self._kind == "hnsw":
            hnsw = cast(faiss.IndexHNSWFlat, faiss.downcast_index(cast(faiss.IndexIDMap2, index).index)).hnsw
            hnsw.efConstruction = self._params["ef_construction"]
            hnsw.efSearch = self._params["ef_search"]
        tombstones = {int(t) for t in meta.get("tombstones", [])}
        id_set = set(ids.tolist())
        if len(id_set) != ids.size or not tombstones <= id_set or (tombstones and self._kind != "hnsw"):
            raise _mismatch(directory, f"{INDEX_FILE} holds duplicate or unexpected ids")
        id_set -= tombstones
        if len(id_set) != meta["count"]:
            raise _mismatch(
                directory, f"{INDEX_FILE} holds {len(id_set)} vectors, {META_FILE} says {meta['count']}"
            )
        self._index = index
        self._ids = id_set
        self._tombstones = tombstones
        self._selector = None


def _mismatch(directory: Path, detail: str) -> StoreMismatchError:
    return StoreMismatchError(
        f"vector store at {directory} is unusable: {detail}", hint="rebuild the index", path=str(directory)
    )


def _read_meta(directory: Path) -> dict[str, Any]:
    fields = {"kind": str, "dim": int, "count": int, "params": dict, "index_bytes": int, "index_sha256": str}
    meta = read_checked_meta(
        directory / META_FILE,
        fmt=_FORMAT,
        version=_FORMAT_VERSION,
        fields=fields,
        missing=lambda: StoreMissingError(
            f"no vector store at {directory} ({META_FILE} is missing)",
            hint="build the index",
            path=str(directory),
        ),
        mismatch=lambda detail: _mismatch(directory, detail),
        description="FAISS vector store description",
    )
    if not isinstance(meta.get("tombstones", []), list):
        raise _mismatch(directory, f"{META_FILE} lacks a valid 'tombstones'")
    return meta


def _read_index(directory: Path, meta: dict[str, Any]) -> faiss.Index:
    blob = read_checked_blob(
        directory / INDEX_FILE, meta["index_bytes"], meta["index_sha256"], lambda d: _mismatch(directory, d)
    )
    try:
        return faiss.deserialize_index(np.frombuffer(blob, dtype=np.uint8))
    except (RuntimeError, MemoryError, ValueError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise _mismatch(directory, f"FAISS cannot read {INDEX_FILE}: {first_line}") from exc
