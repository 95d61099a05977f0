"""Bytes to text: encoding detection for the files people actually have (UTF-8 with or without BOM, UTF-16,
GBK/GB18030, Big5), and HTML/Markdown to plain article text."""

from __future__ import annotations

import codecs
import html
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

from rag.errors import DocumentError

__all__ = ["checked_size", "decode_bytes", "decode_html", "html_to_text", "markdown_to_text", "visible_lines"]

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Legacy encodings tried after UTF-8, in the order charset-normalizer is asked to weigh them.
_LEGACY = ("gb18030", "big5", "utf_16_le", "utf_16_be")
_BINARY = "looks like a binary file, not text"
_UNDECODABLE = "cannot decode as UTF-8, UTF-16, GBK/GB18030 or Big5"


def _looks_binary(data: bytes) -> bool:
    sample = data[:4096]
    if b"\x00" in sample:
        return True
    controls = sum(b < 9 or 13 < b < 32 for b in sample)
    return controls > len(sample) * 0.05


def _han_share(text: str) -> float:
    if not text:
        return 0.0
    han = sum("\u4e00" <= ch <= "\u9fff" for ch in text)
    return han / len(text)


def decode_bytes(data: bytes, name: str = "<bytes>") -> tuple[str, str]:
    """Decode a document; returns (text, encoding). Raises DocumentError naming ``name`` when it cannot."""
    if not data.strip():
        raise DocumentError("empty file", code="empty_file", path=name)
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise DocumentError(
                    f"has a {encoding} byte-order mark but does not decode ({exc})",
                    code="bom_mismatch",
                    path=name,
                ) from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if _looks_binary(data):
            raise DocumentError(_BINARY, code="binary_file", path=name)
        return text, "utf-8"
    if _looks_binary(data) and not _plausible_utf16(data):
        raise DocumentError(_BINARY, code="binary_file", path=name)
    from charset_normalizer import from_bytes  # deferred: only legacy files pay for it

    best = from_bytes(data, cp_isolation=list(_LEGACY)).best()
    candidates = [best.encoding] if best is not None else []
    candidates += [enc for enc in _LEGACY if enc not in candidates]
    # UTF-16 has a NUL in every ASCII character (line breaks too); without one, reading the bytes as UTF-16
    # turns Latin-1, KOI8-R and the like into pages of made-up Han characters
    if b"\x00" not in data:
        candidates = [enc for enc in candidates if not enc.startswith("utf_16")]
    decoded: list[tuple[float, str, str]] = []
    for rank, encoding in enumerate(candidates):
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        # the detector's choice wins ties; a decoding that yields far fewer Han characters is a wrong guess
        decoded.append((_han_share(text) - 0.01 * rank, text, encoding))
    if not decoded:
        raise DocumentError(_UNDECODABLE, code="undecodable", path=name)
    score, text, encoding = max(decoded, key=lambda item: item[0])
    if score < 0.05 or _looks_binary(text.encode("utf-8", "replace")):
        raise DocumentError(_UNDECODABLE, code="undecodable", path=name)
    return text, encoding


def checked_size(path: Path, limit: int) -> int:
    """The size of the file at ``path``; ``DocumentError`` (naming it) when over ``limit`` bytes or unreadable."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DocumentError(
            f"cannot read ({exc.strerror or exc})", code="unreadable", path=str(path)
        ) from exc
    if size > limit:
        raise DocumentError(
            f"{size / 1e6:.1f} MB is over the {limit / 2**20:.0f} MB limit", code="too_large", path=str(path)
        )
    return size


def _plausible_utf16(data: bytes) -> bool:
    """UTF-16 without a BOM: Chinese text has NUL bytes only for ASCII, at one parity, and enough of them (random
    binary has about one NUL in 256 bytes, sometimes lopsided by chance)."""
    sample = data[:4096]
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    return max(even, odd) >= 4 * max(1, min(even, odd)) and max(even, odd) >= len(sample) // 40


class _TextExtractor(HTMLParser):
    """Fallback HTML to text: block elements become line breaks, script/style/iframe contents are dropped."""

    _SKIP: ClassVar[frozenset[str]] = frozenset(
        {"script", "style", "iframe", "noscript", "template", "svg", "head"}
    )
    _BLOCK: ClassVar[frozenset[str]] = frozenset(
        {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article", "title"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        if tag == "title":
            self._in_title = True
        if tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skipping:
            self._skipping -= 1
        if tag == "title":
            self._in_title = False
        if tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skipping:
            self.parts.append(data)


def visible_lines(markup: str) -> list[str]:
    """Every visible line of an HTML page (scripts, styles and the head dropped), navigation and all: where a
    page's dateline and source line sit, outside the article body that :func:`html_to_text` keeps."""
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    text = html.unescape("".join(parser.parts))
    return [line.strip() for line in text.splitlines() if line.strip()]


_DECLARED = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_-]{2,20})""", re.I)
_CODECS = {"gb2312": "gb18030", "gbk": "gb18030", "gb18030": "gb18030", "big5": "big5hkscs", "utf-8": "utf-8"}


def decode_html(data: bytes, name: str = "<bytes>") -> tuple[str, str]:
    """An HTML page's text: the charset its ``<meta>`` declares (GBK/GB2312 read as GB18030, Big5 as
    Big5-HKSCS) when the bytes decode with it, else :func:`decode_bytes`'s detection."""
    m = _DECLARED.search(data[:4096])
    declared = _CODECS.get(m.group(1).decode("ascii").lower().replace("_", "-"), "") if m else ""
    if declared and not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode(declared), declared
        except UnicodeDecodeError:
            pass
    return decode_bytes(data, name)


def html_to_text(markup: str, title: str | None = None) -> str:
    """Article text of an HTML page: trafilatura's main-content extraction (navigation, related links and
    footers dropped), the title as first line (``title``, else trafilatura's).

    Falls back to a plain tag stripper for fragments trafilatura declines. Scripts, styles and iframes never
    contribute text.
    """
    import trafilatura  # deferred: heavy import

    body = trafilatura.extract(markup, include_comments=False, include_tables=True, favor_recall=True)
    if title is None:
        meta = trafilatura.extract_metadata(markup)
        title = (meta.title if meta is not None and meta.title else "") or ""
    if not body:
        parser = _TextExtractor()
        parser.feed(markup)
        parser.close()
        body = "".join(parser.parts)
        title = title or parser.title
    body = html.unescape(body)
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    if title.strip() and (not lines or lines[0] != title.strip()):
        lines.insert(0, title.strip())
    return "\n".join(lines)


_MD_PREFIX = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+\.\s+)")
_MD_INLINE = re.compile(r"(\*\*|__|\*|_|`)(.+?)\1")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")


def markdown_to_text(markup: str) -> str:
    """Plain text of Markdown: heading marks, emphasis, links and images reduced to their words."""
    lines = []
    for line in markup.splitlines():
        if re.fullmatch(r"\s*(```.*|[-*_]{3,}\s*)", line):
            continue
        line = _MD_PREFIX.sub("", line)
        line = _MD_LINK.sub(r"\1", line)
        line = _MD_INLINE.sub(r"\2", line)
        lines.append(line)
    return "\n".join(lines)
