"""The runtime index: articles, chunks, their vectors, the vector store and the BM25 index of one
generation, loaded (:func:`rag.index.load.load_index`); the embedding model loads on first use."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from rag.embed import load as embed_load
from rag.embed.protocol import Embedder
from rag.search.filters import FilterTable
from rag.search.protocols import KeywordSearch, VectorSearch
from rag.types import Article, Chunk

__all__ = ["Index"]


class Index:
    """A loaded index (it fits :class:`rag.search.protocols.SearchIndex`). Cheap to hold; the embedding model
    loads on first query (:attr:`embedder`), or is adopted warm from an older index (:meth:`adopt_embedder`)."""

    def __init__(
        self,
        directory: Path | None,
        manifest: dict[str, Any],
        articles: dict[str, Article],
        chunks: list[Chunk],
        embeddings: np.ndarray,
        store: VectorSearch,
        keyword: KeywordSearch,
        embedder: Embedder | None = None,
        sentence_embeddings: np.ndarray | None = None,
    ) -> None:
        self.directory = directory
        self.manifest = manifest
        self.articles = articles
        self.chunks = chunks
        self.embeddings = embeddings
        self.store = store
        self.keyword = keyword
        self._embedder = embedder
        self._embedder_lock = threading.Lock()
        self.sentence_embeddings = sentence_embeddings
        # row of each chunk's first sentence in sentence_embeddings; chunk i owns rows [first[i], first[i + 1])
        self.sentence_first = np.concatenate([[0], np.cumsum([len(c.sentences) for c in chunks])]).astype(
            np.int64
        )
        # reprint groups (rag.ingest.reprints), each ordered with the copy searched first; {} for an index
        # built before reprints were grouped
        self.groups: list[list[str]] = [list(g) for g in manifest.get("reprints", {}).get("groups", [])]
        self.reprints: dict[str, list[str]] = {a: g for g in self.groups for a in g}
        self._filter_table: FilterTable | None = None

    def __len__(self) -> int:
        return len(self.chunks)

    def __repr__(self) -> str:
        return f"Index({self.directory}, {len(self.articles)} articles, {len(self.chunks)} chunks)"

    @property
    def model_name(self) -> str:
        """The name of the model that embedded this index (from the manifest)."""
        return str(self.manifest["model"]["name"])

    @property
    def embedder(self) -> Embedder:
        """The model that embedded this index (loaded on first use, from the manifest's model name)."""
        if self._embedder is None:
            with self._embedder_lock:  # one model, however many threads ask at once
                if self._embedder is None:
                    self._embedder = embed_load.load_embedder(self.model_name)
        return self._embedder

    @property
    def loaded_embedder(self) -> Embedder | None:
        """The model if it is loaded already (None otherwise); never loads it."""
        return self._embedder

    def adopt_embedder(self, embedder: Embedder | None) -> bool:
        """Use ``embedder`` (a warm model, e.g. the previous generation's) when it is the model this index was
        embedded with and none is loaded yet. Returns whether it was adopted."""
        with self._embedder_lock:
            if embedder is None or self._embedder is not None or embedder.name != self.model_name:
                return False
            self._embedder = embedder
            return True

    @property
    def filter_table(self) -> FilterTable:
        """The articles as arrays for date/outlet filters and reprints (built on first use)."""
        if self._filter_table is None:
            self._filter_table = FilterTable.build(self.articles, self.chunks, self.groups)
        return self._filter_table

    def also(self, article_id: str) -> list[Article]:
        """The other copies of ``article_id`` (reprints grouped with it), in the group's order."""
        return [
            self.articles[a]
            for a in self.reprints.get(article_id, ())
            if a != article_id and a in self.articles
        ]

    def sentence_vectors(self, position: int) -> np.ndarray:
        """The vectors of chunk ``position``'s sentences, one row per ``chunk.sentences`` entry."""
        if self.sentence_embeddings is None:
            raise ValueError("this index has no sentence vectors")
        return np.asarray(
            self.sentence_embeddings[self.sentence_first[position] : self.sentence_first[position + 1]]
        )

    def article_chunks(self, article_id: str) -> list[Chunk]:
        return [c for c in self.chunks if c.article_id == article_id]
