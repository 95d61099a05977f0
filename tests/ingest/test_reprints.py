"""Reprints grouped across outlets, headlines, light edits, truncation and scripts; conflicting numbers and
other wording never grouped."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import news_fixtures as F

from rag.ingest.article import parse_article
from rag.ingest.meta import Meta
from rag.ingest.reprints import ReprintParams, body_key, find_reprints, numbers_conflict


def test_the_seed_fixture_is_grouped_exactly(seed_articles) -> None:
    articles, gold = F.reprint_corpus(seed_articles)
    found = find_reprints(articles)
    scores = F.pair_scores(found, gold)
    assert scores["precision"] == 1.0 and scores["recall"] == 1.0 and scores["pairs_gold"] == 75
    grouped = {a for g in found for a in g}
    assert not any(a.endswith(("-number", "-reworded")) for a in grouped)
    for group in found:  # the most complete copy is the one searched
        assert not group[0].endswith(("-truncated", "-combined", "-edits"))


def _article(aid: str, body: str, outlet: str = "", day: str = "") -> object:
    return parse_article(
        f"标题{aid}\n{body}", article_id=aid, source=aid, meta=Meta(published=day, outlet=outlet)
    )


BODY = "\n".join(F.STORIES["solar"][1])


def test_a_changed_number_is_another_source_even_through_a_truncated_copy() -> None:
    changed = BODY.replace("12.6亿元", "15.8亿元")
    truncated = "\n".join(BODY.split("\n")[:2])
    groups = find_reprints([_article("a", BODY), _article("b", changed), _article("c", truncated)])
    assert groups == [["a", "c"]] or groups == [["b", "c"]]  # never a and b together
    assert numbers_conflict(body_key(_article("a", BODY)), body_key(_article("b", changed)))
    assert not numbers_conflict(body_key(_article("a", BODY)), body_key(_article("c", truncated)))


def test_the_searched_copy_is_the_longest_then_the_earliest() -> None:
    same = [_article("late", BODY, "乙报", "2023-03-06"), _article("early", BODY, "甲报", "2023-03-05")]
    assert find_reprints(same) == [["early", "late"]]
    short = "\n".join(BODY.split("\n")[:2])
    longer = [_article("short", short, day="2023-01-01"), _article("long", BODY, day="2023-05-01")]
    assert find_reprints(longer) == [["long", "short"]]


def test_short_articles_are_never_grouped() -> None:
    tiny = [_article("x", "星河市举办灯光节。"), _article("y", "星河市举办灯光节。")]
    assert find_reprints(tiny) == []
    assert ReprintParams().to_dict()["containment"] == 0.7
