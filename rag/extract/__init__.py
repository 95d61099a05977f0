"""Stage ``extract``: answers quoted from the retrieved passages, with citations (no generative model).
Question analysis (:mod:`~rag.extract.qtype`), follow-up resolution, candidate short answers, sentence and
span scoring, and the assembly of the :class:`~rag.types.Answer`; :func:`answer_from` runs them all.

May import: the core modules, ``ingest``, ``embed``, ``reader`` (a trained span reader, when it lands),
``search`` and ``index``.
"""

from rag.extract.assemble import normalize_answer
from rag.extract.params import (
    CONFIDENCE_FEATURES,
    DEFAULT_PARAMS,
    SENTENCE_FEATURES,
    SPAN_FEATURES,
    AnswerParams,
)
from rag.extract.pipeline import Reading, answer_from, read_question
from rag.extract.sentences import MIN_FIT, STRICT_KINDS, confidence_features

__all__ = [
    "CONFIDENCE_FEATURES",
    "DEFAULT_PARAMS",
    "MIN_FIT",
    "SENTENCE_FEATURES",
    "SPAN_FEATURES",
    "STRICT_KINDS",
    "AnswerParams",
    "Reading",
    "answer_from",
    "confidence_features",
    "normalize_answer",
    "read_question",
]
