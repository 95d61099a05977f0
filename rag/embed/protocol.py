"""What the rest of the code needs from an embedding model (:class:`Embedder`), and the helpers every
embedder shares: token-budget batching, row normalization, input checks."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

__all__ = [
    "Embedder",
    "as_text_list",
    "looks_like_path",
    "normalize_rows",
    "plan_batches",
]


@runtime_checkable
class Embedder(Protocol):
    """What the rest of the code needs from an embedding model."""

    name: str  # hub name or local path: what SentenceTransformer(name) loads (goes in the index manifest)

    @property
    def dim(self) -> int: ...

    @property
    def prompts(self) -> dict[str, str]: ...

    def encode_query(self, texts: Sequence[str]) -> np.ndarray:
        """float32 ``(n, dim)``, rows L2-normalized."""
        ...

    def encode_document(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        """float32 ``(n, dim)``, rows L2-normalized."""
        ...

    def fingerprint(self) -> str:
        """Short stable hash of the weights and prompts (for the index manifest and caches)."""
        ...


def plan_batches(lengths: Sequence[int], token_budget: int, max_batch: int) -> list[list[int]]:
    """Positions of texts grouped into batches, longest first, each holding at most ``max_batch`` texts and
    at most ``token_budget`` padded tokens (its size times its longest text; a text longer than the budget
    goes alone)."""
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        if current and (len(current) >= max_batch or (len(current) + 1) * lengths[current[0]] > token_budget):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


def as_text_list(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        raise TypeError("pass a sequence of texts, not a single string")
    return list(texts)


def looks_like_path(name: str) -> bool:
    return name.startswith((".", "~", os.sep)) or Path(name).is_absolute() or name.count("/") > 1


def normalize_rows(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    np.maximum(norms, np.float32(1e-12), out=norms)
    return np.ascontiguousarray(x / norms, dtype=np.float32)
