"""Filtered and "latest" questions on a dated corpus: does the filter change the answer to the right article, and
is a "latest" question answered from the newest one?

    .venv/bin/python benchmarks/news_filters.py [--model NAME_OR_PATH|fake] [--out benchmarks/results/news_filters.json]

Corpus: ``tests/news_fixtures.py: write_dated_corpus`` — a port's yearly report in three years and outlets (the
figure changing: 3012, 3265, 3418万吨), a reprint of the newest on 新浪网, three unrelated stories. Each case is
a question, a filter and the article that must answer it; "latest" cases ask 最新/目前/最近/截至目前 with no
filter. Retrieval: the case passes when the top hit is that article. Answers: with the shipped trained reader (or
``$RAG_READER``) when one is installed, the case passes when the answer is that article's figure and its first
citation that article ("reader": "missing" otherwise).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from news_bench import parser  # puts the repository and tests/ on the path

# isort: split
import news_fixtures as F
from report import emit

Q = F.PORT_QUESTION
CASES: list[tuple[str, dict[str, Any], str]] = [
    (Q, {"since": "2022-01-01", "until": "2022-12-31"}, "news-port-2022"),
    (Q, {"since": "2021", "until": "2021"}, "news-port-2021"),
    (Q, {"since": "2023-03"}, "news-port-2023"),
    (Q, {"outlets": ["新华网"]}, "news-port-2021"),
    (Q, {"outlets": ["人民日报"]}, "news-port-2022"),
    (Q, {"outlets": ["新浪网"]}, "news-port-2023-sina"),
    ("秦皇島港前兩個月累計完成貨物吞吐量多少？", {"outlets": ["人民日報"]}, "news-port-2022"),
    ("秦皇岛港最新的货物吞吐量是多少？", {}, "news-port-2023"),
    ("目前秦皇岛港前两个月的货物吞吐量是多少？", {}, "news-port-2023"),
    ("最近一次报道的秦皇岛港前两月吞吐量是多少？", {}, "news-port-2023"),
    ("截至目前，秦皇岛港前两个月完成货物吞吐量多少？", {}, "news-port-2023"),
]
FIGURE = {"news-port-2021": "3012万吨", "news-port-2022": "3265万吨", "news-port-2023": "3418万吨",
          "news-port-2023-sina": "3418万吨"}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    options = parser(__doc__)
    options.add_argument("--model", default=None, help="embedding model (default: the bundled e5-small)")
    args = options.parse_args(argv)
    from rag.embed import load_embedder
    from rag.errors import ModelError
    from rag.extract import answer_from
    from rag.index import BuildOptions, build_index, load_index
    from rag.reader import load_reader
    from rag.search import retrieve_from

    embedder = load_embedder(args.model)
    try:
        reader = load_reader()
        reader.warm_up()  # loads it: the trained reader may not be installed yet
    except (ModelError, OSError, ValueError):
        reader = None
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        F.write_dated_corpus(root / "docs")
        build_index(
            [root / "docs"], root / "index", BuildOptions(embedder=embedder, progress=lambda f, m: None)
        )
        index = load_index(root / "index", embedder=embedder)
        for question, filters, expected in CASES:
            hits = retrieve_from(index, question, k=5, **filters)
            row: dict[str, Any] = {"question": question, "filters": filters, "expected": expected,
                                   "top_hit": hits[0].article_id if hits else None}  # fmt: skip
            row["retrieval_ok"] = row["top_hit"] == expected
            if reader is not None:
                answer = answer_from(index, question, reader=reader, **filters)
                cited = answer.citations[0].article_id if answer.citations else None
                row.update(answer=answer.answer, cited=cited)
                row["answer_ok"] = answer.answer == FIGURE[expected] and cited == expected
            rows.append(row)
    report: dict[str, Any] = {
        "benchmark": "news_filters",
        "model": embedder.name,
        "reader": getattr(reader, "name", "missing") if reader is not None else "missing",
        "cases": len(rows),
        "retrieval_right": sum(r["retrieval_ok"] for r in rows),
        "rows": rows,
    }
    if reader is not None:
        report["answers_right"] = sum(r["answer_ok"] for r in rows)
    return emit(report, args.out)


if __name__ == "__main__":
    sys.exit(main())
