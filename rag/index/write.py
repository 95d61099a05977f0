"""Writing one complete generation (articles, chunks, vectors, FAISS store, BM25 index, manifest) and
committing it (:mod:`rag.index.layout`): all files are fsynced before ``CURRENT`` names the generation."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from rag.index.layout import fsync_write, new_generation, remove_old_generations, replace_current
from rag.index.texts import embed_text
from rag.search.bm25 import KeywordIndex
from rag.types import Article, Chunk
from vectorstore import FaissStore

__all__ = ["write_generation"]


def write_generation(
    directory: Path,
    manifest: dict[str, Any],
    articles: list[Article],
    chunks: list[Chunk],
    vectors: tuple[np.ndarray, np.ndarray],
    before_commit: Callable[[Path], None] | None = None,
) -> str:
    """Write a complete generation, then make it current with one atomic rename; old generations go.
    ``vectors``: (chunk vectors, sentence vectors). ``before_commit(generation)`` runs on the written
    generation just before it goes live (a failure there leaves the previous generation live). Returns the
    new generation's name."""
    embeddings, sentence_embeddings = vectors
    with new_generation(directory) as generation:
        lines = "".join(json.dumps(a.to_dict(), ensure_ascii=False) + "\n" for a in articles)
        fsync_write(generation / "articles.jsonl", lines.encode("utf-8"))
        lines = "".join(json.dumps(c.to_dict(), ensure_ascii=False) + "\n" for c in chunks)
        fsync_write(generation / "chunks.jsonl", lines.encode("utf-8"))
        for filename, array in (("embeddings.npy", embeddings), ("sentences.npy", sentence_embeddings)):
            with (generation / filename).open("wb") as f:
                np.save(f, np.ascontiguousarray(array, dtype=np.float32), allow_pickle=False)
                f.flush()
                os.fsync(f.fileno())
        store = FaissStore(embeddings.shape[1], kind=manifest["store"]["kind"])
        if len(chunks):
            store.add(np.arange(len(chunks), dtype=np.int64), embeddings)
        (generation / "store").mkdir()
        store.save(generation / "store")
        by_id = {a.id: a for a in articles}
        title_context = manifest["chunking"]["title_context"]
        keyword = KeywordIndex.build(
            [(c.id, embed_text(by_id[c.article_id], c, title_context=title_context)) for c in chunks]
        )
        (generation / "keyword").mkdir()
        keyword.save(generation / "keyword")
        manifest["keyword"] = keyword.params()
        fsync_write(
            generation / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
        )
        replace_current(generation, before_commit)
    remove_old_generations(directory, generation.name)
    return generation.name
