"""Text cleaning: what a reader should see, and where the web noise that cannot be repaired sits.

- pinyin ruby annotations after a Han character are removed: ``內(nèi)蒙古`` -> ``內蒙古``;
- full-width ASCII letters and digits become ASCII; odd spaces become plain spaces; zero-width and control
  characters go; Chinese punctuation stays as it is;
- GBK mojibake fragments are kept (they are part of the source) but reported as low-quality spans.
"""

from __future__ import annotations

import re
import unicodedata

from rag.types import Span

__all__ = ["PINYIN_LETTERS", "clean_text", "find_mojibake", "strip_ruby"]

PINYIN_LETTERS = "a-zü" + "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# One annotation: a Han character, then "(" pinyin ")" with 1-7 letters (ASCII or full-width parentheses).
_RUBY = re.compile(rf"(?<=[{_HAN}])[(（]([{PINYIN_LETTERS}]{{1,7}})[)）]")

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_ODD_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\t\f\v]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

# Mojibake signals, each found in seeds 002/004 (UTF-8 text decoded as GBK, and annotations torn by it):
_MOJIBAKE_SIGNALS = (
    # a torn annotation: "?" then pinyin, or pinyin then ")" with no "(" (起步?jīng)_刺, 勇?lián)?dāng))
    re.compile(rf"\?[{PINYIN_LETTERS}]+\)?|(?<![({PINYIN_LETTERS}])[{PINYIN_LETTERS}]+\)"),
    # a lone Latin letter wedged between Han characters (绷钠鹛m州, 度A富)
    re.compile(rf"(?<=[{_HAN}])[A-Za-z](?=[{_HAN}])"),
    # bopomofo, private use or replacement characters inside running text (規;ㄖ幚砭)
    re.compile(r"[\u3100-\u312f\ue000-\uf8ff\ufffd]"),
    # "!" or ";" glued between Han characters where a GBK lead byte swallowed a closing quote (投產!绷钠)
    re.compile(rf"(?<=[{_HAN}])[!;](?=[{_HAN}][{_HAN}]?[A-Za-z{_HAN}])(?=[^“”]{{0,3}}[A-Za-z\u3100-\u312f])"),
)
_MOJIBAKE_REACH = 3  # characters of context on each side that a signal taints


def strip_ruby(text: str) -> str:
    """Remove pinyin annotations that follow a Han character."""
    return _RUBY.sub("", text)


def _normalize_char(ch: str) -> str:
    code = ord(ch)
    if 0xFF10 <= code <= 0xFF19 or 0xFF21 <= code <= 0xFF3A or 0xFF41 <= code <= 0xFF5A:
        return chr(code - 0xFEE0)  # full-width digit or letter -> ASCII
    return ch


def clean_text(text: str) -> str:
    """Cleaned article text (line structure kept: one line per source paragraph)."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.translate(_ZERO_WIDTH)
    text = _ODD_SPACES.sub(" ", text)
    text = _CONTROL.sub("", text)
    text = "".join(_normalize_char(ch) for ch in text)
    text = strip_ruby(text)
    lines = [re.sub(r" {2,}", " ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def find_mojibake(text: str) -> tuple[Span, ...]:
    """Spans of ``text`` that look like encoding garbage (merged, with a little context either side)."""
    hits: list[tuple[int, int]] = []
    for signal in _MOJIBAKE_SIGNALS:
        for m in signal.finditer(text):
            # context never crosses a line: paragraphs are judged one by one
            line_start = text.rfind("\n", 0, m.start()) + 1
            line_end = text.find("\n", m.end())
            line_end = len(text) if line_end < 0 else line_end
            hits.append(
                (max(line_start, m.start() - _MOJIBAKE_REACH), min(line_end, m.end() + _MOJIBAKE_REACH))
            )
    spans: list[Span] = []
    for start, end in sorted(hits):
        if spans and start <= spans[-1].end:
            spans[-1] = Span(spans[-1].start, max(spans[-1].end, end))
        else:
            spans.append(Span(start, end))
    return tuple(spans)
