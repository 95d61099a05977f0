"""What the HTTP API's tests share (tests/app/test_http_api.py, test_openai_api.py, test_api_serving.py): the
questions asked and what the FakeReader finds for them."""

from __future__ import annotations

import socket

__all__ = ["KNOWN", "QUESTION", "UNANSWERED", "free_port"]

QUESTION = "包头市政务服务指标在营商环境评估中取得了多少分？"
KNOWN = {QUESTION: ["97.54"]}  # FakeReader finds it (seeds/002)
UNANSWERED = "火星上有多少人？"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
