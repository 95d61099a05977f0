"""rag.embed.late: span vectors from the document's forward pass, checked against the definition (mean of the
last-layer token states over the span's tokens, normalised) on a tiny random sentence-transformers model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.embed import FakeEmbedder, SentenceTransformerEmbedder, late_capable
from rag.embed.late import span_token_mask
from rag.reader.fake import save_random_qa_model

TEXT = "宝鸡市委书记 上官吉庆\n上官吉庆，男，汉族，1966年生。现任宝鸡市委书记！ＡＢＣabc😀内蒙古。"


def _sentences(text: str) -> list[tuple[int, int]]:
    out, start = [], 0
    for i, ch in enumerate(text):
        if ch in "\n。！":
            out.append((start, i + 1))
            start = i + 1
    return out


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer 32-d BERT with a character tokenizer as a mean-pooling sentence-transformers model."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer import modules as models

    root = tmp_path_factory.mktemp("tiny-st")
    bert = save_random_qa_model(root / "bert")
    transformer = models.Transformer(str(bert), max_seq_length=512)
    pooling = models.Pooling(transformer.get_embedding_dimension(), pooling_mode="mean")
    model = SentenceTransformer(modules=[transformer, pooling, models.Normalize()], device="cpu")
    model.prompts = {"query": "问：", "document": "文："}
    model.save(str(root / "st"))
    return root / "st"


def test_span_token_mask_takes_tokens_that_overlap_the_span() -> None:
    # "<s>", "文", "：", "ab", "c", "。", "</s>": the text starts at 2 in prompt + text
    offsets = np.array([[0, 0], [0, 1], [1, 2], [2, 4], [4, 5], [5, 6], [0, 0]])
    mask = span_token_mask(offsets, [(0, 1), (1, 4), (3, 4)], shift=2)
    assert mask.tolist() == [
        [False, False, False, True, False, False, False],  # "a" lies inside the token "ab"
        [False, False, False, True, True, True, False],
        [False, False, False, False, False, True, False],
    ]


def test_document_vectors_are_encode_documents_and_spans_are_token_means(tiny_model: Path) -> None:
    import torch

    embedder = SentenceTransformerEmbedder(tiny_model, precision="fp32")
    texts = [TEXT, "今天天气很好。谁是什么？", "兰州市首条建筑垃圾资源化项目总投资3亿元。"]
    spans = [_sentences(t) for t in texts]
    result = embedder.encode_document_spans(texts, spans)
    assert late_capable(embedder) and result.alone == 0
    np.testing.assert_allclose(result.documents, embedder.encode_document(texts), atol=1e-5)

    model = embedder._get_model()
    encoded = model.tokenizer("文：" + TEXT, return_offsets_mapping=True, return_tensors="pt")
    offsets = encoded.pop("offset_mapping")[0].numpy()
    with torch.inference_mode():
        states = model[0]({"input_ids": encoded["input_ids"], "attention_mask": encoded["attention_mask"]})
    tokens = states["token_embeddings"][0].numpy()
    for k, (s, e) in enumerate(spans[0]):
        rows = [i for i, (a, b) in enumerate(offsets) if b > a and a < e + 2 and b > s + 2]
        assert rows, TEXT[s:e]
        expected = tokens[rows].mean(axis=0)
        np.testing.assert_allclose(result.spans[0][k], expected / np.linalg.norm(expected), atol=1e-5)
    # a sentence read in its context is not the sentence read alone
    alone = embedder.encode_document([TEXT[spans[0][1][0] : spans[0][1][1]]])[0]
    assert float(alone @ result.spans[0][1]) < 0.9999


def test_a_span_the_model_cut_off_is_embedded_alone(tiny_model: Path) -> None:
    embedder = SentenceTransformerEmbedder(tiny_model, precision="fp32")
    embedder._get_model().max_seq_length = 12  # reads "<s>", the prompt's 2 characters, 8 of the text, "</s>"
    text = "第一句话。第二句话很长。第三句。"
    spans = _sentences(text)
    assert spans == [(0, 5), (5, 12), (12, 16)]  # the model reads characters 0-7: the third is beyond them
    result = embedder.encode_document_spans([text], [spans])
    assert result.alone == 1
    np.testing.assert_allclose(result.spans[0][2], embedder.encode_document([text[12:16]])[0], atol=1e-5)
    assert (
        float(result.spans[0][1] @ embedder.encode_document([text[5:12]])[0]) < 0.9999
    )  # read in part, late


def test_fake_embedder_late_vectors_are_deterministic_and_track_the_span() -> None:
    fake = FakeEmbedder(dim=32)
    text = "兰州市今年上半年生产总值增长。宝鸡市委书记是上官吉庆。"
    first = fake.encode_document_spans([text], [[(0, 15), (15, 27)]])
    again = fake.encode_document_spans([text], [[(0, 15), (15, 27)]])
    assert np.array_equal(first.spans[0], again.spans[0])
    np.testing.assert_allclose(np.linalg.norm(first.spans[0], axis=1), 1.0, atol=1e-6)
    question = fake.encode_query(["宝鸡市委书记"])[0]
    assert float(first.spans[0][1] @ question) > float(first.spans[0][0] @ question)
    with pytest.raises(ValueError, match="span lists"):
        fake.encode_document_spans([text, text], [[(0, 3)]])
