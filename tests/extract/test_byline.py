"""Who wrote an article and who carried it, answered from its byline (rag.extract.byline)."""

from __future__ import annotations

import pytest

from rag.embed import FakeEmbedder
from rag.extract import ReadParams, answer_from
from rag.extract.byline import asks_byline, byline_span
from rag.index import BuildOptions, index_articles, load_index
from rag.ingest.article import parse_article
from rag.reader import FakeReader

# a Traditional interview whose byline ends the last paragraph, and a Simplified report with a byline line
QINHUANGDAO = (
    "講政治 勇擔當\n——訪秦皇島市委書記朱政學\n"
    "記者:請談談您對作風建設的認識。\n"
    "朱政學:1-9月,全市固定資產投資同比增長3.2%,為全省作出秦皇島的應有貢獻。(河北日報記者郭猛)\n"
)
LANZHOU = "狠抓落实促发展\n甘肃日报记者 侯若志 王小明\n9月的兰州，全市生产总值增长6.1%。\n"
NO_BYLINE = "宝鸡市聚焦问题整改\n市委书记上官吉庆3次主持召开交办会。\n"


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    articles = [
        parse_article(QINHUANGDAO, article_id="qhd", source="qhd.txt"),
        parse_article(LANZHOU, article_id="lz", source="lz.txt"),
        parse_article(NO_BYLINE, article_id="bj", source="bj.txt"),
    ]
    directory = tmp_path_factory.mktemp("byline") / "idx"
    index_articles(articles, directory, BuildOptions(embedder=FakeEmbedder(dim=32)))
    return load_index(directory, embedder=FakeEmbedder(dim=32))


@pytest.mark.parametrize(
    ("question", "ask"),
    [
        ("对朱政学的专访是哪位记者写的？", "author"),
        ("这篇报道的作者叫什么名字？", "author"),
        ("谁写了这篇关于兰州的文章？", "author"),
        ("兰州那篇报道是哪家媒体刊发的？", "outlet"),
        ("这篇文章出自哪份报纸？", "outlet"),
        ("记者问了朱政学什么问题？", None),  # about the story: the reader's
        ("秦皇岛每周在哪份报纸上晾晒一把手的工作？", None),  # a newspaper in the story, not the outlet
        ("谁写了失实检举控告澄清办法？", None),  # wrote something, not the article
        ("秦皇岛市委书记是谁？", None),
    ],
)
def test_which_questions_ask_for_the_byline(question, ask):
    assert asks_byline(question) == ask


def test_the_byline_is_found_where_it_stands_in_the_text(index):
    qhd = index.articles["qhd"]
    (a, b), (lo, hi) = byline_span(qhd, "author")
    assert qhd.text[a:b] == "郭猛" and qhd.text[lo:hi] == "河北日報記者郭猛"  # inside its brackets
    (a, b), _ = byline_span(qhd, "outlet")
    assert qhd.text[a:b] == "河北日報"
    lz = index.articles["lz"]
    (a, b), (lo, hi) = byline_span(lz, "author")
    assert lz.author == "侯若志、王小明"
    assert lz.text[a:b] == "侯若志 王小明" and lz.text[lo:hi] == "甘肃日报记者 侯若志 王小明"  # its line
    assert byline_span(index.articles["bj"], "author") is None


def test_who_wrote_it_is_answered_from_the_byline_with_its_citation(index):
    reader = FakeReader({})  # the reader finds nothing: the answer is the byline's
    answer = answer_from(
        index, "對朱政學的專訪是哪位記者寫的？", reader=reader, params=ReadParams(unit="chunks")
    )
    assert answer.found and answer.answer == "郭猛"
    cite = answer.citations[0]
    article = index.articles[cite.article_id]
    assert cite.article_id == "qhd" and cite.quote == "河北日報記者郭猛"
    assert article.text[cite.start : cite.end] == cite.quote
    assert article.text[cite.answer_start : cite.answer_end] == "郭猛"
    outlet = answer_from(
        index, "兰州那篇报道是哪家媒体刊发的？", reader=reader, params=ReadParams(unit="chunks")
    )
    assert outlet.found and outlet.answer == "甘肃日报" and outlet.citations[0].article_id == "lz"
    assert not outlet.alternatives  # other articles' bylines are not rival answers


def test_a_byline_question_about_an_unindexed_place_is_refused(index):
    answer = answer_from(
        index, "上海那篇报道的记者是谁？", reader=FakeReader({}), params=ReadParams(unit="chunks")
    )
    assert not answer.found
