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


class _Reader:
    name = "a-reader"

    def __init__(self, files: list) -> None:
        self.training_files = files


def test_a_reader_is_not_measured_on_a_file_it_was_trained_on(reader_gold, tmp_path) -> None:
    from rag.reader.manifest import file_sha256

    seen, unseen = tmp_path / "renamed_train.json", tmp_path / "dev.json"
    seen.write_text('{"data": []}', encoding="utf-8")
    unseen.write_text('{"data": [], "version": "dev"}', encoding="utf-8")
    reader = _Reader([{"name": "train.json", "sha256": file_sha256(seen)}])
    refusal = reader_gold.measured_on_training(reader, [unseen, seen], allowed=False)
    assert "renamed_train.json" in refusal and "--allow-trained" in refusal  # matched by content, not name
    assert reader_gold.measured_on_training(reader, [unseen], allowed=False) == ""
    assert reader_gold.measured_on_training(reader, [seen], allowed=True) == ""
    assert (
        reader_gold.measured_on_training(_Reader([]), [seen], allowed=False) == ""
    )  # a hub model: no record
