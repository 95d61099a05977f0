"""Synthetic work-report count questions: each answer is the count asked for, with its measure word, where it stands."""

from __future__ import annotations

import re

from rag.reader.reports import report_examples

# the measure word a question asks by -> the one its answer ends with
ASKED = (
    (r"几个方面", "个"),
    (r"[多少几]户", "户"),
    (r"[多少几]项|有几项", "项"),
    (r"[多少几]起", "起"),
    (r"[多少几]个", "个"),
    (r"[多少几]名干部|几名.*干部", "名"),
)


def _word(question: str) -> str | None:
    for pattern, word in ASKED:
        if re.search(pattern, question):
            return word
    return None


def test_every_answer_is_the_count_asked_for_with_its_measure_word() -> None:
    examples = report_examples(600, seed=13)
    assert len(examples) == 600
    answerable = [e for e in examples if e.answerable]
    assert 0.65 < len(answerable) / len(examples) < 0.85  # about a quarter unanswerable
    words = set()
    for e in answerable:
        answer = e.context[e.answer_start : e.answer_end]
        assert e.answers == (answer,)
        assert re.fullmatch(r"\d+[户人个项起名]", answer), (e.question, answer)
        word = _word(e.question)
        if word is not None:
            assert answer.endswith(word), (e.question, answer)
            words.add(word)
    assert words == {"个", "户", "项", "起", "名"}
    # the confusions they teach: the enumeration before 等N项, the people after the households
    assert any(
        re.search(r"、[^、，。；]+等" + re.escape(e.context[e.answer_start : e.answer_end]), e.context)
        for e in answerable
    )
    assert any(
        e.context[e.answer_end : e.answer_end + 1] == "、" and e.context[e.answer_end - 1] == "户"
        for e in answerable
    )


def test_unanswerable_questions_carry_no_answer_and_examples_are_seeded() -> None:
    examples = report_examples(300, seed=5)
    unanswerable = [e for e in examples if not e.answerable]
    assert unanswerable and all(
        e.answer_start == e.answer_end == -1 and e.answers == () for e in unanswerable
    )
    assert report_examples(300, seed=5) == examples
    assert report_examples(300, seed=6) != examples
    # none of the seed articles' places or counted nouns, so the seeds stay a measure of what the reader learnt
    text = "".join(e.context + e.question for e in examples)
    assert not any(
        w in text
        for w in ("兰州", "宝鸡", "秦皇岛", "包头", "滨州", "九原", "低保", "整治重点", "协作机制", "科级")
    )
