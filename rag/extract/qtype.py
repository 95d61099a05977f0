"""The question phrase of a question (谁, 多少, 什么时候, 哪里, 什么, ...), by rules, and the jieba part-of-speech
tagger that follow-ups read a question's entities with (:mod:`rag.extract.entities`).

Everything here reads Simplified text (callers convert first; offsets stay 1:1 with the matching view). The
answer stage leaves the question phrase out of the keyword terms that score sentences
(:func:`rag.extract.evidence.question_terms`); follow-ups (:mod:`rag.extract.followup`) read what a question asks
about from the words before it, and whether it asked who.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from rag.extract.patterns import MAGNITUDE, NOUNISH, PUNCT, UNITS, WH_RE
from rag.search.tokenizer import DOMAIN_WORDS, default_tokenizer

if TYPE_CHECKING:
    import jieba.posseg

__all__ = ["QuestionInfo", "analyse_question", "pos_tags", "pos_tokenizer"]


@dataclass(frozen=True)
class QuestionInfo:
    """Where the question phrase of ``text`` (the Simplified question) sits, and what it asks for."""

    text: str
    kind: str  # person, number, date, place, org, name, reason, manner; "other" when no phrase was found
    # the question phrase, with the unit or head noun it takes (多少人, 哪个公司); -1 when there is none
    wh_start: int = -1
    wh_end: int = -1


def analyse_question(text: str, tags: Sequence[tuple[str, str, int, int]] | None = None) -> QuestionInfo:
    """The question phrase of ``text`` (Simplified; ``tags``: its :func:`pos_tags`, computed when missing)."""
    matches = [
        m for m in WH_RE.finditer(text) if not (m.group() == "何" and text[m.start() - 1 : m.start()] == "任")
    ]
    telling = [m for m in matches if m.group() not in ("哪", "何")]
    if not (telling or matches):
        return QuestionInfo(text, "other")
    match = (telling or matches)[0]
    kind = match.lastgroup or "other"
    start, end = match.span()
    if kind == "number":
        m = re.match(rf"(?:{MAGNITUDE})?(?:{UNITS})", text[end : end + 6])
        end += len(m.group()) if m else 0
    elif kind in ("name", "org", "place", "person"):  # the head noun it asks about: 哪两个[公司], 什么[会议]
        m = re.match(r"[一二两三四五六七八九几]?[个位家种部本首项条支款座张篇件样名所些只]?", text[end:])
        at = end + (m.end() if m else 0)
        words = [t for t in (pos_tags(text) if tags is None else tags) if t[0].strip() and t[0] not in PUNCT]
        nxt = next((t for t in words if t[2] <= at < t[3] or t[2] == at), None)
        if nxt is not None and nxt[1] in NOUNISH and nxt[2] >= at:
            end = nxt[3]
        elif at > end:
            end = at
    return QuestionInfo(text, kind, start, end)


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
