"""Question answering over Chinese news articles (Traditional and Simplified).

Scripts use ``rag.retrieve(question, k=5, index=None)`` and ``rag.answer(question, index=None, history=None)``;
heavy parts (models, indexes) load on first use. The package is one folder per pipeline stage, each importing
only the stages below it (see README, "Layout"): ``ingest``, ``embed``, ``search``, ``index``, ``extract``,
``eval``, ``app``, over the core modules ``errors``, ``types``, ``settings``, ``timing`` and ``metrics``.
"""

from rag.app.api import answer, get_index, retrieve
from rag.errors import RagError
from rag.search import Hit
from rag.types import Answer, Article, Chunk, Citation

__all__ = ["Answer", "Article", "Chunk", "Citation", "Hit", "RagError", "answer", "get_index", "retrieve"]
__version__ = "0.1.0"
