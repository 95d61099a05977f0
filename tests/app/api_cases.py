"""What the HTTP API's tests share (tests/app/test_http_api.py, test_openai_api.py, test_api_serving.py): the
questions asked and what the FakeReader finds for them (over the seeds; over the dated corpus of
tests/news_fixtures.py, the port's yearly figures, the oldest liked best)."""

from __future__ import annotations

import socket

from news_fixtures import PORT_QUESTION  # tests/news_fixtures.py (tests/ is on the path: tests/conftest.py)

__all__ = ["KNOWN", "PORT_AMOUNTS", "PORT_QUESTION", "QUESTION", "UNANSWERED", "free_port"]

QUESTION = "包头市政务服务指标在营商环境评估中取得了多少分？"
KNOWN = {QUESTION: ["97.54"]}  # FakeReader finds it (seeds/002)
UNANSWERED = "火星上有多少人？"
PORT_AMOUNTS = ["3012万吨", "3265万吨", "3418万吨"]  # 2021 (新华网), 2022 (人民日报), 2023 (中国新闻网)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
