from __future__ import annotations

import pytest

from rag.extract.followup import Resolution, history_turns, resolve_followup
from rag.types import Answer


@pytest.mark.parametrize(
    ("question", "history", "resolved", "rule"),
    [
        # substitution: a place for a place (秦皇岛 is tagged as a name by jieba, but 秦皇岛市 is a place)
        ("那宝鸡呢？", ["秦皇岛市委书记是谁？"], "宝鸡市委书记是谁？", "substitution"),
        ("那兰州市呢？", ["秦皇岛市委书记是谁？"], "兰州市委书记是谁？", "substitution"),  # no 市市
        ("兰州呢", ["宝鸡市委书记是谁？"], "兰州市委书记是谁？", "substitution"),
        # a date for a date
        ("那2019年呢？", ["包头市2020年GDP是多少？"], "包头市2019年GDP是多少？", "substitution"),
        ("上半年呢？", ["兰州市1-9月生产总值是多少？"], "兰州市上半年生产总值是多少？", "substitution"),
        # not an entity: the noun the previous question asked about
        (
            "固定资产投资呢？",
            ["兰州市上半年生产总值是多少？"],
            "兰州市上半年固定资产投资是多少？",
            "substitution",
        ),
        # pronouns
        (
            "它的固定资产投资增长了多少？",
            ["兰州市上半年生产总值是多少？"],
            "兰州市的固定资产投资增长了多少？",
            "pronoun",
        ),
        ("该市经济增长了多少？", ["宝鸡市委书记是谁？"], "宝鸡市经济增长了多少？", "pronoun"),
        ("该市经济增长了多少？", ["宝鸡委书记是谁？"], "宝鸡市经济增长了多少？", "pronoun"),
        # 他 after a 谁 question with its answer: the answer
        (
            "他主持了几次交办会？",
            [("宝鸡市委书记是谁？", "上官吉庆")],
            "上官吉庆主持了几次交办会？",
            "pronoun",
        ),
        # left alone
        ("宝鸡市委书记是谁？", ["秦皇岛市委书记是谁？"], "宝鸡市委书记是谁？", ""),
        ("其中有几名干部？", ["九原区做了什么？"], "其中有几名干部？", ""),
        ("那上海呢？", [], "那上海呢？", ""),
    ],
)
def test_resolution(question, history, resolved, rule):
    r = resolve_followup(question, history)
    assert (r.question, r.rule) == (resolved, rule)
    assert r.changed == bool(rule)


def test_traditional_questions_resolve_in_simplified():
    r = resolve_followup("那蘭州呢？", ["寶雞市委書記是誰？"])
    assert r.question == "兰州市委书记是谁？"
    assert r.explain() == "追问：把上一问的“宝鸡”换成“兰州”"


def test_a_chain_keeps_its_topic():
    history = ["秦皇岛市委书记是谁？", "那兰州呢？"]
    r = resolve_followup("那宝鸡呢？", history)
    assert r.question == "宝鸡市委书记是谁？"
    assert (r.replaced, r.by) == ("兰州", "宝鸡")


def test_history_accepts_strings_pairs_and_answers():
    answer = Answer(
        question="那宝鸡呢？", found=True, answer="上官吉庆", resolved_question="宝鸡市委书记是谁？"
    )
    turns = history_turns(["秦皇岛市委书记是谁？", ("q", "a"), answer, ""])
    assert turns == [("秦皇岛市委书记是谁？", ""), ("q", "a"), ("宝鸡市委书记是谁？", "上官吉庆")]
    r = resolve_followup("他主持了几次交办会？", [answer])
    assert r.question == "上官吉庆主持了几次交办会？"
    assert r.explain() == "追问：“他”指上一问的“上官吉庆”"


def test_bad_history_item():
    with pytest.raises(TypeError, match="history items"):
        history_turns([42])


def test_unchanged_resolution_explains_nothing():
    assert Resolution("问题").explain() == ""
    assert resolve_followup("兰州市委书记是谁？").question == "兰州市委书记是谁？"
