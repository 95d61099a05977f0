"""What the models see of a chunk and of a sentence (the embed-text policy), in Simplified.

The dense model and BM25 both read a chunk with its article's title (and subtitle) in front: the title gives
a passage its topic, and one script on both sides makes a Traditional question meet a Simplified passage.
A sentence's vector comes either from its chunk's forward pass (late chunking, the default:
:func:`embed_text_and_spans` locates each sentence inside the chunk's embed text) or from embedding the sentence
alone, without the title (:func:`sentence_text`).
"""

from __future__ import annotations

from bisect import bisect_left

from rag.ingest.scripts import matching_view
from rag.types import Article, Chunk, Span

__all__ = ["embed_text", "embed_text_and_spans", "sentence_text"]


def _context(article: Article, title_context: bool) -> str:
    context = " ".join(t for t in (article.title, article.subtitle) if t) if title_context else ""
    return f"{context}\n" if context else ""


def embed_text(article: Article, chunk: Chunk, *, title_context: bool = True) -> str:
    """What the dense model and BM25 see for a chunk (see the module doc)."""
    return matching_view(_context(article, title_context) + chunk.text).simplified


def embed_text_and_spans(
    article: Article, chunk: Chunk, *, title_context: bool = True
) -> tuple[str, list[tuple[int, int]]]:
    """:func:`embed_text` and where each of ``chunk.sentences`` lies in it: ``(start, end)`` offsets, exact
    through the Simplified view's offset map (one conversion for both: what late chunking reads)."""
    context = _context(article, title_context)
    view = matching_view(context + chunk.text)
    shift = len(context) - chunk.start
    to_original = view.to_original
    spans = [
        (bisect_left(to_original, span.start + shift), bisect_left(to_original, span.end + shift))
        for span in chunk.sentences
    ]
    return view.simplified, spans


def sentence_text(article: Article, span: Span) -> str:
    """What the dense model sees for one sentence: its Simplified view, without title context."""
    return matching_view(
        article.text[span.start : span.end].strip() or article.text[span.start : span.end]
    ).simplified
