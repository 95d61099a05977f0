"""The BM25 keyword index over the tokenizer of :mod:`rag.search.tokenizer`.

BM25 scores are computed by ``bm25s`` (method, k1, b, delta configurable) into a term x document
sparse matrix; queries are scored against it directly with numpy (each distinct query term counts
once). ``add``/``remove`` rebuild the whole matrix from stored term counts (fine for corpora of a few
thousand documents; batch your changes). ``save`` writes ``keyword.npz`` (numeric arrays only, read
back with ``allow_pickle=False``) and ``keyword.json`` (parameters, doc ids, vocabulary, tokenizer
signature, checksum of the arrays). No pickle anywhere.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Self

import numpy as np

from rag.search.bm25_files import (
    FORMAT,
    FORMAT_VERSION,
    INDEX_FILE,
    META_FILE,
    NEEDS_NONOCCURRENCE,
    check_arrays,
    mismatch,
    read_arrays,
    read_meta,
)
from rag.search.tokenizer import KeywordTokenizer, default_tokenizer
from vectorstore.base import write_atomic

__all__ = ["BM25_METHODS", "BM25Params", "KeywordIndex"]

BM25_METHODS = ("robertson", "lucene", "atire", "bm25l", "bm25+")


@dataclass(frozen=True)
class BM25Params:
    k1: float = 1.5
    b: float = 0.75
    delta: float = 0.5  # only used by bm25l and bm25+
    method: str = "lucene"

    def __post_init__(self) -> None:
        if self.method not in BM25_METHODS:
            raise ValueError(
                f"unknown BM25 method {self.method!r}; expected one of {', '.join(BM25_METHODS)}"
            )
        for name in ("k1", "b", "delta"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
                raise ValueError(f"{name} must be a finite number, got {value!r}")
        if self.k1 < 0 or not 0 <= self.b <= 1 or self.delta < 0:
            raise ValueError(f"BM25 needs k1 >= 0, 0 <= b <= 1, delta >= 0; got {self}")


@dataclass(frozen=True)
class _Matrix:
    """BM25 weights, CSC term x document: term ``t`` covers ``indices/data[indptr[t]:indptr[t+1]]``."""

    data: np.ndarray  # float32
    indices: np.ndarray  # int32 document positions
    indptr: np.ndarray  # int64, n_terms + 1
    nonoccurrence: np.ndarray | None  # float32 per term, bm25l/bm25+ only


class KeywordIndex:
    """BM25 over ``(doc_id, simplified_text)`` documents. Not safe to mutate from several threads at once."""

    def __init__(
        self,
        docs: Iterable[tuple[str, str]] = (),
        *,
        tokenizer: KeywordTokenizer | None = None,
        params: BM25Params | None = None,
    ) -> None:
        self._tokenizer = tokenizer if tokenizer is not None else default_tokenizer()
        self._last_query: tuple[str, list[int]] | None = None  # scoring, then each hit's matched terms
        self._params = params if params is not None else BM25Params()
        self._doc_ids: list[str] = []
        self._pos: dict[str, int] = {}
        self._vocab: list[str] = []
        self._term_ids: dict[str, int] = {}
        self._doc_terms: list[np.ndarray] = []  # per doc: sorted distinct term ids (int32)
        self._doc_counts: list[np.ndarray] = []  # per doc: their counts (int32)
        self._matrix = _empty_matrix(0)
        self.add(docs)

    @classmethod
    def build(
        cls,
        docs: Iterable[tuple[str, str]],
        *,
        tokenizer: KeywordTokenizer | None = None,
        params: BM25Params | None = None,
    ) -> Self:
        """Same as the constructor: an index over ``(doc_id, simplified_text)`` pairs."""
        return cls(docs, tokenizer=tokenizer, params=params)

    # ------------------------------------------------------------------ properties
    @property
    def tokenizer(self) -> KeywordTokenizer:
        return self._tokenizer

    @property
    def bm25_params(self) -> BM25Params:
        return self._params

    def params(self) -> dict[str, Any]:
        """JSON-ready settings (BM25 parameters + tokenizer signature), e.g. for an index manifest."""
        return {**asdict(self._params), "tokenizer": self._tokenizer.signature}

    @property
    def doc_ids(self) -> tuple[str, ...]:
        """Document ids in index order: the order of :meth:`scores`."""
        return tuple(self._doc_ids)

    @property
    def vocabulary_size(self) -> int:
        return len(self._vocab)

    def __len__(self) -> int:
        return len(self._doc_ids)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._pos

    def __repr__(self) -> str:
        return f"KeywordIndex(docs={len(self)}, terms={len(self._vocab)}, method={self._params.method!r})"

    # ------------------------------------------------------------------ mutation
    def add(self, docs: Iterable[tuple[str, str]]) -> None:
        """Tokenize and add documents, then rebuild the BM25 matrix. Ids must be new, non-empty strings."""
        batch = list(docs)
        if not batch:
            return
        seen: set[str] = set()
        for item in batch:
            if not (isinstance(item, tuple | list) and len(item) == 2):
                raise TypeError("documents must be (doc_id, text) pairs")
            doc_id, text = item
            if not isinstance(doc_id, str) or not doc_id:
                raise ValueError(f"doc_id must be a non-empty str, got {doc_id!r}")
            if not isinstance(text, str):
                raise TypeError(f"text of {doc_id!r} must be str, got {type(text).__name__}")
            if doc_id in self._pos or doc_id in seen:
                raise ValueError(f"duplicate doc_id {doc_id!r}")
            seen.add(doc_id)
        tokenized = [self._tokenizer.tokenize(text) for _, text in batch]
        for (doc_id, _), tokens in zip(batch, tokenized, strict=True):
            terms, counts = self._count_terms(tokens)
            self._pos[doc_id] = len(self._doc_ids)
            self._doc_ids.append(doc_id)
            self._doc_terms.append(terms)
            self._doc_counts.append(counts)
        self._rebuild()

    def remove(self, doc_ids: Iterable[str]) -> int:
        """Remove documents (unknown ids are ignored), rebuild, and return how many were removed."""
        gone = {d for d in doc_ids if d in self._pos}
        if not gone:
            return 0
        keep = [i for i, d in enumerate(self._doc_ids) if d not in gone]
        self._doc_ids = [self._doc_ids[i] for i in keep]
        self._doc_terms = [self._doc_terms[i] for i in keep]
        self._doc_counts = [self._doc_counts[i] for i in keep]
        self._pos = {d: i for i, d in enumerate(self._doc_ids)}
        self._compact_vocab()
        self._rebuild()
        return len(gone)

    def _count_terms(self, tokens: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Distinct term ids of ``tokens`` (new terms join the vocabulary) and their counts."""
        ids = np.empty(len(tokens), dtype=np.int64)
        for i, token in enumerate(tokens):
            term = self._term_ids.get(token)
            if term is None:
                term = self._term_ids[token] = len(self._vocab)
                self._vocab.append(token)
            ids[i] = term
        terms, counts = np.unique(ids, return_counts=True)
        return terms.astype(np.int32), counts.astype(np.int32)

    def _compact_vocab(self) -> None:
        """Drop terms no document uses any more, keeping the others' relative order."""
        used = np.zeros(len(self._vocab), dtype=bool)
        for terms in self._doc_terms:
            used[terms] = True
        if used.all():
            return
        remap = np.cumsum(used, dtype=np.int64) - 1
        self._vocab = [t for t, u in zip(self._vocab, used, strict=True) if u]
        self._term_ids = {t: i for i, t in enumerate(self._vocab)}
        self._doc_terms = [remap[terms].astype(np.int32) for terms in self._doc_terms]

    def _rebuild(self) -> None:
        self._matrix = _bm25_matrix(self._params, len(self._vocab), self._doc_terms, self._doc_counts)

    # ------------------------------------------------------------------ queries
    def query_terms(self, query: str) -> list[str]:
        """The query's distinct tokens that occur in the index, in query order."""
        return [self._vocab[t] for t in self._query_term_ids(query)]

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document (``float32``, in :attr:`doc_ids` order); 0 where no term matches.

        (With bm25l/bm25+ every document also gets a per-term constant, so non-matching ones are not 0.)
        """
        return self._score(self._query_term_ids(query))[0]

    def search(self, query: str, k: int = 10) -> list[tuple[str, float]]:
        """Up to ``k`` ``(doc_id, score)`` pairs, best first, among documents matching a query term."""
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
            raise ValueError(f"k must be a positive int, got {k!r}")
        scores, matched = self._score(self._query_term_ids(query))
        hits = np.flatnonzero(matched)
        if hits.size == 0:
            return []
        order = hits[np.argsort(-scores[hits], kind="stable")[:k]]
        return [(self._doc_ids[i], float(scores[i])) for i in order]

    def matched_terms(self, query: str, doc_id: str) -> list[str]:
        """The query's tokens that occur in document ``doc_id`` (``KeyError`` if unknown), in query order."""
        pos = self._pos[doc_id]
        terms = self._doc_terms[pos]
        wanted = self._query_term_ids(query)
        present = np.isin(np.asarray(wanted, dtype=np.int32), terms)
        return [self._vocab[t] for t, ok in zip(wanted, present, strict=True) if ok]

    def document_frequency(self, term: str) -> int:
        """How many documents hold ``term`` (a token as :meth:`KeywordTokenizer.tokenize` makes it)."""
        t = self._term_ids.get(term)
        return 0 if t is None else int(self._matrix.indptr[t + 1] - self._matrix.indptr[t])

    def _query_term_ids(self, query: str) -> list[int]:
        if not isinstance(query, str):
            raise TypeError(f"query must be str, got {type(query).__name__}")
        last = self._last_query  # one question is tokenized once for its scores and all its hits' terms
        if last is not None and last[0] == query:
            return last[1]
        ids = (self._term_ids.get(t) for t in self._tokenizer.tokenize(query))
        term_ids = list(dict.fromkeys(i for i in ids if i is not None))
        self._last_query = (query, term_ids)  # one assignment: threads see the old pair or the new one
        return term_ids

    def _score(self, term_ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
        m = self._matrix
        scores = np.zeros(len(self._doc_ids), dtype=np.float32)
        matched = np.zeros(len(self._doc_ids), dtype=bool)
        for t in term_ids:
            lo, hi = m.indptr[t], m.indptr[t + 1]
            docs = m.indices[lo:hi]
            scores[docs] += m.data[lo:hi]  # a term lists each document once: no duplicate indices
            matched[docs] = True
        if m.nonoccurrence is not None and term_ids:
            scores += m.nonoccurrence[term_ids].sum(dtype=np.float32)
        return scores, matched

    # ------------------------------------------------------------------ persistence
    def save(self, directory: Path) -> None:
        """Write ``keyword.npz`` then ``keyword.json`` inside ``directory`` (each via temp file + replace)."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        blob = self._arrays_blob()
        write_atomic(directory / INDEX_FILE, blob)
        meta = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "params": asdict(self._params),
            "tokenizer": self._tokenizer.signature,
            "bm25s_version": _bm25s_version(),
            "n_docs": len(self._doc_ids),
            "n_terms": len(self._vocab),
            "index_file": INDEX_FILE,
            "index_bytes": len(blob),
            "index_sha256": hashlib.sha256(blob).hexdigest(),
            "doc_ids": self._doc_ids,
            "vocab": self._vocab,
        }
        text = json.dumps(meta, ensure_ascii=False, separators=(",", ":")) + "\n"
        write_atomic(directory / META_FILE, text.encode("utf-8"))

    def _arrays_blob(self) -> bytes:
        m = self._matrix
        lengths = np.array([t.size for t in self._doc_terms], dtype=np.int64)
        arrays: dict[str, np.ndarray] = {
            "bm25_data": m.data,
            "bm25_indices": m.indices,
            "bm25_indptr": m.indptr,
            "bm25_nonoccurrence": m.nonoccurrence if m.nonoccurrence is not None else np.zeros(0, np.float32),
            "tf_indptr": np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
            "tf_terms": _concat(self._doc_terms, np.int32),
            "tf_counts": _concat(self._doc_counts, np.int32),
        }
        buf = io.BytesIO()
        # numeric arrays only: nothing is pickled (load uses allow_pickle=False); the stub types **arrays as
        # savez's keyword options
        np.savez(buf, **arrays)  # type: ignore[arg-type]
        return buf.getvalue()

    @classmethod
    def load(cls, directory: Path, *, tokenizer: KeywordTokenizer | None = None) -> Self:
        """Read an index written by :meth:`save`.

        Raises ``IndexMissingError`` if ``keyword.json`` is absent and ``IndexMismatchError`` if the files are
        corrupt, from another format, or were built with a tokenizer of another signature.
        """
        directory = Path(directory)
        tokenizer = tokenizer if tokenizer is not None else default_tokenizer()
        meta = read_meta(directory)
        if meta["tokenizer"] != tokenizer.signature:
            raise mismatch(
                directory, f"built with tokenizer {meta['tokenizer']}, this code uses {tokenizer.signature}"
            )
        try:
            params = BM25Params(**meta["params"])
        except (TypeError, ValueError) as exc:
            raise mismatch(directory, f"invalid BM25 parameters ({exc})") from exc
        arrays = read_arrays(directory, meta)
        index = cls(tokenizer=tokenizer, params=params)
        index._adopt(meta, arrays, directory)
        return index

    def _adopt(self, meta: dict[str, Any], arrays: dict[str, np.ndarray], directory: Path) -> None:
        n_docs, n_terms = meta["n_docs"], meta["n_terms"]
        doc_ids, vocab = meta["doc_ids"], meta["vocab"]
        try:
            check_arrays(arrays, n_docs, n_terms, self._params.method in NEEDS_NONOCCURRENCE)
        except ValueError as exc:
            raise mismatch(directory, f"{INDEX_FILE} is inconsistent: {exc}") from exc
        if len(doc_ids) != n_docs or len(set(doc_ids)) != n_docs or len(vocab) != n_terms:
            raise mismatch(directory, f"{META_FILE} doc ids or vocabulary do not match their counts")
        if len(set(vocab)) != n_terms or not all(isinstance(x, str) for x in [*doc_ids, *vocab]):
            raise mismatch(directory, f"{META_FILE} holds duplicate or non-string doc ids or terms")
        bounds = arrays["tf_indptr"]
        self._doc_ids = list(doc_ids)
        self._pos = {d: i for i, d in enumerate(doc_ids)}
        self._vocab = list(vocab)
        self._term_ids = {t: i for i, t in enumerate(vocab)}
        self._doc_terms = [arrays["tf_terms"][bounds[i] : bounds[i + 1]] for i in range(n_docs)]
        self._doc_counts = [arrays["tf_counts"][bounds[i] : bounds[i + 1]] for i in range(n_docs)]
        stored = arrays["bm25_nonoccurrence"]
        nonocc = stored if self._params.method in NEEDS_NONOCCURRENCE and stored.size else None
        self._matrix = _Matrix(arrays["bm25_data"], arrays["bm25_indices"], arrays["bm25_indptr"], nonocc)


# ---------------------------------------------------------------------- BM25 matrix


def _empty_matrix(n_terms: int) -> _Matrix:
    return _Matrix(np.zeros(0, np.float32), np.zeros(0, np.int32), np.zeros(n_terms + 1, np.int64), None)


def _bm25_matrix(
    params: BM25Params, n_terms: int, doc_terms: list[np.ndarray], doc_counts: list[np.ndarray]
) -> _Matrix:
    """Term x document BM25 weights from per-document term counts, computed by bm25s."""
    if not doc_terms or n_terms == 0:
        return _empty_matrix(n_terms)
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets DEBUG on its logger at import
    bm = bm25s.BM25(
        k1=params.k1, b=params.b, delta=params.delta, method=params.method,
        dtype="float32", int_dtype="int32", backend="numpy", csc_backend="scipy",
    )  # fmt: skip
    corpus = [np.repeat(t, c).tolist() for t, c in zip(doc_terms, doc_counts, strict=True)]
    vocab = {i: i for i in range(n_terms)}  # token ids are already dense 0..n_terms-1
    bm.index((corpus, vocab), create_empty_token=False, show_progress=False)
    nonocc = bm.nonoccurrence_array if params.method in NEEDS_NONOCCURRENCE else None
    return _Matrix(
        np.ascontiguousarray(bm.scores["data"], dtype=np.float32),
        np.ascontiguousarray(bm.scores["indices"], dtype=np.int32),
        np.ascontiguousarray(bm.scores["indptr"], dtype=np.int64),
        None if nonocc is None else np.ascontiguousarray(nonocc, dtype=np.float32),
    )


def _bm25s_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("bm25s")
    except PackageNotFoundError:  # pragma: no cover
        return "unknown"


def _concat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)
