"""How an index makes its vectors: the sentences only, a chunk's vector their mean (the default), or each chunk's
and each sentence's own text; the manifest says which, a change rebuilds, an update keeps the index's own."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rag.embed import FakeEmbedder
from rag.index import BuildOptions, WriteOptions, build_index, load_index, title_text, update_index
from rag.index.layout import current_generation
from rag.index.sync import TITLE_WEIGHT
from rag.ingest import read_article


class Counting(FakeEmbedder):
    """Counts documents given to ``encode_document`` (sentences, and with "separate" chunks too)."""

    def __init__(self) -> None:
        super().__init__(dim=32)
        self.texts = 0

    def encode_document(self, texts, *, show_progress=False):  # type: ignore[no-untyped-def]
        self.texts += len(texts)
        return super().encode_document(texts, show_progress=show_progress)


def _first_seeds(seeds_dir: Path, tmp_path: Path, n: int) -> tuple[Path, list[Path]]:
    """A docs folder holding the first ``n`` seed articles, and every seed file in order."""
    files = sorted(seeds_dir.glob("*.txt"))
    docs = tmp_path / "docs"
    docs.mkdir()
    for path in files[:n]:
        (docs / path.name).write_bytes(path.read_bytes())
    return docs, files


def test_mean_build_embeds_sentences_only_and_each_chunk_vector_is_their_mean(
    tmp_path: Path, seeds_dir: Path
) -> None:
    mean, separate = Counting(), Counting()
    a = build_index([seeds_dir], tmp_path / "mean", BuildOptions(embedder=mean, sentence_vectors="mean"))
    build_index([seeds_dir], tmp_path / "sep", BuildOptions(embedder=separate, sentence_vectors="separate"))
    mean_index, sep_index = load_index(tmp_path / "mean"), load_index(tmp_path / "sep")
    n_sentences = sum(len(c.sentences) for c in mean_index.chunks)
    assert a.sentence_vectors == "mean" and mean_index.manifest["sentence_vectors"] == "mean"
    n_titles = len({title_text(a) for a in mean_index.articles.values()})
    assert mean.texts == n_sentences + n_titles and separate.texts == a.chunks + n_sentences  # no chunk texts
    np.testing.assert_array_equal(mean_index.sentence_embeddings, sep_index.sentence_embeddings)
    fake = FakeEmbedder(dim=32)
    for position in (0, 3, len(mean_index.chunks) - 1):
        block = sep_index.sentence_vectors(position)
        title = title_text(mean_index.articles[mean_index.chunks[position].article_id])
        assert title  # the seeds have titles
        expected = block.mean(axis=0) + TITLE_WEIGHT * fake.encode_document([title])[0]
        np.testing.assert_allclose(
            mean_index.embeddings[position], expected / np.linalg.norm(expected), atol=1e-6
        )
    assert not np.allclose(mean_index.embeddings, sep_index.embeddings)  # not the chunk texts' vectors
    counting = Counting()
    docs, files = _first_seeds(seeds_dir, tmp_path, 3)
    build_index(
        [docs], tmp_path / "grow", BuildOptions(embedder=FakeEmbedder(dim=32), sentence_vectors="mean")
    )
    report = update_index(
        tmp_path / "grow", add=[read_article(files[3])], options=WriteOptions(embedder=counting)
    )
    grown = load_index(tmp_path / "grow")
    added = [c for c in grown.chunks if c.article_id == read_article(files[3]).id]
    assert report.sentence_vectors == "mean" and grown.manifest["sentence_vectors"] == "mean"
    assert counting.texts == sum(len(c.sentences) for c in added) + 1  # and its title: the index's method


def test_changing_the_method_rebuilds_and_an_update_keeps_the_index_own(
    tmp_path: Path, seeds_dir: Path
) -> None:
    docs, files = _first_seeds(seeds_dir, tmp_path, 3)
    directory = tmp_path / "index"
    build_index([docs], directory, BuildOptions(embedder=FakeEmbedder(dim=32)))
    again = build_index(
        [docs], directory, BuildOptions(embedder=FakeEmbedder(dim=32), sentence_vectors="separate")
    )
    assert again.rebuilt_because == "sentence vectors are now made 'separate'" and again.unchanged == 0
    counting = Counting()
    report = update_index(directory, add=[read_article(files[3])], options=WriteOptions(embedder=counting))
    index = load_index(directory)
    assert report.sentence_vectors == "separate" and index.manifest["sentence_vectors"] == "separate"
    added = [c for c in index.chunks if c.article_id == read_article(files[3]).id]
    assert counting.texts == len(added) + sum(len(c.sentences) for c in added)  # chunks and sentences


def test_an_index_made_by_late_chunking_is_re_embedded_by_its_next_update(
    tmp_path: Path, seeds_dir: Path
) -> None:
    """Late chunking was removed (mean is faster and keeps R@1 where late lost 2.1 points): an index it made still loads and
    answers, and its next update re-embeds it the default way, saying why."""
    docs, files = _first_seeds(seeds_dir, tmp_path, 2)
    directory = tmp_path / "index"
    build_index([docs], directory, BuildOptions(embedder=FakeEmbedder(dim=32)))
    manifest_path = current_generation(directory) / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["sentence_vectors"] = "late"
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    assert load_index(directory).manifest["sentence_vectors"] == "late"
    report = update_index(
        directory, add=[read_article(files[2])], options=WriteOptions(embedder=FakeEmbedder(dim=32))
    )
    assert report.rebuilt_because == "sentence vectors are now made 'mean'" and report.unchanged == 0
    assert load_index(directory).manifest["sentence_vectors"] == "mean"


def test_an_unknown_method_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="one of mean, separate, not 'late'"):
        BuildOptions(sentence_vectors="late")  # type: ignore[arg-type]


@pytest.mark.parametrize("method", ["mean", "separate"])
def test_cli_index_takes_the_method(tmp_path: Path, seeds_dir: Path, method: str, capsys) -> None:
    from rag.app.cli import main

    code = main(
        ["index", "--docs", str(seeds_dir), "--index", str(tmp_path / "i"), "--model", "fake:32",
         "--sentence-vectors", method]
    )  # fmt: skip
    assert code == 0 and f"(sentence vectors: {method})" in capsys.readouterr().out
    assert load_index(tmp_path / "i").manifest["sentence_vectors"] == method


@pytest.mark.slow
def test_mean_vectors_of_the_seeds_with_the_real_model(
    tmp_path: Path, seeds_dir: Path, real_embedder
) -> None:
    """e5 with both methods: the same sentence vectors, chunk vectors near the chunk texts' own, and a question
    finds the same article first and its passage and sentence among the first hits."""
    from rag.search import retrieve_from

    build_index([seeds_dir], tmp_path / "mean", BuildOptions(embedder=real_embedder))
    build_index(
        [seeds_dir], tmp_path / "sep", BuildOptions(embedder=real_embedder, sentence_vectors="separate")
    )
    mean, separate = load_index(tmp_path / "mean"), load_index(tmp_path / "sep")
    assert mean.manifest["sentence_vectors"] == "mean" and [c.id for c in mean.chunks] == [
        c.id for c in separate.chunks
    ]
    cosines = np.sum(np.asarray(mean.sentence_embeddings) * np.asarray(separate.sentence_embeddings), axis=1)
    assert np.min(cosines) > 0.999  # the same texts (batched otherwise: bf16 rounding only)
    chunk_cosines = np.sum(np.asarray(mean.embeddings) * np.asarray(separate.embeddings), axis=1)
    assert np.median(chunk_cosines) > 0.9, np.median(chunk_cosines)
    question = "宝鸡市委书记是谁？"
    hits = retrieve_from(mean, question, 3)
    assert hits[0].chunk.article_id == retrieve_from(separate, question, 1)[0].chunk.article_id
    # the passage that names him is among the first three (first with separate vectors; with mean the article's
    # one-sentence lede ranks above it: a measured difference, see the README's "Vectors")
    top = next(h for h in hits if "上官吉庆" in h.chunk.text)
    position = [c.id for c in mean.chunks].index(top.chunk.id)
    best = int(np.argmax(mean.sentence_vectors(position) @ real_embedder.encode_query([question])[0]))
    span = top.chunk.sentences[best]
    assert "上官吉庆" in mean.articles[top.chunk.article_id].text[span.start : span.end]
