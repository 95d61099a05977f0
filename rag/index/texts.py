"""What the models see of a chunk and of a sentence (the embed-text policy), in Simplified.

The dense model and BM25 both read a chunk with its article's title (and subtitle) in front: the title gives
a passage its topic, and one script on both sides makes a Traditional question meet a Simplified passage.
A sentence is embedded alone, without the title.
"""

from __future__ import annotations

from rag.ingest.scripts import matching_view
from rag.types import Article, Chunk, Span

__all__ = ["embed_text", "sentence_text"]


def embed_text(article: Article, chunk: Chunk, *, title_context: bool = True) -> str:
    """What the dense model and BM25 see for a chunk (see the module doc)."""
    context = " ".join(t for t in (article.title, article.subtitle) if t) if title_context else ""
    text = f"{context}\n{chunk.text}" if context else chunk.text
    return matching_view(text).simplified


def sentence_text(article: Article, span: Span) -> str:
    """What the dense model sees for one sentence: its Simplified view, without title context."""
    return matching_view(
        article.text[span.start : span.end].strip() or article.text[span.start : span.end]
    ).simplified
