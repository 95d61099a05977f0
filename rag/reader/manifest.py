"""``reader.json``: what a trained reader is, what it was trained on and over which base model.

A reader directory holds ``reader.json`` and ``adapter.safetensors`` (kind ``lora``: the LoRA matrices and the
span head) or ``encoder.safetensors`` (kind ``full``: every transformer-layer weight and the span head). Both
are laid over the *base*: the multilingual-e5-small directory that ``rag.embed.e5convert`` rebuilds, identified by
:func:`base_fingerprint`. A reader over another base is refused with a message that says what to do.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rag.embed.weights import weights_id
from rag.errors import ModelError

__all__ = [
    "READER_FORMAT",
    "READER_VERSION",
    "base_fingerprint",
    "check_base",
    "file_sha256",
    "package_versions",
    "read_manifest",
    "trained_on_file",
    "write_reader_dir",
]

READER_FORMAT = "rag-news-reader"
READER_VERSION = 1


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def trained_on_file(files: Sequence[Mapping[str, Any]], path: Path) -> bool:
    """Whether ``path`` is one of a reader's training ``files`` (``reader.json``'s ``training.files``): the
    same sha256, whatever its name."""
    return bool(files) and file_sha256(path) in {f.get("sha256") for f in files}


def base_fingerprint(directory: Path) -> str:
    """Identity of a base model directory's weights (:func:`rag.embed.weights.weights_id`)."""
    return weights_id(directory)


def package_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("torch", "transformers", "peft", "tokenizers", "rag-news"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = ""
    return out


def read_manifest(directory: Path) -> dict[str, Any]:
    """The reader's ``reader.json``, checked for format and version."""
    path = directory / "reader.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(
            f"the reader manifest {path} is unreadable ({exc})",
            code="reader_unreadable",
            hint="train a reader with `python -m rag.reader.train` or point --reader / $RAG_READER at another one",
            path=path,
        ) from exc
    if manifest.get("format") != READER_FORMAT or manifest.get("version") != READER_VERSION:
        raise ModelError(
            f"{path} has format {manifest.get('format')!r} version {manifest.get('version')!r}; this code "
            f"reads {READER_FORMAT!r} version {READER_VERSION}",
            code="reader_format",
            hint="retrain it with `python -m rag.reader.train`",
            path=path,
        )
    if not isinstance(manifest, dict):
        raise ModelError(
            f"the reader manifest {path} is not a JSON object",
            code="reader_unreadable",
            hint="retrain it with `python -m rag.reader.train`",
            path=path,
        )
    return manifest


def check_base(manifest: Mapping[str, Any], reader_dir: Path, base_dir: Path) -> None:
    """Refuse a reader trained over another base model than ``base_dir``."""
    want = manifest.get("base", {}).get("fingerprint")
    have = base_fingerprint(base_dir)
    if want != have:
        raise ModelError(
            f"the reader in {reader_dir} was trained over base model {want}, but {base_dir} is {have}",
            code="reader_base_mismatch",
            hint="rebuild the base with `python -m rag.embed.e5convert --force` (the reader was trained over "
            f"{manifest.get('base', {}).get('name', '?')}), or retrain the reader over this base with "
            "`python -m rag.reader.train`",
            path=reader_dir,
        )


def write_reader_dir(
    out: Path, manifest: Mapping[str, Any], tensors: Mapping[str, Any], weights: str
) -> None:
    """Write ``reader.json`` and the ``weights`` safetensors file into ``out``, atomically: a complete new
    directory replaces the old one, so a crash never leaves a half-written reader."""
    from safetensors.torch import save_file

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    tmp.chmod(0o755)
    try:
        save_file({k: v.contiguous() for k, v in tensors.items()}, str(tmp / weights))
        manifest = {**manifest, "weights": {"file": weights, "sha256": file_sha256(tmp / weights)}}
        (tmp / "reader.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", "utf-8")
        for p in tmp.iterdir():
            with p.open("rb") as fh:
                os.fsync(fh.fileno())
        old = out.with_name(f".{out.name}.old-{uuid.uuid4().hex[:8]}")
        if out.exists():
            out.rename(old)
        tmp.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
