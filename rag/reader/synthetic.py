"""What the synthetic training generators share (:mod:`~rag.reader.news`, :mod:`~rag.reader.reports`): a
paragraph written piece by piece that remembers where each answer landed, and the examples made of it."""

from __future__ import annotations

from rag.reader.data import Example

__all__ = ["Writer", "example"]


class Writer:
    """A paragraph written piece by piece; :meth:`add` returns where the piece landed."""

    def __init__(self) -> None:
        self.text = ""

    def add(self, piece: str) -> tuple[int, int]:
        start = len(self.text)
        self.text += piece
        return start, len(self.text)


def example(group: str, question: str, text: str, span: tuple[int, int] | None) -> Example:
    """One synthetic question against its paragraph; ``span`` None: the paragraph does not answer it. Each
    paragraph is its own article (``group``), so a held-out split never divides one."""
    if span is None:
        return Example(f"{group}/q", question, text, -1, -1, (), group, group)
    start, end = span
    return Example(f"{group}/q", question, text, start, end, (text[start:end],), group, group)
