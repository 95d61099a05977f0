from __future__ import annotations

import pytest

from rag.extract.entities import looks_like_name, mentions, place_level
from rag.extract.qtype import pos_tags


def found(text: str) -> list[tuple[str, str, bool, str]]:
    return [(m.text, m.kind, m.proper, m.level) for m in mentions(text, pos_tags(text))]


def test_named_and_generic_places():
    # 秦皇岛 is tagged a person name by jieba and 中 ("in") a locality: neither fools it
    assert found("在全省各市的比较中，秦皇岛规模以上工业产出的增量名列第几？") == [
        ("全省", "place", False, "省"),
        ("各市", "place", False, "市"),
        ("秦皇岛", "place", True, "市"),
    ]


def test_a_place_split_by_the_tagger_is_one_place():
    assert found("九原区对几名科级干部进行了岗位调整？")[0] == ("九原区", "place", True, "区")
    assert found("九原区委组织部部长是谁？")[0] == ("九原", "place", True, "区")  # 区委: a district's


@pytest.mark.parametrize(
    ("word", "tag", "level"),
    [
        ("宝鸡", "n", "市"),  # the dictionary knows 宝鸡市
        ("包头", "v", "市"),  # tagged a verb
        ("秦皇岛", "nr", "市"),  # tagged a name
        ("达茂旗", "nr", "旗"),
        ("成都市", "ns", "市"),
        ("城市", "ns", None),  # jieba's tag, but no place's name
        ("全市", "n", None),  # generic, not a named place
        ("中", "f", None),
    ],
)
def test_place_level(word, tag, level):
    assert place_level(word, tag) == level


def test_names_the_tagger_splits_are_one_person():
    assert found("刘光辉是哪个市的市委常委？")[0] == ("刘光辉", "person", True, "")
    assert [m[0] for m in found("上官吉庆和虞海燕开了会")] == ["上官吉庆", "虞海燕"]


def test_words_tagged_as_names_without_a_surname_are_not_people():
    assert found("同比增加了多少？") == []


def test_dates_and_time_words_adjacent_ones_joined():
    assert found("兰州市今年上半年生产总值是多少？") == [
        ("兰州市", "place", True, "市"),
        ("今年上半年", "date", True, ""),
    ]
    assert [m[:2] for m in found("秦皇岛1-9月固定资产投资增长了多少？")][1] == ("1-9月", "date")
    assert found("3月20日，随着包头市委印发实施方案")[0][:2] == ("3月20日", "date")


def test_organisations_but_not_cadres():
    assert ("组织部", "org", True, "") in found("昆都仑区委组织部抽调了多少名干部？")
    assert all(m[1] != "org" for m in found("刘光辉查处了多少名党员干部？"))


def test_looks_like_name():
    assert looks_like_name("金志强")  # jieba splits it 金志/强
    assert looks_like_name("上官吉庆")
    assert not looks_like_name("高速")  # a surname first, but a dictionary word
    assert not looks_like_name("市长")
