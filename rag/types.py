"""Dataclasses that carry character offsets end to end.

Offsets are always into ``Article.text`` (the cleaned article text a reader sees), half-open ``[start, end)``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Article", "Chunk", "Paragraph", "Skipped", "Span"]


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of an article. ``heading`` is a short section heading attached to it (kept inside the span)."""

    index: int  # 0-based position among the article's paragraphs
    start: int
    end: int
    heading: Span | None = None
    low_quality: bool = False  # holds mojibake: never quote it


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    text: str
    source: str
    subtitle: str = ""
    outlet: str = ""
    reporter: str = ""
    script: str = "simplified"  # "traditional" | "simplified" | "mixed"
    title_derived: bool = False  # True when the title was made from the lead, not a headline line
    paragraphs: tuple[Paragraph, ...] = ()
    low_quality: tuple[Span, ...] = ()  # mojibake spans
    content_hash: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Chunk:
    id: str  # "<article_id>#<n>"
    article_id: str
    paragraph: int  # number of the first paragraph in the chunk, 1-based as readers count
    start: int
    end: int
    text: str
    sentences: tuple[Span, ...] = field(default=())  # article offsets of the chunk's sentences
    low_quality: tuple[Span, ...] = field(default=())  # article offsets of mojibake inside the chunk

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Skipped:
    source: str
    reason: str
