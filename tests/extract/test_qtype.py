from __future__ import annotations

import pytest

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


def test_entity_kinds_for_follow_ups():
    assert entity_kind("秦皇岛", "nr") == "place"  # a city the tagger calls a name is a place
    assert entity_kind("宝鸡") == "place"  # 宝鸡市 is a place in the dictionary
    assert entity_kind("2019年") == "date"
    assert entity_kind("中国人民银行") == "org"
    assert date_spans("3月20日，随着包头市委印发实施方案") == [(0, 5)]
