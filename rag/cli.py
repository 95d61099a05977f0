"""``python -m rag``: a thin command line over the library. Library errors become messages and exit code 2."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from rag.errors import RagError

__all__ = ["main"]

Handler = Callable[[argparse.Namespace], int]


def _print_json(obj: object) -> None:
    json.dump(obj, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def _cmd_ingest(args: argparse.Namespace) -> int:
    from rag.ingest import ingest

    result = ingest(args.paths)
    if args.json:
        _print_json(result.to_dict())
        return 0
    for a in result.articles:
        n = sum(c.article_id == a.id for c in result.chunks)
        print(f"{a.id}  [{a.script}] {a.title}")
        meta = [f"outlet: {a.outlet}" if a.outlet else "", f"reporter: {a.reporter}" if a.reporter else ""]
        if a.subtitle:
            meta.insert(0, f"subtitle: {a.subtitle}")
        meta.append(f"{len(a.paragraphs)} paragraphs, {n} chunks, {len(a.text)} chars")
        if a.low_quality:
            meta.append(f"{len(a.low_quality)} mojibake spans")
        print("    " + "; ".join(m for m in meta if m))
    for s in result.skipped:
        print(f"skipped {s.source}: {s.reason}", file=sys.stderr)
    print(f"{len(result.articles)} articles, {len(result.chunks)} chunks, {len(result.skipped)} skipped")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m rag", description="Chinese news question answering")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="show the articles and chunks that indexing would make")
    p.add_argument("paths", nargs="+", type=Path, help="files or directories (.txt, .md, .html)")
    p.add_argument("--json", action="store_true", help="one JSON object: articles, chunks, skipped")
    p.set_defaults(handler=_cmd_ingest)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and the like
        return 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
