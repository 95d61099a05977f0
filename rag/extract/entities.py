"""The people, places, organisations and dates a question names (Simplified text), read from jieba's
part-of-speech tags and its dictionary, for follow-up resolution (:mod:`rag.extract.followup`).

* A **place** is *proper* (宝鸡, 秦皇岛市, 九原区) or *generic* (全省, 各市, 全国, 本市, 市州); its *level* is its
  administrative suffix (市 区 县 省 镇 旗 ...), its own or its dictionary form's: 宝鸡 -> 宝鸡市 -> 市. The tagger's
  own mistakes are corrected where the dictionary knows better (秦皇岛 is tagged a person name, 宝鸡 a noun, 包头
  a verb; 九原 + 区 is one place).
* A **person** is a name the tagger recognises, or a surname followed by a short name-like word (jieba splits
  刘/光辉, 虞/海燕, 上官/吉庆).
* An **organisation** is one the tagger recognises or a word ending in 公司 / 委员会 / 局 / 部 ... (not 干部).
* A **date** is a date expression (2020年3月20日, 1-9月) or a time word (去年, 上半年); adjacent ones are one date.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.extract.patterns import CN_DIGITS, COMPOUND_SURNAMES, DATE_RE, FOREIGN_NAME, ORG_SUFFIX, SURNAMES
from rag.extract.qtype import pos_tokenizer

__all__ = ["ADMIN", "Mention", "Tag", "in_dictionary", "looks_like_name", "mentions", "place_level"]

Tag = tuple[str, str, int, int]  # (word, jieba tag, start, end), as rag.extract.qtype.pos_tags gives them

ADMIN = "省市县区镇乡旗州"
_GENERIC = re.compile(
    r"(?:全|各|本|我|外)(?P<level>[省市县区国镇乡州旗])|(?P<l2>[市国省])(?:州|内)|各地|全国各地"
)
# common nouns of places that jieba tags as place names (城市 is "ns")
_NOT_PLACES = frozenset(
    "城市 地区 国家 农村 城乡 乡村 城镇 社区 基层 地方 山区 市区 郊区 园区 辖区 景区 片区 街道".split()
)
_FUNCTION_TAGS = ("c", "d", "e", "f", "m", "p", "q", "r", "u", "x", "y", "z")  # never part of a name
_NAME_PART_TAGS = {"nr", "nrfg", "nrt", "nz", "n", "ns", "a", "ng", "j"}
_SURNAME_TAGS = {"nr", "nrfg", "nrt", "zg", "n", "a", "ng", "nz"}
_PERSON_TAGS = {"nr", "nrfg", "nrt"}


@dataclass(frozen=True)
class Mention:
    """An entity a text names: ``text[start:end]``."""

    text: str
    kind: str  # "place" | "person" | "org" | "date"
    start: int
    end: int
    proper: bool = True  # False for generic places (全省, 各市, 全国)
    level: str = ""  # places: administrative suffix, "" when unknown


def in_dictionary(word: str) -> bool:
    """Whether ``word`` is a word of jieba's dictionary (with the project's domain words)."""
    return bool(pos_tokenizer().tokenizer.FREQ.get(word, 0))


def place_level(word: str, tag: str = "") -> str | None:
    """The level of the proper place ``word`` names ("" when unknown), or None when it names no place."""
    if len(word) < 2 or tag.startswith(_FUNCTION_TAGS) or _GENERIC.fullmatch(word) or word in _NOT_PLACES:
        return None
    table = pos_tokenizer().word_tag_tab
    if word[-1] in ADMIN and (len(word) >= 3 or table.get(word) == "ns") and tag not in ("nrfg", "nrt"):
        return word[-1]
    # the dictionary's form with a suffix: 宝鸡 -> 宝鸡市, 秦皇岛 (tagged a name) -> 秦皇岛市, 包头 (a verb)
    suffixes = "市省县区" if (tag or table.get(word)) == "ns" else "市省县"
    level = next((s for s in suffixes if table.get(word + s) == "ns"), None)
    if level is not None:
        return level
    return "" if (tag or table.get(word)) == "ns" else None


def looks_like_name(word: str) -> bool:
    """A person's name by its shape: a surname and one or two characters, not a dictionary word (高速 is not)."""
    if FOREIGN_NAME.fullmatch(word):
        return True
    surname = 2 if word[:2] in COMPOUND_SURNAMES else 1 if word[:1] in SURNAMES else 0
    rest = len(word) - surname
    return (
        bool(surname)
        and 1 <= rest <= 2
        and re.fullmatch(r"[\u4e00-\u9fff]+", word) is not None
        and (not in_dictionary(word) or pos_tokenizer().word_tag_tab.get(word, "") in _PERSON_TAGS)
    )


