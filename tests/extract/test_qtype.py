from __future__ import annotations

import pytest

from rag.extract.candidates import anchors, candidates, quick_fit, type_fit
from rag.extract.qtype import analyse_question, date_spans, entity_kind


@pytest.mark.parametrize(
    ("question", "kind", "unit"),
    [
        ("秦皇岛市委书记是谁？", "person", ""),
        ("哪位领导主持了会议？", "person", ""),
        ("九原区对几名科级干部进行了岗位调整？", "number", "名"),
        ("兰州市上半年生产总值是多少？", "number", ""),
        ("全市固定资产投资增长了多少？", "number", "%"),
        ("荷兰数学奥林匹克比赛在2007年有多少人参赛？", "number", "人"),
        ("包头市委什么时候印发了实施方案？", "date", ""),
        ("曾志豪在哪一年加入了大宇资讯？", "date", ""),
        ("何时开工？", "date", ""),
        ("美安的总部设在哪里?", "place", ""),
        ("金关丈夫出身于什么地方？", "place", ""),
        ("冈察洛夫是哪一国的小说家？", "place", ""),
        ("2010年东亚足球锦标赛由哪个机构举办？", "org", ""),
        ("《战国无双3》是由哪两个公司合作开发的？", "org", ""),
        ("苏镜宇的原名叫什么？", "name", ""),
        ("为什么说这是他的成名之作？", "reason", ""),
        ("前燕是怎么灭亡的？", "manner", ""),
        ("有任何消息", "other", ""),
    ],
)
def test_question_kinds(question, kind, unit):
    info = analyse_question(question)
    assert (info.kind, info.unit) == (kind, unit)


def test_question_phrase_neighbours_skip_the_head_noun():
    info = analyse_question("《战国无双3》是由哪两个公司合作开发的？")
    assert info.text[info.wh_start : info.wh_end] == "哪两个公司"
    assert info.head == "公司"
    assert info.left[0] == "由" and info.right[0] == "合作开发"


def test_wants_span_only_for_entity_like_questions():
    assert analyse_question("兰州市上半年生产总值是多少？").wants_span
    assert not analyse_question("为什么要整改？").wants_span


def _texts(sentence, question, kind=None):
    info = analyse_question(question)
    return {c.text for c in candidates(sentence, info) if kind is None or c.kind == kind}


def test_number_candidates_keep_units_and_ranges():
    found = _texts(
        "1-9月，全市固定资产投资同比增长3.2%，高于全省平均水平1.5个百分点，实现生产总值926.18亿元",
        "增长了多少？",
    )
    assert {"3.2%", "1.5个百分点", "926.18亿元"} <= found
    assert "1-9月" in _texts("1-9月，全市固定资产投资同比增长3.2%", "什么时候？", "date")


def test_date_candidates():
    assert date_spans("2020年3月20日上午，19世纪，1970年代初期，3－4月") == [
        (0, 12),
        (13, 17),
        (18, 26),
        (27, 31),
    ]
    assert "3月20日" in _texts("3月20日，随着包头市委印发实施方案", "什么时候印发？", "date")


@pytest.mark.parametrize(
    ("sentence", "name"),
    [
        ("领导带头落实整改责任,市委书记上官吉庆3次主持召开交办会", "上官吉庆"),
        ("省委常委、兰州市委书记虞海燕的一席话", "虞海燕"),
        ("——访秦皇岛市委书记朱政学", "朱政学"),
        ("陈 刚 湖南省长沙市委常委,市纪委书记、监委主任", "陈 刚"),
        ("刘光辉 四川省成都市委常委", "刘光辉"),
        ("《长眠不醒》是美国作家雷蒙·钱德勒于1939年出版的小说", "雷蒙·钱德勒"),
    ],
)
def test_person_candidates(sentence, name):
    assert name in _texts(sentence, "谁？", "person")


def test_a_city_tagged_as_a_name_is_a_place():
    assert "秦皇岛" not in _texts("——访秦皇岛市委书记朱政学", "谁？", "person")
    assert entity_kind("秦皇岛", "nr") == "place"
    assert entity_kind("宝鸡") == "place"  # 宝鸡市 is a place in the dictionary
    assert entity_kind("2019年") == "date"
    assert entity_kind("中国人民银行") == "org"


def test_slot_between_the_questions_neighbour_words():
    info = analyse_question("《战国无双3》是由哪两个公司合作开发的？")
    sentence = "《战国无双3》（）是由光荣和ω-force开发的战国无双系列的正统第三续作。"
    assert anchors(sentence, info).lefts  # 由 is found
    texts = {c.text: c for c in candidates(sentence, info)}
    assert "光荣和ω-force" in texts


def test_quoted_names_are_candidates():
    assert "《图雅的婚事》" in _texts(
        "余男凭借《图雅的婚事》在柏林夺得金熊奖", "余男凭哪一部影片夺得金熊奖？"
    )


def test_type_fit_prefers_matching_units():
    info = analyse_question("九原区对几名科级干部进行了调整？")
    by_text = {c.text: c for c in candidates("对9名干部给予调整，对12名副科级干部予以提拔，历时3个月", info)}
    assert type_fit(info, by_text["9名"]) == 1.0
    assert type_fit(info, by_text["3个月"]) < 0.5
    percent = analyse_question("增长了多少？")
    assert (
        type_fit(percent, next(c for c in candidates("增长3.2%，共9名", percent) if c.text == "3.2%")) == 1.0
    )


def test_quick_fit_ignores_numbers_the_question_has():
    info = analyse_question("2020年增长了多少？")
    assert quick_fit("2020年是收官之年", info) < 1.0
    assert quick_fit("2020年增长3.2%", info) == 1.0
    assert quick_fit("任何文字", analyse_question("为什么？")) == 0.0
