"""Training examples for the reader from SQuAD-format files (CMRC 2018, DRCD, SQuAD).

Everything is read in Simplified: a Traditional paragraph is converted with OpenCC's offset map
(:func:`rag.ingest.scripts.matching_view`) and each answer's offsets are re-mapped through it and checked (the
converted span must equal the converted answer text; a question whose answer does not check is dropped and
counted). Unanswerable examples, SQuAD 2.0 style, pair a question with a paragraph that does not hold its
answer: another paragraph of the same article, or the closest paragraph of another article (by the question's
character bigrams, the way a keyword retriever would find it).
"""

from __future__ import annotations

import bisect
import hashlib
import math
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from rag.ingest.scripts import matching_view, to_simplified
from rag.ingest.squad import load_squad

__all__ = ["BigramIndex", "Example", "add_negatives", "article_group", "load_examples", "split_by_article"]


@dataclass(frozen=True)
class Example:
    """One question against one paragraph. ``answer_start == -1``: the paragraph does not answer it."""

    qid: str
    question: str  # Simplified
    context: str  # Simplified
    answer_start: int
    answer_end: int
    answers: tuple[
        str, ...
    ]  # the question's gold answer texts (Simplified; an unanswerable example keeps them)
    group: str  # the article: "<file>/<title>" (held-out splits are made of whole articles)
    paragraph: str

    @property
    def answerable(self) -> bool:
        return self.answer_start >= 0


def _simplified_paragraph(context: str) -> tuple[str, list[int]]:
    view = matching_view(context)
    return view.simplified, list(view.to_original)


def article_group(path: Path | str, title: str, paragraph_id: str) -> str:
    """The article a paragraph of the SQuAD file ``path`` belongs to (``Example.group``): held-out splits and the
    benchmarks' tune/report split are made of whole articles."""
    return f"{Path(path).name}/{title or paragraph_id}"


def load_examples(paths: Iterable[Path | str]) -> tuple[list[Example], dict[str, int]]:
    """Answerable examples of every question of ``paths`` (first answer for training, all for metrics), and
    counts: questions read, kept, dropped (answer offsets that did not check)."""
    examples: list[Example] = []
    stats = {"questions": 0, "kept": 0, "dropped": 0}
    for path in paths:
        squad = load_squad(path)
        name = Path(path).name
        paragraphs = {p.id: p for p in squad.paragraphs}
        views: dict[str, tuple[str, list[int]]] = {}
        for q in squad.questions:
            stats["questions"] += 1
            para = paragraphs[q.paragraph_id]
            if para.id not in views:
                views[para.id] = _simplified_paragraph(para.context)
            text, to_original = views[para.id]
            golds = tuple(dict.fromkeys(to_simplified(a.text.strip()) for a in q.answers if a.text.strip()))
            first = next((a for a in q.answers if a.answer_start >= 0 and a.text.strip()), None)
            if first is None:
                stats["dropped"] += 1
                continue
            lead = len(first.text) - len(first.text.lstrip())
            o_start = first.answer_start + lead
            o_end = o_start + len(first.text.strip())
            start = bisect.bisect_left(to_original, o_start)
            end = bisect.bisect_left(to_original, o_end)
            if text[start:end] != to_simplified(first.text.strip()):
                stats["dropped"] += 1
                continue
            stats["kept"] += 1
            examples.append(
                Example(
                    q.id,
                    to_simplified(q.question),
                    text,
                    start,
                    end,
                    golds,
                    article_group(path, para.title, para.id),
                    f"{name}/{para.id}",
                )
            )
    return examples, stats


def split_by_article(
    examples: Sequence[Example], heldout: float, seed: int
) -> tuple[list[Example], list[Example]]:
    """``(train, held_out)``: ``heldout`` of the articles (at least one when there are two), chosen by a
    seeded hash of their names, go to held-out."""
    if not 0 <= heldout < 1:
        raise ValueError(f"heldout must be in [0, 1), got {heldout}")
    groups = sorted(
        {e.group for e in examples}, key=lambda g: hashlib.sha256(f"{seed}\0{g}".encode()).digest()
    )
    n = math.ceil(heldout * len(groups)) if heldout > 0 else 0
    held_groups = set(groups[: min(n, len(groups) - 1)])
    train = [e for e in examples if e.group not in held_groups]
    held = [e for e in examples if e.group in held_groups]
    return train, held


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1) if not any(c.isspace() for c in text[i : i + 2])}


class BigramIndex:
    """Paragraphs searchable by the IDF-weighted character bigrams they share with a question."""

    def __init__(self, examples: Sequence[Example]) -> None:
        self.paragraphs: dict[str, tuple[str, str]] = {}  # paragraph -> (group, context)
        for e in examples:
            self.paragraphs.setdefault(e.paragraph, (e.group, e.context))
        self.by_group: dict[str, list[str]] = defaultdict(list)
        self.postings: dict[str, list[str]] = defaultdict(list)
        for pid, (group, context) in self.paragraphs.items():
            self.by_group[group].append(pid)
            for bigram in _bigrams(context):
                self.postings[bigram].append(pid)
        n = len(self.paragraphs)
        self.idf = {b: math.log(1 + n / len(ps)) for b, ps in self.postings.items()}

    def ranked(self, question: str, *, limit: int = 10) -> list[str]:
        """Paragraph ids, closest to ``question`` first."""
        scores: dict[str, float] = defaultdict(float)
        for bigram in _bigrams(question):
            for pid in self.postings.get(bigram, ()):
                scores[pid] += self.idf[bigram]
        return sorted(scores, key=lambda p: (-scores[p], p))[:limit]


def _holds(context: str, answers: Sequence[str]) -> bool:
    return any(a and a in context for a in answers)


def add_negatives(
    examples: Sequence[Example], index: BigramIndex, *, same: float, other: float, seed: int
) -> list[Example]:
    """Unanswerable examples for ``examples``: with probability ``same`` the question against another
    paragraph of its article (the closest one), with probability ``other`` against the closest paragraph of
    another article; never a paragraph that contains a gold answer's text."""
    rng = random.Random(seed)
    out = []
    for e in examples:
        ranked = index.ranked(e.question, limit=20)
        if rng.random() < same:
            siblings = [p for p in ranked if index.paragraphs[p][0] == e.group and p != e.paragraph]
            siblings += [p for p in index.by_group[e.group] if p != e.paragraph and p not in siblings]
            pick = next((p for p in siblings if not _holds(index.paragraphs[p][1], e.answers)), None)
            if pick is not None:
                out.append(_negative(e, pick, index))
        if rng.random() < other:
            strangers = [p for p in ranked if index.paragraphs[p][0] != e.group]
            pick = next((p for p in strangers if not _holds(index.paragraphs[p][1], e.answers)), None)
            if pick is not None:
                out.append(_negative(e, pick, index))
    return out


def _negative(e: Example, paragraph: str, index: BigramIndex) -> Example:
    group, context = index.paragraphs[paragraph]
    return replace(e, context=context, answer_start=-1, answer_end=-1, group=group, paragraph=paragraph)
