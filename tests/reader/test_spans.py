"""Decoding start/end logits into spans, and the null score."""

from __future__ import annotations

import numpy as np

from rag.reader.spans import echo, passage_spans, window_spans
from rag.reader.windows import Window


def _window(passage: int, text: str, lead: int = 3) -> Window:
    """Token i >= lead is character i - lead of ``text``; tokens before it are the question."""
    offsets = tuple([(-1, -1)] * lead + [(i, i + 1) for i in range(len(text))])
    return Window(passage, tuple(range(len(offsets))), None, offsets, lead, len(offsets) - 1)


def test_best_span_is_the_highest_start_plus_end_within_the_length_limit() -> None:
    w = _window(0, "abcdefgh")  # passage tokens 3..10
    start = np.full(11, -5.0)
    end = np.full(11, -5.0)
    start[4], end[6] = 3.0, 2.0  # tokens 4..6: score 5
    end[3] = 9.0  # ends before every good start: (3, 3) scores only 4
    start[5], end[10] = 1.0, 8.0  # tokens 5..10: score 9, but 6 tokens long
    start[0], end[0] = 1.0, 0.5
    spans, null = window_spans(start, end, w, max_tokens=3, top=1)
    assert spans[0][1:] == (4, 6) and spans[0][0] == 5.0
    spans, _ = window_spans(start, end, w, max_tokens=6, top=1)
    assert spans[0][1:] == (5, 10) and spans[0][0] == 9.0
    assert null == 1.5  # token 0 is never part of a span, only the null score


def test_null_score_is_token_zero_and_the_lowest_over_a_passages_windows() -> None:
    text = "abcdef"
    w1, w2 = _window(0, text), _window(0, text)
    s1, e1 = np.zeros(9), np.zeros(9)
    s2, e2 = np.zeros(9), np.zeros(9)
    s1[0], e1[0] = 4.0, 4.0  # window 1 says "no answer" strongly
    s2[0], e2[0] = -1.0, -1.0  # window 2 sees the answer
    s2[5], e2[6] = 3.0, 3.0
    [[best]] = passage_spans([text], [w1, w2], [s1, s2], [e1, e2], max_tokens=5)
    assert best.null == -2.0
    assert (best.start, best.end, best.text) == (2, 4, "cd")
    assert best.margin == 8.0


def test_spans_are_stripped_and_passages_without_windows_get_none() -> None:
    text = " ab "
    w = _window(1, text)
    s, e = np.zeros(7), np.zeros(7)
    s[3], e[6] = 5.0, 5.0  # the whole of " ab ", spaces included
    out = passage_spans(["unused", text], [w], [s], [e], max_tokens=10, top=2)
    assert out[0] == []
    assert out[1][0].text == "ab" and (out[1][0].start, out[1][0].end) == (1, 3)
    assert len(out[1]) == 2 and out[1][1].score < out[1][0].score


def test_a_span_never_ends_on_a_separator_its_piece_carried() -> None:
    text = "增长3.2%，高于全省"
    # one piece "%，" as XLM-R cuts it: the span's last token ends after the comma
    offsets = ((-1, -1), (-1, -1), (-1, -1), (0, 2), (2, 5), (5, 7), (7, 9), (9, 11))
    w = Window(0, tuple(range(len(offsets))), None, offsets, 3, len(offsets) - 1)
    s, e = np.zeros(8), np.zeros(8)
    s[4], e[5] = 5.0, 5.0
    [[best]] = passage_spans([text], [w], [s], [e], max_tokens=5)
    assert best.text == "3.2%" and text[best.start : best.end] == "3.2%"


def test_the_echo_penalty_breaks_near_ties_against_spans_repeating_the_question() -> None:
    question = "颊鳞雀鲷的俗名叫什么？"
    text = "俗名为厚壳仔。"
    w = _window(0, text)
    s, e = np.zeros(len(text) + 3), np.zeros(len(text) + 3)
    s[3], s[6], e[8] = 2.0, 1.8, 3.0  # 俗名为厚壳仔 scores 5.0, 厚壳仔 4.8
    assert echo("俗名为厚壳仔", question) == 2 and echo("厚壳仔", question) == 0
    assert echo("什么？", question) == 2  # separators are never an echo
    [[plain]] = passage_spans([text], [w], [s], [e], max_tokens=10)
    assert plain.text == "俗名为厚壳仔" and plain.score == 5.0
    top2 = passage_spans([text], [w], [s], [e], max_tokens=10, top=2, question=question, echo_penalty=0.2)
    best, second = top2[0]
    assert (best.text, best.start, best.end) == ("厚壳仔", 3, 6) and second.text == "俗名为厚壳仔"
    assert (best.score, second.score) == (4.8, 5.0)  # ranked with the penalty, scored as the model scored
    s[3] = 4.0  # the model clearly prefers the longer span: the penalty does not overturn that
    [[kept]] = passage_spans([text], [w], [s], [e], max_tokens=10, question=question, echo_penalty=0.2)
    assert kept.text == "俗名为厚壳仔" and kept.score == 7.0
    [[same]] = passage_spans([text], [w], [s], [e], max_tokens=10, echo_penalty=0.2)  # no question
    assert same.text == "俗名为厚壳仔"
