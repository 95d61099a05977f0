"""Windows over a passage and the offset mapping of answer spans (real e5 tokenizer)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rag.reader.windows import MAX_QUESTION_TOKENS, char_span, make_windows, token_span

PASSAGES = [
    "上官吉庆，男，汉族，1966年生，现任宝鸡市委书记。",  # Simplified
    "蘭州市首條建築垃圾資源化項目總投資12.6億元，預計明年投產。",  # Traditional
    "秦皇島市ＧＤＰ增長７．５％，居全省第２位。",  # full-width letters and digits
    "今天😀天气很好🇨🇳，大家都笑了👨‍👩‍👧。",  # emoji, flags, ZWJ sequences
    "A股 市场 与 H股 市场 的 差价 扩大 到 30 %。",  # spaces
]


def _covering(passage: str, windows, start: int, end: int) -> tuple[int, int]:
    for w in windows:
        span = token_span(w, start, end)
        if span is not None:
            return char_span(w, *span)
    raise AssertionError(f"no window holds {passage[start:end]!r}")


@pytest.mark.parametrize("passage", PASSAGES)
def test_every_answer_span_maps_to_tokens_that_cover_it(e5_tokenizer, passage: str) -> None:
    windows = make_windows(e5_tokenizer, "问题是什么？", [passage])
    assert len(windows) == 1
    # every pair of character boundaries that tokens could produce round-trips through token_span
    for start in range(len(passage)):
        for end in range(start + 1, min(len(passage), start + 8) + 1):
            if passage[start].isspace() or passage[end - 1].isspace():
                continue
            a, b = _covering(passage, windows, start, end)
            assert a <= start and end <= b  # the tokens cover the span ...
            assert b - a <= (end - start) + 4  # ... and little more (one token's worth each side)


@pytest.mark.parametrize(
    ("passage", "answer"),
    [
        (PASSAGES[0], "上官吉庆"),
        (PASSAGES[1], "12.6億元"),
        (PASSAGES[2], "ＧＤＰ"),
        (PASSAGES[2], "第２位"),
        (PASSAGES[3], "😀"),
    ],
)
def test_answers_map_to_exact_character_spans(e5_tokenizer, passage: str, answer: str) -> None:
    start = passage.index(answer)
    windows = make_windows(e5_tokenizer, "多少？", [passage])
    a, b = _covering(passage, windows, start, start + len(answer))
    assert passage[a:b].strip() == answer


def test_an_answer_ending_inside_a_token_maps_to_the_whole_token(e5_tokenizer) -> None:
    # "年生" is one token of the XLM-R vocabulary: "1966年" can only be read as "1966年生" (4-7 % of CMRC 2018
    # and DRCD answers end inside a token; the reader's span is then a character or two longer)
    passage = PASSAGES[0]
    start = passage.index("1966年")
    windows = make_windows(e5_tokenizer, "哪年？", [passage])
    a, b = _covering(passage, windows, start, start + len("1966年"))
    assert passage[a:b] == "1966年生"


def test_answer_at_a_window_edge_is_whole_in_the_next_window(e5_tokenizer) -> None:
    passage = "".join(f"第{i}句话说的是一件事情。" for i in range(60))
    windows = make_windows(e5_tokenizer, "说了什么？", [passage], max_length=64, stride=16)
    assert len(windows) > 3
    first = windows[0]
    edge = first.offsets[first.last][1]  # the first window ends here
    start, end = edge - 2, edge + 2  # an answer straddling the edge
    assert token_span(first, start, end) is None  # not whole in the first window: it teaches "no answer"
    holding = [w for w in windows if token_span(w, start, end) is not None]
    assert holding and holding[0] is windows[1]
    a, b = char_span(windows[1], *token_span(windows[1], start, end))
    assert a <= start and end <= b
    # windows overlap and together cover the passage
    for w, nxt in itertools.pairwise(windows):
        assert nxt.offsets[nxt.first][0] < w.offsets[w.last][1]
    assert windows[0].offsets[windows[0].first][0] == 0
    assert windows[-1].offsets[windows[-1].last][1] == len(passage) - 0


def test_windows_keep_passage_numbers_and_skip_empty_passages(e5_tokenizer) -> None:
    windows = make_windows(e5_tokenizer, "谁？", ["甲说的。", "  ", "乙说的。"])
    assert [w.passage for w in windows] == [0, 2]
    for w in windows:
        assert w.input_ids[0] == e5_tokenizer("x")["input_ids"][0]  # token 0 is the start token: "no answer"
        assert all(o == (-1, -1) for o in w.offsets[: w.first])
        assert len(w) <= 384


def test_a_long_question_is_cut_to_leave_room_for_the_passage(e5_tokenizer) -> None:
    question = "宝鸡市" * 200
    windows = make_windows(e5_tokenizer, question, ["上官吉庆是宝鸡市委书记。"], max_length=128, stride=32)
    assert len(windows) == 1
    assert windows[0].first <= MAX_QUESTION_TOKENS + 4


def test_stride_must_leave_the_window_moving(e5_tokenizer) -> None:
    with pytest.raises(ValueError, match="stride"):
        make_windows(e5_tokenizer, "谁？", ["甲。"], max_length=64, stride=40)


ALPHABET = st.sampled_from([*list("宝鸡市委書記臺灣內蒙古ＡＢＣ１２３abc123 ，。%😀"), "👨\u200d👩\u200d👧"])


@settings(max_examples=60, deadline=None)
@given(text=st.lists(ALPHABET, min_size=3, max_size=120).map("".join), data=st.data())
def test_any_span_is_found_in_some_window(e5_tokenizer, text: str, data) -> None:
    spots = [i for i, ch in enumerate(text) if not ch.isspace()]
    if not spots:
        return
    start = data.draw(st.sampled_from(spots))
    ends = [i + 1 for i in spots if i >= start and i < start + 10]
    end = data.draw(st.sampled_from(ends))
    windows = make_windows(e5_tokenizer, "问？", [text], max_length=48, stride=12)
    a, b = _covering(text, windows, start, end)
    assert a <= start and end <= b
