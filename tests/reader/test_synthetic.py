"""What every synthetic generator (news statistics, work-report counts) promises: each answer is the text at its
offsets, about a quarter of the questions have none, the examples are seeded, name none of the seed articles'
places, and join the training split only."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from rag.reader.data import Example
from rag.reader.news import news_examples
from rag.reader.reports import report_examples
from rag.reader.train import TrainConfig, training_data

GENERATORS: dict[str, Callable[[int, int], list[Example]]] = {
    "news": news_examples,
    "reports": report_examples,
}
SEED_PLACES = ("兰州", "宝鸡", "秦皇岛", "包头", "滨州", "九原")


def _check_answers(examples: list[Example]) -> list[Example]:
    """The answerable examples, after checking each answer is its span and the rest carry none."""
    for e in examples:
        if e.answerable:
            assert e.answers == (e.context[e.answer_start : e.answer_end],)
        else:
            assert e.answer_start == e.answer_end == -1 and e.answers == ()
    return [e for e in examples if e.answerable]


@pytest.mark.parametrize("kind", GENERATORS)
def test_answers_stand_at_their_offsets_and_a_quarter_are_unanswerable(kind: str) -> None:
    examples = GENERATORS[kind](600, 13)
    assert len(examples) == 600
    answerable = _check_answers(examples)
    assert 0.65 < len(answerable) / len(examples) < 0.85  # about a quarter unanswerable


@pytest.mark.parametrize("kind", GENERATORS)
def test_examples_are_seeded_and_name_no_seed_place(kind: str) -> None:
    generate = GENERATORS[kind]
    examples = generate(300, 5)
    assert len(_check_answers(examples)) < len(examples)  # some unanswerable ones, each without an answer
    assert generate(300, 5) == examples
    assert generate(300, 6) != examples
    # none of the seed articles' places, so the seeds stay a measure of what the reader learnt
    text = "".join(e.context + e.question for e in examples)
    assert not any(p in text for p in SEED_PLACES)


@pytest.mark.parametrize("kind", GENERATORS)
def test_training_adds_them_to_the_training_split_only(tiny_squad: Path, kind: str) -> None:
    without = training_data(TrainConfig(train=(str(tiny_squad),), out="", heldout=0.5))
    added = training_data(TrainConfig(train=(str(tiny_squad),), out="", heldout=0.5, **{kind: 30}))
    assert added[kind] == 30 and without[kind] == 0
    assert len(added["train"]) == len(without["train"]) + 30
    assert added["held"] == without["held"]  # calibration and early stopping stay on real questions
