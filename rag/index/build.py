"""Building and updating an index directory: one writer at a time (``flock``), atomic, incremental.

:func:`build_index` (documents on disk), :func:`index_articles` (articles in memory) and
:func:`update_index` (add or remove articles, keeping the rest) share their options
(:class:`BuildOptions`, :class:`WriteOptions`). A :class:`~rag.index.hooks.CommitHook` in the options
acts on each new generation before it goes live; the Milvus copy is one (:class:`rag.index.migrate.MilvusCopy`,
which the app layer passes in).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from rag.embed.load import load_embedder
from rag.index.layout import writer_lock
from rag.index.load import load_index
from rag.index.options import BuildOptions, Progress, WriteOptions, own_method
from rag.index.report import BuildReport
from rag.index.sync import SyncRequest, sync
from rag.ingest.chunk import ChunkParams
from rag.ingest.files import ingest
from rag.types import Article

__all__ = ["BuildOptions", "Progress", "WriteOptions", "build_index", "index_articles", "update_index"]


def build_index(
    docs: Sequence[Path | str], directory: Path | str, options: BuildOptions | None = None
) -> BuildReport:
    """Make the index at ``directory`` hold exactly the articles under ``docs``: new and changed articles are
    embedded, unchanged ones keep their vectors, removed ones are dropped. Atomic; one writer at a time."""
    options = options or BuildOptions()
    doc_paths = [Path(d) for d in docs]
    result = ingest(doc_paths, options.params)
    report = index_articles(
        result.articles, directory, replace(options, docs=tuple(str(p) for p in doc_paths))
    )
    report.skipped = result.skipped
    report.notes = result.notes
    return report


def index_articles(
    articles: Sequence[Article], directory: Path | str, options: BuildOptions | None = None
) -> BuildReport:
    """``build_index`` for articles already in memory (evaluation corpora, uploads)."""
    options = options or BuildOptions()
    directory = Path(directory)
    request = SyncRequest(list(articles), options.embedder or load_embedder(None), options)
    with writer_lock(directory, options.lock_wait):
        return sync(directory, request)


def update_index(
    directory: Path | str,
    *,
    add: Sequence[Article] = (),
    remove: Iterable[str] = (),
    options: WriteOptions | None = None,
) -> BuildReport:
    """Add (or replace, by id) articles and remove others by id, keeping everything else as it is; chunking,
    title context, sentence vectors and store kind stay the index's own."""
    options = options or WriteOptions()
    directory = Path(directory)
    with writer_lock(directory, options.lock_wait):
        current = load_index(directory, embedder=options.embedder)
        chunking = current.manifest["chunking"]
        as_built = BuildOptions(  # the index's own chunking, title context and store kind
            params=ChunkParams(chunking["max_chars"], chunking["min_chars"]),
            title_context=chunking["title_context"],
            store_kind=current.manifest["store"]["kind"],
            sentence_vectors=own_method(current.manifest),
            docs=tuple(_docs_with(current.manifest.get("docs", []), add)),
            progress=options.progress,
            hook=options.hook,
        )
        embedder = options.embedder or current.embedder
        request = SyncRequest(list(add), embedder, as_built, keep_unlisted=True, remove=frozenset(remove))
        return sync(directory, request)


def _docs_with(docs: Sequence[str], added: Sequence[Article]) -> list[str]:
    """``docs`` plus the folders of added articles not under any of them, so that the rebuild command
    (``rebuild_hint``) brings those articles back too (e.g. the UI's uploads folder)."""
    out = list(docs)
    covered = {Path(d).resolve() for d in out}
    for a in added:
        folder = Path(a.source).resolve().parent if a.source else None
        if folder is not None and folder.is_dir() and not ({folder, *folder.parents} & covered):
            out.append(str(folder))
            covered.add(folder)
    return out
