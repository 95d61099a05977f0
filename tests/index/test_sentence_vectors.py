"""How an index makes its sentence vectors: each sentence's own text (the default) or late chunking (from the
chunk's forward pass); the manifest says which, a change rebuilds, an update keeps the index's own."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.embed import FakeEmbedder
from rag.index import (
    BuildOptions,
    WriteOptions,
    build_index,
    embed_text,
    embed_text_and_spans,
    load_index,
    sentence_text,
    update_index,
)
from rag.ingest import read_article
from rag.ingest.chunk import ChunkParams, chunk_article


class Counting(FakeEmbedder):
    """Counts documents given to ``encode_document`` (chunks, or with "separate" chunks and sentences)."""

    def __init__(self, *, late: bool = True) -> None:
        super().__init__(dim=32)
        self.late, self.texts = late, 0

    @property
    def late_chunking(self) -> bool:
        return self.late

    def encode_document(self, texts, *, show_progress=False):  # type: ignore[no-untyped-def]
        self.texts += len(texts)
        return super().encode_document(texts, show_progress=show_progress)


def test_spans_locate_each_sentence_in_the_chunk_embed_text(seeds_dir: Path) -> None:
    checked = 0
    for path in sorted(seeds_dir.glob("*.txt")):  # Simplified and Traditional seeds, bylines, ruby
        article = read_article(path)
        for chunk in chunk_article(article, ChunkParams()):
            text, spans = embed_text_and_spans(article, chunk)
            assert text == embed_text(article, chunk)
            for (s, e), span in zip(spans, chunk.sentences, strict=True):
                assert text[s:e].strip() == sentence_text(article, span)
                checked += 1
        no_title = chunk_article(article, ChunkParams())[0]
        text, spans = embed_text_and_spans(article, no_title, title_context=False)
        s, e = spans[0]
        assert text == embed_text(article, no_title, title_context=False)
        assert text[s:e].strip() == sentence_text(article, no_title.sentences[0])
    assert checked > 100


def test_late_build_embeds_chunks_only_and_stores_their_sentences_vectors(
    tmp_path: Path, seeds_dir: Path
) -> None:
    late, separate = Counting(), Counting()
    a = build_index([seeds_dir], tmp_path / "late", BuildOptions(embedder=late, sentence_vectors="late"))
    b = build_index([seeds_dir], tmp_path / "sep", BuildOptions(embedder=separate))
    late_index, sep_index = load_index(tmp_path / "late"), load_index(tmp_path / "sep")
    n_sentences = sum(len(c.sentences) for c in late_index.chunks)
    assert (a.sentence_vectors, b.sentence_vectors) == ("late", "separate")
    assert late.texts == a.chunks and separate.texts == b.chunks + n_sentences  # one pass against two
    assert late_index.manifest["sentence_vectors"] == "late"
    assert sep_index.manifest["sentence_vectors"] == "separate"
    assert late_index.sentence_embeddings.shape == sep_index.sentence_embeddings.shape == (n_sentences, 32)
    np.testing.assert_array_equal(late_index.embeddings, sep_index.embeddings)  # chunk vectors alike
    # each late sentence vector is the embedder's span vector of its chunk's embed text
    position = 3
    chunk = late_index.chunks[position]
    article = late_index.articles[chunk.article_id]
    text, spans = embed_text_and_spans(article, chunk)
    expected = FakeEmbedder(dim=32).encode_document_spans([text], [spans])
    np.testing.assert_allclose(late_index.sentence_vectors(position), expected.spans[0], atol=1e-6)
    assert not np.allclose(late_index.sentence_vectors(position), sep_index.sentence_vectors(position))


def test_changing_the_method_rebuilds_and_an_update_keeps_the_index_own(
    tmp_path: Path, seeds_dir: Path
) -> None:
    files = sorted(seeds_dir.glob("*.txt"))
    docs = tmp_path / "docs"
    docs.mkdir()
    for path in files[:3]:
        (docs / path.name).write_bytes(path.read_bytes())
    directory = tmp_path / "index"
    build_index([docs], directory, BuildOptions(embedder=FakeEmbedder(dim=32)))
    again = build_index(
        [docs], directory, BuildOptions(embedder=FakeEmbedder(dim=32), sentence_vectors="late")
    )
    assert again.rebuilt_because == "sentence vectors are now made 'late'" and again.unchanged == 0
    counting = Counting()
    report = update_index(directory, add=[read_article(files[3])], options=WriteOptions(embedder=counting))
    index = load_index(directory)
    assert report.sentence_vectors == "late" and index.manifest["sentence_vectors"] == "late"
    added = [c for c in index.chunks if c.article_id == read_article(files[3]).id]
    assert counting.texts == len(added)  # the update made its sentence vectors late too: chunks only


def test_a_model_that_does_not_mean_pool_gets_separate_sentence_vectors(
    tmp_path: Path, seeds_dir: Path
) -> None:
    embedder = Counting(late=False)
    report = build_index(
        [seeds_dir], tmp_path / "index", BuildOptions(embedder=embedder, sentence_vectors="late")
    )
    assert report.sentence_vectors == "separate" and "(sentence vectors: separate)" in report.summary()
    assert load_index(tmp_path / "index").manifest["sentence_vectors"] == "separate"


@pytest.mark.parametrize("method", ["late", "separate"])
def test_cli_index_takes_the_method(tmp_path: Path, seeds_dir: Path, method: str, capsys) -> None:
    from rag.app.cli import main

    code = main(
        ["index", "--docs", str(seeds_dir), "--index", str(tmp_path / "i"), "--model", "fake:32",
         "--sentence-vectors", method]
    )  # fmt: skip
    assert code == 0 and f"(sentence vectors: {method})" in capsys.readouterr().out
    assert load_index(tmp_path / "i").manifest["sentence_vectors"] == method


@pytest.mark.slow
def test_late_chunked_seeds_with_the_real_model(
    tmp_path: Path, seeds_dir: Path, real_embedder, real_seed_index
) -> None:
    """e5 through late chunking: one forward pass per chunk, sentence vectors near the separately embedded ones,
    and a question finds its passage and its sentence as with the default index."""
    from rag.search import retrieve_from

    report = build_index(
        [seeds_dir], tmp_path / "late", BuildOptions(embedder=real_embedder, sentence_vectors="late")
    )
    late, separate = load_index(tmp_path / "late"), load_index(real_seed_index)
    assert report.sentence_vectors == "late" and late.manifest["sentence_vectors"] == "late"
    assert [c.id for c in late.chunks] == [c.id for c in separate.chunks]
    # chunk vectors the same (up to the precision and batching the cached default index was built with)
    assert np.min(np.sum(np.asarray(late.embeddings) * np.asarray(separate.embeddings), axis=1)) > 0.999
    cosines = np.sum(np.asarray(late.sentence_embeddings) * np.asarray(separate.sentence_embeddings), axis=1)
    assert np.median(cosines) > 0.85, np.median(cosines)
    question = "宝鸡市委书记是谁？"
    top = retrieve_from(late, question, 1)[0]
    assert top.chunk.id == retrieve_from(separate, question, 1)[0].chunk.id
    assert "上官吉庆" in top.chunk.text
    position = [c.id for c in late.chunks].index(top.chunk.id)
    qvec = real_embedder.encode_query([question])[0]
    best = int(np.argmax(late.sentence_vectors(position) @ qvec))
    span = top.chunk.sentences[best]
    assert "上官吉庆" in late.articles[top.chunk.article_id].text[span.start : span.end]
