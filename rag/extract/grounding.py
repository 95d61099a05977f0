"""Which articles can answer a question: those that name every place and every office the question names.

The reader judges a span against the few sentences it reads; it cannot know that 上海市委书记是谁？ asks about
another city than the 宝鸡 article it was shown (its windows look the same: 市委书记 + a name), nor that
兰州市市长是谁？ asks for another office than the 市委书记 its passage names. The places a question names
(:func:`rag.extract.entities.mentions`: proper places only, not 全省 or 各市) and the offices (:func:`asked_offices`:
a closed list of titles, with the body that holds them, 市委书记 or 市纪委书记, and 副 when asked) are therefore
looked up in the whole article — title and text, in Simplified; a place with or without its administrative
suffix (上海市 or 上海), an office as written and not only as a deputy's (区长 is not found in 副区长) — and a
span from an article lacking one is not an answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

from rag.extract.entities import ADMIN, mentions
from rag.extract.evidence import index_cache
from rag.extract.qtype import pos_tags
from rag.index import Index
from rag.ingest.scripts import to_simplified

__all__ = ["about_another_place", "asked_offices", "asked_places", "keep_naming", "names_all"]


class _FromArticle(Protocol):
    @property
    def article_id(self) -> str: ...


T = TypeVar("T", bound=_FromArticle)


_OF_PLACE = re.compile(r"(?P<place>.{2,}?[省市县区])(?:委|政府|人大|政协|纪委)")  # 上海市委 -> 上海市


def asked_places(question: str) -> list[str]:
    """The proper places ``question`` (Simplified) names, also inside an organisation's name (上海市委)."""
    out = []
    for m in mentions(question, pos_tags(question)):
        if m.kind == "place" and m.proper:
            out.append(m.text)
        elif m.kind == "org" and (of := _OF_PLACE.match(m.text)):
            out.append(of.group("place"))
    return out


_OFFICE = re.compile(
    "(?:省纪委|市纪委|县纪委|区纪委|纪委|省委|市委|县委|区委|州委|党委|党组)?副?"
    "(?:书记|省长|市长|州长|县长|区长|镇长|乡长|主任|部长|厅长|局长|处长|科长|主席|院长|校长|董事长|总经理|经理"
    "|总裁|秘书长|行长|社长|所长)"
)


def asked_offices(question: str) -> list[str]:
    """The offices ``question`` (Simplified) names: 市委书记, 市长, 市委副书记, 局长 (the closed list ``_OFFICE``)."""
    return [m.group() for m in _OFFICE.finditer(question)]


def _holds_office(text: str, office: str) -> bool:
    """Whether ``text`` names ``office``; a title asked without 副 must appear without it (副区长 is not 区长)."""
    if "副" in office:
        return office in text
    return re.search(f"(?<!副){re.escape(office)}", text) is not None


def _forms(place: str) -> tuple[str, ...]:
    if place[-1] in ADMIN and len(place) >= 3:
        return (place, place[:-1])  # 秦皇岛市 or 秦皇岛; 郑州市 or 郑州
    return (place,)


def names_all(
    index: Index, article_ids: Sequence[str], places: Sequence[str], offices: Sequence[str] = ()
) -> set[str]:
    """Those of ``article_ids`` that name each of ``places`` (in one of its forms) and each of ``offices`` in
    their title or text."""
    texts = index_cache(index).simplified
    out = set()
    for article_id in set(article_ids):
        text = texts.get(article_id)
        if text is None:  # converted once per article and index
            article = index.articles[article_id]
            text = texts[article_id] = to_simplified(f"{article.title}\n{article.subtitle}\n{article.text}")
        if all(any(form in text for form in _forms(p)) for p in places) and all(
            _holds_office(text, o) for o in offices
        ):
            out.add(article_id)
    return out


_RANK = {"省": 1, "市": 2, "州": 2, "": 2, "区": 3, "县": 3, "旗": 3, "镇": 4, "乡": 4}


def _rank(level: str) -> int:
    return _RANK.get(level, 2)


def about_another_place(sentence: str, places: Sequence[str]) -> bool:
    """Whether ``sentence`` (Simplified) is about another place than ``places``: it names none of them (in any
    form) but names another proper place of their level (兰州市 for 北京, 滨州 for 长沙). A place below theirs
    (九合镇 in a 兰州 article, 北戴河区 for 秦皇岛) may lie inside them, one above (湖南省, 中国) may hold them:
    neither counts."""
    levels = [m.level for p in places for m in mentions(p, pos_tags(p))[:1] if m.level]
    if not levels or any(form in sentence for p in places for form in _forms(p)):
        return (
            False  # a place of unknown level (德龙 of 德龙烟铁路, 中国) is not checked sentence by sentence
        )
    asked = min(_rank(level) for level in levels)
    return any(
        m.kind == "place" and m.proper and m.level and _rank(m.level) == asked
        for m in mentions(sentence, pos_tags(sentence))
    )


class _Span(_FromArticle, Protocol):
    @property
    def sentence(self) -> tuple[int, int]: ...

    @property
    def window(self) -> Any: ...


S = TypeVar("S", bound=_Span)


def keep_naming(index: Index, question: str, found: Sequence[S]) -> list[S]:
    """The spans of ``found`` from articles naming every place and office ``question`` (Simplified) names,
    whose own sentence is not :func:`about_another_place` (a heading or byline is about the whole article);
    all of them when it names none."""
    places, offices = asked_places(question), asked_offices(question)
    if not places and not offices:
        return list(found)
    naming = names_all(index, [f.article_id for f in found], places, offices)
    kept = []
    for f in found:
        if f.article_id not in naming:
            continue
        if places and f.window.sentences[0].order >= 0:
            start, end = f.sentence
            if about_another_place(to_simplified(index.articles[f.article_id].text[start:end]), places):
                continue
        kept.append(f)
    return kept
