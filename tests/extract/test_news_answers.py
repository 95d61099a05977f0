"""Answers over a dated corpus: filters change the answer, a filter matching nothing says so, "latest"
questions are answered from the newest article, citations carry date, URL and the other outlets."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import news_fixtures as F

from rag.app.render_html import answer_markdown, sources_html
from rag.app.render_text import format_answer
from rag.extract import answer_from
from rag.reader import FakeReader

AMOUNTS = ["3012万吨", "3265万吨", "3418万吨"]  # the reader likes the oldest best (margins 10, 9, 8)
LATEST = "秦皇岛港最新的前两个月货物吞吐量是多少？"


@pytest.fixture
def reader() -> FakeReader:
    return FakeReader({F.PORT_QUESTION: AMOUNTS, LATEST: AMOUNTS})


def test_a_question_not_asking_for_the_latest_is_not_reordered(dated_index, reader) -> None:
    answer = answer_from(dated_index, F.PORT_QUESTION, reader=reader)
    assert answer.found and answer.answer == "3012万吨"
    assert (
        answer.citations[0].article_id == "news-port-2021" and answer.citations[0].published == "2021-03-05"
    )


def test_latest_is_answered_from_the_newest_article(dated_index, reader) -> None:
    answer = answer_from(dated_index, LATEST, reader=reader)
    assert answer.answer == "3418万吨"
    cited = answer.citations[0]
    assert (cited.article_id, cited.published, cited.outlet) == ("news-port-2023", "2023-03-04", "中国新闻网")
    assert cited.url == "http://news.example.cn/2023/port2.html"
    assert list(cited.also) == [
        {"article_id": "news-port-2023-sina", "outlet": "新浪网", "published": "2023-03-05",
         "url": "http://news.sina.example/port.html"}
    ]  # fmt: skip
    alternatives = {a.answer for a in answer.alternatives}
    assert alternatives and alternatives <= {"3012万吨", "3265万吨"}  # older figures, shown as alternatives
    assert answer.to_dict()["citations"][0]["also"][0]["outlet"] == "新浪网"


@pytest.mark.parametrize(
    ("filters", "expected", "article"),
    [
        ({"since": "2022-01-01", "until": "2022-12-31"}, "3265万吨", "news-port-2022"),
        ({"outlets": ["中国新闻网"]}, "3418万吨", "news-port-2023"),
        ({"outlets": "新浪网"}, "3418万吨", "news-port-2023-sina"),
    ],
)
def test_a_filter_changes_the_answer(dated_index, reader, filters, expected, article) -> None:
    answer = answer_from(dated_index, F.PORT_QUESTION, reader=reader, **filters)
    assert answer.answer == expected and answer.citations[0].article_id == article
    assert answer.filters["articles"] >= 1 and answer.filters["since"] == filters.get("since", "")


def test_a_filter_matching_nothing_says_so(dated_index, reader) -> None:
    answer = answer_from(dated_index, F.PORT_QUESTION, reader=reader, since="2030-01-01", outlets=["新华网"])
    assert not answer.found and answer.closest == () and answer.citations == ()
    assert answer.notice == "筛选条件（2030-01-01至今，新华网）没有匹配任何文章"
    assert answer.filters == {"since": "2030-01-01", "until": "", "outlets": ["新华网"], "articles": 0}
    assert "没有匹配任何文章" in format_answer(answer) and "没有匹配任何文章" in answer_markdown(answer)


def test_renderings_say_where_and_when(dated_index, reader) -> None:
    answer = answer_from(dated_index, LATEST, reader=reader)
    text = format_answer(answer)
    assert "据《中国新闻网》2023-03-04报道" in text
    assert "今年（2023年）前两个月" in text  # the relative date, with the article's date beside it
    assert "同时刊载：新浪网 2023-03-05 http://news.sina.example/port.html" in text
    markdown = answer_markdown(answer)
    assert "据《中国新闻网》2023\\-03\\-04报道" in markdown
    panel = sources_html(answer, dated_index.articles)
    assert "中国新闻网 · 2023-03-04 · 第 1 段" in panel
    assert '<a class="rag-url" href="http://news.example.cn/2023/port2.html"' in panel
    assert "同时刊载：<ul><li>新浪网 2023-03-05" in panel


def test_the_public_functions_take_the_filters(dated_index, reader) -> None:
    import rag

    hits = rag.retrieve(
        F.PORT_QUESTION, k=5, since="2022", until="2022-12", outlets="人民日報", index=dated_index
    )
    assert [h.article_id for h in hits] == ["news-port-2022"]  # the one article the filter lets through
    assert (hits[0].published, hits[0].outlet) == ("2022-03-06", "人民日报")
    assert rag.retrieve(F.PORT_QUESTION, since="2030", index=dated_index) == []
    answer = rag.answer(F.PORT_QUESTION, index=dated_index, reader=reader, outlets=["新浪网"])
    assert answer.answer == "3418万吨" and answer.citations[0].article_id == "news-port-2023-sina"
    assert answer.filters["outlets"] == ["新浪网"]
