from __future__ import annotations

import pytest

from rag.extract.qtype import analyse_question


@pytest.mark.parametrize(
    ("question", "kind", "phrase"),
    [
        ("秦皇岛市委书记是谁？", "person", "谁"),
        ("哪位领导主持了会议？", "person", "哪位领导"),
        ("九原区对几名科级干部进行了岗位调整？", "number", "几名"),  # the unit goes with it
        ("兰州市上半年生产总值是多少？", "number", "多少"),
        ("荷兰数学奥林匹克比赛在2007年有多少人参赛？", "number", "多少人"),
        ("包头市委什么时候印发了实施方案？", "date", "什么时候"),
        ("曾志豪在哪一年加入了大宇资讯？", "date", "哪一年"),
        ("何时开工？", "date", "何时"),
        ("美安的总部设在哪里?", "place", "哪里"),
        ("金关丈夫出身于什么地方？", "place", "什么地方"),
        ("2010年东亚足球锦标赛由哪个机构举办？", "org", "哪个机构"),
        ("《战国无双3》是由哪两个公司合作开发的？", "name", "哪两个公司"),  # with its head noun
        ("虞海燕在什么会议上讲话？", "name", "什么会议"),
        ("为什么说这是他的成名之作？", "reason", "为什么"),
        ("前燕是怎么灭亡的？", "manner", "怎么"),
        ("任何消息都没有", "other", ""),  # 任何 asks nothing
    ],
)
def test_question_phrase_and_kind(question, kind, phrase):
    info = analyse_question(question)
    assert info.kind == kind
    assert question[info.wh_start : info.wh_end] == phrase
    assert (info.wh_start == -1) == (phrase == "")


def test_given_tags_are_used_as_they_are():
    from rag.extract.qtype import pos_tags

    question = "虞海燕在什么会议上讲话？"
    assert analyse_question(question, pos_tags(question)) == analyse_question(question)
