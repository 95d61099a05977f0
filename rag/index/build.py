"""The index directory: dense vectors (FAISS), BM25 keywords, chunks and articles, under one manifest.

Layout. A writer builds a complete *generation* beside the live one and then replaces ``CURRENT`` (one small file)
with ``os.replace``; a crash at any point leaves the previous generation live and loadable::

    index/
      CURRENT                  name of the live generation
      .lock                    held by the one writer (flock)
      g-<time>-<pid>/
        manifest.json          format, model, dimension, prompts, chunking, keyword params, corpus hash, counts
        articles.jsonl         one Article per line (cleaned text and offsets)
        chunks.jsonl           one Chunk per line; line i is vector id i
        embeddings.npy         float32 (n, dim), L2-normalized; lets a store be rebuilt without re-embedding
        sentences.npy          float32 (s, dim): one vector per sentence of every chunk, in chunk order (for
                               sentence-level evidence: answer extraction and reranking)
        store/                 the vector store's own files (vectorstore package)
        keyword/               the BM25 index files (rag.keyword)

No pickle anywhere: JSON, JSON Lines and ``.npy`` with ``allow_pickle=False``.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rag.chunk import ChunkParams, chunk_article
from rag.errors import IndexBusyError, IndexError_, IndexMismatchError, IndexMissingError
from rag.ingest import ingest
from rag.scripts import matching_view
from rag.types import Article, Chunk, Skipped, article_from_dict, chunk_from_dict

__all__ = [
    "FORMAT_VERSION",
    "BuildReport",
    "Index",
    "build_index",
    "embed_text",
    "index_articles",
    "load_index",
    "sentence_text",
    "update_index",
]

FORMAT = "rag-news-index"
FORMAT_VERSION = 1
Progress = Callable[[float, str], None]


def _package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("rag-news")
    except PackageNotFoundError:
        return "0+unknown"


def embed_text(article: Article, chunk: Chunk, *, title_context: bool = True) -> str:
    """What the dense model and BM25 see for a chunk, in Simplified: the article title (and subtitle) gives a
    passage its topic, and one script on both sides makes a Traditional question meet a Simplified passage."""
    context = " ".join(t for t in (article.title, article.subtitle) if t) if title_context else ""
    text = f"{context}\n{chunk.text}" if context else chunk.text
    return matching_view(text).simplified


def sentence_text(article: Article, span: Any) -> str:
    """What the dense model sees for one sentence: its Simplified view, without title context."""
    return matching_view(
        article.text[span.start : span.end].strip() or article.text[span.start : span.end]
    ).simplified


def _rebuild_hint(directory: Path, docs: Sequence[str] = ()) -> str:
    docs_arg = " ".join(f"--docs {d}" for d in docs) or "--docs DOCS_DIR"
    return f"rebuild it with: python -m rag index {docs_arg} --index {directory} --rebuild"


@dataclass
class BuildReport:
    directory: str
    articles: int = 0
    chunks: int = 0
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    embedded_chunks: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    seconds: float = 0.0
    rebuilt_because: str = ""
    milvus: dict[str, Any] = field(default_factory=dict)  # where the new generation was copied, if anywhere

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["skipped"] = [{"source": s.source, "reason": s.reason} for s in self.skipped]
        return d

    def summary(self) -> str:
        parts = [
            f"{self.articles} articles, {self.chunks} chunks",
            f"new {len(self.new)}, changed {len(self.changed)}, removed {len(self.removed)}, unchanged {self.unchanged}",
            f"embedded {self.embedded_chunks} chunks in {self.seconds:.1f} s",
        ]
        if self.rebuilt_because:
            parts.append(f"full rebuild: {self.rebuilt_because}")
        if self.skipped:
            parts.append(f"{len(self.skipped)} files skipped")
        if self.milvus:
            parts.append(f"copied into Milvus {self.milvus['uri']} ({self.milvus['collection']})")
        return "; ".join(parts)


class Index:
    """A loaded index. Cheap to hold; the embedding model loads on first query (``embedder``)."""

    def __init__(
        self,
        directory: Path | None,
        manifest: dict[str, Any],
        articles: dict[str, Article],
        chunks: list[Chunk],
        embeddings: np.ndarray,
        store: Any,
        keyword: Any,
        embedder: Any = None,
        sentence_embeddings: np.ndarray | None = None,
    ) -> None:
        self.directory = directory
        self.manifest = manifest
        self.articles = articles
        self.chunks = chunks
        self.embeddings = embeddings
        self.store = store
        self.keyword = keyword
        self._embedder = embedder
        self._embedder_lock = threading.Lock()
        self._views: list[Any] | None = None
        self.sentence_embeddings = sentence_embeddings
        # row of each chunk's first sentence in sentence_embeddings; chunk i owns rows [first[i], first[i + 1])
        self.sentence_first = np.concatenate([[0], np.cumsum([len(c.sentences) for c in chunks])]).astype(
            np.int64
        )

    def __len__(self) -> int:
        return len(self.chunks)

    def __repr__(self) -> str:
        return f"Index({self.directory}, {len(self.articles)} articles, {len(self.chunks)} chunks)"

    @property
    def embedder(self) -> Any:
        """The model that embedded this index (loaded on first use, from the manifest's model name)."""
        if self._embedder is None:
            from rag.embed import load_embedder

            with self._embedder_lock:  # one model, however many threads ask at once
                if self._embedder is None:
                    self._embedder = load_embedder(self.manifest["model"]["name"])
        return self._embedder

    def view(self, position: int) -> Any:
        """The Simplified matching view of chunk ``position`` (for highlighting keyword matches)."""
        if self._views is None:
            self._views = [None] * len(self.chunks)
        if self._views[position] is None:
            self._views[position] = matching_view(self.chunks[position].text)
        return self._views[position]

    def sentence_vectors(self, position: int) -> np.ndarray:
        """The vectors of chunk ``position``'s sentences, one row per ``chunk.sentences`` entry."""
        if self.sentence_embeddings is None:
            raise ValueError("this index has no sentence vectors")
        return np.asarray(
            self.sentence_embeddings[self.sentence_first[position] : self.sentence_first[position + 1]]
        )

    def keyword_scores(self, text: str, depth: int, include: np.ndarray | None = None) -> np.ndarray:
        """BM25 of ``text`` (Simplified) for every chunk, by position. A store with its own full-text search
        (Milvus) scores in the engine: its top ``depth`` and the ``include`` rows, 0 elsewhere; otherwise the
        local keyword index scores every chunk."""
        engine = getattr(self.store, "keyword_scores", None)
        if engine is not None:
            return np.asarray(engine(text, depth, len(self.chunks), include=include), np.float64)
        return self.keyword.scores(text)

    def article_chunks(self, article_id: str) -> list[Chunk]:
        return [c for c in self.chunks if c.article_id == article_id]


# ---------------------------------------------------------------------------------------------------------------
# reading


def _read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def _current_generation(directory: Path) -> Path:
    current = directory / "CURRENT"
    if not current.is_file():
        raise IndexMissingError(
            f"no index at {directory}; build one with: python -m rag index --docs DOCS_DIR --index {directory}"
        )
    name = current.read_text("utf-8").strip()
    generation = directory / name
    if not name or "/" in name or not generation.is_dir():
        raise IndexMismatchError(
            f"index at {directory} points to a missing generation {name!r}; {_rebuild_hint(directory)}"
        )
    return generation


def read_manifest(directory: Path) -> dict[str, Any]:
    generation = _current_generation(directory)
    try:
        manifest = json.loads((generation / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexMismatchError(
            f"index manifest at {generation} is unreadable ({exc}); {_rebuild_hint(directory)}"
        ) from exc
    if not isinstance(manifest, dict):
        raise IndexMismatchError(
            f"index manifest at {generation} is not an object; {_rebuild_hint(directory)}"
        )
    return manifest


def _check_manifest(directory: Path, manifest: dict[str, Any]) -> None:
    docs = manifest.get("docs", ())
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise IndexMismatchError(
            f"index at {directory} has format {manifest.get('format')!r} version {manifest.get('format_version')!r}; "
            f"this code reads {FORMAT!r} version {FORMAT_VERSION}; {_rebuild_hint(directory, docs)}"
        )
    for key in ("model", "counts", "chunking"):
        if key not in manifest:
            raise IndexMismatchError(
                f"index manifest at {directory} lacks {key!r}; {_rebuild_hint(directory, docs)}"
            )


def _check_embedder(directory: Path, manifest: dict[str, Any], embedder: Any) -> None:
    model = manifest["model"]
    docs = manifest.get("docs", ())
    if embedder.dim != model.get("dimension"):
        raise IndexMismatchError(
            f"index at {directory} holds {model.get('dimension')}-d vectors from {model.get('name')}, but the model "
            f"{embedder.name} makes {embedder.dim}-d vectors; {_rebuild_hint(directory, docs)} --model {embedder.name}"
        )
    if embedder.fingerprint() != model.get("fingerprint"):
        raise IndexMismatchError(
            f"index at {directory} was embedded with {model.get('name')} (fingerprint {model.get('fingerprint')}), "
            f"not with {embedder.name} (fingerprint {embedder.fingerprint()}); {_rebuild_hint(directory, docs)} "
            f"--model {embedder.name}"
        )


def load_index(directory: Path | str, *, embedder: Any = None, store: str | None = None) -> Index:
    """Load the live generation; any inconsistency raises an IndexError_ that says how to rebuild.

    ``store``: a Milvus URI (``milvus://host:port``, ``http(s)://…`` or a Milvus Lite ``.db`` path) to search
    the generation's Milvus copy (``python -m rag migrate``) instead of its FAISS file; FAISS by default."""
    from rag.keyword import KeywordIndex
    from vectorstore import FaissStore

    directory = Path(directory)
    generation = _current_generation(directory)
    manifest = read_manifest(directory)
    _check_manifest(directory, manifest)
    hint = _rebuild_hint(directory, manifest.get("docs", ()))
    if embedder is not None:
        _check_embedder(directory, manifest, embedder)
    try:
        articles = {a.id: a for a in map(article_from_dict, _read_jsonl(generation / "articles.jsonl"))}
        chunks = [chunk_from_dict(d) for d in _read_jsonl(generation / "chunks.jsonl")]
        embeddings = np.load(generation / "embeddings.npy", allow_pickle=False, mmap_mode="r")
        sentence_embeddings = np.load(generation / "sentences.npy", allow_pickle=False, mmap_mode="r")
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise IndexMismatchError(
            f"index at {directory} is damaged ({type(exc).__name__}: {exc}); {hint}"
        ) from exc
    try:
        keyword = KeywordIndex.load(generation / "keyword")
        vectors = FaissStore.load(generation / "store") if store is None else None
    except IndexError_ as exc:  # the parts' own messages, with this index's rebuild command
        own = re.sub(
            r"; (re)?build the index$", "", str(exc)
        )  # the parts' own advice, replaced by the command
        raise IndexMismatchError(f"index at {directory}: {own}; {hint}") from exc
    if vectors is None:
        from rag.migrate import open_migrated

        vectors = open_migrated(generation, store)  # its errors say how to migrate
    n = manifest["counts"].get("chunks")
    sizes = {
        "manifest": n,
        "chunks.jsonl": len(chunks),
        "embeddings.npy": embeddings.shape[0],
        "vector store": len(vectors),
        "keyword index": len(keyword),
    }
    if len(set(sizes.values())) != 1:
        detail = ", ".join(f"{k} {v}" for k, v in sizes.items())
        raise IndexMismatchError(f"index at {directory} is out of step ({detail}); {hint}")
    if (
        embeddings.ndim != 2
        or embeddings.shape[1] != manifest["model"].get("dimension")
        or vectors.dim != embeddings.shape[1]
    ):
        raise IndexMismatchError(
            f"index at {directory}: vectors are {embeddings.shape} and the store is {vectors.dim}-d, but the manifest "
            f"says {manifest['model'].get('dimension')}-d; {hint}"
        )
    n_sentences = sum(len(c.sentences) for c in chunks)
    if sentence_embeddings.shape != (n_sentences, embeddings.shape[1]):
        raise IndexMismatchError(
            f"index at {directory}: {sentence_embeddings.shape[0]} sentence vectors for {n_sentences} sentences; {hint}"
        )
    missing = {c.article_id for c in chunks} - articles.keys()
    if missing:
        raise IndexMismatchError(
            f"index at {directory}: chunks refer to unknown articles {sorted(missing)[:3]}; {hint}"
        )
    return Index(
        directory, manifest, articles, chunks, embeddings, vectors, keyword, embedder, sentence_embeddings
    )


# ---------------------------------------------------------------------------------------------------------------
# writing


@contextlib.contextmanager
def _writer_lock(directory: Path, wait: float) -> Iterator[None]:
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / ".lock").open("a") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexBusyError(
                        f"another process is writing the index at {directory}; try again when it has finished"
                    ) from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _fsync_write(path: Path, data: bytes) -> None:
    with path.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _corpus_hash(articles: Iterable[Article]) -> str:
    h = hashlib.sha256()
    for a in sorted(articles, key=lambda a: a.id):
        h.update(f"{a.id}\0{a.content_hash}\n".encode())
    return h.hexdigest()


def _write_generation(
    directory: Path,
    manifest: dict[str, Any],
    articles: list[Article],
    chunks: list[Chunk],
    embeddings: np.ndarray,
    sentence_embeddings: np.ndarray,
    store_kind: str,
    before_commit: Callable[[Path], None] | None = None,
) -> str:
    """Write a complete generation, then make it current with one atomic rename; old generations go.
    ``before_commit(generation)`` runs on the written generation just before it goes live (a failure there
    leaves the previous generation live). Returns the new generation's name."""
    from rag.keyword import KeywordIndex
    from vectorstore import FaissStore

    name = f"g-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{os.urandom(3).hex()}"
    generation = directory / name
    generation.mkdir(parents=True)
    try:
        lines = "".join(json.dumps(a.to_dict(), ensure_ascii=False) + "\n" for a in articles)
        _fsync_write(generation / "articles.jsonl", lines.encode("utf-8"))
        lines = "".join(json.dumps(c.to_dict(), ensure_ascii=False) + "\n" for c in chunks)
        _fsync_write(generation / "chunks.jsonl", lines.encode("utf-8"))
        for filename, array in (("embeddings.npy", embeddings), ("sentences.npy", sentence_embeddings)):
            with (generation / filename).open("wb") as f:
                np.save(f, np.ascontiguousarray(array, dtype=np.float32), allow_pickle=False)
                f.flush()
                os.fsync(f.fileno())
        store = FaissStore(embeddings.shape[1], kind=store_kind)
        if len(chunks):
            store.add(np.arange(len(chunks), dtype=np.int64), embeddings)
        (generation / "store").mkdir()
        store.save(generation / "store")
        by_id = {a.id: a for a in articles}
        title_context = manifest["chunking"]["title_context"]
        keyword = KeywordIndex.build(
            [(c.id, embed_text(by_id[c.article_id], c, title_context=title_context)) for c in chunks]
        )
        (generation / "keyword").mkdir()
        keyword.save(generation / "keyword")
        manifest["keyword"] = keyword.params()
        _fsync_write(
            generation / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
        )
        if before_commit is not None:
            before_commit(generation)
        tmp = directory / f".CURRENT.{name}"
        _fsync_write(tmp, name.encode("utf-8"))
        os.replace(tmp, directory / "CURRENT")  # the commit point
    except BaseException:
        shutil.rmtree(generation, ignore_errors=True)
        raise
    for old in directory.glob("g-*"):
        if old.name != name:
            shutil.rmtree(old, ignore_errors=True)
    for stale in directory.glob(".CURRENT.*"):
        stale.unlink(missing_ok=True)
    return name


def _manifest(
    embedder: Any,
    params: ChunkParams,
    title_context: bool,
    store_kind: str,
    articles: list[Article],
    n_chunks: int,
    docs: Sequence[str],
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "package_version": _package_version(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "model": {
            "name": embedder.name,
            "fingerprint": embedder.fingerprint(),
            "dimension": embedder.dim,
            "normalized": True,
            "similarity": "inner product on L2-normalized vectors (cosine)",
            "prompts": dict(embedder.prompts),
        },
        "store": {"kind": store_kind},
        "chunking": {
            "max_chars": params.max_chars,
            "min_chars": params.min_chars,
            "title_context": title_context,
        },
        "matching_view": "OpenCC tw2s + hk2s + t2s (Simplified), offsets mapped back to the original",
        "docs": list(docs),
        "corpus_hash": _corpus_hash(articles),
        "counts": {"articles": len(articles), "chunks": n_chunks},
    }


def _sync(
    directory: Path,
    wanted: list[Article],
    *,
    embedder: Any,
    params: ChunkParams,
    title_context: bool,
    store_kind: str,
    docs: Sequence[str],
    rebuild: bool,
    progress: Progress | None,
    report: BuildReport,
    keep_unlisted: bool,
    remove: Iterable[str] = (),
    milvus: str | None = None,
) -> BuildReport:
    """Make the index hold ``wanted`` (plus, with ``keep_unlisted``, what it already had), re-embedding only
    articles that are new or whose cleaned text changed."""
    started = time.monotonic()
    old: Index | None = None
    if not rebuild:
        try:
            old = load_index(directory, embedder=embedder)
            old_chunking = old.manifest["chunking"]
            if (
                old_chunking.get("max_chars"),
                old_chunking.get("min_chars"),
                old_chunking.get("title_context"),
            ) != (params.max_chars, params.min_chars, title_context):
                report.rebuilt_because, old = "chunking parameters changed", None
        except IndexMissingError:
            old = None
        except IndexMismatchError as exc:
            report.rebuilt_because, old = str(exc).split(";")[0], None

    removing = set(remove)
    final: dict[str, Article] = {}
    if old is not None and keep_unlisted:
        final.update({aid: a for aid, a in old.articles.items() if aid not in removing})
    for a in wanted:
        final[a.id] = a
    if old is not None:
        report.removed = sorted(set(old.articles) - set(final))

    old_rows: dict[str, list[int]] = {}
    if old is not None:
        for i, c in enumerate(old.chunks):
            old_rows.setdefault(c.article_id, []).append(i)

    chunks: list[Chunk] = []
    rows: list[np.ndarray | None] = []  # one chunk vector per chunk
    sentence_rows: list[np.ndarray | None] = []  # one block of sentence vectors per chunk
    to_embed: list[tuple[int, str]] = []
    sentences_to_embed: list[tuple[int, list[str]]] = []
    for a in final.values():
        previous = old.articles.get(a.id) if old is not None else None
        if previous is not None and previous.content_hash == a.content_hash:
            report.unchanged += 1
            for i in old_rows.get(a.id, []):
                chunks.append(old.chunks[i])
                rows.append(np.asarray(old.embeddings[i]))
                sentence_rows.append(old.sentence_vectors(i))
            continue
        (report.changed if previous is not None else report.new).append(a.id)
        for c in chunk_article(a, params):
            to_embed.append((len(chunks), embed_text(a, c, title_context=title_context)))
            sentences_to_embed.append((len(chunks), [sentence_text(a, span) for span in c.sentences]))
            chunks.append(c)
            rows.append(None)
            sentence_rows.append(None)

    if to_embed:
        # chunks and their sentences in one call, so the embedder batches them all by length together
        flat = [t for _, texts in sentences_to_embed for t in texts]
        if progress:
            progress(0.0, f"embedding {len(to_embed)} chunks and their {len(flat)} sentences")
        vectors = embedder.encode_document([t for _, t in to_embed] + flat, show_progress=progress is None)
        for (position, _), vector in zip(to_embed, vectors[: len(to_embed)], strict=True):
            rows[position] = vector
        at = len(to_embed)
        for position, texts in sentences_to_embed:
            sentence_rows[position] = vectors[at : at + len(texts)]
            at += len(texts)
    report.embedded_chunks = len(to_embed)
    dim = embedder.dim
    embeddings = (
        np.vstack([np.asarray(r, dtype=np.float32).reshape(1, dim) for r in rows])
        if rows
        else np.zeros((0, dim), np.float32)
    )
    blocks = [np.asarray(b, dtype=np.float32).reshape(-1, dim) for b in sentence_rows]
    sentence_embeddings = np.vstack(blocks) if blocks else np.zeros((0, dim), np.float32)
    if progress:
        progress(0.9, "writing the index")
    articles = list(final.values())
    manifest = _manifest(embedder, params, title_context, store_kind, articles, len(chunks), docs)
    copy = _milvus_copy(directory, milvus, articles, chunks, embeddings, title_context)
    _write_generation(
        directory, manifest, articles, chunks, embeddings, sentence_embeddings, store_kind, before_commit=copy
    )
    if copy is not None:
        report.milvus = copy.finish(directory)
    report.articles, report.chunks = len(articles), len(chunks)
    report.seconds = time.monotonic() - started
    if progress:
        progress(1.0, "done")
    return report


class _MilvusCopy:
    """Copies a new generation into Milvus just before it goes live (``before_commit``), then drops the
    collections of the older generations; see :mod:`rag.migrate`."""

    def __init__(
        self,
        settings: dict[str, Any],
        articles: list[Article],
        chunks: list[Chunk],
        embeddings: np.ndarray,
        title_context: bool,
    ) -> None:
        self.settings = settings
        self.data = ({a.id: a for a in articles}, chunks, embeddings)
        self.title_context = title_context
        self.store: Any = None

    def __call__(self, generation: Path) -> None:
        from rag.migrate import export_generation

        uri = self.settings["uri"]
        try:
            self.store, _ = export_generation(
                generation, *self.data, uri, title_context=self.title_context,
                index_type=self.settings.get("index_type", "FLAT"),
                index_params=self.settings.get("index_params"), analyzer=self.settings.get("analyzer"),
            )  # fmt: skip
        except IndexError_ as exc:
            raise IndexError_(
                f"copying the new index into Milvus at {uri} failed, index unchanged: {exc}"
            ) from exc

    def finish(self, directory: Path) -> dict[str, Any]:
        from rag.migrate import drop_stale_collections

        try:
            dropped = drop_stale_collections(self.store, directory, self.store.collection)
            return {
                "uri": self.store.config()["uri"],
                "collection": self.store.collection,
                "dropped": dropped,
            }
        finally:
            self.store.close()


def _milvus_copy(
    directory: Path,
    milvus: str | None,
    articles: list[Article],
    chunks: list[Chunk],
    embeddings: np.ndarray,
    title_context: bool,
) -> _MilvusCopy | None:
    """A copier into ``milvus`` (a URI) or, when None, into wherever the live generation was moved."""
    if milvus is not None:
        settings: dict[str, Any] | None = {"uri": milvus}
    else:
        try:
            generation = _current_generation(directory)
        except IndexError_:
            return None
        from rag.migrate import follow_settings  # cheap: no pymilvus import unless the generation was moved

        settings = follow_settings(generation)
    return None if settings is None else _MilvusCopy(settings, articles, chunks, embeddings, title_context)


def build_index(
    docs: Sequence[Path | str],
    directory: Path | str,
    *,
    embedder: Any = None,
    params: ChunkParams | None = None,
    title_context: bool = True,
    store_kind: str = "flat",
    rebuild: bool = False,
    progress: Progress | None = None,
    lock_wait: float = 30.0,
    milvus: str | None = None,
) -> BuildReport:
    """Make the index at ``directory`` hold exactly the articles under ``docs``: new and changed articles are
    embedded, unchanged ones keep their vectors, removed ones are dropped. Atomic; one writer at a time.

    ``milvus``: a Milvus URI to copy the new generation into before it goes live (as ``python -m rag
    migrate`` does). Without it, an index that was moved to Milvus is copied again to the same place, so the
    Milvus copy never falls behind (this and :func:`index_articles` and :func:`update_index` alike)."""
    doc_paths = [Path(d) for d in docs]
    result = ingest(doc_paths, params)
    report = index_articles(
        result.articles,
        directory,
        embedder=embedder,
        params=params,
        title_context=title_context,
        store_kind=store_kind,
        rebuild=rebuild,
        progress=progress,
        lock_wait=lock_wait,
        docs=[str(p) for p in doc_paths],
        milvus=milvus,
    )
    report.skipped = result.skipped
    return report


def index_articles(
    articles: Sequence[Article],
    directory: Path | str,
    *,
    embedder: Any = None,
    params: ChunkParams | None = None,
    title_context: bool = True,
    store_kind: str = "flat",
    rebuild: bool = False,
    progress: Progress | None = None,
    lock_wait: float = 30.0,
    docs: Sequence[str] = (),
    milvus: str | None = None,
) -> BuildReport:
    """``build_index`` for articles already in memory (evaluation corpora, uploads)."""
    from rag.embed import load_embedder

    directory = Path(directory)
    embedder = embedder or load_embedder(None)
    with _writer_lock(directory, lock_wait):
        return _sync(
            directory,
            list(articles),
            embedder=embedder,
            params=params or ChunkParams(),
            title_context=title_context,
            store_kind=store_kind,
            docs=docs,
            rebuild=rebuild,
            progress=progress,
            report=BuildReport(str(directory)),
            keep_unlisted=False,
            milvus=milvus,
        )


def _docs_with(docs: Sequence[str], added: Sequence[Article]) -> list[str]:
    """``docs`` plus the folders of added articles not under any of them, so that the rebuild command
    (``_rebuild_hint``) brings those articles back too (e.g. the UI's uploads folder)."""
    out = list(docs)
    covered = {Path(d).resolve() for d in out}
    for a in added:
        folder = Path(a.source).resolve().parent if a.source else None
        if folder is not None and folder.is_dir() and not ({folder, *folder.parents} & covered):
            out.append(str(folder))
            covered.add(folder)
    return out


def update_index(
    directory: Path | str,
    *,
    add: Sequence[Article] = (),
    remove: Iterable[str] = (),
    embedder: Any = None,
    progress: Progress | None = None,
    lock_wait: float = 30.0,
    milvus: str | None = None,
) -> BuildReport:
    """Add (or replace, by id) articles and remove others by id, keeping everything else as it is
    (``milvus``: see :func:`build_index`)."""
    directory = Path(directory)
    with _writer_lock(directory, lock_wait):
        current = load_index(directory, embedder=embedder)
        chunking = current.manifest["chunking"]
        return _sync(
            directory,
            list(add),
            embedder=embedder or current.embedder,
            params=ChunkParams(chunking["max_chars"], chunking["min_chars"]),
            title_context=chunking["title_context"],
            store_kind=current.manifest["store"]["kind"],
            docs=_docs_with(current.manifest.get("docs", []), add),
            rebuild=False,
            progress=progress,
            report=BuildReport(str(directory)),
            keep_unlisted=True,
            remove=remove,
            milvus=milvus,
        )
