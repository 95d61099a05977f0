"""Stage ``reader``: the trained extractive reader. A question and passages become model windows with exact
character offsets (:mod:`~rag.reader.windows`), a transformer with a start/end head scores spans and "no answer"
(:mod:`~rag.reader.model`, :mod:`~rag.reader.spans`); the reader shipped in ``weights/`` is a LoRA adapter over
the rebuilt multilingual-e5-small, trained and calibrated by ``python -m rag.reader.train``.

May import: the core modules, ``ingest`` (Traditional → Simplified, SQuAD files) and ``embed`` (the base model).
"""

from rag.reader.fake import FakeReader
from rag.reader.load import load_reader, set_default_reader
from rag.reader.model import SpanReader, default_reader_dir
from rag.reader.protocol import Reader
from rag.reader.spans import SpanPrediction

__all__ = [
    "FakeReader",
    "Reader",
    "SpanPrediction",
    "SpanReader",
    "default_reader_dir",
    "load_reader",
    "set_default_reader",
]
