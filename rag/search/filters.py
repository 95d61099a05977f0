"""Date and outlet filters, and reprints, as the set of chunks a search may return (a :class:`Selection`).

A filter (:class:`ArticleFilter`: ``since``/``until`` ISO dates, inclusive, and outlet names) lets an article
through when its date is known and in range and its outlet matches one of the names (Simplified/Traditional,
case and spaces ignored; a name matches an outlet that contains it: ``人民日报`` matches ``人民网－人民日报``).
Of a group of reprints only one copy is searched: the first of the group (``rag.ingest.reprints`` orders it) that
the filter lets through. The selection is applied inside the search (FAISS id selection, BM25 scores of the
allowed chunks only, a Milvus filter expression on the rows' scalar fields), so ``k`` hits come back after
filtering; a filter that lets no article through selects nothing, and nothing is returned.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from rag.errors import BadFilterError
from rag.ingest.dates import parse_bound
from rag.ingest.scripts import to_simplified
from rag.types import Article, Chunk
from vectorstore.milvus_config import filter_literal

__all__ = ["ArticleFilter", "FilterTable", "Selection", "make_filter", "outlet_key", "select"]

_OUTLET_NOISE = re.compile(r"[\s·•\-－—_|｜/（）()《》“”\"'，,、.。]+")


def outlet_key(name: str) -> str:
    """An outlet's name as compared: Simplified, lower case, spaces and punctuation removed."""
    return _OUTLET_NOISE.sub("", to_simplified(name or "")).lower()


@dataclass(frozen=True)
class ArticleFilter:
    """Which articles a search may use: ``since``/``until`` ISO dates (inclusive, "" for open) and outlet
    names (empty: any outlet)."""

    since: str = ""
    until: str = ""
    outlets: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return bool(self.since or self.until or self.outlets)

    @property
    def outlet_keys(self) -> tuple[str, ...]:
        return tuple(k for k in map(outlet_key, self.outlets) if k)

    def accepts(self, article: Article) -> bool:
        """Whether the filter lets ``article`` through (the module doc's rule)."""
        if self.since or self.until:
            if not article.published or (self.since and article.published < self.since):
                return False
            if self.until and article.published > self.until:
                return False
        if self.outlets:
            key = outlet_key(article.outlet)
            return bool(key) and any(k in key for k in self.outlet_keys)
        return True

    def to_dict(self) -> dict[str, object]:
        return {"since": self.since, "until": self.until, "outlets": list(self.outlets)}


def make_filter(
    since: str | None = None, until: str | None = None, outlets: str | Iterable[str] | None = None
) -> ArticleFilter:
    """A checked filter: dates as ``YYYY-MM-DD``, ``YYYY-MM`` (a month) or ``YYYY`` (a year), ``since`` its
    first day and ``until`` its last; ``outlets`` a name or names (a string may list several, split on commas
    or 、). ``BadFilterError`` for a date that is not one, or ``since`` after ``until``."""
    try:
        first = parse_bound(since, end=False) if since and since.strip() else ""
        last = parse_bound(until, end=True) if until and until.strip() else ""
    except ValueError as exc:
        raise BadFilterError(str(exc), code="bad_date") from exc
    if first and last and first > last:
        raise BadFilterError(f"since {first} is after until {last}", code="bad_date_range")
    names = re.split(r"[,，、;；]", outlets) if isinstance(outlets, str) else list(outlets or ())
    cleaned = tuple(dict.fromkeys(n.strip() for n in names if isinstance(n, str) and n.strip()))
    return ArticleFilter(first, last, cleaned)


