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


@pytest.mark.parametrize(
    ("question", "previous", "resolved", "explained"),
    [
        # the case: the named city, not 各市
        (
            "那宝鸡呢？",
            "在全省各市的比較中，秦皇島規模以上工業產出的增量名列第幾？",
            "在全省各市的比较中，宝鸡规模以上工业产出的增量名列第几？",
            "追问：把上一问的“秦皇岛”换成“宝鸡”",
        ),
        (
            "全国呢？",
            "宝鸡市经济增长比全省高多少个百分点？",
            "宝鸡市经济增长比全国高多少个百分点？",
            "“全省”换成“全国”",
        ),
        (
            "上半年呢？",
            "兰州市固定资产投资是多少？",
            "兰州市上半年固定资产投资是多少？",
            "在上一问里加上“上半年”",
        ),
        (
            "那宝鸡去年呢？",
            "兰州市上半年生产总值是多少？",
            "宝鸡市去年生产总值是多少？",
            "“兰州市、上半年”换成“宝鸡、去年”",
        ),
        (
            "那九原区住建局局长呢？",
            "包头市发改委重大项目办公室负责人是谁？",
            "九原区住建局局长是谁？",
            "换成“九原区住建局局长”",
        ),
        # an attribute change keeps the entity and the date
        (
            "那它的生产总值呢？",
            "兰州市上半年固定资产投资是多少？",
            "兰州市上半年生产总值是多少？",
            "“固定资产投资”换成“生产总值”",
        ),
    ],
)
def test_substitution_explained(question, previous, resolved, explained):
    r = resolve_followup(question, [previous])
    assert (r.question, r.rule) == (resolved, "substitution")
    assert r.explain().startswith("追问：") and r.explain().endswith(explained)


def test_pronoun_without_an_answer_stands_for_what_was_asked():
    r = resolve_followup("他提出了什么工作导向？", ["秦皇岛市委书记是谁？"])
    assert r.question == "秦皇岛市委书记提出了什么工作导向？"


def test_a_place_pronoun_after_a_where_question_is_its_answer():
    r = resolve_followup("当地的项目总投资多少？", [("兰州市首条建筑垃圾资源化项目在哪个镇？", "九合镇")])
    assert r.question == "九合镇的项目总投资多少？"


def test_a_long_answer_is_not_a_referent():
    sentence = "市委书记上官吉庆3次主持召开交办会，对省委主要领导批转的信访件进行了集中交办。"
    r = resolve_followup("他主持了几次交办会？", [("宝鸡市委书记是谁？", sentence)])
    assert r.question == "宝鸡市委书记主持了几次交办会？"


@pytest.mark.parametrize(
    ("question", "history", "resolved"),
    [
        ("市委书记是谁？", ["秦皇岛1-9月固定资产投资增长了多少？"], "秦皇岛市委书记是谁？"),
        ("增长了多少？", ["兰州市上半年生产总值是多少？"], "兰州市上半年生产总值增长了多少？"),
        ("全市已解决突出问题多少个？", ["宝鸡市委书记是谁？"], "宝鸡市已解决突出问题多少个？"),
        ("那全省排第几？", ["秦皇岛规上工业增加值增长了多少？"], "秦皇岛规上工业增加值全省排第几？"),
        (
            "提拔了多少名副科级干部？",
            ["九原区对多少名科级干部进行了岗位调整？"],
            "九原区提拔了多少名副科级干部？",
        ),
    ],
)
def test_ellipsis_adds_the_previous_subject(question, history, resolved):
    r = resolve_followup(question, history)
    assert (r.question, r.rule) == (resolved, "ellipsis")
    assert r.explain().startswith("追问：接着上一问，补上“")


@pytest.mark.parametrize(
    ("question", "history"),
    [
        ("那我走了", ["兰州市上半年生产总值是多少？"]),  # 那X but X asks about nothing
        ("谢谢", ["兰州市上半年生产总值是多少？"]),
        ("全国经济增长了多少？", ["宝鸡市经济增长了多少？"]),  # another scope, and its own attribute
        ("他们查出了多少条问题？", [("宝鸡市委书记是谁？", "上官吉庆")]),
        ("上海市委书记是谁？", ["兰州市委书记是谁？"]),
    ],
)
def test_left_as_asked(question, history):
    r = resolve_followup(question, history)
    assert (r.question, r.rule, r.explain()) == (question, "", "")
