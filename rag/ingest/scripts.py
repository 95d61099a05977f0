"""Traditional/Simplified handling with OpenCC.

Search runs on a *matching view*: the text converted to Simplified, with an offset map back to the original so that
anything found in the view can be cited and shown in the original characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

__all__ = ["MatchingView", "detect_script", "matching_view", "to_simplified", "to_traditional"]

# Taiwan and Hong Kong variant characters are folded first (tw2s / hk2s), then standard t2s catches the rest.
# Character-level configs only: phrase configs (tw2sp) rewrite vocabulary and change lengths.
_T2S_CONFIGS = ("tw2s", "hk2s", "t2s")
# Pieces converted one at a time; a piece whose length changes is mapped linearly onto its source.
_PIECE = re.compile(r"[^。！？!?；;，,\n]*[。！？!?；;，,\n]?")


@lru_cache(maxsize=8)
def _converter(config: str) -> Any:
    import opencc  # deferred: a cheap import path for code that never converts

    return opencc.OpenCC(config)


def to_simplified(text: str) -> str:
    """Convert any mix of Traditional (standard, Taiwan, Hong Kong) and Simplified to Simplified."""
    for config in _T2S_CONFIGS:
        text = _converter(config).convert(text)
    return text


def to_traditional(text: str) -> str:
    """Convert to Traditional Chinese (OpenCC standard), for answering a Traditional asker."""
    return str(_converter("s2t").convert(text))


@dataclass(frozen=True)
class MatchingView:
    """``simplified`` is ``original`` in Simplified; ``to_original[i]`` is the original offset of view offset i.

    ``to_original`` has ``len(simplified) + 1`` entries so that an end offset maps too.
    """

    original: str
    simplified: str
    to_original: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of the view to a half-open span of the original."""
        if not 0 <= start <= end <= len(self.simplified):
            raise ValueError(f"span {start}:{end} outside the view of length {len(self.simplified)}")
        o_start = self.to_original[start]
        o_end = self.to_original[end] if end > start else o_start
        return o_start, max(o_end, o_start)


def matching_view(text: str) -> MatchingView:
    """The Simplified view of ``text`` with an exact offset map (1:1 wherever OpenCC keeps lengths)."""
    out: list[str] = []
    mapping: list[int] = []
    pos = 0
    for match in _PIECE.finditer(text):
        piece = match.group()
        if not piece:
            continue
        converted = to_simplified(piece)
        if len(converted) == len(piece):
            mapping.extend(range(pos, pos + len(piece)))
        else:  # rare: a variant folded to a different length; map proportionally inside the piece
            n = len(converted)
            mapping.extend(pos + (i * len(piece)) // n for i in range(n))
        out.append(converted)
        pos += len(piece)
    mapping.append(len(text))
    return MatchingView(text, "".join(out), tuple(mapping))


def detect_script(text: str) -> str:
    """'traditional', 'simplified' or 'mixed', from the Han characters that a conversion would change."""
    han = [ch for ch in text if "\u4e00" <= ch <= "\u9fff"]
    if not han:
        return "simplified"
    sample = "".join(han)
    trad_only = sum(a != b for a, b in zip(sample, to_simplified(sample), strict=False))
    simp_only = sum(a != b for a, b in zip(sample, _converter("s2t").convert(sample), strict=False))
    if trad_only == 0 and simp_only == 0:
        return "simplified"
    share = trad_only / (trad_only + simp_only)
    if share >= 0.8:
        return "traditional"
    if share <= 0.2:
        return "simplified"
    return "mixed"
