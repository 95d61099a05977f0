"""Pooled indexes for evaluation: every paragraph of a SQuAD-format file as one article of one index.

The pooled index is cached under ``rag.settings.cache_dir()/eval/<key>/`` where the key hashes the file's
bytes, the embedder's fingerprint, the chunking parameters and the index format, so a rerun embeds nothing;
question vectors are cached beside it.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from rag.embed import Embedder, load_embedder
from rag.errors import IndexProblem
from rag.index import (
    FORMAT_VERSION,
    TITLE_WEIGHT,
    BuildOptions,
    Index,
    SentenceVectors,
    index_articles,
    load_index,
)
from rag.ingest.chunk import ChunkParams
from rag.ingest.scripts import to_simplified
from rag.ingest.squad import load_squad, squad_articles
from rag.search.question import prepare_question
from rag.search.tokenizer import TOKENIZER_VERSION
from rag.settings import cache_dir

__all__ = ["EVAL_FORMAT", "pooled_index", "pooled_index_dir", "question_vectors"]

# Bump when squad_articles or the pooled index layout changes: cached pooled indexes then rebuild.
EVAL_FORMAT = 1


def pooled_index_dir(
    path: Path | str,
    embedder: Embedder,
    params: ChunkParams | None = None,
    *,
    title_context: bool = True,
    sentence_vectors: SentenceVectors = "mean",
) -> Path:
    """The cache directory of ``path``'s pooled index for this embedder (see the module doc)."""
    params = params or ChunkParams()
    h = hashlib.sha256(Path(path).read_bytes())
    spec = {
        "embedder": embedder.fingerprint(),
        "chunking": [params.max_chars, params.min_chars, title_context],
        "sentence_vectors": sentence_vectors,
        "index_format": FORMAT_VERSION,
        "tokenizer": TOKENIZER_VERSION,
        "eval_format": EVAL_FORMAT,
    }
    if sentence_vectors == "mean":
        spec["title_weight"] = TITLE_WEIGHT
    h.update(json.dumps(spec, sort_keys=True).encode())
    return cache_dir() / "eval" / h.hexdigest()[:16]


def pooled_index(
    path: Path | str,
    embedder: Embedder | None = None,
    *,
    params: ChunkParams | None = None,
    title_context: bool = True,
    sentence_vectors: SentenceVectors = "mean",
    progress: Callable[[float, str], None] | None = None,
) -> Index:
    """The pooled index of every paragraph of ``path`` (built on first use, then loaded from the cache)."""
    embedder = embedder if embedder is not None else load_embedder(None)
    directory = pooled_index_dir(
        path, embedder, params, title_context=title_context, sentence_vectors=sentence_vectors
    )
    try:
        return load_index(directory, embedder=embedder)
    except IndexProblem:
        pass
    articles = squad_articles(load_squad(path))
    options = BuildOptions(
        embedder=embedder,
        params=params or ChunkParams(),
        title_context=title_context,
        sentence_vectors=sentence_vectors,
        rebuild=True,
        progress=progress,
        docs=(str(path),),
    )
    index_articles(articles, directory, options)
    return load_index(directory, embedder=embedder)


def question_vectors(index: Index, questions: Sequence[str], embedder: Embedder | None = None) -> np.ndarray:
    """Query vectors of ``questions`` as ``retrieve_from`` makes them (Simplified, query prompt),
    batch-embedded once and cached beside an index that has a directory."""
    embedder = embedder if embedder is not None else index.embedder
    texts = [to_simplified(prepare_question(q)[0]) for q in questions]
    h = hashlib.sha256(embedder.fingerprint().encode())
    for t in texts:
        h.update(t.encode("utf-8") + b"\0")
    cache = Path(index.directory) / f"questions-{h.hexdigest()[:16]}.npy" if index.directory else None
    if cache is not None and cache.is_file():
        try:
            vectors: np.ndarray = np.load(cache, allow_pickle=False)
            if vectors.shape == (len(texts), embedder.dim):
                return vectors
        except (OSError, ValueError):
            pass
    vectors = embedder.encode_query(texts) if texts else np.zeros((0, embedder.dim), np.float32)
    if cache is not None:
        tmp = cache.with_suffix(f".{time.time_ns()}.tmp")
        with tmp.open("wb") as f:
            np.save(f, np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)
        tmp.replace(cache)
    return vectors
