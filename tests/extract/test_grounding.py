"""Answers only from articles that name the places and offices a question names (rag.extract.grounding)."""

from __future__ import annotations

import pytest

from rag.embed import FakeEmbedder
from rag.extract import ReadParams, answer_from
from rag.extract.grounding import about_another_place, asked_offices, asked_places, names_all
from rag.index import BuildOptions, index_articles, load_index
from rag.ingest.article import parse_article
from rag.reader import FakeReader

CHUNKS = ReadParams(unit="chunks")
BAOJI = "宝鸡市聚焦问题整改\n领导带头落实整改责任，市委书记上官吉庆3次主持召开交办会，常务副市长王强出席。\n"
QINHUANGDAO = "訪秦皇島市委書記朱政學\n朱政學:1-9月,全市固定資產投資同比增長3.2%。\n"  # Traditional


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    articles = [
        parse_article(BAOJI, article_id="baoji", source="baoji.txt"),
        parse_article(QINHUANGDAO, article_id="qinhuangdao", source="qinhuangdao.txt"),
    ]
    directory = tmp_path_factory.mktemp("grounding") / "idx"
    index_articles(articles, directory, BuildOptions(embedder=FakeEmbedder(dim=32)))
    return load_index(directory, embedder=FakeEmbedder(dim=32))


@pytest.mark.parametrize(
    ("question", "places"),
    [
        ("上海市委书记是谁？", ["上海市"]),  # inside an organisation's name
        ("北京今年的GDP增长了多少？", ["北京"]),
        ("秦皇岛市委书记是谁？", ["秦皇岛"]),
        ("全省各市的增长是多少？", []),  # generic places ask about no one place
        ("市委书记是谁？", []),
    ],
)
def test_the_places_a_question_names(question, places):
    assert asked_places(question) == places


def test_an_article_names_a_place_with_or_without_its_suffix_in_either_script(index):
    assert names_all(index, ["baoji", "qinhuangdao"], ["宝鸡市"]) == {"baoji"}
    assert names_all(index, ["baoji", "qinhuangdao"], ["秦皇岛市"]) == {"qinhuangdao"}  # 秦皇島 in the text
    assert names_all(index, ["baoji", "qinhuangdao"], ["上海市"]) == set()


def test_another_citys_question_is_not_answered_from_this_citys_article(index):
    reader = FakeReader({"上海市委书记是谁？": ["上官吉庆"], "宝鸡市委书记是谁？": ["上官吉庆"]})
    shanghai = answer_from(index, "上海市委书记是谁？", reader=reader, params=CHUNKS)
    assert not shanghai.found and shanghai.closest  # the passage is offered, not quoted as the answer
    baoji = answer_from(index, "宝鸡市委书记是谁？", reader=reader, params=CHUNKS)
    assert baoji.found and baoji.answer == "上官吉庆"
    ungrounded = answer_from(
        index, "上海市委书记是谁？", reader=reader, params=ReadParams(unit="chunks", grounded=False)
    )
    assert ungrounded.found and ungrounded.answer == "上官吉庆"  # what the reader alone would say


@pytest.mark.parametrize(
    ("question", "offices"),
    [
        ("宝鸡市委书记是谁？", ["市委书记"]),
        ("秦皇岛市长是谁？", ["市长"]),
        ("秦皇岛市委副书记是谁？", ["市委副书记"]),
        ("成都市纪委书记是谁？", ["市纪委书记"]),
        ("上官吉庆主持召开了几次交办会？", []),
    ],
)
def test_the_offices_a_question_names(question, offices):
    assert asked_offices(question) == offices


def test_an_article_holds_an_office_as_asked_and_not_only_as_a_deputys(index):
    both = ["baoji", "qinhuangdao"]
    assert names_all(index, both, [], ["市委书记"]) == {"baoji", "qinhuangdao"}  # 市委書記 in Traditional
    assert names_all(index, both, [], ["副市长"]) == {"baoji"}
    assert names_all(index, both, [], ["市长"]) == set()  # only 副市长 is named: not the mayor
    assert names_all(index, both, ["宝鸡"], ["市委副书记"]) == set()


def test_another_office_is_not_answered_from_an_article_that_names_only_the_secretary(index):
    reader = FakeReader({"宝鸡市长是谁？": ["上官吉庆"], "宝鸡市委书记是谁？": ["上官吉庆"]})
    mayor = answer_from(index, "宝鸡市长是谁？", reader=reader, params=CHUNKS)
    assert not mayor.found and mayor.closest
    assert answer_from(index, "宝鸡市委书记是谁？", reader=reader, params=CHUNKS).answer == "上官吉庆"


@pytest.mark.parametrize(
    ("sentence", "places", "another"),
    [
        ("今年上半年,兰州市实现生产总值926.18亿元,增长8.6%。", ["北京"], True),  # another city
        (
            "巩洪波 山东省滨州市委常委,市纪委书记、监委主任",
            ["湖南", "长沙"],
            True,
        ),  # another province and city
        ("陈 刚 湖南省长沙市委常委,市纪委书记、监委主任", ["湖南", "长沙"], False),  # names the one asked
        ("位于九合镇的建筑垃圾资源化项目总投资2.58亿元。", ["兰州"], False),  # a town: may lie inside 兰州
        ("1-9月,全市固定资产投资同比增长3.2%。", ["秦皇岛"], False),  # names no place: about the article's
        ("铁路从山东省西北部的德州市始发。", ["德龙"], False),  # a "place" of unknown level is not checked
    ],
)
def test_a_sentence_about_another_place(sentence, places, another):
    assert about_another_place(sentence, places) is another


def test_a_span_whose_sentence_is_about_another_city_is_not_an_answer(tmp_path):
    text = (
        "兰州市狠抓落实\n兰州市主要领导多次上北京调研。\n今年上半年,兰州市实现生产总值926.18亿元,增长8.6%。\n"
    )
    directory = tmp_path / "idx"
    index_articles(
        [parse_article(text, article_id="lz", source="lz.txt")],
        directory,
        BuildOptions(embedder=FakeEmbedder(dim=32)),
    )
    idx = load_index(directory, embedder=FakeEmbedder(dim=32))
    reader = FakeReader({"北京今年的GDP增长了多少？": ["8.6%"], "兰州今年的GDP增长了多少？": ["8.6%"]})
    assert not answer_from(idx, "北京今年的GDP增长了多少？", reader=reader, params=CHUNKS).found
    assert answer_from(idx, "兰州今年的GDP增长了多少？", reader=reader, params=CHUNKS).answer == "8.6%"
