"""Stage ``search``: the passages that answer a question. A jieba BM25 keyword index, dense candidates from
a vector store, and their fusion on per-question normalized scores, over any index that fits
:class:`~rag.search.protocols.SearchIndex` (the live one is :class:`rag.index.Index`).

May import: the core modules, ``ingest``, ``embed`` and ``vectorstore``.
"""

from rag.search.bm25 import BM25_METHODS, BM25Params, KeywordIndex
from rag.search.filters import ArticleFilter, FilterTable, Selection, make_filter, outlet_key, select
from rag.search.fusion import NORMALIZATIONS, FusionParams, fuse_scores
from rag.search.protocols import KeywordEngine, KeywordSearch, SearchIndex, VectorSearch
from rag.search.question import LATEST_WORDS, MAX_QUESTION_CHARS, asks_latest, prepare_question, query_text
from rag.search.retrieve import (
    Hit,
    Ranking,
    keyword_scores,
    rank_chunks,
    retrieve_from,
    selection_for,
    sentence_scores,
)
from rag.search.tokenizer import (
    DEFAULT_STOPWORDS,
    DOMAIN_WORDS,
    TOKENIZER_VERSION,
    KeywordTokenizer,
    default_tokenizer,
)

__all__ = [
    "BM25_METHODS",
    "DEFAULT_STOPWORDS",
    "DOMAIN_WORDS",
    "LATEST_WORDS",
    "MAX_QUESTION_CHARS",
    "NORMALIZATIONS",
    "TOKENIZER_VERSION",
    "ArticleFilter",
    "BM25Params",
    "FilterTable",
    "FusionParams",
    "Hit",
    "KeywordEngine",
    "KeywordIndex",
    "KeywordSearch",
    "KeywordTokenizer",
    "Ranking",
    "SearchIndex",
    "Selection",
    "VectorSearch",
    "asks_latest",
    "default_tokenizer",
    "fuse_scores",
    "keyword_scores",
    "make_filter",
    "outlet_key",
    "prepare_question",
    "query_text",
    "rank_chunks",
    "retrieve_from",
    "select",
    "selection_for",
    "sentence_scores",
]
