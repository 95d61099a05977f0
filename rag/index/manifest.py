"""An index generation's ``manifest.json``: what it was built with (format, model, chunking, keyword
parameters, corpus hash, counts), written at build time and checked before anything is loaded."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from rag.embed.protocol import Embedder
from rag.errors import IndexMismatchError
from rag.index.layout import current_generation, rebuild_hint
from rag.ingest.chunk import ChunkParams
from rag.types import Article

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "check_embedder",
    "check_manifest",
    "corpus_hash",
    "make_manifest",
    "read_manifest",
]

FORMAT = "rag-news-index"
FORMAT_VERSION = 1


def _package_version() -> str:
    try:
        return version("rag-news")
    except PackageNotFoundError:
        return "0+unknown"


def corpus_hash(articles: Iterable[Article]) -> str:
    h = hashlib.sha256()
    for a in sorted(articles, key=lambda a: a.id):
        h.update(f"{a.id}\0{a.content_hash}\n".encode())
    return h.hexdigest()


def make_manifest(
    embedder: Embedder,
    params: ChunkParams,
    title_context: bool,
    store_kind: str,
    articles: list[Article],
    n_chunks: int,
    docs: Sequence[str],
    *,
    sentence_vectors: str = "separate",
) -> dict[str, Any]:
    """The manifest of a generation about to be written (the keyword parameters are added once built)."""
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "package_version": _package_version(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "model": {
            "name": embedder.name,
            "fingerprint": embedder.fingerprint(),
            "dimension": embedder.dim,
            "normalized": True,
            "similarity": "inner product on L2-normalized vectors (cosine)",
            "prompts": dict(embedder.prompts),
        },
        "store": {"kind": store_kind},
        "chunking": {
            "max_chars": params.max_chars,
            "min_chars": params.min_chars,
            "title_context": title_context,
        },
        "sentence_vectors": sentence_vectors,  # "mean" or "separate": rag.index.options.SentenceVectors
        "matching_view": "OpenCC tw2s + hk2s + t2s (Simplified), offsets mapped back to the original",
        "docs": list(docs),
        "corpus_hash": corpus_hash(articles),
        "counts": {"articles": len(articles), "chunks": n_chunks},
    }


def read_manifest(directory: Path) -> dict[str, Any]:
    """The live generation's manifest (read, not yet checked: :func:`check_manifest`)."""
    generation = current_generation(directory)
    try:
        manifest = json.loads((generation / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexMismatchError(
            f"index manifest at {generation} is unreadable ({exc})",
            hint=rebuild_hint(directory),
            path=directory,
        ) from exc
    if not isinstance(manifest, dict):
        raise IndexMismatchError(
            f"index manifest at {generation} is not an object", hint=rebuild_hint(directory), path=directory
        )
    return manifest


def check_manifest(directory: Path, manifest: dict[str, Any]) -> None:
    """Refuse a manifest of another format or version, or one that lacks what loading needs."""
    hint = rebuild_hint(directory, manifest.get("docs", ()))
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise IndexMismatchError(
            f"index at {directory} has format {manifest.get('format')!r} version {manifest.get('format_version')!r}",
            hint=f"this code reads {FORMAT!r} version {FORMAT_VERSION}; {hint}",
            path=directory,
        )
    for key in ("model", "counts", "chunking"):
        if key not in manifest:
            raise IndexMismatchError(
                f"index manifest at {directory} lacks {key!r}", hint=hint, path=directory
            )


def check_embedder(directory: Path, manifest: dict[str, Any], embedder: Embedder) -> None:
    """Refuse to use ``embedder`` with an index another model (or another dimension) made."""
    model = manifest["model"]
    hint = f"{rebuild_hint(directory, manifest.get('docs', ()))} --model {embedder.name}"
    if embedder.dim != model.get("dimension"):
        raise IndexMismatchError(
            f"index at {directory} holds {model.get('dimension')}-d vectors from {model.get('name')}, but the model "
            f"{embedder.name} makes {embedder.dim}-d vectors",
            hint=hint,
            path=directory,
        )
    if embedder.fingerprint() != model.get("fingerprint"):
        raise IndexMismatchError(
            f"index at {directory} was embedded with {model.get('name')} (fingerprint {model.get('fingerprint')}), "
            f"not with {embedder.name} (fingerprint {embedder.fingerprint()})",
            hint=hint,
            path=directory,
        )
