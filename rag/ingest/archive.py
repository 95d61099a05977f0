"""News archives: one article per row of a JSON Lines (``.jsonl``) or CSV (``.csv``) file.

Columns are matched by name, case and spaces ignored (:data:`COLUMNS`: ``title``/``headline``/``标题``,
``text``/``content``/``body``/``正文``, ``published``/``date``/``pubdate``/``publish_time``/``发布时间``,
``outlet``/``source``/``media``/``site``/``来源``, ``url``/``link``, ``author``/``byline``/``作者``, ``id``).
Each row becomes an :class:`~rag.types.Article` whose text is the title line and the row's text; the columns
are its metadata and win over what the text says (README, "News metadata").

Nothing is lost silently: a line that is not JSON, a row without text, or a repeated id is reported by file and
line and skipped (the other rows are read); a row without a title gets one made from its first sentence, and an
undated row stays undated, each with a note naming the line; a CSV file without a text column is refused whole.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from rag.errors import DocumentError
from rag.ingest.article import parse_article
from rag.ingest.dates import normalize_date
from rag.ingest.decode import checked_size, decode_bytes, visible_lines
from rag.ingest.meta import Meta
from rag.types import Article, Note, Skipped

__all__ = ["ARCHIVE_SUFFIXES", "COLUMNS", "MAX_ARCHIVE_BYTES", "ArchiveRead", "archive_row", "read_archive"]

ARCHIVE_SUFFIXES = (".jsonl", ".csv")
MAX_ARCHIVE_BYTES = 2 * 2**30  # read as a stream, row by row
COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "article_id", "doc_id", "docid", "uid", "编号", "編號"),
    "title": ("title", "headline", "heading", "标题", "標題", "题目", "題目"),
    "text": ("text", "content", "body", "article", "fulltext", "full_text", "正文", "内容", "內容", "全文"),
    "published": (
        "published", "date", "pubdate", "pub_date", "publish_time", "publish_date", "published_at",
        "publishtime", "pubtime", "time", "datetime", "发布时间", "發布時間", "發佈時間", "日期", "时间", "時間",
    ),
    "outlet": ("outlet", "source", "media", "site", "publisher", "来源", "來源", "媒体", "媒體", "出处", "出處"),
    "url": ("url", "link", "href", "source_url", "链接", "連結", "网址", "網址"),
    "author": ("author", "authors", "byline", "reporter", "作者", "记者", "記者"),
}  # fmt: skip
_HTML_TEXT = re.compile(r"</?(?:p|br|div|span)\b", re.I)
_SAMPLE = 1 << 16


@dataclass
class ArchiveRead:
    """The rows of one archive: articles, rows skipped (with file and line), notes about rows read."""

    articles: list[Article] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)


def _key(name: str) -> str:
    return re.sub(r"[\s_\-]+", "_", name.strip().lower().lstrip("\ufeff"))


def _columns(names: list[str]) -> dict[str, str]:
    """Which field of the rows holds each of :data:`COLUMNS` (the first alias present wins)."""
    by_key = {_key(n): n for n in names}
    out = {}
    for column, aliases in COLUMNS.items():
        found = next((by_key[_key(a)] for a in aliases if _key(a) in by_key), None)
        if found is not None:
            out[column] = found
    return out


def _value(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, list):
        return "、".join(v for v in map(_value, raw) if v)
    if isinstance(raw, dict):
        return _value(raw.get("name", ""))
    return str(raw).strip()


def _encoding(handle: BinaryIO, name: str) -> str:
    """The archive's encoding, from its first 64 KiB (UTF-8 unless that does not decode)."""
    sample = handle.read(_SAMPLE)
    handle.seek(0)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    cut = sample[: sample.rfind(b"\n") + 1] or sample
    try:
        cut.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return decode_bytes(cut, name)[1]


