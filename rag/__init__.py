"""Question answering over Chinese news articles (Traditional and Simplified).

Scripts use ``rag.retrieve(question, k=5, index=None)`` and ``rag.answer(question, index=None, history=None)``; heavy parts (models, indexes) load on first use.
"""

# rag.api imports the submodules rag.answer and rag.retrieve first, so these functions, bound after them,
# are what ``rag.answer`` and ``rag.retrieve`` name (a submodule imported later would replace the name)
from rag.api import answer, get_index, retrieve
from rag.errors import RagError
from rag.retrieve import Hit
from rag.types import Answer, Article, Chunk, Citation

__all__ = ["Answer", "Article", "Chunk", "Citation", "Hit", "RagError", "answer", "get_index", "retrieve"]
__version__ = "0.1.0"
