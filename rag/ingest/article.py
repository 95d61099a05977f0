"""From cleaned text to a described ``Article``: title, subtitle, outlet, author, date, script, paragraphs.

The cleaned text keeps one line per source paragraph; every offset in the ``Article`` indexes into it.

Metadata precedence (README, "News metadata"): what the caller read from structured fields (``meta``: archive
columns, HTML ``<meta>`` publication tags, a feed entry), then the article's own header and footer lines
(dateline and 来源 lines, bylines, a wire dateline, a column's outlet), then the caller's weaker evidence
(``fallback``: a site name, a date in the URL).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace

from rag.ingest.clean import clean_text, find_mojibake
from rag.ingest.meta import Meta, is_footer_line, meta_line, wire_dateline
from rag.ingest.scripts import detect_script
from rag.types import Article, Paragraph, Span

__all__ = ["derive_title", "parse_article", "parse_byline"]

_SENTENCE_END = "。！？!?；;…"
_HEADLINE_MAX = 50  # characters; a first line longer than this, or with a sentence end inside, is a lead
_HEADING_MAX = 40  # characters of a section heading line
_TITLE_SHORT, _TITLE_MIN, _TITLE_MAX = 24, 12, 30  # characters of a title derived from the lead
_OUTLET_SUFFIXES = (
    "日報",
    "日报",
    "晚報",
    "晚报",
    "報",
    "报",
    "網站",
    "网站",
    "網",
    "网",
    "社",
    "台",
    "平台",
    "新聞",
    "新闻",
)
_NAME = r"[\u4e00-\u9fff·]{2,4}"
_NAMES = re.compile(rf"{_NAME}(?:\s+{_NAME})*")
_PAREN_TAIL = re.compile(r"[(（]\s*([^()（）]{2,40}?)\s*[)）]\s*$")
_REPORTER_WORD = re.compile(r"(?:本報|本报)?(?:記者|记者|通訊員|通讯员)")
_CAPTION = re.compile(r"(?:[攝摄]|圖為.*|图为.*)\s*$|^(?:圖為|图为)|截圖$|截图$")
_SPEAKER = re.compile(r"^[\u4e00-\u9fff ]{1,6}[:：]")
_COLUMN_OUTLET = re.compile(r"([\u4e00-\u9fff]{2,8}(?:日報|日报|晚報|晚报))(?:開設|开设|推出)")


def parse_byline(fragment: str) -> tuple[str, str] | None:
    """(outlet, reporter) from a byline such as ``河北日報記者郭猛`` or ``中央纪委国家监委网站 李张光``."""
    fragment = fragment.strip()
    outlet, names = "", ""
    m = _REPORTER_WORD.search(fragment)
    supplied = re.search(r"供稿", fragment)
    if m:
        outlet, names = fragment[: m.start()].strip(), fragment[m.end() :].strip()
    elif supplied:
        outlet, names = fragment[: supplied.start()].strip(), fragment[supplied.end() :].strip()
    else:
        parts = fragment.split()
        if len(parts) >= 2 and parts[0].endswith(_OUTLET_SUFFIXES):
            outlet, names = parts[0], " ".join(parts[1:])
        else:
            return None
    if names and not _NAMES.fullmatch(names):
        return None
    if not names and not outlet:
        return None
    return outlet, "、".join(names.split())


def _byline_line(line: str) -> tuple[str, str] | None:
    """A whole line that is only a byline: ``甘肅日報記者 侯若志`` or ``(… 供稿 田秋林 尚维杰 )``."""
    if len(line) > 45 or any(ch in line for ch in _SENTENCE_END):
        return None
    m = _PAREN_TAIL.fullmatch(line) or re.fullmatch(r"[(（]\s*([^()（）]{2,43}?)\s*[)）]", line)
    inner = m.group(1) if m else line
    if not m and not _REPORTER_WORD.search(line):
        return None
    return parse_byline(inner)


def _is_headline(line: str) -> bool:
    return len(line) <= _HEADLINE_MAX and not any(ch in line for ch in _SENTENCE_END + ",，")


def _is_heading(line: str) -> bool:
    return (
        len(line) <= _HEADING_MAX
        and line[-1] not in _SENTENCE_END + ":：，,、"
        and not _SPEAKER.match(line)
        and not _CAPTION.search(line)
    )


def derive_title(lead: str) -> str:
    """A short title from a lead paragraph: its first sentence, or its first clauses up to 12-30 characters."""
    first = re.split(rf"(?<=[{_SENTENCE_END}])", lead, maxsplit=1)[0].rstrip(_SENTENCE_END)
    if len(first) <= _TITLE_SHORT:
        return first
    ends = [m.start() for m in re.finditer(r"[,，、:：]", first)] + [len(first)]
    title = first[: ends[0]]
    for end in ends[1:]:
        if len(title) >= _TITLE_MIN or end > _TITLE_MAX:
            break
        title = first[:end]
    return title if len(title) <= _TITLE_MAX else title[:_TITLE_MAX] + "…"


def parse_article(
    raw: str, *, article_id: str, source: str, meta: Meta | None = None, fallback: Meta | None = None
) -> Article:
    """Describe an article from its decoded text (cleaning included). ``meta``: what structured fields said
    (wins over the text); ``fallback``: weaker evidence, used where neither says anything (module doc)."""
    text = clean_text(raw)
    lines: list[tuple[int, int, str]] = []
    pos = 0
    for line in text.split("\n"):
        lines.append((pos, pos + len(line), line))
        pos += len(line) + 1
    title, subtitle, body, found = _read_lines(lines)
    if not found.outlet and (m := _COLUMN_OUTLET.search(text)):
        found = replace(found, outlet=m.group(1))
    described = (meta or Meta()).over(found).over(fallback or Meta())
    mojibake = find_mojibake(text)
    paragraphs = _paragraphs(body, mojibake)
    title_derived = False
    if not title and described.title:
        title = described.title
    elif not title:
        lead = next((line for _, _, line in body if not _CAPTION.search(line)), body[0][2] if body else "")
        title, title_derived = derive_title(lead), True
    return Article(
        id=article_id,
        title=title,
        subtitle=subtitle,
        outlet=described.outlet,
        author=described.author,
        published=described.published,
        url=described.url,
        script=detect_script(text),
        text=text,
        source=source,
        title_derived=title_derived,
        paragraphs=paragraphs,
        low_quality=mojibake,
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )


def _read_lines(lines: list[tuple[int, int, str]]) -> tuple[str, str, list[tuple[int, int, str]], Meta]:
    """Title, subtitle, body lines and what the header and footer lines say (date and 来源 lines first, then
    bylines, then a wire dateline)."""
    title, subtitle = "", ""
    lined, bylined = Meta(), Meta()
    body: list[tuple[int, int, str]] = []
    last = len(lines) - 1
    for i, (start, end, line) in enumerate(lines):
        if i == 0 and _is_headline(line) and len(lines) > 1:
            title = line
            continue
        if i <= 2 and re.match(r"^(?:——|--|—)", line) and not body:
            subtitle = line.lstrip("—- ").strip()
            continue
        byline = _byline_line(line)
        if byline is not None and (i <= 3 or i >= last - 1):
            bylined = bylined.over(Meta(outlet=byline[0], author=byline[1]))
            continue
        said = meta_line(line) if (len(body) <= 1 and i <= 6) or i >= last - 2 else None
        if said is not None:
            lined = lined.over(said)
            continue
        if i >= last - 4 and is_footer_line(line):
            continue
        body.append((start, end, line))
    # A byline closing the last paragraphs: "……。(河北日報記者郭猛)"
    for _, _, line in reversed(body[-2:]):
        m = _PAREN_TAIL.search(line)
        parsed = parse_byline(m.group(1)) if m else None
        if parsed:
            bylined = bylined.over(Meta(outlet=parsed[0], author=parsed[1]))
            break
    wire = next((w for _, _, line in body[:2] if (w := wire_dateline(line)) is not None), Meta())
    return title, subtitle, body, lined.over(bylined).over(wire)


def _paragraphs(body: list[tuple[int, int, str]], mojibake: tuple[Span, ...]) -> tuple[Paragraph, ...]:
    """Body lines to paragraphs; heading lines attach to the paragraph they head (the next non-heading line)."""
    paragraphs: list[Paragraph] = []
    pending: list[tuple[int, int]] = []  # heading lines waiting for their paragraph
    for n, (start, end, line) in enumerate(body):
        is_last = n == len(body) - 1
        if not is_last and _is_heading(line):
            pending.append((start, end))
            continue
        heading = Span(pending[0][0], pending[-1][1]) if pending else None
        p_start = pending[0][0] if pending else start
        bad = any(s.start < end and s.end > p_start for s in mojibake)
        paragraphs.append(Paragraph(len(paragraphs), p_start, end, heading, bad))
        pending = []
    return tuple(paragraphs)
