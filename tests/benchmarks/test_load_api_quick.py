"""benchmarks/load_api.py in its short mode: a few ``openai`` clients (one streaming) against ``python ui.py``'s
/v1/chat/completions (FakeEmbedder index, tiny reader, loopback) while an article is uploaded through
POST /api/documents; plus how a reply's content is judged."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def load_api(benchmark_module):  # type: ignore[no-untyped-def]
    return benchmark_module("load_api")


def _reply(question: str, answer: str, content: str) -> dict:
    cite = {"article_id": "000", "start": 1, "end": 9, "answer_start": None, "answer_end": None}
    found = {"question": question, "found": True, "answer": answer, "sentence": answer, "citations": [cite]}
    return {**found, "content": content}


def test_a_reply_must_carry_the_content_of_its_answer(load_api) -> None:
    q = "甲市书记是谁？"
    before = {q: _reply(q, "张三", "答案：<strong>张三</strong>")}
    after = {q: _reply(q, "张三", "答案：<strong>张三</strong>")}

    def outcome(got: dict) -> str:
        record = load_api.load.Record(0, q, 1.0, 1.1, got)
        return load_api.judge_reply(record, before, after, upload_end=5.0)

    assert outcome(_reply(q, "张三", "答案：<strong>张三</strong>")) == "ok"
    assert outcome(_reply(q, "张三", "答案：<strong>李四</strong>")) == "wrong"  # another answer's text
    assert outcome(_reply(q, "李四", "答案：<strong>李四</strong>")) == "wrong"
    assert outcome(_reply("乙市书记是谁？", "张三", "答案：<strong>张三</strong>")) == "mixed_up"


def test_short_api_load_run_with_an_upload(load_api) -> None:
    report = load_api.run_api_load(sessions=5, seconds=6, fake=True, upload_at=1.0, request_timeout=60)
    assert report["requests"] > 0 and report["completed"] == report["requests"]
    assert report["errors"] == 0, report["error_messages"]
    assert report["mixed_up"] == 0 and report["wrong"] == 0 and report["stale"] == 0, report["bad_examples"]
    assert report["ok"] == report["completed"] and report["hung_threads"] == 0
    assert report["streamed"] > 0  # the fifth session streams
    assert report["upload"]["ok"] and "已加入" in report["upload"]["status"], report["upload"]
    assert report["new_article"]["retrievable_after"], report["new_article"]
    assert 0 < report["latency_ms"]["p50"] <= report["latency_ms"]["p95"] <= report["latency_ms"]["max"]
    assert report["server_log_tracebacks"] == 0
    side_by_side = load_api.compare(report, None)
    assert side_by_side["openai_v1"]["throughput_rps"] == report["throughput_rps"]
