"""Choosing the threshold, answer length and echo penalty from held-out logits (no model)."""

from __future__ import annotations

import numpy as np

from rag.reader.calibrate import choose, sweep
from rag.reader.model import Logits
from rag.reader.windows import Window

LEAD = 2  # tokens before the passage: [CLS] and the question


def _read(question: str, text: str, spans: dict[tuple[int, int], tuple[float, float]], null: float) -> Logits:
    """Logits over one character-per-token window of ``text``: ``spans`` maps character (start, end)
    (inclusive) to (start logit, end logit); token 0 carries the null score."""
    offsets = tuple([(-1, -1)] * LEAD + [(i, i + 1) for i in range(len(text))])
    window = Window(0, tuple(range(len(offsets))), None, offsets, LEAD, len(offsets) - 1)
    s, e = np.full(len(offsets), -9.0), np.full(len(offsets), -9.0)
    s[0] = e[0] = null / 2
    for (a, b), (ls, le) in spans.items():
        s[LEAD + a], e[LEAD + b] = ls, le
    return Logits(question, [text], [window], [s], [e])


def test_the_threshold_refuses_most_negatives_while_answers_keep_their_f1() -> None:
    positives = [
        _read("谁？", "张三来了", {(0, 1): (3.0, 3.0)}, 0.0),  # margin 6, right
        _read("哪里？", "在北京", {(1, 2): (1.0, 1.0)}, 0.0),  # margin 2, right
    ]
    negatives = [
        _read("谁？", "今天晴", {(0, 1): (0.5, 0.5)}, 0.0),  # margin 1
        _read("哪里？", "明天雨", {(0, 1): (2.0, 2.0)}, 0.0),  # margin 4
    ]
    curve = sweep(positives, negatives, [("张三",), ("北京",)], max_tokens=8)
    assert curve.f1_open == 1.0 and curve.echo_penalty == 0.0
    strict = choose(curve, max_f1_loss=0.0)  # keep every answer: refuse the negative below 2 only
    assert strict["threshold"] == 2.0 and strict["refused"] == 0.5 and strict["f1"] == 1.0
    loose = choose(curve, max_f1_loss=0.5)  # may lose 北京 (margin 2) to refuse both negatives
    assert loose["threshold"] == 6.0 and loose["refused"] == 1.0 and loose["f1"] == 0.5


def test_a_sweep_with_an_echo_penalty_scores_the_spans_it_would_answer() -> None:
    question = "颊鳞雀鲷的俗名叫什么？"
    text = "俗名为厚壳仔"
    read = _read(question, text, {(0, 5): (2.0, 3.0), (3, 5): (1.8, 3.0)}, 0.0)
    golds = [("厚壳仔",)]
    plain = sweep([read], [], golds, max_tokens=8)
    echoed = sweep([read], [], golds, max_tokens=8, echo_penalty=0.2)
    assert plain.f1_open < 1.0 and echoed.f1_open == 1.0 and echoed.em == [1.0, 1.0]
    assert choose(echoed)["echo_penalty"] == 0.2 and choose(plain)["echo_penalty"] == 0.0
