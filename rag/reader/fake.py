"""Stand-ins for tests: a deterministic reader with no model (:class:`FakeReader`), and a tiny random Hugging
Face QA model on disk (:func:`save_random_qa_model`) for code paths that take a reader by name.

``FakeReader(answers)`` knows, per question (compared in Simplified, without punctuation), the answer texts it
should find, best first. Reading a passage, it scores each known answer that the passage holds (the first
answer 10, the next 9, ...) against a null score of 0, and finds nothing in a passage holding none. A question
it does not know gets no span anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from rag.ingest.scripts import to_simplified
from rag.reader.spans import SpanPrediction

__all__ = ["FakeReader", "save_random_qa_model"]

_PUNCT = re.compile(r"[\s，,。？?！!、：:；;]")


def _key(question: str) -> str:
    return _PUNCT.sub("", to_simplified(question))


class FakeReader:
    name = "fake"

    def __init__(self, answers: Mapping[str, Sequence[str]], *, threshold: float = 0.0) -> None:
        self._answers = {_key(q): [to_simplified(a) for a in found] for q, found in answers.items()}
        self._threshold = threshold
        self.questions: list[str] = []  # every question read, for tests to inspect
        self.passages: list[list[str]] = []

    @property
    def threshold(self) -> float:
        return self._threshold

    def warm_up(self) -> None:
        return None

    def read(self, question: str, passages: Sequence[str], *, top: int = 1) -> list[list[SpanPrediction]]:
        self.questions.append(question)
        self.passages.append(list(passages))
        known = self._answers.get(_key(question), [])
        out = []
        for p, text in enumerate(passages):
            spans = [
                SpanPrediction(p, at, at + len(a), a, 10.0 - rank, 0.0)
                for rank, a in enumerate(known)
                if (at := text.find(a)) >= 0
            ]
            out.append(spans[:top] if spans else [])
        return out


_VOCAB_TEXT = (
    "上官吉庆，男，汉族，1966年生，现任宝鸡市委书记。秦皇岛市固定资产投资增长了12.6%。"
    "兰州市首条建筑垃圾资源化项目总投资3亿元。今天天气很好。谁是什么多少哪里？"
    "ＡＢＣabc0123456789😀臺灣內蒙古"
)


def save_random_qa_model(directory: Path, *, seed: int = 0) -> Path:
    """A 2-layer, 32-d BERT QA model with random weights and a character tokenizer, saved to ``directory`` as any
    Hugging Face extractive QA model is (for tests and load runs: it loads in a second, reads in milliseconds
    and answers at random)."""
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import BertConfig, BertForQuestionAnswering, PreTrainedTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
    chars = sorted(set(_VOCAB_TEXT) | set("，。？！、：；（）%.-"))
    vocab = {tok: i for i, tok in enumerate(specials + chars)}
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]", max_input_chars_per_word=1))
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Split(pattern="", behavior="isolated")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
    )
    fast = PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
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
