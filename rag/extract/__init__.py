"""Stage ``extract``: answers quoted from the retrieved passages, with citations (no generative model).
Follow-up resolution (:mod:`~rag.extract.followup`, reading the question phrase of :mod:`~rag.extract.qtype`
and the entities of :mod:`~rag.extract.entities`), the windows the reader reads (:mod:`~rag.extract.passages`),
and the assembly of the :class:`~rag.types.Answer` from the reader's spans; :func:`answer_from` runs them all.

May import: the core modules, ``ingest``, ``embed``, ``reader``, ``search`` and ``index``.
"""

from rag.extract.assemble import Found, normalize_answer
from rag.extract.params import DEFAULT_PARAMS, ReadParams
from rag.extract.pipeline import Reading, answer_from, read_question

__all__ = [
    "DEFAULT_PARAMS",
    "Found",
    "ReadParams",
    "Reading",
    "answer_from",
    "normalize_answer",
    "read_question",
]
