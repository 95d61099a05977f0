"""Question + passage → model windows, with every token's character span in the passage.

A passage longer than one window is read as several overlapping windows (``max_length`` tokens, consecutive
windows sharing ``stride`` tokens), so that an answer near a window edge is whole in at least one of them.
The pair layout (``<s> question </s></s> passage </s>`` for XLM-R vocabularies, ``[CLS] q [SEP] p [SEP]`` with
token types for BERT ones) is the tokenizer's own. Token 0 (``<s>``/``[CLS]``) stands for "no answer here".

Answer spans are located from the tokenizer's offset mapping, never by searching text: a character span of
the passage maps to the first and last passage token that overlap it (:func:`token_span`), and a token span
maps back to characters (:func:`char_span`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["MAX_QUESTION_TOKENS", "Window", "char_span", "make_windows", "token_span"]

MAX_QUESTION_TOKENS = 64  # a longer question is cut (a window must keep room for the passage)


@dataclass(frozen=True)
class Window:
    """One model input. ``offsets[i]`` is token i's ``(start, end)`` in the passage, ``(-1, -1)`` for tokens
    outside the passage (question, special tokens); passage tokens are ``[first, last]``, inclusive."""

    passage: int  # which of the passages read
    input_ids: tuple[int, ...]
    token_type_ids: tuple[int, ...] | None
    offsets: tuple[tuple[int, int], ...]
    first: int
    last: int

    def __len__(self) -> int:
        return len(self.input_ids)


def _cut_question(tokenizer: Any, question: str, limit: int) -> str:
    encoded = tokenizer(question, add_special_tokens=False, return_offsets_mapping=True)
    offsets = encoded["offset_mapping"]
    return question if len(offsets) <= limit else question[: offsets[limit - 1][1]]


def make_windows(
    tokenizer: Any,
    question: str,
    passages: Sequence[str],
    *,
    max_length: int = 384,
    stride: int = 128,
    max_question_tokens: int = MAX_QUESTION_TOKENS,
) -> list[Window]:
    """The windows of ``question`` over each passage (in passage order; an empty passage has none)."""
    if stride >= max_length // 2:
        raise ValueError(f"stride {stride} must be under half of max_length {max_length}")
    question = _cut_question(tokenizer, question, max_question_tokens)
    keep = [i for i, p in enumerate(passages) if p.strip()]
    if not keep or not question.strip():
        return []
    encoded = tokenizer(
        [question] * len(keep),
        [passages[i] for i in keep],
        truncation="only_second",
        max_length=max_length,
        stride=stride,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
        padding=False,
    )
    types = encoded.get("token_type_ids")
    windows = []
    for w, sample in enumerate(encoded["overflow_to_sample_mapping"]):
        sequence = encoded.sequence_ids(w)
        inside = [i for i, s in enumerate(sequence) if s == 1]
        if not inside:
            continue
        offsets = tuple(
            (int(a), int(b)) if s == 1 else (-1, -1)
            for (a, b), s in zip(encoded["offset_mapping"][w], sequence, strict=True)
        )
        windows.append(
            Window(
                passage=keep[sample],
                input_ids=tuple(encoded["input_ids"][w]),
                token_type_ids=tuple(types[w]) if types is not None else None,
                offsets=offsets,
                first=inside[0],
                last=inside[-1],
            )
        )
    return windows


def token_span(window: Window, start: int, end: int) -> tuple[int, int] | None:
    """The first and last passage token of ``window`` covering characters ``[start, end)``; None when the
    span is not wholly inside the window (the window then teaches "no answer")."""
    offsets = window.offsets
    if end <= start or offsets[window.first][0] > start or offsets[window.last][1] < end:
        return None
    s = next(i for i in range(window.first, window.last + 1) if offsets[i][1] > start)
    # a bare word-start token ("▁") shares its character with the next token: point at the real one
    while s < window.last and offsets[s + 1] == offsets[s]:
        s += 1
    e = next(i for i in range(window.last, window.first - 1, -1) if offsets[i][0] < end)
    return (s, e) if e >= s else None


def char_span(window: Window, start: int, end: int) -> tuple[int, int]:
    """Characters ``[a, b)`` of the passage that tokens ``start..end`` (inclusive) of ``window`` cover."""
    return window.offsets[start][0], window.offsets[end][1]
