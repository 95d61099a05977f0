"""Read article files (``.txt``, ``.md``, ``.html``/``.htm``) into described ``Article`` objects (and chunks).

A file that cannot be read is reported in ``IngestResult.skipped`` with the reason; nothing is dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rag.errors import DocumentError
from rag.ingest.article import parse_article
from rag.ingest.chunk import ChunkParams, chunk_article
from rag.ingest.decode import decode_bytes, html_to_text, markdown_to_text
from rag.types import Article, Chunk, Skipped

__all__ = ["MAX_DOCUMENT_BYTES", "SUFFIXES", "IngestResult", "collect_files", "ingest", "read_article"]

SUFFIXES = (".txt", ".md", ".html", ".htm")
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024  # a news article is kilobytes; 20 MB is a book, not an article


@dataclass
class IngestResult:
    articles: list[Article] = field(default_factory=list)
    chunks: list[Chunk] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "articles": [_article_json(a) for a in self.articles],
            "chunks": [_chunk_json(c) for c in self.chunks],
            "skipped": [{"source": s.source, "reason": s.reason} for s in self.skipped],
        }


def _article_json(a: Article) -> dict:
    d = a.to_dict()
    d["paragraph_count"] = len(a.paragraphs)
    d["low_quality"] = [[s.start, s.end] for s in a.low_quality]
    del d["paragraphs"]
    return d


def _chunk_json(c: Chunk) -> dict:
    d = c.to_dict()
    d["sentences"] = [[s.start, s.end] for s in c.sentences]
    d["low_quality"] = [[s.start, s.end] for s in c.low_quality]
    return d


def read_article(
    path: Path, *, article_id: str | None = None, max_bytes: int = MAX_DOCUMENT_BYTES
) -> Article:
    """One file to an Article. Raises DocumentError (naming the file) when it cannot be used."""
    name = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise DocumentError(
            f"unsupported file type {suffix or '(none)'}; use {', '.join(SUFFIXES)}",
            code="unsupported_type",
            path=name,
        )
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise DocumentError(
                f"{size / 1e6:.1f} MB is over the {max_bytes / 2**20:.0f} MB limit",
                code="too_large",
                path=name,
            )
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"cannot read ({exc.strerror or exc})", code="unreadable", path=name) from exc
    text, _ = decode_bytes(data, name)
    if suffix in (".html", ".htm"):
        text = html_to_text(text)
    elif suffix == ".md":
        text = markdown_to_text(text)
    article = parse_article(text, article_id=article_id or path.stem, source=name)
    if not article.paragraphs or not article.text.strip():  # e.g. a page of scripts only
        raise DocumentError("no article text after cleaning", code="no_text", path=name)
    return article


def collect_files(paths: Iterable[Path]) -> tuple[list[Path], list[Skipped]]:
    """Expand directories (recursively, sorted) into article files; report paths that do not exist."""
    files: list[Path] = []
    missing: list[Skipped] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES))
        elif path.is_file():
            files.append(path)
        else:
            missing.append(Skipped(str(path), "no such file or directory"))
    return files, missing


def ingest(paths: Iterable[Path], params: ChunkParams | None = None) -> IngestResult:
    """Read, clean, describe and chunk every article under ``paths``; duplicates (same cleaned text) once."""
    files, skipped = collect_files(paths)
    result = IngestResult(skipped=skipped)
    seen_ids: dict[str, str] = {}
    seen_text: dict[str, str] = {}
    for path in files:
        try:
            article = read_article(path)
        except DocumentError as exc:
            result.skipped.append(Skipped(str(path), exc.reason))
            continue
        if article.content_hash in seen_text:
            result.skipped.append(Skipped(str(path), f"same text as {seen_text[article.content_hash]}"))
            continue
        if article.id in seen_ids:
            result.skipped.append(
                Skipped(str(path), f"article id {article.id} already used by {seen_ids[article.id]}")
            )
            continue
        seen_ids[article.id] = seen_text[article.content_hash] = str(path)
        result.articles.append(article)
        result.chunks.extend(chunk_article(article, params))
    return result
