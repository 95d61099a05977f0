"""Stage ``eval``: retrieval and answer metrics on SQuAD-format files (CMRC 2018, DRCD) over pooled
indexes (every paragraph of a file in one index, every question asked against all of them).

May import: the core modules, ``ingest``, ``embed``, ``reader``, ``search``, ``index`` and ``extract``.
"""

from rag.eval.evaluate import LATENCY_SAMPLE, evaluate_file, evaluate_index, format_report, paragraph_ranks
from rag.eval.pooled import EVAL_FORMAT, pooled_index, pooled_index_dir, question_vectors

__all__ = [
    "EVAL_FORMAT",
    "LATENCY_SAMPLE",
    "evaluate_file",
    "evaluate_index",
    "format_report",
    "paragraph_ranks",
    "pooled_index",
    "pooled_index_dir",
    "question_vectors",
]
