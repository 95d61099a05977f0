"""What the news benchmarks (``news_meta``, ``reprints``, ``news_filters``) share: the repository and ``tests/``
on ``sys.path`` on import (their fixtures are ``tests/news_fixtures.py``), and their ``--out`` option."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["ROOT", "parser"]

ROOT = Path(__file__).resolve().parent.parent
for _folder in (ROOT, ROOT / "benchmarks", ROOT / "tests"):
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))


def parser(doc: str) -> argparse.ArgumentParser:
    """An argument parser described by the first line of ``doc``, with ``--out PATH``."""
    made = argparse.ArgumentParser(description=doc.split("\n")[0])
    made.add_argument("--out", type=Path, help="also write the JSON report here")
    return made
