"""Fixtures for the reader tests: the real e5 tokenizer, and a tiny randomly initialised BERT QA model with a
character-level tokenizer (saved to a temp dir as any Hugging Face QA model is)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

TINY_TEXT = (
    "上官吉庆，男，汉族，1966年生，现任宝鸡市委书记。秦皇岛市固定资产投资增长了12.6%。"
    "兰州市首条建筑垃圾资源化项目总投资3亿元。今天天气很好。谁是什么多少哪里？"
    "ＡＢＣabc0123456789😀臺灣內蒙古"
)


@pytest.fixture(scope="session")
def e5_tokenizer():
    """The tokenizer of the rebuilt e5 directory (rebuilt here if it is missing: seconds, no network)."""
    from transformers import AutoTokenizer

    from rag.embed.e5convert import build_default_model

    return AutoTokenizer.from_pretrained(build_default_model(), local_files_only=True)


def save_tiny_qa_model(directory: Path, *, seed: int = 0) -> Path:
    """A 2-layer, 32-d BERT QA model with random weights and a character tokenizer, saved to ``directory``."""
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import BertConfig, BertForQuestionAnswering, PreTrainedTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
    chars = sorted(set(TINY_TEXT) | set("，。？！、：；（）%.-"))
    vocab = {tok: i for i, tok in enumerate(specials + chars)}
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]", max_input_chars_per_word=1))
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Split(pattern="", behavior="isolated")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="[PAD]", unk_token="[UNK]", cls_token="[CLS]", sep_token="[SEP]"
    )
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
        pad_token_id=0,
    )
    directory.mkdir(parents=True, exist_ok=True)
    BertForQuestionAnswering(config).save_pretrained(directory)
    fast.save_pretrained(directory)
    return directory


@pytest.fixture(scope="session")
def tiny_qa_model(tmp_path_factory) -> Path:
    return save_tiny_qa_model(tmp_path_factory.mktemp("tiny-qa"))


@pytest.fixture(scope="session")
def make_tiny_qa_model():
    """``save_tiny_qa_model(directory, seed=...)``, for tests that need another one."""
    return save_tiny_qa_model


@pytest.fixture(scope="session")
def make_tiny_squad():
    """``write_tiny_squad(path)``, for module-scoped fixtures."""
    return write_tiny_squad


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
