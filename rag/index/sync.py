"""Making an index directory hold a set of articles: only new or changed articles (by content hash) are
embedded, unchanged ones keep their vectors, the rest is dropped; then one new generation is written.

How the vectors are made (``sentence_vectors``): ``"mean"`` (the default) embeds only the sentences and each
article's title, a chunk's vector being the mean of its sentences' plus :data:`TITLE_WEIGHT` times its title's,
normalised (one pass, no chunk texts); ``"separate"`` embeds each chunk's text and each sentence's text (two
passes)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rag.embed.protocol import Embedder
from rag.errors import IndexMismatchError, IndexMissingError
from rag.index.hooks import GenerationContent
from rag.index.live import Index
from rag.index.load import load_index
from rag.index.manifest import make_manifest
from rag.index.options import BuildOptions, Progress, SentenceVectors
from rag.index.report import BuildReport
from rag.index.resume import clear_checkpoint, embed_resumable
from rag.index.texts import embed_text, sentence_text, title_text
from rag.index.write import write_generation
from rag.ingest.chunk import chunk_article
from rag.ingest.reprints import ReprintParams, find_reprints
from rag.types import Article, Chunk

__all__ = ["TITLE_WEIGHT", "SyncRequest", "mean_texts", "mean_vector", "sync"]

# "mean": the title's share in a chunk's vector, against the sentences' mean. The title tells apart chunks that
# say alike things of two places: at 0.5 a question on 宝鸡's 市委书记 found the 兰州 article first in the seeds,
# at 1 it does not (tests/search/test_retrieve.py); on CMRC/DRCD, whose titles are shared by many paragraphs,
# weights 0 to 2 moved R@1 by at most 0.2 point (benchmarks/sentence_vectors.py measures this one).
TITLE_WEIGHT = 1.0


@dataclass(frozen=True)
class SyncRequest:
    """What the new generation must hold (``wanted``, plus with ``keep_unlisted`` what the index has, less
    ``remove``) and how it is made (``options``; ``embedder`` is the resolved model)."""

    wanted: list[Article]
    embedder: Embedder
    options: BuildOptions
    keep_unlisted: bool = False
    remove: frozenset[str] = frozenset()


@dataclass
class _Plan:
    """The new generation's chunks, with the vectors kept from the old one and the texts still to embed."""

    chunks: list[Chunk] = field(default_factory=list)
    rows: list[np.ndarray | None] = field(default_factory=list)  # one chunk vector per chunk
    sentence_rows: list[np.ndarray | None] = field(default_factory=list)  # sentence vectors, per chunk
    # per new chunk: its sentences' texts, and its own text ("separate") or its title's ("mean")
    sentences_to_embed: list[tuple[int, list[str]]] = field(default_factory=list)
    to_embed: list[tuple[int, str]] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)


def sync(directory: Path, request: SyncRequest) -> BuildReport:
    """Make the index hold ``request.wanted`` (plus, with ``keep_unlisted``, what it already had),
    re-embedding only articles that are new or whose cleaned text changed. The caller holds the lock."""
    started = time.monotonic()
    report = BuildReport(str(directory))
    method = request.options.sentence_vectors
    report.sentence_vectors = method
    old = None if request.options.rebuild else _previous(directory, request, method, report)
    final = _final_articles(old, request)
    if old is not None:
        report.removed = sorted(set(old.articles) - set(final))
    plan = _plan(old, final, request, method, report)
    if method == "mean":
        _embed_mean(directory, plan, request.embedder, request.options.progress)
    else:
        _embed(directory, plan, request.embedder, request.options.progress)
    report.embedded_chunks = len(plan.sentences_to_embed)
    embeddings, sentence_embeddings = _stack(plan, request.embedder.dim)
    if request.options.progress:
        request.options.progress(0.9, "writing the index")
    articles = list(final.values())
    groups = find_reprints(articles, ReprintParams())
    report.reprints = sum(len(g) - 1 for g in groups)
    manifest = make_manifest(
        request.embedder, request.options.params, request.options.title_context, request.options.store_kind,
        articles, len(plan.chunks), request.options.docs, sentence_vectors=method,
    )  # fmt: skip
    if method == "mean":
        manifest["title_weight"] = TITLE_WEIGHT
    manifest["reprints"] = {**ReprintParams().to_dict(), "groups": groups}
    content = GenerationContent(final, plan.chunks, embeddings, request.options.title_context, groups)
    hook = request.options.hook
    before = None if hook is None else (lambda generation: hook.before_commit(generation, content))
    write_generation(directory, manifest, articles, plan.chunks, (embeddings, sentence_embeddings), before)
    clear_checkpoint(directory)
    if hook is not None:
        report.milvus = hook.after_commit(directory)
    report.articles, report.chunks = len(articles), len(plan.chunks)
    report.seconds = time.monotonic() - started
    if request.options.progress:
        request.options.progress(1.0, "done")
    return report


def _previous(
    directory: Path, request: SyncRequest, method: SentenceVectors, report: BuildReport
) -> Index | None:
    """The live index whose vectors can be kept; None (and why, in the report) when everything is embedded."""
    try:
        old = load_index(directory, embedder=request.embedder)
    except IndexMissingError:
        return None
    except IndexMismatchError as exc:
        report.rebuilt_because = exc.message
        return None
    chunking = old.manifest["chunking"]
    wanted = (
        request.options.params.max_chars,
        request.options.params.min_chars,
        request.options.title_context,
    )
    if (chunking.get("max_chars"), chunking.get("min_chars"), chunking.get("title_context")) != wanted:
        report.rebuilt_because = "chunking parameters changed"
        return None
    if old.manifest.get("sentence_vectors", "separate") != method:
        report.rebuilt_because = f"sentence vectors are now made {method!r}"
        return None
    if method == "mean" and old.manifest.get("title_weight") != TITLE_WEIGHT:
        report.rebuilt_because = f"the title's weight in chunk vectors is now {TITLE_WEIGHT}"
        return None
    return old


