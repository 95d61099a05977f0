"""benchmarks/load.py in its short mode: a few gradio_client sessions against ``python ui.py`` (FakeEmbedder
index, loopback) while an article is uploaded through the page's upload event; plus how requests are judged."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def load(benchmark_module):  # type: ignore[no-untyped-def]
    return benchmark_module("load")


def _answer(question: str, answer: str, article: str, start: int) -> dict:
    cite = {"article_id": article, "start": start, "end": start + 9, "answer_start": None, "answer_end": None}
    return {"question": question, "found": True, "answer": answer, "sentence": answer, "citations": [cite]}


def test_judge_tells_mixed_up_from_wrong_and_stale(load) -> None:
    qa, qb = "甲市书记是谁？", "乙市书记是谁？"
    a, b = _answer(qa, "张三", "000", 10), _answer(qb, "李四", "001", 20)
    before = {qa: load.signature(a), qb: load.signature(b)}
    b_after = _answer(qb, "王五", "new", 0)
    after = {qa: before[qa], qb: load.signature(b_after)}

    def outcome(asked: str, got: dict, sent: float = 1.0) -> str:
        return load.judge(load.Record(0, asked, sent, sent + 0.1, got), before, after, upload_end=5.0)

    assert outcome(qa, a) == "ok"
    assert outcome(qa, {**a, "confidence": 0.123}) == "ok"  # the confidence is not compared
    assert outcome(qa, b) == "mixed_up"  # another question's answer
    assert outcome(qa, {**b, "question": qa}) == "mixed_up"  # another question's answer under this question
    assert outcome(qa, _answer(qa, "赵六", "000", 10)) == "wrong"
    assert outcome(qb, b, sent=1.0) == "ok"  # before the upload finished: either generation
    assert outcome(qb, b_after, sent=1.0) == "ok"
    assert outcome(qb, b, sent=6.0) == "stale"  # asked after the upload finished, answered without it
    assert outcome(qb, b_after, sent=6.0) == "ok"


def test_percentile(load) -> None:
    assert load.percentile([], 50) == 0.0
    assert load.percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert load.percentile([1.0, 2.0, 3.0, 4.0, 5.0], 95) == pytest.approx(4.8)


def test_short_load_run_with_an_upload(load) -> None:
    report = load.run_load(sessions=5, seconds=6, fake=True, upload_at=1.0, request_timeout=60)
    assert report["requests"] > 0
    assert report["completed"] == report["requests"]
    assert report["errors"] == 0, report["error_messages"]
    assert report["mixed_up"] == 0, report["bad_examples"]
    assert report["wrong"] == 0, report["bad_examples"]
    assert report["stale"] == 0, report["bad_examples"]
    assert report["hung_threads"] == 0
    assert report["upload"]["ok"], report["upload"]
    assert "已加入" in report["upload"]["status"]
    assert report["upload"]["start_s"] < report["upload"]["end_s"]
    new = report["new_article"]
    assert new["top_source_before"] != load.NEW_ID
    assert new["retrievable_after"], new
    assert 0 < report["latency_ms"]["p50"] <= report["latency_ms"]["p95"] <= report["latency_ms"]["max"]
