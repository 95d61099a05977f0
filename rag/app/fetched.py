"""Keeping what ``index --feed URL`` / ``--urls FILE`` (and the UI's URL box) fetched: one JSONL archive per feed
or URL list in the fetched folder (``$RAG_FETCHED``, default ``data/fetched``), written atomically and merged
with what an earlier fetch of the same source kept (by URL), so that the index can be rebuilt from it and a
feed's older entries stay. Nothing is written when nothing was fetched."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

from rag.errors import FetchError
from rag.ingest.archive import ArchiveRead, archive_row
from rag.ingest.feeds import FetchOptions, read_feed, read_url_list, read_urls
from rag.types import Skipped
from vectorstore.base import write_atomic

__all__ = ["fetch_lines", "fetch_sources"]


def _keep(folder: Path, name: str, read: ArchiveRead) -> Path | None:
    """Merge ``read``'s articles into ``folder/name`` (by URL), atomically; None when there were none."""
    if not read.articles:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    rows: dict[str, dict[str, str]] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
            except ValueError:
                continue
            if isinstance(row, dict) and row.get("url"):
                rows[str(row["url"])] = row
    for article in read.articles:
        rows[article.url or article.source] = archive_row(article)
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows.values())
    write_atomic(path, data.encode("utf-8"))
    return path


def _name(kind: str, source: str) -> str:
    return f"{kind}-{hashlib.sha1(source.encode('utf-8')).hexdigest()[:10]}.jsonl"


def fetch_sources(
    folder: Path,
    feeds: Sequence[str] = (),
    url_lists: Sequence[Path] = (),
    options: FetchOptions | None = None,
) -> tuple[list[Path], list[Skipped]]:
    """Fetch every feed and every URL of the lists, keep the articles in ``folder`` (module doc). Returns the
    archives written and what failed (a feed that could not be had, a page), by URL."""
    written: list[Path] = []
    failed: list[Skipped] = []
    for url in feeds:
        try:
            read = read_feed(url, options)
        except FetchError as exc:
            failed.append(Skipped(url, exc.message))
            continue
        failed.extend(read.skipped)
        if (path := _keep(folder, _name("feed", url), read)) is not None:
            written.append(path)
    for listing in url_lists:
        read = read_urls(read_url_list(listing), options)
        failed.extend(read.skipped)
        if (path := _keep(folder, _name("urls", str(listing.resolve())), read)) is not None:
            written.append(path)
    return written, failed


def fetch_lines(
    folder: Path, lines: Sequence[str], options: FetchOptions | None = None
) -> tuple[list[Path], list[Skipped]]:
    """Each line a feed or a page URL (the UI's box): read as a feed, else, when it is a web page, as one
    article. Kept and reported as :func:`fetch_sources` does."""
    written: list[Path] = []
    failed: list[Skipped] = []
    pages: list[str] = []
    for url in dict.fromkeys(line.strip() for line in lines if line.strip()):
        try:
            read = read_feed(url, options)
        except FetchError as exc:
            if exc.code == "not_a_feed":
                pages.append(url)
            else:
                failed.append(Skipped(url, exc.message))
            continue
        failed.extend(read.skipped)
        if (path := _keep(folder, _name("feed", url), read)) is not None:
            written.append(path)
    if pages:
        read = read_urls(pages, options)
        failed.extend(read.skipped)
        if (path := _keep(folder, _name("urls", "\n".join(sorted(pages))), read)) is not None:
            written.append(path)
    return written, failed
