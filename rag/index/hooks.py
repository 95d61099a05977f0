"""What index building offers to code that must act on a new generation before it goes live (the Milvus
copy, :class:`rag.index.migrate.MilvusCopy`), without the building code knowing that code."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from rag.types import Article, Chunk

__all__ = ["CommitHook", "GenerationContent"]


@dataclass(frozen=True)
class GenerationContent:
    """What a generation holds, as written: articles by id, chunks (position = vector id), chunk vectors, and
    the reprint groups (each ordered, the copy searched first)."""

    articles: Mapping[str, Article]
    chunks: Sequence[Chunk]
    embeddings: np.ndarray
    title_context: bool
    groups: Sequence[Sequence[str]] = ()


class CommitHook(Protocol):
    def before_commit(self, generation: Path, content: GenerationContent) -> None:
        """Runs on the written ``generation`` just before it goes live; raising leaves the previous one live."""
        ...

    def after_commit(self, directory: Path) -> dict[str, Any]:
        """Runs once the new generation is live; what it returns is the build report's ``milvus``."""
        ...
