"""Which articles can answer a question: those that name every place the question names.

The reader judges a span against the few sentences it reads; it cannot know that 上海市委书记是谁？ asks about
another city than the 宝鸡 article it was shown (its windows look the same: 市委书记 + a name). The places a
question names (:func:`rag.extract.entities.mentions`: proper places only, not 全省 or 各市) are therefore
looked up in the whole article — title and text, in Simplified, with or without the administrative suffix
(上海市 or 上海) — and a span from an article lacking one is not an answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol, TypeVar

from rag.extract.entities import ADMIN, mentions
from rag.extract.evidence import index_cache
from rag.extract.qtype import pos_tags
from rag.index import Index
from rag.ingest.scripts import to_simplified

__all__ = ["asked_places", "keep_naming", "names_all"]


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


def _forms(place: str) -> tuple[str, ...]:
    if place[-1] in ADMIN and len(place) >= 3:
        return (place, place[:-1])  # 秦皇岛市 or 秦皇岛; 郑州市 or 郑州
    return (place,)


def names_all(index: Index, article_ids: Sequence[str], places: Sequence[str]) -> set[str]:
    """Those of ``article_ids`` that name each of ``places`` (in one of its forms) in their title or text."""
    texts = index_cache(index).simplified
    out = set()
    for article_id in set(article_ids):
        text = texts.get(article_id)
        if text is None:  # converted once per article and index
            article = index.articles[article_id]
            text = texts[article_id] = to_simplified(f"{article.title}\n{article.subtitle}\n{article.text}")
        if all(any(form in text for form in _forms(p)) for p in places):
            out.add(article_id)
    return out


def keep_naming(index: Index, question: str, found: Sequence[T]) -> list[T]:
    """The spans of ``found`` (anything with an ``article_id``) from articles naming every place ``question``
    (Simplified) names; all of them when it names none."""
    places = asked_places(question)
    if not places:
        return list(found)
    naming = names_all(index, [f.article_id for f in found], places)
    return [f for f in found if f.article_id in naming]
