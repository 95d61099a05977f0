"""tests/seed_cases.py (benchmarks/seed_questions.py): every accepted answer is in the article a right answer
cites, and the cases are distinct."""

from __future__ import annotations

from pathlib import Path

from seed_cases import SEED_CASES

from rag.ingest.files import ingest
from rag.ingest.scripts import to_simplified

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def test_every_accepted_answer_is_in_the_article_it_must_be_cited_from() -> None:
    texts = {a.id[:3]: to_simplified(f"{a.title}\n{a.text}") for a in ingest([SEEDS]).articles}
    assert len(texts) == 5
    for question, golds, article in SEED_CASES:
        if golds:
            assert article in texts, question
            assert any(to_simplified(g) in texts[article] for g in golds), question
        else:
            assert article == "", question  # refused: no article to cite


def test_the_cases_are_distinct_and_both_kinds_are_there() -> None:
    questions = [q for q, _, _ in SEED_CASES]
    assert len(set(questions)) == len(questions)
    assert sum(1 for _, g, _ in SEED_CASES if g) >= 25 and sum(1 for _, g, _ in SEED_CASES if not g) >= 10
