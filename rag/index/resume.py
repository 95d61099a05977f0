"""A resumable embedding pass: a build embeds its texts in fixed batches and checkpoints each one, so that a
killed build (SIGKILL, a crash, a failed batch) continues from what it finished instead of from zero. Texts
alone (:func:`embed_resumable`) or texts with spans whose vectors come from the same forward pass
(:func:`embed_spans_resumable`, late chunking).

The checkpoint lives in the index folder, ``<index>/resume/``, beside the generations: ``checkpoint.json``
(format, model name and fingerprint, dimension, batch size, a hash of every text to embed in order, the
batches done) and one ``batch-NNNNNN.npy`` per finished batch (float32, no pickle). Every file is written
atomically (temporary file, fsync, rename) and the batch file before the description naming it, so a kill at
any moment leaves a checkpoint that is either used whole or ignored. A checkpoint is used only by a build of
the very same texts with the same model and batch size (anything else starts afresh and replaces it) and is
removed once the new generation is live. An uninterrupted build goes through the same batches, so a resumed
build's vectors are identical to an uninterrupted one's (same texts in the same batches through the same
model).
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rag.embed.protocol import Embedder, SpanEmbedder
from vectorstore.base import write_atomic

__all__ = ["BATCH_TEXTS", "CHECKPOINT_DIR", "clear_checkpoint", "embed_resumable", "embed_spans_resumable"]

CHECKPOINT_DIR = "resume"
BATCH_TEXTS = 512  # texts per checkpointed batch (the embedder still batches by tokens inside each one)
_FORMAT, _VERSION = "rag-news/build-checkpoint", 2
Progress = Callable[[float, str], None]
SpanList = Sequence[tuple[int, int]]


def _texts_hash(texts: Sequence[str], spans: Sequence[SpanList] | None) -> str:
    digest = hashlib.sha256()
    for i, text in enumerate(texts):
        digest.update(text.encode("utf-8"))
        digest.update(b"\x00")
        if spans is not None:
            digest.update(json.dumps(list(spans[i])).encode("ascii") + b"\x00")
    return digest.hexdigest()


def _describe(
    embedder: Embedder, texts: Sequence[str], batch: int, spans: Sequence[SpanList] | None
) -> dict[str, Any]:
    return {
        "format": _FORMAT,
        "format_version": _VERSION,
        "model": embedder.name,
        "fingerprint": embedder.fingerprint(),
        "dim": embedder.dim,
        "batch_texts": batch,
        "texts": len(texts),
        "sentence_vectors": "separate" if spans is None else "late",
        "texts_sha256": _texts_hash(texts, spans),
    }


def _done(folder: Path, wanted: dict[str, Any]) -> list[int]:
    """The batches a checkpoint at ``folder`` holds for exactly ``wanted``; [] (and the folder cleared) when
    it is for other texts, another model or unreadable."""
    try:
        saved = json.loads((folder / "checkpoint.json").read_text(encoding="utf-8"))
        done = [int(b) for b in saved.pop("done")]
    except (OSError, ValueError, KeyError, TypeError):
        done, saved = [], None
    if saved != wanted:
        shutil.rmtree(folder, ignore_errors=True)
        return []
    return [b for b in done if (folder / f"batch-{b:06d}.npy").is_file()]


def _save_batch(folder: Path, number: int, vectors: np.ndarray) -> None:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)
    write_atomic(folder / f"batch-{number:06d}.npy", buffer.getvalue())


def _load_batch(folder: Path, number: int, rows: int, dim: int) -> np.ndarray | None:
    try:
        array = np.load(folder / f"batch-{number:06d}.npy", allow_pickle=False)
    except (OSError, ValueError):
        return None
    return array if array.shape == (rows, dim) and array.dtype == np.float32 else None


def embed_resumable(
    directory: Path,
    embedder: Embedder,
    texts: Sequence[str],
    progress: Progress | None = None,
    batch: int | None = None,
) -> np.ndarray:
    """``embedder.encode_document(texts)`` in batches of ``batch`` texts, each checkpointed under
    ``directory/resume/`` (more than one batch only: a single batch has nothing to resume); batches a killed
    build of the same texts finished are read back instead of embedded. Returns ``(len(texts), dim)``.
    ``batch``: default :data:`BATCH_TEXTS`."""

    def embed(part: Sequence[str], _: Sequence[SpanList], quiet: bool) -> np.ndarray:
        return np.asarray(embedder.encode_document(list(part), show_progress=not quiet), dtype=np.float32)

    parts = _checkpointed(directory, embedder, texts, None, embed, progress, batch or BATCH_TEXTS)
    return np.vstack(parts) if parts else np.zeros((0, embedder.dim), np.float32)


def embed_spans_resumable(
    directory: Path,
    embedder: SpanEmbedder,
    texts: Sequence[str],
    spans: Sequence[SpanList],
    progress: Progress | None = None,
    batch: int | None = None,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """:func:`embed_resumable` for late chunking: each text's vector and its spans' vectors
    (``embedder.encode_document_spans``), checkpointed alike. Returns ``((len(texts), dim), [per text
    (len(spans[i]), dim)])``."""

    def embed(part: Sequence[str], part_spans: Sequence[SpanList], _: bool) -> np.ndarray:
        result = embedder.encode_document_spans(part, part_spans)
        return np.vstack([result.documents, *result.spans]).astype(np.float32)

    batch = batch or BATCH_TEXTS
    parts = _checkpointed(directory, embedder, texts, spans, embed, progress, batch)
    documents: list[np.ndarray] = []
    blocks: list[np.ndarray] = []
    for number, rows in enumerate(parts):
        part_spans = spans[number * batch : (number + 1) * batch]
        documents.append(rows[: len(part_spans)])
        at = len(part_spans)
        for ranges in part_spans:
            blocks.append(rows[at : at + len(ranges)])
            at += len(ranges)
    return (np.vstack(documents) if documents else np.zeros((0, embedder.dim), np.float32)), blocks


def _checkpointed(
    directory: Path,
    embedder: Embedder,
    texts: Sequence[str],
    spans: Sequence[SpanList] | None,
    embed: Callable[[Sequence[str], Sequence[SpanList], bool], np.ndarray],
    progress: Progress | None,
    batch: int,
) -> list[np.ndarray]:
    """The rows of each batch of ``batch`` texts, in order: read from a matching checkpoint or made by
    ``embed(texts, spans, quiet)`` and checkpointed (one row per text, plus one per span with ``spans``)."""
    starts = list(range(0, len(texts), batch))
    folder = Path(directory) / CHECKPOINT_DIR
    wanted = _describe(embedder, texts, batch, spans)
    done = set(_done(folder, wanted)) if len(starts) > 1 else set()
    bar = _bar(len(texts)) if progress is None and len(starts) > 1 else None
    parts: list[np.ndarray] = []
    for number, start in enumerate(starts):
        part = texts[start : start + batch]
        part_spans = spans[start : start + batch] if spans is not None else [() for _ in part]
        rows = len(part) + (sum(len(r) for r in part_spans) if spans is not None else 0)
        vectors = _load_batch(folder, number, rows, embedder.dim) if number in done else None
        if vectors is None:
            vectors = embed(part, part_spans, len(starts) > 1 or progress is not None)
            if len(starts) > 1:
                folder.mkdir(parents=True, exist_ok=True)
                _save_batch(folder, number, vectors)
                done.add(number)
                payload = {**wanted, "done": sorted(done)}
                write_atomic(folder / "checkpoint.json", json.dumps(payload, indent=1).encode("utf-8"))
        parts.append(vectors)
        if bar is not None:
            bar.update(len(part))
        if progress:
            progress(
                0.9 * (start + len(part)) / len(texts), f"embedded {start + len(part)}/{len(texts)} texts"
            )
    if bar is not None:
        bar.close()
    return parts


def _bar(total: int) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="embedding", unit="text", smoothing=0.1)


def clear_checkpoint(directory: Path) -> None:
    """Remove the checkpoint once the generation it was for is live."""
    shutil.rmtree(Path(directory) / CHECKPOINT_DIR, ignore_errors=True)
