"""Questions about an article rather than its story: who wrote it (记者, 作者) and who published it (哪家媒体).

Their answer is the article's byline, which ingestion already read (:attr:`~rag.types.Article.author`,
:attr:`~rag.types.Article.outlet`, see :func:`rag.ingest.parse_byline`); the reader seldom gets to read it, as a
byline is the tail of a last paragraph (``…应有贡献。(河北日报记者郭猛)``) or a line under the headline, which no
question's words resemble. So such a question is answered from the best retrieved article that has the byline,
quoting the byline where it stands in the text (offsets into ``Article.text`` as for any span).

Only questions that ask *who* wrote it (谁, 哪位, 名字) or *which* outlet carried the article (哪家媒体 with
报道, 刊发, 这篇…) take this route: 记者问了什么 and 秦皇岛每周在哪份报纸上晾晒… stay with the reader.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from rag.extract.assemble import Found
from rag.extract.passages import Sentence, Window
from rag.index import Index
from rag.ingest.scripts import matching_view
from rag.search import Hit
from rag.types import Article

__all__ = ["BylineAsk", "asks_byline", "byline_found", "byline_span"]

BylineAsk = Literal["author", "outlet"]

_WRITER = re.compile(r"记者|作者|撰稿人|执笔|笔者")
_WROTE = re.compile(r"撰写|采写|写的|谁写|写了")
_WHO = re.compile(r"谁|哪位|哪一位|哪几位|哪些人|名字|姓名|叫什么")
_OUTLET = re.compile(r"(?:哪家|哪一家|哪个|哪份|什么)(?:媒体|报纸|报社|网站|平台|刊物|新闻机构|通讯社)")
_ARTICLE = re.compile(
    r"这篇|该文|本文|此文|文章|报道|专访|采访|稿件|新闻|刊登|刊发|发表|登载|发布|出自|来源|供稿"
)
_BYLINE_MAX = 45  # characters: a byline is short (as rag.ingest reads them)
_OPEN, _CLOSE = "(（", ")）"


def asks_byline(question: str) -> BylineAsk | None:
    """``"author"`` for 这篇报道的记者是谁？, ``"outlet"`` for 这篇文章是哪家媒体刊发的？, else None
    (``question`` in Simplified)."""
    if _WHO.search(question) and (
        _WRITER.search(question) or (_WROTE.search(question) and _ARTICLE.search(question))
    ):
        return "author"
    if _OUTLET.search(question) and _ARTICLE.search(question):
        return "outlet"
    return None


def _fragment(text: str, at: int) -> tuple[int, int] | None:
    """The byline around offset ``at``: the inside of its brackets, or its whole line; None when longer
    than a byline."""
    line_start = text.rfind("\n", 0, at) + 1
    line_end = text.find("\n", at)
    line_end = len(text) if line_end < 0 else line_end
    opened = max(text.rfind(c, line_start, at) for c in _OPEN)
    if opened >= 0 and not any(c in text[opened:at] for c in _CLOSE):
        ends = [i for c in _CLOSE if (i := text.find(c, at, line_end)) >= 0]
        if ends and min(ends) - opened - 1 <= _BYLINE_MAX:
            return opened + 1, min(ends)
    if line_end - line_start <= _BYLINE_MAX:
        return line_start, line_end
    return None


def byline_span(article: Article, ask: BylineAsk) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """(answer span, byline span) in ``article.text``: the reporters' names or the outlet, inside the byline
    that names them; None when the article has no such byline."""
    text = article.text
    names = [n for n in article.author.split("、") if n]
    anchor = names[0] if names else article.outlet
    if not anchor or (ask == "outlet" and not article.outlet):
        return None
    for m in re.finditer(re.escape(anchor), text):
        frag = _fragment(text, m.start())
        if frag is None:
            continue
        lo, hi = frag
        piece = text[lo:hi]
        if not all(n in piece for n in names):
            continue
        if ask == "author":
            a = lo + piece.index(names[0])
            b = lo + piece.rindex(names[-1]) + len(names[-1])
        elif (at := piece.find(article.outlet)) >= 0:
            a, b = lo + at, lo + at + len(article.outlet)
        else:
            return None
        while lo < a and text[lo].isspace():
            lo += 1
        while hi > b and text[hi - 1].isspace():
            hi -= 1
        return (a, b), (lo, hi)
    return None


def byline_found(index: Index, hits: Sequence[Hit], ask: BylineAsk, margin: float) -> list[Found]:
    """For each retrieved article in rank order that has the byline asked for, its answer as a
    :class:`~rag.extract.assemble.Found` with ``margin`` (metadata, not a reader's guess)."""
    out: list[Found] = []
    seen: set[str] = set()
    for rank, hit in enumerate(hits, start=1):
        if hit.article_id in seen:
            continue
        seen.add(hit.article_id)
        article = index.articles[hit.article_id]
        spans = byline_span(article, ask)
        if spans is None:
            continue
        (a, b), (lo, hi) = spans
        view = matching_view(article.text[lo:hi])
        sentence = Sentence(hit, rank, -1, lo, hi, view, 0.0)
        window = Window(hit, (sentence,), lo, hi, view)
        out.append(Found(window, a, b, article.text[a:b], margin, (lo, hi)))
    return out
