"""How many dates and outlets are read right from news files, and how many dates are made up.

    .venv/bin/python benchmarks/news_meta.py [--out benchmarks/results/news_meta.json]

The fixture is ``tests/news_fixtures.py``: 36 saved pages in 12 layouts of real news sites (Xinhua, People's
Daily in UTF-8 and GBK, Sina, Sohu, NetEase, China News in GB2312, The Paper's JSON-LD, CNA and the Liberty
Times in Big5, a page dated only by its URL, an undated page whose related links carry dates), 5 text files
(a header dateline, a wire dateline without a year, a byline, dates only inside sentences, a footer dateline)
and 10 archive rows (JSONL with aliases, GBK CSV with Chinese column names). Targets: ≥ 95 % of dates and of
outlets right, 0 dates invented (a date where the gold has none).
"""

from __future__ import annotations

import platform
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from news_bench import parser  # puts the repository and tests/ on the path

# isort: split
import news_fixtures as F
from report import emit


def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__).parse_args(argv)
    from rag.ingest.files import read_documents

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        cases = (
            F.write_pages(root / "pages")
            + F.write_texts(root / "texts")
            + F.write_archives(root / "archives")
        )
        started = time.perf_counter()
        read = {c.path: read_documents(c.path) for c in cases}
        seconds = time.perf_counter() - started
        per_layout: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        dates = outlets = invented = missed = 0
        wrong = []
        for c in cases:
            a = next(x for x in read[c.path].articles if not c.title or x.title == c.title)
            date_ok, outlet_ok = a.published == c.published, a.outlet == c.outlet
            dates += date_ok
            outlets += outlet_ok
            invented += bool(a.published) and not c.published
            missed += bool(c.published) and not a.published
            row = per_layout[c.layout]
            row[0] += 1
            row[1] += date_ok
            row[2] += outlet_ok
            if not (date_ok and outlet_ok):
                wrong.append({"file": c.path.name, "layout": c.layout, "published": a.published,
                              "gold_published": c.published, "outlet": a.outlet, "gold_outlet": c.outlet})  # fmt: skip
    n = len(cases)
    return emit(
        {
            "benchmark": "news_meta",
            "machine": f"{platform.machine()}, {platform.python_version()}",
            "files": n,
            "dated_in_gold": sum(bool(c.published) for c in cases),
            "dates_right": round(dates / n, 4),
            "outlets_right": round(outlets / n, 4),
            "dates_invented": invented,
            "dates_missed": missed,
            "per_layout": {
                k: {"files": v[0], "dates_right": v[1], "outlets_right": v[2]} for k, v in per_layout.items()
            },
            "wrong": wrong,
            "read_seconds_total": round(seconds, 2),
            "targets": {"dates_right": 0.95, "outlets_right": 0.95, "dates_invented": 0},
        },
        args.out,
    )


if __name__ == "__main__":
    sys.exit(main())
