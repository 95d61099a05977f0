"""A deterministic stand-in embedder for tests: no model, no torch."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from rag.embed.protocol import as_text_list, normalize_rows

__all__ = ["FakeEmbedder"]


@lru_cache(maxsize=1 << 16)
def _feature_vector(feature: str, dim: int) -> np.ndarray:
    seed = int.from_bytes(hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest(), "little")
    vec = np.random.default_rng(seed).standard_normal(dim).astype(np.float32)
    vec.setflags(write=False)
    return vec


class FakeEmbedder:
    """Deterministic stand-in for tests: no model, no torch.

    A text's vector is the normalized sum of hash-seeded random vectors, one per character and one per
    character bigram, so texts that share characters come out closer than unrelated ones. Queries and
    documents are embedded alike; the same text gives the same vector in every process.
    """

    def __init__(self, dim: int = 64) -> None:
        if dim < 1:
            raise ValueError("dim must be at least 1")
        self._dim = int(dim)
        self.name: str = f"fake-hash-{self._dim}"

    def __repr__(self) -> str:
        return f"FakeEmbedder(dim={self._dim})"

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def prompts(self) -> dict[str, str]:
        return {"query": "", "document": ""}

    def warm_up(self) -> None:
        """Nothing to load."""

    def _vector(self, text: str) -> np.ndarray:
        acc = np.zeros(self._dim, dtype=np.float32)
        feats = [*text, *(text[i : i + 2] for i in range(len(text) - 1))] or ["\0empty"]
        for f in feats:
            acc += _feature_vector(f, self._dim)
        return acc

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        items = as_text_list(texts)
        out = np.zeros((len(items), self._dim), dtype=np.float32)
        for i, t in enumerate(items):
            out[i] = self._vector(t)
        return normalize_rows(out) if items else out

    def encode_query(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)

    def encode_document(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        return self._encode(texts)

    def fingerprint(self) -> str:
        return hashlib.sha256(f"fake-hash-v1:{self._dim}".encode()).hexdigest()[:16]
