"""Read article files into described ``Article`` objects (and chunks): one article per ``.txt``, ``.md``,
``.html``/``.htm`` (a saved news page), ``.docx`` or ``.pdf``; one per row of a ``.jsonl`` or ``.csv`` archive.

A file (or row) that cannot be read is reported in ``IngestResult.skipped`` with the reason, and what was read
with a caveat (a row without a title or a date) in ``IngestResult.notes``; nothing is dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rag.errors import DocumentError
from rag.ingest.archive import ARCHIVE_SUFFIXES, ArchiveRead, read_archive
from rag.ingest.article import parse_article
from rag.ingest.chunk import ChunkParams, chunk_article
from rag.ingest.decode import checked_size, decode_bytes, decode_html, markdown_to_text
from rag.ingest.htmlpage import read_html
from rag.ingest.meta import Meta
from rag.ingest.office import OFFICE_SUFFIXES, read_docx, read_pdf
from rag.types import Article, Chunk, Note, Skipped

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "SUFFIXES",
    "IngestResult",
    "collect_files",
    "ingest",
    "read_article",
    "read_documents",
    "same_copy",
]

SUFFIXES = (".txt", ".md", ".html", ".htm", *OFFICE_SUFFIXES, *ARCHIVE_SUFFIXES)
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024  # a news article is kilobytes; 20 MB is a book, not an article


@dataclass
class IngestResult:
    articles: list[Article] = field(default_factory=list)
    chunks: list[Chunk] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "articles": [_article_json(a) for a in self.articles],
            "chunks": [_chunk_json(c) for c in self.chunks],
            "skipped": [{"source": s.source, "reason": s.reason} for s in self.skipped],
            "notes": [{"source": n.source, "message": n.message} for n in self.notes],
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
    path: Path, *, article_id: str | None = None, max_bytes: int = MAX_DOCUMENT_BYTES, url: str = ""
) -> Article:
    """One single-article file to an Article. Raises DocumentError (naming the file) when it cannot be used.
    ``url``: where the file was fetched from (a page's own canonical URL wins)."""
    name = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES or suffix in ARCHIVE_SUFFIXES:
        expected = ", ".join(s for s in SUFFIXES if s not in ARCHIVE_SUFFIXES)
        raise DocumentError(
            f"unsupported file type {suffix or '(none)'}; use {expected} (or read_documents for archives)",
            code="unsupported_type",
            path=name,
        )
    checked_size(path, max_bytes)
    try:
        data = b"" if suffix in OFFICE_SUFFIXES else path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"cannot read ({exc.strerror or exc})", code="unreadable", path=name) from exc
    meta, fallback = Meta(url=url), Meta()
    if suffix in (".html", ".htm"):
        page = read_html(decode_html(data, name)[0], url)
        text, meta, fallback = page.text, page.meta, page.fallback
    elif suffix == ".docx":
        text, fallback = read_docx(path)
    elif suffix == ".pdf":
        text, fallback = read_pdf(path)
    else:
        text, _ = decode_bytes(data, name)
        if suffix == ".md":
            text = markdown_to_text(text)
    article = parse_article(
        text, article_id=article_id or path.stem, source=name, meta=meta, fallback=fallback
    )
    if not article.paragraphs or not article.text.strip():  # e.g. a page of scripts only
        raise DocumentError("no article text after cleaning", code="no_text", path=name)
    return article


def read_documents(
    path: Path, *, article_id: str | None = None, max_bytes: int = MAX_DOCUMENT_BYTES
) -> ArchiveRead:
    """The articles of one file: every row of an archive, or the one article of any other file (``article_id``
    names it; archives name their rows). Raises DocumentError when the file cannot be read at all."""
    if path.suffix.lower() in ARCHIVE_SUFFIXES:
        return read_archive(path)
    return ArchiveRead(articles=[read_article(path, article_id=article_id, max_bytes=max_bytes)])


def same_copy(a: Article, b: Article) -> bool:
    """Whether ``b`` is ``a`` again (same text, and no other outlet, date or address): indexed once. The same
    text from another outlet is a reprint, kept and grouped with it (:mod:`rag.ingest.reprints`)."""
    return a.content_hash == b.content_hash and all(
        not x or not y or x == y
        for x, y in ((a.outlet, b.outlet), (a.published, b.published), (a.url, b.url))
    )


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
    """Read, clean, describe and chunk every article under ``paths``; a file read twice (same text, no other
    metadata) once."""
    files, skipped = collect_files(paths)
    result = IngestResult(skipped=skipped)
    seen_ids: dict[str, str] = {}
    seen_text: dict[str, list[Article]] = {}
    for path in files:
        try:
            read = read_documents(path)
        except DocumentError as exc:
            result.skipped.append(Skipped(str(path), exc.reason))
            continue
        result.skipped.extend(read.skipped)
        result.notes.extend(read.notes)
        for article in read.articles:
            twin = next((a for a in seen_text.get(article.content_hash, ()) if same_copy(a, article)), None)
            if twin is not None:
                result.skipped.append(Skipped(article.source, f"same text as {twin.source}"))
                continue
            if article.id in seen_ids:
                result.skipped.append(
                    Skipped(article.source, f"article id {article.id} already used by {seen_ids[article.id]}")
                )
                continue
            seen_ids[article.id] = article.source
            seen_text.setdefault(article.content_hash, []).append(article)
            result.articles.append(article)
            result.chunks.extend(chunk_article(article, params))
    return result