@dataclass(frozen=True)
class FilterTable:
    """An index's articles as arrays for filtering fast (built once per loaded index: :meth:`build`)."""

    ids: tuple[str, ...]
    published: np.ndarray  # str per article ("" when unknown)
    outlet_code: np.ndarray  # int per article: position in ``outlets``
    outlets: tuple[str, ...]  # distinct outlet keys
    group: np.ndarray  # int per article: its reprint group, -1 when in none
    rank: np.ndarray  # int per article: its place in the group (0: the copy searched without a filter)
    chunk_article: np.ndarray  # int per chunk: its article's position

    @classmethod
    def build(
        cls, articles: Mapping[str, Article], chunks: Sequence[Chunk], groups: Sequence[Sequence[str]]
    ) -> FilterTable:
        ids = tuple(articles)
        at = {a: i for i, a in enumerate(ids)}
        keys = [outlet_key(articles[a].outlet) for a in ids]
        distinct = tuple(dict.fromkeys(keys))
        code = {k: i for i, k in enumerate(distinct)}
        group, rank = np.full(len(ids), -1, np.int64), np.zeros(len(ids), np.int64)
        for g, members in enumerate(groups):
            for r, member in enumerate(m for m in members if m in at):
                group[at[member]], rank[at[member]] = g, r
        return cls(
            ids,
            np.array([articles[a].published for a in ids], dtype="U10"),
            np.array([code[k] for k in keys], np.int64),
            distinct,
            group,
            rank,
            np.array([at[c.article_id] for c in chunks], np.int64),
        )

    def accepted(self, flt: ArticleFilter) -> np.ndarray:
        """Which articles ``flt`` lets through (boolean, per article)."""
        ok = np.ones(len(self.ids), bool)
        if flt.since or flt.until:
            ok &= self.published != ""
        if flt.since:
            ok &= self.published >= flt.since
        if flt.until:
            ok &= self.published <= flt.until
        if flt.outlets:
            wanted = flt.outlet_keys
            codes = [i for i, key in enumerate(self.outlets) if key and any(w in key for w in wanted)]
            ok &= np.isin(self.outlet_code, codes)
        return ok


@dataclass(frozen=True)
class Selection:
    """The chunks a search may return: ``positions`` (sorted chunk positions; None: every chunk), the same as
    a Milvus filter ``expression`` over the rows' scalar fields ("" for none), and the filter it came from."""

    positions: np.ndarray | None
    expression: str
    filter: ArticleFilter = field(default_factory=ArticleFilter)
    articles: int = -1  # how many articles it lets through (-1: all)

    @property
    def empty(self) -> bool:
        return self.positions is not None and self.positions.size == 0


def _expression(table: FilterTable, flt: ArticleFilter, substitutes: list[str], grouped: bool) -> str:
    parts = []
    if flt.since or flt.until:
        parts.append('published != ""')
    if flt.since:
        parts.append(f"published >= {filter_literal(flt.since)}")
    if flt.until:
        parts.append(f"published <= {filter_literal(flt.until)}")
    if flt.outlets:
        wanted = flt.outlet_keys
        keys = [key for key in table.outlets if key and any(w in key for w in wanted)]
        parts.append(f"outlet in [{', '.join(map(filter_literal, keys))}]" if keys else "id < 0")
    if grouped:
        parts.append("canonical == true")
    expr = " and ".join(parts)
    if substitutes:
        expr = f"({expr}) or article_id in [{', '.join(map(filter_literal, substitutes))}]"
    return expr


def select(table: FilterTable, flt: ArticleFilter) -> Selection:
    """The chunks a search under ``flt`` may return (module doc)."""
    grouped = bool((table.group >= 0).any())
    if not flt.active and not grouped:
        return Selection(None, "", flt)
    ok = table.accepted(flt)
    allowed = ok & (table.group < 0)
    in_groups = np.flatnonzero(ok & (table.group >= 0))
    substitutes: list[str] = []
    if in_groups.size:
        order = in_groups[np.lexsort((table.rank[in_groups], table.group[in_groups]))]
        _, first = np.unique(table.group[order], return_index=True)
        chosen = order[first]  # per group, the first copy the filter lets through
        allowed[chosen] = True
        substitutes = [table.ids[i] for i in chosen if table.rank[i] > 0]
    positions = np.flatnonzero(allowed[table.chunk_article]).astype(np.int64)
    expression = _expression(table, flt, substitutes, grouped)
    return Selection(positions, expression, flt, int(allowed.sum()))
