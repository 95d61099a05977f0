"""Fixtures for the reader tests: the real e5 tokenizer and a small SQuAD-format file (the tiny random QA model
is in tests/conftest.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def e5_tokenizer():
    """The tokenizer of the rebuilt e5 directory (rebuilt here if it is missing: seconds, no network)."""
    from transformers import AutoTokenizer

    from rag.embed.e5convert import build_default_model

    return AutoTokenizer.from_pretrained(build_default_model(), local_files_only=True)


@pytest.fixture
def tiny_squad(tmp_path: Path) -> Path:
    return write_tiny_squad(tmp_path / "tiny_squad.json")


def write_tiny_squad(path: Path) -> Path:
    """A SQuAD-format file: two articles of two paragraphs, Simplified and Traditional, six questions."""
    data = {
        "data": [
            {
                "title": "宝鸡",
                "paragraphs": [
                    {
                        "id": "a1",
                        "context": "上官吉庆，男，汉族，1966年生，现任宝鸡市委书记。",
                        "qas": [
                            {
                                "id": "q1",
                                "question": "宝鸡市委书记是谁？",
                                "answers": [{"text": "上官吉庆", "answer_start": 0}],
                            },
                            {
                                "id": "q2",
                                "question": "上官吉庆哪年生？",
                                "answers": [{"text": "1966年", "answer_start": 10}],
                            },
                        ],
                    },
                    {
                        "id": "a2",
                        "context": "秦皇岛市固定资产投资增长了12.6%。今天天气很好。",
                        "qas": [
                            {
                                "id": "q3",
                                "question": "秦皇岛市固定资产投资增长了多少？",
                                "answers": [{"text": "12.6%", "answer_start": 13}],
                            },
                        ],
                    },
                ],
            },
            {
                "title": "蘭州",
                "paragraphs": [
                    {
                        "id": "b1",
                        "context": "蘭州市首條建築垃圾資源化項目總投資3億元。",
                        "qas": [
                            {
                                "id": "q4",
                                "question": "蘭州市項目總投資多少？",
                                "answers": [{"text": "3億元", "answer_start": 17}],
                            },
                        ],
                    },
                    {
                        "id": "b2",
                        "context": "臺灣內蒙古ＡＢＣ今天天氣很好。",
                        "qas": [
                            {
                                "id": "q5",
                                "question": "哪里天氣很好？",
                                "answers": [{"text": "臺灣內蒙古", "answer_start": 0}],
                            },
                            {
                                "id": "q6",
                                "question": "什么很好？",
                                "answers": [{"text": "天氣", "answer_start": 10}],
                            },
                        ],
                    },
                ],
            },
        ]
    }
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    return path


@pytest.fixture(scope="session")
def make_tiny_squad():
    """``write_tiny_squad(path)``, for module-scoped fixtures."""
    return write_tiny_squad
