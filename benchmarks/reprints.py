"""Reprint grouping measured on a fixture made from the seeds, and the containment threshold chosen from it.

    .venv/bin/python benchmarks/reprints.py [--out benchmarks/results/reprints.json]

Fixture (``tests/news_fixtures.py: reprint_corpus``): per seed, the seed, five reprints (another headline;
light edits: words swapped, sentences dropped, ASCII commas; truncated to 60 %; the other script; all of these
at once, truncated to 80 %) and two non-copies (one number changed; the same news in other words), 40 articles,
75 gold pairs; the other seeds (three about 作风建设) are same-topic non-copies of each other. Reported: pair
precision and recall for a sweep of containment thresholds, the lowest containment of a gold pair and the highest
of a non-copy pair that no number conflict separates (the gap the threshold sits in), and the time to group.
Targets: precision and recall ≥ 0.95.
"""

from __future__ import annotations

import sys
import time
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from news_bench import ROOT, parser  # puts the repository and tests/ on the path

# isort: split
import news_fixtures as F
from report import emit


def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__).parse_args(argv)
    import numpy as np

    from rag.ingest import read_article
    from rag.ingest import reprints as R

    seeds = {p.stem[:3]: read_article(p) for p in sorted((ROOT / "seeds").glob("*.txt"))}
    articles, gold = F.reprint_corpus(seeds)
    keys = [R.body_key(a) for a in articles]
    shingles = [R.shingles(k, R.ReprintParams().shingle) for k in keys]
    same = {frozenset(p) for g in gold for p in combinations(g, 2)}
    copies, others = [], []
    for i, j in combinations(range(len(articles)), 2):
        containment = np.intersect1d(shingles[i], shingles[j]).size / min(shingles[i].size, shingles[j].size)
        if frozenset((articles[i].id, articles[j].id)) in same:
            copies.append(containment)
        elif not R.numbers_conflict(keys[i], keys[j]):
            others.append(containment)
    sweep = {}
    for threshold in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95):
        found = R.find_reprints(articles, R.ReprintParams(containment=threshold))
        sweep[str(threshold)] = F.pair_scores(found, gold)
    R.find_reprints(articles)  # warm: datasketch's import
    started = time.perf_counter()
    found = R.find_reprints(articles)
    seconds = time.perf_counter() - started
    chosen = R.ReprintParams()
    return emit(
        {
            "benchmark": "reprints",
            "articles": len(articles),
            "gold_groups": len(gold),
            "params": chosen.to_dict(),
            "at_default": F.pair_scores(found, gold),
            "lowest_containment_of_a_reprint_pair": round(min(copies), 4),
            "highest_containment_of_a_non_copy_pair_without_number_conflict": round(max(others), 4),
            "sweep": sweep,
            "group_seconds": round(seconds, 3),
            "targets": {"precision": 0.95, "recall": 0.95},
        },
        args.out,
    )


if __name__ == "__main__":
    sys.exit(main())