def _dates(text: str, tags: Sequence[Tag]) -> list[tuple[int, int]]:
    spans = [
        m.span() for m in DATE_RE.finditer(text) if any(c.isdigit() or c in CN_DIGITS for c in m.group())
    ]
    spans += [(s, e) for w, t, s, e in tags if t == "t" and len(w) >= 2]
    merged: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def _person(tags: Sequence[Tag], i: int) -> int:
    """How many tokens from ``tags[i]`` make a person's name (0: none)."""
    word, tag = tags[i][0], tags[i][1]
    if FOREIGN_NAME.fullmatch(word):
        return 1
    if i + 1 < len(tags) and tag in _SURNAME_TAGS and (word in SURNAMES or word in COMPOUND_SURNAMES):
        nxt, nxt_tag = tags[i + 1][0], tags[i + 1][1]
        name = word + nxt
        if len(nxt) <= 2 and nxt_tag in _NAME_PART_TAGS and len(name) <= 4 and not in_dictionary(name):
            return 2
    surname = word[:2] in COMPOUND_SURNAMES or word[:1] in SURNAMES  # jieba also tags 同比增加 a name
    return 1 if tag in _PERSON_TAGS and 2 <= len(word) <= 4 and surname else 0


def _token_mention(text: str, tags: Sequence[Tag], i: int) -> tuple[Mention | None, int]:
    """The mention starting at token ``i`` (None if none), and how many tokens it spans."""
    word, tag, start, end = tags[i]
    nxt = tags[i + 1][0] if i + 1 < len(tags) else ""
    generic = _GENERIC.fullmatch(word)
    if generic:
        level = generic.group("level") or generic.group("l2") or ""
        return Mention(word, "place", start, end, proper=False, level=level), 1
    level = place_level(word, tag)
    if level is not None:
        if len(nxt) == 1 and nxt in ADMIN and word[-1] not in ADMIN:  # 九原 + 区
            return Mention(word + nxt, "place", start, end + 1, level=nxt), 2
        if nxt and nxt[0] in ADMIN and word[-1] not in ADMIN:  # 秦皇岛 + 市委书记: a city
            level = nxt[0]
        return Mention(word, "place", start, end, level=level), 1
    if len(nxt) == 1 and nxt in "省市县区" and len(word) >= 2 and tag in _NAME_PART_TAGS - {"a"}:
        if word not in _NOT_PLACES:  # a name the dictionary lacks + its suffix: 星河 + 市
            return Mention(word + nxt, "place", start, end + 1, level=nxt), 2
    n = _person(tags, i)
    if n:
        return Mention(text[start : tags[i + n - 1][3]], "person", start, tags[i + n - 1][3]), n
    if tag == "nt" or (len(word) >= 3 and ORG_SUFFIX.fullmatch(word) and not word.endswith("干部")):
        return Mention(word, "org", start, end), 1
    return None, 1


def mentions(text: str, tags: Sequence[Tag]) -> list[Mention]:
    """The entities ``text`` names, in order (``tags``: its ``pos_tags``)."""
    dates = _dates(text, tags)
    out = [Mention(text[s:e], "date", s, e) for s, e in dates]
    i = 0
    while i < len(tags):
        if any(s < tags[i][3] and tags[i][2] < e for s, e in dates):
            i += 1
            continue
        mention, n = _token_mention(text, tags, i)
        if mention is not None:
            out.append(mention)
        i += n
    return sorted(out, key=lambda m: m.start)
