"""What a build or update did (:class:`BuildReport`): counts, what changed, what was skipped, where it was
copied."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from rag.types import Note, Skipped

__all__ = ["BuildReport", "local_bm25_note"]


def local_bm25_note(server_version: str) -> str:
    """What a build or migration says when the Milvus server has no BM25 functions."""
    return f"BM25 stays on the local keyword index (Milvus server {server_version} has no BM25 function; needs 2.5)"


@dataclass
class BuildReport:
    directory: str
    articles: int = 0
    chunks: int = 0
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    embedded_chunks: int = 0
    sentence_vectors: str = ""  # how this build made its vectors: "mean" or "separate"
    skipped: list[Skipped] = field(default_factory=list)
    seconds: float = 0.0
    rebuilt_because: str = ""
    reprints: int = 0  # articles grouped as reprints of another (searched through that one)
    notes: list[Note] = field(default_factory=list)  # rows read with a caveat (no title, no date)
    milvus: dict[str, Any] = field(default_factory=dict)  # where the new generation was copied, if anywhere

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["skipped"] = [{"source": s.source, "reason": s.reason} for s in self.skipped]
        d["notes"] = [{"source": n.source, "message": n.message} for n in self.notes]
        return d

    def summary(self) -> str:
        parts = [
            f"{self.articles} articles, {self.chunks} chunks",
            f"new {len(self.new)}, changed {len(self.changed)}, removed {len(self.removed)}, unchanged {self.unchanged}",
            f"embedded {self.embedded_chunks} chunks in {self.seconds:.1f} s"
            + (f" (sentence vectors: {self.sentence_vectors})" if self.embedded_chunks else ""),
        ]
        if self.rebuilt_because:
            parts.append(f"full rebuild: {self.rebuilt_because}")
        if self.reprints:
            parts.append(f"{self.reprints} reprints grouped")
        if self.skipped:
            parts.append(f"{len(self.skipped)} files skipped")
        if self.notes:
            parts.append(f"{len(self.notes)} notes")
        if self.milvus:
            parts.append(f"copied into Milvus {self.milvus['uri']} ({self.milvus['collection']})")
            if self.milvus.get("bm25") == "local":
                parts.append(local_bm25_note(self.milvus.get("server_version", "")))
        return "; ".join(parts)
