"""Stage ``index``: the index directory. Generations committed atomically behind ``CURRENT``, one writer at
a time; the manifest; loading (every part checked) into an :class:`Index`; incremental builds and updates
with one options object; the embed-text policy; and the Milvus copy of a generation (:mod:`rag.index.milvus`,
:mod:`rag.index.migrate`), which building runs only as a hook it is handed.

May import: the core modules, ``ingest``, ``embed``, ``search`` and ``vectorstore``.
"""

from rag.index.build import build_index, index_articles, update_index
from rag.index.hooks import CommitHook, GenerationContent
from rag.index.layout import current_generation, live_generation_name, rebuild_hint, writer_lock
from rag.index.live import Index
from rag.index.load import load_index
from rag.index.manifest import FORMAT, FORMAT_VERSION, read_manifest
from rag.index.options import BuildOptions, Progress, SentenceVectors, WriteOptions
from rag.index.report import BuildReport
from rag.index.sync import TITLE_WEIGHT, mean_texts, mean_vector
from rag.index.texts import embed_text, sentence_text, title_text

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "TITLE_WEIGHT",
    "BuildOptions",
    "BuildReport",
    "CommitHook",
    "GenerationContent",
    "Index",
    "Progress",
    "SentenceVectors",
    "WriteOptions",
    "build_index",
    "current_generation",
    "embed_text",
    "index_articles",
    "live_generation_name",
    "load_index",
    "mean_texts",
    "mean_vector",
    "read_manifest",
    "rebuild_hint",
    "sentence_text",
    "title_text",
    "update_index",
    "writer_lock",
]
