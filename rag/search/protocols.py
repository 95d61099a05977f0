"""What the search reads, as protocols: the index it searches (:class:`SearchIndex`, implemented by
:class:`rag.index.Index`), its vector store, its keyword index, and a store's own BM25 engine (Milvus)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from rag.embed.protocol import Embedder
from rag.search.filters import FilterTable
from rag.search.tokenizer import KeywordTokenizer
from rag.types import Article, Chunk

__all__ = ["KeywordEngine", "KeywordSearch", "SearchIndex", "VectorSearch"]


class VectorSearch(Protocol):
    """Top-k inner-product search over stored vectors (``vectorstore.FaissStore``, ``MilvusStore``)."""

    @property
    def dim(self) -> int: ...

    def __len__(self) -> int: ...

    def search(
        self, queries: np.ndarray, k: int, *, ids: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(scores (m, k), ids (m, k))``, best first; missing slots hold id -1. ``ids``: search only these."""
        ...


@runtime_checkable
class KeywordEngine(Protocol):
    """A vector store that filters on its rows' scalar fields (Milvus; a filter is its expression, ``where``)
    and, when ``full_text`` (a server with BM25 functions), runs BM25 itself: its scores then replace the
    local keyword index's."""

    @property
    def full_text(self) -> bool: ...

    def keyword_scores(
        self, text: str, depth: int, n: int, include: np.ndarray | None = None, *, where: str = ""
    ) -> np.ndarray: ...

    def search(
        self, queries: np.ndarray, k: int, *, ids: np.ndarray | None = None, where: str = ""
    ) -> tuple[np.ndarray, np.ndarray]: ...


class KeywordSearch(Protocol):
    """A BM25 index over the chunks, by position (:class:`rag.search.bm25.KeywordIndex`)."""

    @property
    def tokenizer(self) -> KeywordTokenizer: ...

    def __len__(self) -> int: ...

    def scores(self, query: str) -> np.ndarray: ...

    def matched_terms(self, query: str, doc_id: str) -> list[str]: ...

    def document_frequency(self, term: str) -> int: ...


class SearchIndex(Protocol):
    """What :func:`rag.search.retrieve.rank_chunks` reads of an index."""

    articles: dict[str, Article]
    chunks: list[Chunk]
    embeddings: np.ndarray
    sentence_embeddings: np.ndarray | None
    sentence_first: np.ndarray
    store: VectorSearch
    keyword: KeywordSearch

    @property
    def embedder(self) -> Embedder: ...

    @property
    def filter_table(self) -> FilterTable: ...
