"""benchmarks/reader_gold.py's tune/report split: whole articles, disjoint, a fifth for choices."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def reader_gold(benchmark_module):  # type: ignore[no-untyped-def]
    return benchmark_module("reader_gold")


def test_tune_and_report_split_the_articles_a_fifth_to_four_fifths(reader_gold) -> None:
    groups = [f"cmrc2018_dev.json/article {i}" for i in range(2000)]
    tune = {g for g in groups if reader_gold.in_split(g, "tune")}
    report = {g for g in groups if reader_gold.in_split(g, "report")}
    assert not tune & report and tune | report == set(groups)
    assert all(reader_gold.in_split(g, "all") for g in groups)
    assert 0.17 < len(tune) / len(groups) < 0.23
    assert tune == {g for g in groups if reader_gold.in_split(g, "tune")}  # stable: a hash, not a draw
