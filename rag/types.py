"""Dataclasses that carry character offsets end to end.

Offsets are always into ``Article.text`` (the cleaned article text a reader sees), half-open ``[start, end)``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = [
    "Answer",
    "Article",
    "Chunk",
    "Citation",
    "Note",
    "Paragraph",
    "Skipped",
    "Span",
    "article_from_dict",
    "chunk_from_dict",
]


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
    """A described article. The news metadata (``published``, ``url``, ``outlet``, ``author``) is "" when the
    article does not say it; ``published`` is an ISO date ``YYYY-MM-DD`` read from the article, never the time it
    was indexed."""

    id: str
    title: str
    text: str
    source: str
    subtitle: str = ""
    outlet: str = ""
    author: str = ""  # reporters or authors, joined by "、"
    published: str = ""  # ISO date, "YYYY-MM-DD"
    url: str = ""
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


@dataclass(frozen=True)
class Note:
    """Something worth saying about a document that was read all the same (``source`` names the file and line,
    e.g. ``news.jsonl:17``): a row without a title, an undated row."""

    source: str
    message: str


def article_from_dict(d: dict[str, Any]) -> Article:
    """Inverse of ``Article.to_dict`` (JSON round trip)."""
    d = dict(d)
    d["paragraphs"] = tuple(
        Paragraph(
            index=p["index"],
            start=p["start"],
            end=p["end"],
            heading=Span(**p["heading"]) if p.get("heading") else None,
            low_quality=p.get("low_quality", False),
        )
        for p in d.get("paragraphs", ())
    )
    d["low_quality"] = tuple(Span(**s) for s in d.get("low_quality", ()))
    if "reporter" in d:  # articles.jsonl of an index built before the news metadata: "reporter" is "author"
        d["author"] = d.get("author") or d.pop("reporter")
        d.pop("reporter", None)
    return Article(**d)


def chunk_from_dict(d: dict[str, Any]) -> Chunk:
    """Inverse of ``Chunk.to_dict`` (JSON round trip)."""
    d = dict(d)
    d["sentences"] = tuple(Span(**s) for s in d.get("sentences", ()))
    d["low_quality"] = tuple(Span(**s) for s in d.get("low_quality", ()))
    return Chunk(**d)


@dataclass(frozen=True)
class Citation:
    """Where an answer comes from. Offsets index ``Article.text``; ``quote`` is the original characters."""

    number: int  # 1-based, as shown to the reader: [1], [2], ...
    article_id: str
    title: str
    outlet: str
    paragraph: int  # 1-based paragraph number in the article
    start: int  # the quoted sentence(s)
    end: int
    quote: str  # == article.text[start:end]
    answer_start: int | None = None  # the short answer inside the article (None when no short answer)
    answer_end: int | None = None
    score: float = 0.0
    published: str = ""  # the article's ISO date ("" when unknown)
    url: str = ""
    also: tuple[
        dict[str, str], ...
    ] = ()  # reprints of the article: {"article_id", "outlet", "published", "url"}

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["also"] = [dict(a) for a in self.also]
        return d


@dataclass(frozen=True)
class Answer:
    """An extracted answer. ``answer`` and ``sentence`` are in the asker's script; citations quote the original."""

    question: str
    found: bool
    answer: str = ""  # short answer (a number with unit, date, person, place, ...); "" when none pinned down
    sentence: str = ""  # the supporting sentence(s)
    confidence: float = 0.0  # 0..1
    citations: tuple[Citation, ...] = ()
    alternatives: tuple[Answer, ...] = ()  # other answers when the sources disagree, each with its citations
    closest: tuple[Any, ...] = ()  # rag.search.Hit: the closest passages (shown when nothing is found)
    resolved_question: str = ""  # the question after follow-up resolution ("" when unchanged)
    script: str = "simplified"  # the asker's script
    notice: str = ""  # e.g. "the question was cut to 500 characters"
    # the date/outlet filter the search ran under ({"since", "until", "outlets", "articles": how many articles
    # it let through}); {} when none
    filters: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "found": self.found,
            "answer": self.answer,
            "sentence": self.sentence,
            "confidence": round(self.confidence, 4),
            "citations": [c.to_dict() for c in self.citations],
            "alternatives": [a.to_dict() for a in self.alternatives],
            "closest": [h.to_dict() for h in self.closest],
            "resolved_question": self.resolved_question,
            "script": self.script,
            "notice": self.notice,
            "filters": dict(self.filters),
        }
