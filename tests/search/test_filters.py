"""Date and outlet filters applied inside the search, reprints searched once, "latest" questions."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import news_fixtures as F

from rag.errors import BadFilterError
from rag.search import make_filter, retrieve_from


def ids(hits) -> list[str]:  # type: ignore[no-untyped-def]
    return [h.article_id for h in hits]


def test_the_reprint_is_grouped_and_the_yearly_reports_are_not(dated_index) -> None:
    assert dated_index.groups == [["news-port-2023", "news-port-2023-sina"]]
    assert [a.id for a in dated_index.also("news-port-2023")] == ["news-port-2023-sina"]


def test_without_a_filter_one_copy_of_a_reprint_is_searched(dated_index) -> None:
    found = ids(retrieve_from(dated_index, F.PORT_QUESTION, k=10))
    assert "news-port-2023" in found and "news-port-2023-sina" not in found
    assert {"news-port-2021", "news-port-2022"} <= set(found)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"since": "2022-01-01", "until": "2022-12-31"}, "news-port-2022"),
        ({"since": "2022", "until": "2022"}, "news-port-2022"),
        ({"until": "2021-12"}, "news-port-2021"),
        ({"outlets": ["新华网"]}, "news-port-2021"),
        ({"outlets": "中国新闻网"}, "news-port-2023"),
        ({"outlets": ["新浪网"]}, "news-port-2023-sina"),  # the copy stands in when only it passes
        ({"since": "2023-03-05"}, "news-port-2023-sina"),
    ],
)
def test_a_filter_changes_which_article_answers(dated_index, filters, expected) -> None:
    hits = retrieve_from(dated_index, F.PORT_QUESTION, k=5, **filters)
    assert hits and hits[0].article_id == expected
    flt = make_filter(filters.get("since"), filters.get("until"), filters.get("outlets"))
    for h in hits:  # every hit passes the filter
        assert flt.accepts(dated_index.articles[h.article_id])
    assert hits[0].published == dated_index.articles[expected].published
    assert hits[0].outlet == dated_index.articles[expected].outlet


def test_k_hits_come_back_after_filtering(dated_index) -> None:
    hits = retrieve_from(dated_index, "秦皇岛港吞吐量", k=3, outlets=["光明日报", "新华网", "人民日报"])
    assert len(hits) == 3
    assert {dated_index.articles[h.article_id].outlet for h in hits} <= {"光明日报", "新华网", "人民日报"}


def test_a_filter_matching_nothing_returns_nothing(dated_index) -> None:
    assert retrieve_from(dated_index, F.PORT_QUESTION, since="2030-01-01") == []
    assert retrieve_from(dated_index, F.PORT_QUESTION, outlets=["不存在的报社"]) == []


def test_undated_articles_never_pass_a_date_filter(dated_index) -> None:
    flt = make_filter("1900", "2100")
    undated = [a for a in dated_index.articles.values() if not a.published]
    assert not undated or not any(flt.accepts(a) for a in undated)
    assert flt.accepts(dated_index.articles["news-port-2021"])


@pytest.mark.parametrize(
    ("since", "until"), [("yesterday", None), ("2023-13-01", None), ("2023-02-30", None), ("2023", "2022")]
)
def test_bad_dates_are_refused(dated_index, since, until) -> None:
    with pytest.raises(BadFilterError) as info:
        retrieve_from(dated_index, F.PORT_QUESTION, since=since, until=until)
    assert info.value.code in ("bad_date", "bad_date_range")


def test_outlet_names_match_across_scripts_and_inside_longer_names() -> None:
    from rag.types import Article

    people = Article("a", "t", "x", "s", outlet="人民網－人民日報")
    assert make_filter(outlets="人民日报").accepts(people)
    assert make_filter(outlets=" 人民網 ").accepts(people)
    assert not make_filter(outlets="新华网").accepts(people)
    assert make_filter(outlets="新华网，人民日报").outlets == ("新华网", "人民日报")


def test_latest_question_puts_the_newest_close_hit_first(dated_index) -> None:
    plain = retrieve_from(dated_index, F.PORT_QUESTION, k=3)
    latest = retrieve_from(dated_index, "秦皇岛港最新的前两个月货物吞吐量是多少？", k=3)
    dates = [h.published for h in latest]
    assert dates[0] == "2023-03-04"
    # a question that does not ask for the latest keeps the order of its scores
    assert [h.score for h in plain] == sorted((h.score for h in plain), reverse=True)


def test_selection_positions_are_the_allowed_chunks(dated_index) -> None:
    from rag.search import select

    selection = select(dated_index.filter_table, make_filter(outlets=["人民日报"]))
    assert selection.positions is not None and selection.articles == 1
    assert {dated_index.chunks[int(p)].article_id for p in selection.positions} == {"news-port-2022"}
    assert 'outlet in ["人民日报"]' in selection.expression and "canonical == true" in selection.expression
    assert np.all(np.diff(selection.positions) > 0)
