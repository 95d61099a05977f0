"""A news page saved from a website: its article text (trafilatura drops navigation, related links, comments and
footers) and what the page says about the article, in three strengths:

1. **publication fields** — ``<meta>`` ``article:published_time``/``publishdate``/``pubdate``/…, ``source``/
   ``mediaid``, ``author``; JSON-LD ``NewsArticle`` (``datePublished``, ``author``); ``<time pubdate>`` or
   ``itemprop="datePublished"``; the canonical URL;
2. **the header lines** under the headline (``2023-03-05 10:25:34 来源：新华网``), which trafilatura leaves out of
   the body; then the article's own lines (bylines, wire dateline) in :func:`rag.ingest.article.parse_article`;
3. **weak evidence** — the site's name (``og:site_name``, JSON-LD publisher, ``application-name``) and a date in
   the URL.

htmldate is not asked: even with ``extensive_search=False`` it dates an undated page by the first date in its
related-links list (measured on ``tests/news_fixtures.py``), and a date must never be invented.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from rag.ingest.dates import normalize_date
from rag.ingest.decode import html_to_text, visible_lines
from rag.ingest.meta import Meta, clean_outlet, meta_line, url_date

__all__ = ["Page", "read_html"]

_DATE_KEYS = frozenset(
    "article:published_time og:published_time og:release_date publishdate pubdate publish_date publish-date "
    "publishtime publish_time pubtime datepublished dc.date dc.date.issued dcterms.created dcterms.issued "
    "sailthru.date parsely-pub-date article.published firstpublishedtime weibo:article:create_at "
    "release_date".split()
)
_SOURCE_KEYS = frozenset({"source", "mediaid", "media", "article:source", "og:source", "contentsource"})
_AUTHOR_KEYS = frozenset({"author", "article:author", "dc.creator", "byl", "byline"})
_SITE_KEYS = frozenset({"og:site_name", "application-name", "site_name", "sitename", "twitter:site"})
_TITLE_SPLIT = re.compile(r"\s+[-|｜—]+\s+|_|｜|\||--")
_ARTICLE_TYPES = ("NewsArticle", "Article", "ReportageNewsArticle", "BlogPosting", "AnalysisNewsArticle")


@dataclass(frozen=True)
class Page:
    """A page read: the article text (title first), and what the page says of it, strong and weak."""

    text: str
    meta: Meta  # publication fields, then the header lines
    fallback: Meta  # site name, URL date, htmldate


def _clean_label(value: str) -> str:
    return re.sub(r"^(?:来源|來源|稿源|作者)\s*[:：]\s*", "", value.strip()).strip()


def _meta_tags(tree: Any) -> dict[str, str]:
    """The first value of every ``<meta>`` key (name, property, itemprop or http-equiv), lower-cased keys."""
    out: dict[str, str] = {}
    for el in tree.iter("meta"):
        key = (
            el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv") or ""
        ).strip()
        value = (el.get("content") or el.get("datetime") or "").strip()
        if key and value:
            out.setdefault(key.lower(), value)
    return out


def _person(value: Any) -> str:
    if isinstance(value, list):
        return "、".join(p for p in (_person(v) for v in value) if p)
    if isinstance(value, dict):
        return str(value.get("name") or "").strip()
    return str(value).strip() if isinstance(value, str) else ""


def _json_ld(tree: Any) -> dict[str, Any]:
    """The page's JSON-LD article object (``{}`` when none parses)."""
    for el in tree.iter("script"):
        if (el.get("type") or "").lower() != "application/ld+json" or not el.text:
            continue
        try:
            data = json.loads(el.text)
        except ValueError:
            continue
        items = (
            data if isinstance(data, list) else data.get("@graph", [data]) if isinstance(data, dict) else []
        )
        for item in items:
            kind = item.get("@type") if isinstance(item, dict) else None
            kinds = kind if isinstance(kind, list) else [kind]
            if any(k in _ARTICLE_TYPES for k in kinds):
                return item  # type: ignore[no-any-return]
    return {}


def _not_url(value: str) -> str:
    return "" if re.match(r"^(?:https?:)?//", value) else value


def _strong(tree: Any, tags: dict[str, str], ld: dict[str, Any]) -> Meta:
    dates = [tags[k] for k in tags if k in _DATE_KEYS]
    for el in tree.iter("time"):
        if el.get("pubdate") is not None or (el.get("itemprop") or "").lower() == "datepublished":
            dates.append(el.get("datetime") or (el.text or ""))
    dates.append(str(ld.get("datePublished") or ""))
    published = next((d for d in map(normalize_date, dates) if d), "")
    outlet = next((_clean_label(tags[k]) for k in tags if k in _SOURCE_KEYS), "")
    author = next((_not_url(_clean_label(tags[k])) for k in tags if k in _AUTHOR_KEYS), "") or _person(
        ld.get("author")
    )
    canonical = next(
        (el.get("href", "") for el in tree.iter("link") if (el.get("rel") or "").lower() == "canonical"), ""
    )
    url = canonical or tags.get("og:url", "") or str(ld.get("url") or "")
    return Meta(published=published, outlet=outlet, author=author, url=url if url.startswith("http") else "")


def _title(tree: Any, tags: dict[str, str]) -> str:
    for el in tree.iter("h1"):
        text = " ".join(el.text_content().split())
        if len(text) >= 4:
            return text
    raw = tags.get("og:title") or next((el.text_content() for el in tree.iter("title")), "")
    parts = [p.strip() for p in _TITLE_SPLIT.split(" ".join(raw.split())) if p.strip()]
    return parts[0] if parts else ""


def _header_meta(markup: str, title: str) -> Meta:
    """What the lines just under the headline say (date, 来源, 作者), the headline found among all visible
    lines; nothing when the headline is not found."""
    lines = visible_lines(markup)
    at = next((i for i, line in enumerate(lines) if title and line.startswith(title[:12])), -1)
    said = Meta()
    if at < 0:
        return said
    for line in lines[at + 1 : at + 7]:
        found = meta_line(line)
        if found is not None:
            said = said.over(found)
    return said


def read_html(markup: str, url: str = "") -> Page:
    """The article of a news page and its metadata (module doc); ``url``: where it was fetched from."""
    import lxml.html  # deferred: only HTML pays for it

    try:
        tree = lxml.html.document_fromstring(markup)
    except (ValueError, lxml.etree.ParserError):
        return Page(html_to_text(markup), Meta(url=url), Meta())
    tags, ld = _meta_tags(tree), _json_ld(tree)
    title = _title(tree, tags)
    strong = _strong(tree, tags, ld)
    if not strong.url and url:
        strong = Meta(strong.published, strong.outlet, strong.author, url)
    meta = strong.over(_header_meta(markup, title))
    site = next((_clean_label(tags[k]) for k in tags if k in _SITE_KEYS), "") or _person(ld.get("publisher"))
    weak = Meta(outlet=clean_outlet(site.lstrip("@")), published=url_date(meta.url))
    return Page(html_to_text(markup, title=title or None), meta, weak)
