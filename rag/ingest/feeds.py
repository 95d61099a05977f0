"""Articles from the web: an RSS/Atom feed (each entry's page fetched) or a list of page URLs.

Every request has a timeout (for the whole response, not only for each read) and a size limit; only
``http``/``https`` URLs are fetched. A URL that fails (timed out, HTTP error, too large, a feed URL that returns
a web page) is reported by URL in ``skipped`` and the others are read; nothing is written here (the caller
keeps what was read as an archive and indexes it in one atomic build). A page is read as a saved page is
(:mod:`rag.ingest.htmlpage`); the feed entry's date, author and title, and the feed's title as the outlet, fill
in what the page does not say.
"""

from __future__ import annotations

import hashlib
import re
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rag.errors import DocumentError, FetchError
from rag.ingest.archive import ArchiveRead
from rag.ingest.article import parse_article
from rag.ingest.dates import normalize_date
from rag.ingest.decode import decode_html
from rag.ingest.htmlpage import read_html
from rag.ingest.meta import Meta
from rag.types import Article, Skipped

__all__ = ["FetchOptions", "fetch", "read_feed", "read_url_list", "read_urls"]

_CHUNK = 64 * 1024


@dataclass(frozen=True)
class FetchOptions:
    timeout: float = 10.0  # seconds for one whole response
    max_bytes: int = 5 * 2**20  # per response
    max_entries: int = 500  # feed entries read
    user_agent: str = "rag-news/0.1 (+news question answering)"


def fetch(url: str, options: FetchOptions | None = None) -> tuple[bytes, str, str]:
    """``(body, content type, final URL)`` of ``url``; ``FetchError`` naming the URL when it cannot be had."""
    options = options or FetchOptions()
    if not re.match(r"^https?://[^/\s]+", url or "", re.I):
        raise FetchError("not an http(s) URL", code="bad_url", path=url)
    deadline = time.monotonic() + options.timeout
    request = urllib.request.Request(url, headers={"User-Agent": options.user_agent})
    try:
        with urllib.request.urlopen(request, timeout=options.timeout) as response:
            parts, size = [], 0
            while chunk := response.read(_CHUNK):
                size += len(chunk)
                if size > options.max_bytes:
                    limit = options.max_bytes
                    shown = f"{limit / 2**20:.0f} MB" if limit >= 2**20 else f"{limit / 1024:.0f} KB"
                    raise FetchError(
                        f"response is over the {shown} limit",
                        code="fetch_too_large",
                        path=url,
                    )
                if time.monotonic() > deadline:
                    raise TimeoutError()
                parts.append(chunk)
            return b"".join(parts), response.headers.get("Content-Type", ""), response.geturl()
    except urllib.error.HTTPError as exc:
        raise FetchError(f"HTTP {exc.code} {exc.reason}", code="fetch_failed", path=url) from exc
    except TimeoutError as exc:
        raise FetchError(f"timed out after {options.timeout:g} s", code="fetch_timeout", path=url) from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError | socket.timeout):
            raise FetchError(
                f"timed out after {options.timeout:g} s", code="fetch_timeout", path=url
            ) from exc
        raise FetchError(f"cannot fetch ({exc.reason})", code="fetch_failed", path=url) from exc
    except (OSError, ValueError) as exc:  # connection reset, malformed response
        raise FetchError(f"cannot fetch ({exc})", code="fetch_failed", path=url) from exc


def _text(data: bytes, content_type: str, url: str) -> str:
    m = re.search(r"charset=([\w-]+)", content_type or "", re.I)
    if m:
        try:
            return data.decode(m.group(1))
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_html(data, url)[0]


def page_article(
    url: str, data: bytes, content_type: str, entry: Meta | None = None, site: str = ""
) -> Article:
    """The article of a fetched page; ``entry``: what a feed said of it, ``site``: the feed's title."""
    if "html" not in (content_type or "text/html").lower() and not data.lstrip()[:1] == b"<":
        raise FetchError(f"not a web page ({content_type})", code="fetch_failed", path=url)
    page = read_html(_text(data, content_type, url), url)
    meta = page.meta.over(entry or Meta())
    article_id = "web-" + hashlib.sha1(url.encode("utf-8")).hexdigest()[:12]
    article = parse_article(
        page.text,
        article_id=article_id,
        source=url,
        meta=meta,
        fallback=page.fallback.over(Meta(outlet=site)),
    )
    if not article.paragraphs:
        raise DocumentError("no article text after cleaning", code="no_text", path=url)
    return article


def read_urls(urls: Iterable[str], options: FetchOptions | None = None) -> ArchiveRead:
    """The articles of page URLs, one each; failed URLs in ``skipped``."""
    out = ArchiveRead()
    for url in dict.fromkeys(u.strip() for u in urls if u.strip()):
        try:
            data, kind, final = fetch(url, options)
            out.articles.append(page_article(final or url, data, kind))
        except (FetchError, DocumentError) as exc:
            out.skipped.append(Skipped(url, exc.reason if isinstance(exc, DocumentError) else exc.message))
    return out


def read_feed(url: str, options: FetchOptions | None = None) -> ArchiveRead:
    """The articles of an RSS/Atom feed's entries (their pages fetched). ``FetchError`` when the feed itself
    cannot be had or is no feed (e.g. a web page); failed entries in ``skipped``."""
    import feedparser  # deferred: only feeds pay for it

    options = options or FetchOptions()
    data, kind, _ = fetch(url, options)
    feed = feedparser.parse(data)
    if not feed.entries and (feed.bozo or not feed.version):
        raise FetchError(
            f"is not an RSS or Atom feed (got {kind or 'no content type'})", code="not_a_feed", path=url
        )
    site = str(feed.feed.get("title", "")).strip()
    out = ArchiveRead()
    for entry in feed.entries[: options.max_entries]:
        link = str(entry.get("link", "")).strip()
        if not link:
            out.skipped.append(Skipped(url, f"entry {entry.get('title', '')!r} has no link"))
            continue
        said = Meta(
            published=normalize_date(entry.get("published") or entry.get("updated") or ""),
            author=str(entry.get("author", "")).strip(),
            url=link,
            title=str(entry.get("title", "")).strip(),
        )
        try:
            page, page_kind, final = fetch(link, options)
            out.articles.append(page_article(final or link, page, page_kind, said, site))
        except (FetchError, DocumentError) as exc:
            out.skipped.append(Skipped(link, exc.reason if isinstance(exc, DocumentError) else exc.message))
    return out


def read_url_list(path: Path) -> list[str]:
    """The URLs of a list file: one per line; blank lines and ``#`` comments ignored."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DocumentError(f"cannot read the URL list ({exc})", code="unreadable", path=str(path)) from exc
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
