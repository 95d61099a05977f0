"""Hostile questions through ``answer_from`` (README, "Bad input, faults and load"): refused clearly, cut to
500 characters, cleaned, and answered fast."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from robust_cases import LONG, NO_WORDS, QUESTIONS, REFUSED, TIME_LIMIT, TRUNCATED_NOTE, expected_text

from rag.app.render_text import format_answer
from rag.errors import BadQuestionError
from rag.extract import answer_from
from rag.index import load_index
from rag.search import MAX_QUESTION_CHARS, retrieve_from


@pytest.fixture(scope="module")
def index(fake_seed_index: Path) -> Any:
    return load_index(fake_seed_index)


@pytest.mark.parametrize("case", QUESTIONS, ids=[q[0] for q in QUESTIONS])
def test_question_through_answer_from(index: Any, case: tuple[str, str, str | None]) -> None:
    name, question, _ = case
    started = time.monotonic()
    if name in REFUSED | NO_WORDS:
        why = "is empty" if name in REFUSED else "has no words, only punctuation, symbols or emoji"
        with pytest.raises(BadQuestionError, match=f"the question {why}; type a question"):
            answer_from(index, question)
        assert time.monotonic() - started < 1.0  # refused before any model work
        return
    answer = answer_from(index, question)
    assert time.monotonic() - started < TIME_LIMIT
    assert answer.question == expected_text(case)
    assert answer.notice == (TRUNCATED_NOTE if name == "100000-chars" else "")
    if not answer.found:  # a refusal offers the closest passages
        assert answer.closest and "没有找到能回答这个问题的内容" in format_answer(answer)
    assert {h.truncated for h in retrieve_from(index, question, 3)} == {name == "100000-chars"}


def test_follow_up_reads_at_most_the_cut_of_an_earlier_question(
    index: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rag.extract.followup

    seen: list[int] = []
    real = rag.extract.followup.pos_tags

    def spy(text: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(len(text))
        return real(text[:MAX_QUESTION_CHARS], *args, **kwargs)  # cut here so that the test stays fast

    monkeypatch.setattr(rag.extract.followup, "pos_tags", spy)
    long = LONG[: 4 * MAX_QUESTION_CHARS]
    answer = answer_from(index, "那包头呢？", history=[(long, "上官吉庆"), long])
    assert answer.question == "那包头呢？"
    assert seen and max(seen) <= MAX_QUESTION_CHARS
