"""Question analysis by rules: the question phrase and the entities a question names.

Everything here reads Simplified text (callers convert first; offsets stay 1:1 with the matching view).

* :func:`analyse_question` finds the question phrase (谁, 多少, 什么时候, 哪里, 什么, ...) and from it the
  kind of answer wanted (person, number, date, place, org, name, reason, manner), the unit a number should
  carry (``多少人`` -> 人, ``增长了多少`` -> %), and the words just before and after the question phrase. The
  answer stage leaves the question phrase out of the keyword terms that score sentences.
* :func:`pos_tags`, :func:`date_spans` and :func:`entity_kind` find the people, places, organisations and
  dates a question names, for follow-up resolution (:mod:`rag.extract.followup`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from rag.extract.patterns import (
    CN_DIGITS,
    DATE_RE,
    FOREIGN_NAME,
    KINDS,
    MAGNITUDE,
    NAME_TAGS,
    NOUNISH,
    NUMBER_RE,
    ORG_NOUNS,
    ORG_SUFFIX,
    ORG_TAGS,
    PERCENT_HINT,
    PERSON_TAGS,
    PLACE_NOUNS,
    PLACE_SUFFIX,
    PLACE_TAGS,
    PUNCT,
    UNITS,
    WH_RE,
)
from rag.search.tokenizer import DOMAIN_WORDS, default_tokenizer

if TYPE_CHECKING:
    import jieba.posseg

__all__ = [
    "KINDS",
    "QuestionInfo",
    "analyse_question",
    "date_spans",
    "entity_kind",
    "pos_tags",
    "pos_tokenizer",
]


@dataclass(frozen=True)
class QuestionInfo:
    """What a question asks for. Offsets index ``text`` (the Simplified question)."""

    text: str
    kind: str  # one of KINDS
    unit: str = ""  # unit a number answer should carry ("%", "人", "亿元"...), "" if none
    wh_start: int = -1  # the question phrase, -1 when none was found
    wh_end: int = -1
    head: str = ""  # the noun right after the question phrase (哪个[公司]), which names the answer's class
    left: tuple[str, ...] = ()  # up to 3 words before the question phrase, nearest first
    right: tuple[str, ...] = ()  # up to 3 words after it (after the head noun), nearest first

    @property
    def wants_span(self) -> bool:
        """Whether a short answer (rather than only a sentence) fits this kind of question."""
        return self.kind not in ("reason", "manner", "other")


_HEAD_KIND = (
    (re.compile(rf"(?:{ORG_NOUNS})$"), "org"),
    (re.compile(rf"(?:{PLACE_NOUNS})$"), "place"),
    (
        re.compile(r"(?:人|人物|作者|演员|歌手|导演|球员|教练|皇帝|国王|总统|主席|作家|画家|诗人|科学家)$"),
        "person",
    ),
    (re.compile(r"(?:时间|日期|年份|时候|年代|时期|朝代)$"), "date"),
)


def analyse_question(text: str) -> QuestionInfo:
    """The kind of answer ``text`` (Simplified) asks for, and where its question phrase sits."""
    matches = [
        m for m in WH_RE.finditer(text) if not (m.group() == "何" and text[m.start() - 1 : m.start()] == "任")
    ]
    telling = [m for m in matches if m.group() not in ("哪", "何")]
    if not (telling or matches):
        return QuestionInfo(text, "other")
    match = (telling or matches)[0]
    kind = match.lastgroup or "other"
    start, end = match.span()
    wh = match.group()
    if (
        kind == "name"
        and re.fullmatch(r"叫什么|什么", wh)
        and re.search(r"名字|姓名|本名|原名|真名|字号", text[end : end + 4])
    ):
        kind = "person" if re.search(r"他|她|此人|其", text[:start]) else "name"
    if kind == "name" and text[end : end + 1] == "人" and wh == "什么":
        kind = "person"
    unit = ""
    if kind == "number":
        m = re.match(rf"(?:{MAGNITUDE})?(?:{UNITS})", text[end : end + 6])
        if m:
            unit = m.group()
            end += len(unit)
        elif PERCENT_HINT.search(text):
            unit = "%"
        if wh == "第几" or text[max(0, start - 1) : start] == "第":
            unit = unit or "第"
    tags = [t for t in pos_tags(text) if t[0].strip() and t[0] not in PUNCT]
    head = ""
    if kind in ("name", "org", "place", "person"):
        m = re.match(r"[一二两三四五六七八九几]?[个位家种部本首项条支款座张篇件样名所些只]?", text[end:])
        at = end + (m.end() if m else 0)
        nxt = next((t for t in tags if t[2] <= at < t[3] or t[2] == at), None)
        if nxt is not None and nxt[1] in NOUNISH and nxt[2] >= at:
            head = nxt[0]
            end = nxt[3]
            for pattern, head_kind in _HEAD_KIND:
                if kind == "name" and pattern.search(head):
                    kind = head_kind
                    break
        elif at > end:
            end = at
    left = _side_words(text, tags, 0, start, -1)
    right = _side_words(text, tags, end, len(text), 1)
    return QuestionInfo(text, kind, unit, start, end, head, left, right)


def _side_words(
    text: str, tags: list[tuple[str, str, int, int]], start: int, end: int, step: int
) -> tuple[str, ...]:
    """Up to 3 words of ``text[start:end]`` nearest the question phrase (tokens cut at the range's edges)."""
    out: list[str] = []
    for _word, _tag, s, e in tags if step > 0 else reversed(tags):
        s, e = max(s, start), min(e, end)
        if e <= s:
            continue
        out.append(text[s:e])
        if len(out) == 3:
            break
    return tuple(out)


# ----------------------------------------------------------------------------------------------------------
# part of speech


@cache
def pos_tokenizer() -> jieba.posseg.POSTokenizer:
    """A private jieba POS tokenizer (built on first use, about a second; never the global jieba)."""
    import jieba
    import jieba.posseg

    logging.getLogger("jieba").setLevel(logging.WARNING)  # its "Building prefix dict ..." chatter
    # The default keyword tokenizer has loaded jieba's dictionary and added DOMAIN_WORDS (its default user
    # words) exactly as add_word(word, tag="n") would here: copy its tables, tag the words, and skip loading the
    # dictionary a second time (≈1 s).
    base = default_tokenizer().jieba()
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ, tokenizer.total, tokenizer.initialized = dict(base.FREQ), base.total, True
    tokenizer.user_word_tag_tab.update(dict.fromkeys(DOMAIN_WORDS, "n"))
    # POSTokenizer(tokenizer) would parse jieba's tag dictionary again (≈1.2 s); importing jieba.posseg has
    # already parsed it for the module's own tokenizer, so take a copy of that table instead
    pos = object.__new__(jieba.posseg.POSTokenizer)
    pos.tokenizer = tokenizer
    pos.word_tag_tab = dict(jieba.posseg.dt.word_tag_tab)  # our DOMAIN_WORDS tags are merged in on first cut
    pos.lcut("初始化")
    return pos


def pos_tags(text: str) -> list[tuple[str, str, int, int]]:
    """``(word, tag, start, end)`` for ``text``."""
    out = []
    pos = 0
    for pair in pos_tokenizer().lcut(text):
        word, tag = pair.word, pair.flag
        out.append((word, tag, pos, pos + len(word)))
        pos += len(word)
    return out


def date_spans(text: str) -> list[tuple[int, int]]:
    """Spans of date expressions (2020年3月20日, 1-9月, 19世纪, 1970年代初期) in ``text``."""
    return [m.span() for m in DATE_RE.finditer(text) if any(c.isdigit() or c in CN_DIGITS for c in m.group())]


def entity_kind(word: str, tag: str = "") -> str:
    """person / place / org / date / number / name / other for a word and its jieba tag."""
    if not word:
        return "other"
    if DATE_RE.fullmatch(word) or tag == "t":
        return "date"
    if NUMBER_RE.fullmatch(word) and any(ch.isdigit() or ch in CN_DIGITS for ch in word[:2]):
        return "number"
    table = pos_tokenizer().word_tag_tab
    if tag in PLACE_TAGS or (PLACE_SUFFIX.fullmatch(word) and len(word) >= 3 and tag not in PERSON_TAGS):
        return "place"
    if any(table.get(word + suffix) == "ns" for suffix in ("市", "省", "县", "区")):
        return "place"
    if tag in ORG_TAGS or (ORG_SUFFIX.fullmatch(word) and len(word) >= 3):
        return "org"
    if tag in PERSON_TAGS or FOREIGN_NAME.fullmatch(word):
        return "person"
    if tag in NAME_TAGS:
        return "name"
    return "other"
