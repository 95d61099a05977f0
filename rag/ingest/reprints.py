"""Reprints: the same story run by several outlets (other headline, light edits, truncated, in the other script)
found among articles, so that one copy is searched and quoted and the others are cited as "also reported by".

Each article's body (its paragraphs, without title and subtitle) is read in Simplified with only Han characters,
letters, digits, ``.`` and ``%`` kept, and cut into overlapping character shingles; a MinHash LSH index
(``datasketch``) proposes pairs that share enough shingles, and a pair is a reprint when

- the shingles of the shorter body are nearly all in the longer one (*containment* ≥ :attr:`ReprintParams.
  containment`: truncation and a new headline keep it high, different wording of the same news does not), and
- no number differs between them: no place (the same four characters before or after a number) holds a
  number in both with none in common (a copy that says 3.16亿元 where the other says 2.58亿元 is another source,
  shown as an alternative).

Groups are the connected pairs; within a group the copy searched is the longest body (the most complete), then
the earliest date, then the id. The threshold is measured by ``benchmarks/reprints.py`` (README, "Reprints").
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rag.ingest.scripts import to_simplified
from rag.types import Article

__all__ = ["ReprintParams", "body_key", "find_reprints", "numbers_conflict", "shingles"]

_KEEP = re.compile(r"[^0-9A-Za-z.%\u3400-\u4dbf\u4e00-\u9fff]+")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


@dataclass(frozen=True)
class ReprintParams:
    """How reprints are found (module doc); ``containment`` set by ``benchmarks/reprints.py``."""

    shingle: int = 5  # characters per shingle
    num_perm: int = 128  # MinHash permutations
    candidates: float = 0.3  # LSH Jaccard threshold for proposing a pair (well below any reprint's)
    # share of the shorter body's shingles found in the longer one: on the seeds fixture every reprint pair is at
    # 0.88 or more and every non-copy at 0.36 or less (benchmarks/reprints.py); 0.7 sits between, nearer the
    # reprints' side, so that heavier edits still group and partly quoted articles do not
    containment: float = 0.7
    min_chars: int = 60  # bodies shorter than this are never grouped

    def to_dict(self) -> dict[str, object]:
        return {
            "method": "minhash-lsh+containment",
            "shingle": self.shingle,
            "num_perm": self.num_perm,
            "candidates": self.candidates,
            "containment": self.containment,
            "min_chars": self.min_chars,
        }


def body_key(article: Article) -> str:
    """The article's body as compared: paragraphs only, Simplified, punctuation and spaces removed."""
    body = "".join(article.text[p.start : p.end] for p in article.paragraphs) or article.text
    return _KEEP.sub("", to_simplified(body))


def shingles(text: str, k: int) -> np.ndarray:
    """Sorted distinct CRC-32 hashes of the ``k``-character shingles of ``text`` (stable across processes)."""
    if len(text) < k:
        return np.zeros(0, np.uint32)
    data = text.encode("utf-32-le")
    width = 4 * k
    hashes = [zlib.crc32(data[i : i + width]) for i in range(0, len(data) - width + 4, 4)]
    return np.unique(np.asarray(hashes, dtype=np.uint32))


def _number_contexts(text: str) -> dict[str, set[str]]:
    """Each number of ``text`` under the four characters before it and the four after it."""
    out: dict[str, set[str]] = {}
    for m in _NUMBER.finditer(text):
        for key in ("<" + text[max(0, m.start() - 4) : m.start()], ">" + text[m.end() : m.end() + 4]):
            if len(key) == 5:
                out.setdefault(key, set()).add(m.group())
    return out


def numbers_conflict(a: str, b: str) -> bool:
    """Whether two near-identical bodies (:func:`body_key`) disagree on a number: some place (the same four
    characters before or after) holds a number in both, and none of the numbers there agree."""
    left, right = _number_contexts(a), _number_contexts(b)
    return any(not (numbers & right[key]) for key, numbers in left.items() if key in right)


def _candidate_pairs(hashes: list[np.ndarray], params: ReprintParams) -> set[tuple[int, int]]:
    from datasketch import MinHash, MinHashLSH  # deferred: only indexing pays for it

    lsh = MinHashLSH(threshold=params.candidates, num_perm=params.num_perm)
    sketches: list[MinHash] = []
    for i, h in enumerate(hashes):
        # permutations made once, not per article
        shared = {"permutations": sketches[0].permutations, "scheme": sketches[0].scheme} if sketches else {}
        m = MinHash(num_perm=params.num_perm, hashfunc=int, **shared)
        m.update_batch(h.tolist())
        sketches.append(m)
        if h.size:
            lsh.insert(i, m)
    pairs: set[tuple[int, int]] = set()
    for i, (h, m) in enumerate(zip(hashes, sketches, strict=True)):
        if h.size:
            pairs.update((min(i, j), max(i, j)) for j in lsh.query(m) if j != i)
    return pairs


def _near_copies(
    hashes: list[np.ndarray], keys: list[str], params: ReprintParams
) -> tuple[list[tuple[float, int, int]], set[tuple[int, int]]]:
    """Pairs above the containment threshold, strongest first, and those among them whose numbers disagree."""
    near, conflicts = [], set()
    for i, j in sorted(_candidate_pairs(hashes, params)):
        shared = np.intersect1d(hashes[i], hashes[j], assume_unique=True).size
        containment = shared / min(hashes[i].size, hashes[j].size)
        if containment < params.containment:
            continue
        if numbers_conflict(keys[i], keys[j]):
            conflicts.add((i, j))
        else:
            near.append((-containment, i, j))
    return sorted(near), conflicts


def find_reprints(articles: Sequence[Article], params: ReprintParams | None = None) -> list[list[str]]:
    """Groups of two or more article ids that are copies of one story, each ordered with the copy to search
    first (module doc); articles in no group are left out. Two groups never join when any two of their
    members disagree on a number, so a truncated copy cannot bridge two conflicting versions."""
    params = params or ReprintParams()
    keys = [body_key(a) for a in articles]
    hashes = [
        shingles(k, params.shingle) if len(k) >= params.min_chars else np.zeros(0, np.uint32) for k in keys
    ]
    near, conflicts = _near_copies(hashes, keys, params)
    group_of = list(range(len(articles)))
    members: dict[int, list[int]] = {i: [i] for i in range(len(articles))}
    for _, i, j in near:
        a, b = group_of[i], group_of[j]
        if a == b or any((min(x, y), max(x, y)) in conflicts for x in members[a] for y in members[b]):
            continue
        for x in members[b]:
            group_of[x] = a
        members[a].extend(members.pop(b))
    out = []
    for group in members.values():
        if len(group) > 1:
            group.sort(key=lambda i: (-len(keys[i]), articles[i].published or "9999-99-99", articles[i].id))
            out.append([articles[i].id for i in group])
    return sorted(out)
