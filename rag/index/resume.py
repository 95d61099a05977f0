"""A resumable embedding pass: a build embeds its texts in fixed batches and checkpoints each one, so that a
killed build (SIGKILL, a crash, a failed batch) continues from what it finished instead of from zero
(:func:`embed_resumable`).

The checkpoint lives in the index folder, ``<index>/resume/``, beside the generations: ``checkpoint.json``
(format, model name and fingerprint, dimension, batch size, a hash of every text to embed in order, the
batches done) and one ``batch-NNNNNN.npy`` per finished batch (float32, no pickle). Every file is written
atomically (temporary file, fsync, rename) and the batch file before the description naming it, so a kill at
any moment leaves a checkpoint that is either used whole or ignored. A checkpoint is used only by a build of
the very same texts with the same model and batch size (anything else starts afresh and replaces it) and is
removed once the new generation is live. An uninterrupted build goes through the same batches, so a resumed
build's vectors are identical to an uninterrupted one's (same texts in the same batches through the same
model). The batches are cut from the texts ordered longest first (:func:`length_order`): each batch then holds
texts of about one length and the embedder pads little (cut in document order, a build of short sentences
spent about 20 % more on padding, ``benchmarks/indexing.py``).
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

from rag.embed.protocol import Embedder
from vectorstore.base import write_atomic

__all__ = ["BATCH_TEXTS", "CHECKPOINT_DIR", "clear_checkpoint", "embed_resumable", "length_order"]

CHECKPOINT_DIR = "resume"
BATCH_TEXTS = 512  # texts per checkpointed batch (the embedder still batches by tokens inside each one)
_FORMAT, _VERSION = "rag-news/build-checkpoint", 3  # 3: batches cut from the texts longest first
Progress = Callable[[float, str], None]


def length_order(texts: Sequence[str]) -> list[int]:
    """Positions of ``texts``, longest first (ties in order): the order checkpointed batches are cut in."""
    return sorted(range(len(texts)), key=lambda i: (-len(texts[i]), i))


def _texts_hash(texts: Sequence[str]) -> str:
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


def _describe(embedder: Embedder, texts: Sequence[str], batch: int) -> dict[str, Any]:
    return {
        "format": _FORMAT,
        "format_version": _VERSION,
        "model": embedder.name,
        "fingerprint": embedder.fingerprint(),
        "dim": embedder.dim,
        "batch_texts": batch,
        "texts": len(texts),
        "texts_sha256": _texts_hash(texts),
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

    batch = batch or BATCH_TEXTS
    order = length_order(texts)
    ordered = [texts[i] for i in order]
    starts = list(range(0, len(ordered), batch))
    folder = Path(directory) / CHECKPOINT_DIR
    wanted = _describe(embedder, ordered, batch)
    done = set(_done(folder, wanted)) if len(starts) > 1 else set()
    bar = _bar(len(ordered)) if progress is None and len(starts) > 1 else None
    out = np.zeros((len(texts), embedder.dim), np.float32)
    for number, start in enumerate(starts):
        part = ordered[start : start + batch]
        vectors = _load_batch(folder, number, len(part), embedder.dim) if number in done else None
        if vectors is None:
            quiet = len(starts) > 1 or progress is not None
            vectors = np.asarray(embedder.encode_document(part, show_progress=not quiet), dtype=np.float32)
            if len(starts) > 1:
                folder.mkdir(parents=True, exist_ok=True)
                _save_batch(folder, number, vectors)
                done.add(number)
                payload = {**wanted, "done": sorted(done)}
                write_atomic(folder / "checkpoint.json", json.dumps(payload, indent=1).encode("utf-8"))
        out[order[start : start + batch]] = vectors
        if bar is not None:
            bar.update(len(part))
        if progress:
            progress(
                0.9 * (start + len(part)) / len(texts), f"embedded {start + len(part)}/{len(texts)} texts"
            )
    if bar is not None:
        bar.close()
    return out


def _bar(total: int) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="embedding", unit="text", smoothing=0.1)


def clear_checkpoint(directory: Path) -> None:
    """Remove the checkpoint once the generation it was for is live."""
    shutil.rmtree(Path(directory) / CHECKPOINT_DIR, ignore_errors=True)
