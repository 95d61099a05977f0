"""Synthetic news-statistics questions: each answer is the slot the question asks for."""

from __future__ import annotations

import re

from rag.reader.news import news_examples

UNITS = ("亿元", "元", "亿美元", "万吨", "万人次", "亿千瓦时")


def _kind(question: str) -> str:
    if re.search(r"第几|排名", question):
        return "rank"
    if "百分点" in question or re.search(r"高于.*多少|比.*[高快]", question):
        return "gap"
    if re.search(r"增长|增速|增幅|下降|降幅", question):
        return "rate"
    return "amount"


def test_every_answer_is_the_slot_asked_for() -> None:
    # offsets, the unanswerable share, seeding and the seeds' places: tests/reader/test_synthetic.py
    answerable = [e for e in news_examples(600, seed=13) if e.answerable]
    seen = set()
    for e in answerable:
        answer = e.context[e.answer_start : e.answer_end]
        kind = _kind(e.question)
        seen.add(kind)
        if kind == "rate":
            assert re.fullmatch(r"\d+\.\d%", answer), (e.question, answer)
        elif kind == "rank":
            assert re.fullmatch(r"第\d+位?", answer), (e.question, answer)
        elif kind == "gap":
            assert re.fullmatch(r"\d+\.\d(个百分点)?", answer), (e.question, answer)
        else:
            assert answer.endswith(UNITS) and answer[0].isdigit(), (e.question, answer)
    assert seen == {"rate", "rank", "gap", "amount"}
    # a rate question is asked of a paragraph that also prints the amount beside it: the confusion it teaches
    assert any(_kind(e.question) == "rate" and re.search(r"\d(亿元|元|万吨)", e.context) for e in answerable)


def test_a_paired_gap_answers_the_scope_asked() -> None:
    """分别高于全国、全省4.3和2.0个百分点: 全国's gap is 4.3 (the unit is printed once), 全省's 2.0个百分点."""
    pairs = 0
    for e in news_examples(1500, seed=13):
        if not e.answerable or _kind(e.question) != "gap":
            continue
        m = re.search(
            r"分别(?:高于|高出|快于)(全\w)、(全\w)(\d+\.\d)和(\d+\.\d个百分点)", e.context[: e.answer_end + 5]
        )
        if m is None or e.answer_start not in (m.start(3), m.start(4)):
            continue
        pairs += 1
        first = e.answer_start == m.start(3)
        assert e.context[e.answer_start : e.answer_end] == m.group(3 if first else 4)
        assert m.group(1 if first else 2) in e.question and m.group(2 if first else 1) not in e.question
    assert pairs >= 10
