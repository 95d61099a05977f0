"""Hostile questions through the chat UI's own handlers and the ``/ask`` API: what the chat shows (README, "Bad
input, faults and load")."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from robust_cases import (
    EMPTY_REPLY,
    LONG,
    MESSAGE_TAGS,
    NO_WORDS,
    NO_WORDS_REPLY,
    PANEL_TAGS,
    QUESTIONS,
    REFUSED,
    TIME_LIMIT,
    TRUNCATED_NOTE,
    chat,
    expected_text,
    handlers,
    tags,
    text_of,
    tree,
)

from rag.app import render_html as R
from rag.index import load_index


@pytest.fixture(scope="module")
def qa(ui_module: Any, fake_seed_index: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Handlers of an app on the (read-only) seed index."""
    return handlers(ui_module, fake_seed_index, tmp_path_factory.mktemp("qa") / "uploads")


@pytest.mark.parametrize("case", QUESTIONS, ids=[q[0] for q in QUESTIONS])
def test_question_in_the_chat(qa: dict[str, Any], case: tuple[str, str, str | None]) -> None:
    name, question, _ = case
    started = time.monotonic()
    (box, history, sources), toasts = chat(qa, question)
    assert time.monotonic() - started < TIME_LIMIT
    if not question.strip():  # nothing typed: a toast, the conversation unchanged
        assert toasts == ["请输入问题。"] and history == []
        return
    assert box == "" and [m["role"] for m in history] == ["user", "assistant"]
    asked, reply = text_of(history[0]), text_of(history[1])
    assert R.md_unescape(asked) == question.strip()  # echoed as typed, as text
    if name in REFUSED | NO_WORDS:
        assert reply == (EMPTY_REPLY if name in REFUSED else NO_WORDS_REPLY)
        return
    assert not reply.startswith("<strong>出错了")
    assert reply.startswith(f"<em>{TRUNCATED_NOTE}</em>") == (name == "100000-chars")
    assert tags(asked) == set() and tags(reply) <= MESSAGE_TAGS  # e.g. no <script>, no <img>
    assert tags(sources) <= PANEL_TAGS and "<script" not in sources.lower()


@pytest.mark.parametrize("case", QUESTIONS, ids=[q[0] for q in QUESTIONS])
def test_question_through_the_ask_api(qa: dict[str, Any], case: tuple[str, str, str | None]) -> None:
    import gradio as gr

    name, question, _ = case
    if name in REFUSED | NO_WORDS:
        with pytest.raises(
            gr.Error, match=(EMPTY_REPLY if name in REFUSED else NO_WORDS_REPLY).split("</strong>")[1]
        ):
            qa["ask"](question)
        return
    started = time.monotonic()
    result = qa["ask"](question, 3)
    assert time.monotonic() - started < TIME_LIMIT
    assert result["question"] == expected_text(case)
    assert result["notice"] == (TRUNCATED_NOTE if name == "100000-chars" else "")
    json.dumps(result)  # plain JSON


def test_follow_up_after_a_100000_character_question_in_the_chat(qa: dict[str, Any]) -> None:
    (_, history, _), _ = chat(qa, LONG)
    assert len(R.md_unescape(text_of(history[0]))) == len(LONG)  # the chat keeps the question as asked
    started = time.monotonic()
    (_, history, _), _ = chat(qa, "那包头呢？", history)
    assert time.monotonic() - started < TIME_LIMIT  # ~8 s when the earlier turn went to the tagger uncut
    assert not text_of(history[-1]).startswith("<strong>出错了")


def test_sql_looking_question_changes_nothing(qa: dict[str, Any], fake_seed_index: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in tree(fake_seed_index) if p.is_file()}
    qa["ask"]("1; DELETE FROM chunks WHERE 1=1; DROP TABLE articles; --")
    qa["retrieve"]("' OR '1'='1' UNION SELECT * FROM manifest --", 5)
    assert {p: p.stat().st_mtime_ns for p in tree(fake_seed_index) if p.is_file()} == before
    assert len(load_index(fake_seed_index).articles) == 5
