"""Single questions over the seeds, end to end: paraphrases answered right, on-topic unanswerable ones refused.

    .venv/bin/python benchmarks/seed_questions.py [--reader DIR] [--out FILE]

The cases are ``tests/seed_cases.py``; each is asked through ``rag.extract.answer_from`` on the seeds index
(real embedder, built under ``cache_dir()/bench`` on first use, shared with ``followups.py``) with the reader
``--reader`` / ``$RAG_READER`` / the shipped one. Right: the short answer matches an accepted one (CMRC 2018 EM,
in Simplified) and the first citation is from the case's article; for an unanswerable case, the question refused.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

from followups import answered_right, seeds_index, share  # noqa: E402
from report import emit  # noqa: E402
from seed_cases import SEED_CASES  # noqa: E402


def run(reader_name: str | None) -> dict[str, Any]:
    from rag.extract import answer_from
    from rag.reader import load_reader

    index = seeds_index()
    reader = load_reader(reader_name)
    answerable: list[bool] = []
    refused: list[bool] = []
    misses = []
    for question, golds, article in SEED_CASES:
        a = answer_from(index, question, reader=reader)
        ok = answered_right(a, golds, article)
        (answerable if golds else refused).append(ok)
        if not ok:
            source = a.citations[0].article_id if a.citations else None
            misses.append(
                {"asked": question, "got": a.answer, "found": a.found, "source": source, "expected": golds}
            )
    flags = answerable + refused
    return {
        "benchmark": "seed_questions",
        "reader": reader_name or "default",
        "cases": len(flags),
        "right": share(flags),
        "answerable": {"n": len(answerable), "right": share(answerable)},
        "unanswerable_refused": {"n": len(refused), "right": share(refused)},
        "misses": misses,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--reader", default=None, help="reader directory or HF QA model (default: the shipped one)"
    )
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON report here")
    args = parser.parse_args(argv)
    emit(run(args.reader), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
