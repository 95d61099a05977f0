"""Synthetic work-report count questions: each answer is the count asked for, with its measure word."""

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
    # offsets, the unanswerable share, seeding and the seeds' places: tests/reader/test_synthetic.py
    answerable = [e for e in report_examples(600, seed=13) if e.answerable]
    words = set()
    for e in answerable:
        answer = e.context[e.answer_start : e.answer_end]
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


def test_no_seed_article_counted_noun_is_used() -> None:
    # so the seeds' count questions stay a measure of what the reader learnt (their places: test_synthetic.py)
    text = "".join(e.context + e.question for e in report_examples(300, seed=5))
    assert not any(w in text for w in ("低保", "整治重点", "协作机制", "科级"))