class _Rows:
    """Turns rows into articles for one archive (ids unique within it; notes and skips named by line)."""

    def __init__(self, path: Path, columns: dict[str, str], out: ArchiveRead) -> None:
        self.name, self.stem, self.columns, self.out = str(path), path.stem, columns, out
        self.ids: dict[str, int] = {}

    def _get(self, row: dict[str, Any], column: str) -> Any:
        name = self.columns.get(column)
        return row.get(name) if name is not None else None

    def _id(self, row: dict[str, Any], title: str, text: str, url: str) -> str:
        own = re.sub(r"[^\w\-]+", "_", _value(self._get(row, "id")))[:64].strip("_")
        if own:
            return f"{self.stem}-{own}"
        basis = url or f"{title}\n{text}"
        return f"{self.stem}-{hashlib.sha1(basis.encode('utf-8')).hexdigest()[:12]}"

    def add(self, row: dict[str, Any], line: int) -> None:
        where = f"{self.name}:{line}"
        title, text = _value(self._get(row, "title")), _value(self._get(row, "text"))
        if _HTML_TEXT.search(text):
            text = "\n".join(visible_lines(text))
        if not text.strip():
            self.out.skipped.append(Skipped(where, "row has no text"))
            return
        raw_date = self._get(row, "published")
        published = normalize_date(raw_date if isinstance(raw_date, int | float) else _value(raw_date))
        url = _value(self._get(row, "url"))
        article_id = self._id(row, title, text, url)
        if article_id in self.ids:
            self.out.skipped.append(
                Skipped(where, f"id {article_id} already used on line {self.ids[article_id]}")
            )
            return
        meta = Meta(published, _value(self._get(row, "outlet")), _value(self._get(row, "author")), url, title)
        body = text if not title or text.lstrip().startswith(title) else f"{title}\n{text}"
        article = parse_article(body, article_id=article_id, source=where, meta=meta)
        if not article.paragraphs:
            self.out.skipped.append(Skipped(where, "no article text after cleaning"))
            return
        self.ids[article_id] = line
        if not title:
            self.out.notes.append(Note(where, f"row has no title; using 《{article.title}》 from its text"))
        if not article.published:
            shown = _value(raw_date)
            why = f"date {shown[:40]!r} is not a whole date" if shown else "row has no date"
            self.out.notes.append(Note(where, f"{why}; the article is undated"))
        self.out.articles.append(article)


def _jsonl_rows(handle: BinaryIO, encoding: str, name: str, out: ArchiveRead) -> Iterator[tuple[dict, int]]:
    for line_no, raw in enumerate(handle, start=1):
        if not raw.strip():
            continue
        where = f"{name}:{line_no}"
        try:
            row = json.loads(raw.decode(encoding))
        except UnicodeDecodeError:
            out.skipped.append(Skipped(where, f"line does not decode as {encoding}"))
            continue
        except ValueError as exc:
            out.skipped.append(Skipped(where, f"not JSON ({exc})"))
            continue
        if not isinstance(row, dict):
            out.skipped.append(
                Skipped(where, f"a JSON {type(row).__name__}, not an object with named fields")
            )
            continue
        yield row, line_no


def _read_jsonl(path: Path, handle: BinaryIO, out: ArchiveRead) -> None:
    encoding = _encoding(handle, str(path))
    rows = _Rows(path, {}, out)
    known: dict[tuple[str, ...], dict[str, str]] = {}  # rows may name their fields differently
    for row, line in _jsonl_rows(handle, encoding, str(path), out):
        keys = tuple(row)
        if keys not in known:
            known[keys] = _columns(list(keys))
        rows.columns = known[keys]
        rows.add(row, line)


def _read_csv(path: Path, handle: BinaryIO, out: ArchiveRead) -> None:
    encoding = _encoding(handle, str(path))
    text = io.TextIOWrapper(handle, encoding=encoding, errors="strict", newline="")
    sample = text.read(_SAMPLE)
    text.seek(0)
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    reader = csv.DictReader(text, dialect=dialect)
    header = [h for h in (reader.fieldnames or []) if h is not None]
    columns = _columns(header)
    if "text" not in columns:
        raise DocumentError(
            f"no text column (looked for {', '.join(COLUMNS['text'])}; the header has: "
            f"{', '.join(header) or 'nothing'})",
            code="no_text_column",
            path=str(path),
        )
    rows = _Rows(path, columns, out)
    line = reader.line_num + 1
    for row in reader:
        rows.add({k: v for k, v in row.items() if k is not None}, line)
        line = reader.line_num + 1


def archive_row(article: Article) -> dict[str, str]:
    """An article as a JSONL archive row that reads back as the same article (its text, title first, and its
    metadata as columns)."""
    return {
        "id": article.id, "title": article.title, "text": article.text, "published": article.published,
        "outlet": article.outlet, "url": article.url, "author": article.author,
    }  # fmt: skip


def read_archive(path: Path) -> ArchiveRead:
    """Every row of a ``.jsonl`` or ``.csv`` archive (module doc). ``DocumentError`` for a file that cannot be
    read at all (too large, undecodable, a CSV without a text column)."""
    name = str(path)
    out = ArchiveRead()
    if checked_size(path, MAX_ARCHIVE_BYTES) == 0:
        raise DocumentError("empty file", code="empty_file", path=name)
    try:
        with path.open("rb") as handle:
            if path.suffix.lower() == ".csv":
                _read_csv(path, handle, out)
            else:
                _read_jsonl(path, handle, out)
    except OSError as exc:
        raise DocumentError(f"cannot read ({exc.strerror or exc})", code="unreadable", path=name) from exc
    except UnicodeDecodeError as exc:
        raise DocumentError(
            f"does not decode as a whole ({exc.reason})", code="undecodable", path=name
        ) from exc
    return out