def _final_articles(old: Index | None, request: SyncRequest) -> dict[str, Article]:
    final: dict[str, Article] = {}
    if old is not None and request.keep_unlisted:
        final.update({aid: a for aid, a in old.articles.items() if aid not in request.remove})
    for a in request.wanted:
        final[a.id] = a
    return final


def _plan(
    old: Index | None,
    final: dict[str, Article],
    request: SyncRequest,
    method: SentenceVectors,
    report: BuildReport,
) -> _Plan:
    plan = _Plan()
    old_rows: dict[str, list[int]] = {}
    if old is not None:
        for i, c in enumerate(old.chunks):
            old_rows.setdefault(c.article_id, []).append(i)
    for a in final.values():
        previous = old.articles.get(a.id) if old is not None else None
        if old is not None and previous is not None and previous.content_hash == a.content_hash:
            report.unchanged += 1
            for i in old_rows.get(a.id, []):
                plan.chunks.append(old.chunks[i])
                plan.rows.append(np.asarray(old.embeddings[i]))
                plan.sentence_rows.append(old.sentence_vectors(i))
            continue
        (report.changed if previous is not None else report.new).append(a.id)
        titled = request.options.title_context
        title = title_text(a, title_context=titled) if method == "mean" else ""
        for c in chunk_article(a, request.options.params):
            position = len(plan.chunks)
            plan.sentences_to_embed.append((position, [sentence_text(a, span) for span in c.sentences]))
            if method == "mean":
                plan.titles.append(title)
            else:
                plan.to_embed.append((position, embed_text(a, c, title_context=titled)))
            plan.chunks.append(c)
            plan.rows.append(None)
            plan.sentence_rows.append(None)
    return plan


def _embed(directory: Path, plan: _Plan, embedder: Embedder, progress: Progress | None) -> None:
    """Chunks and their sentences in one pass, so the embedder batches them by length together; in
    checkpointed batches (:mod:`rag.index.resume`), so a killed build resumes where it stopped."""
    if not plan.to_embed:
        return
    flat = [t for _, texts in plan.sentences_to_embed for t in texts]
    if progress:
        progress(0.0, f"embedding {len(plan.to_embed)} chunks and their {len(flat)} sentences")
    vectors = embed_resumable(directory, embedder, [t for _, t in plan.to_embed] + flat, progress)
    for (position, _), vector in zip(plan.to_embed, vectors[: len(plan.to_embed)], strict=True):
        plan.rows[position] = vector
    at = len(plan.to_embed)
    for position, texts in plan.sentences_to_embed:
        plan.sentence_rows[position] = vectors[at : at + len(texts)]
        at += len(texts)


def _embed_mean(directory: Path, plan: _Plan, embedder: Embedder, progress: Progress | None) -> None:
    """The sentences and the titles alone, checkpointed as :func:`_embed`; each chunk's vector is the mean of
    its sentences' vectors plus :data:`TITLE_WEIGHT` times its title's, normalised (a chunk always has a
    sentence: :func:`~rag.ingest.chunk.chunk_article`)."""
    if not plan.sentences_to_embed:
        return
    sentences = [t for _, texts in plan.sentences_to_embed for t in texts]
    texts = mean_texts(sentences, plan.titles)
    if progress:
        progress(0.0, f"embedding the {len(sentences)} sentences of {len(plan.sentences_to_embed)} chunks")
    vectors = embed_resumable(directory, embedder, texts, progress)
    title_vectors = dict(zip(texts[len(sentences) :], vectors[len(sentences) :], strict=True))
    at = 0
    for (position, chunk_texts), title in zip(plan.sentences_to_embed, plan.titles, strict=True):
        block = vectors[at : at + len(chunk_texts)]
        plan.rows[position] = mean_vector(block, title_vectors.get(title))
        plan.sentence_rows[position] = block
        at += len(chunk_texts)


def mean_texts(sentences: Sequence[str], titles: Iterable[str]) -> list[str]:
    """What a "mean" build embeds, in this order: every sentence, then each distinct title ("" is none)."""
    return [*sentences, *sorted({t for t in titles if t})]


def mean_vector(sentences: np.ndarray, title: np.ndarray | None) -> np.ndarray:
    """A chunk's "mean" vector: its sentences' vectors' mean plus :data:`TITLE_WEIGHT` times its title's
    (``None``: no title), normalised."""
    vector = sentences.mean(axis=0) + (TITLE_WEIGHT * title if title is not None else 0.0)
    return np.asarray(vector / max(float(np.linalg.norm(vector)), 1e-12), dtype=np.float32)


def _stack(plan: _Plan, dim: int) -> tuple[np.ndarray, np.ndarray]:
    embeddings = (
        np.vstack([np.asarray(r, dtype=np.float32).reshape(1, dim) for r in plan.rows])
        if plan.rows
        else np.zeros((0, dim), np.float32)
    )
    blocks = [np.asarray(b, dtype=np.float32).reshape(-1, dim) for b in plan.sentence_rows]
    sentence_embeddings = np.vstack(blocks) if blocks else np.zeros((0, dim), np.float32)
    return embeddings, sentence_embeddings
