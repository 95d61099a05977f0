"""Stage ``ingest``: documents to articles and chunks. Bytes are decoded (UTF-8/16, GBK/GB18030, Big5),
cleaned, described (title, outlet, paragraphs), chunked with exact offsets, and seen in Simplified through
OpenCC (the matching view); SQuAD-format files are read as articles too.

May import: the core modules.
"""

from rag.ingest.article import derive_title, parse_article, parse_byline
from rag.ingest.chunk import ChunkParams, chunk_article, split_sentences
from rag.ingest.files import MAX_DOCUMENT_BYTES, SUFFIXES, IngestResult, collect_files, ingest, read_article
from rag.ingest.scripts import MatchingView, detect_script, matching_view, to_simplified, to_traditional
from rag.ingest.squad import SquadAnswer, SquadParagraph, SquadQuestion, SquadSet, load_squad, squad_articles

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "SUFFIXES",
    "ChunkParams",
    "IngestResult",
    "MatchingView",
    "SquadAnswer",
    "SquadParagraph",
    "SquadQuestion",
    "SquadSet",
    "chunk_article",
    "collect_files",
    "derive_title",
    "detect_script",
    "ingest",
    "load_squad",
    "matching_view",
    "parse_article",
    "parse_byline",
    "read_article",
    "split_sentences",
    "squad_articles",
    "to_simplified",
    "to_traditional",
]
