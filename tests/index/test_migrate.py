"""rag.index.migrate: a built FAISS index moved into Milvus Lite without re-embedding gives the same dense top-5."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pymilvus", reason='the Milvus store needs pymilvus: pip install "pymilvus[milvus_lite]"')
pytest.importorskip("milvus_lite", reason='Milvus Lite is missing: pip install "pymilvus[milvus_lite]"')

from rag.app.cli import build_parser, main
from rag.embed import FakeEmbedder
from rag.errors import IndexMissingError, IndexProblem
from rag.index import WriteOptions, current_generation, load_index, update_index
from rag.index.migrate import MilvusCopy, MilvusTarget, migrate_to_milvus
from rag.index.milvus import MILVUS_DIR, collection_name, default_analyzer, open_migrated
from rag.ingest.scripts import to_simplified
from rag.search import retrieve_from

SEEDS = Path(__file__).resolve().parents[2] / "seeds"

QUESTIONS = [
    "秦皇岛市委书记是谁？",
    "蘭州市今年上半年的生產總值是多少？",
    "包头市党员干部查摆了多少问题？",
    "寶雞市委書記叫什麼名字？",
    "九原區提拔了多少名副科級幹部？",
]


class FailingEmbedder(FakeEmbedder):
    """A FakeEmbedder that fails the test if anything is embedded."""

    def encode_document(self, texts, *, show_progress=False):  # type: ignore[no-untyped-def]
        raise AssertionError("migration must not re-embed")


@pytest.fixture
def migrated(fake_index_copy: Path, tmp_path: Path) -> tuple[Path, str, dict]:
    db = str(tmp_path / "rag.db")
    return fake_index_copy, db, migrate_to_milvus(fake_index_copy, MilvusTarget(db))


def test_migrate_gives_the_same_dense_top5_as_faiss(migrated: tuple[Path, str, dict]) -> None:
    directory, db, report = migrated
    index = load_index(directory)
    generation = current_generation(directory)
    assert report["rows"] == len(index.chunks) == 81 and report["dim"] == 64
    assert report["collection"] == collection_name(directory, generation.name)
    assert report["analyzer"] == default_analyzer("jieba_stop")
    assert (generation / MILVUS_DIR / "milvus.json").is_file()
    store = open_migrated(generation, db)
    assert len(store) == len(index.chunks)
    vectors = FakeEmbedder(dim=64).encode_query([to_simplified(q) for q in QUESTIONS])
    faiss_scores, faiss_ids = index.store.search(vectors, 5)
    milvus_scores, milvus_ids = store.search(vectors, 5)
    assert milvus_ids.tolist() == faiss_ids.tolist()
    np.testing.assert_allclose(milvus_scores, faiss_scores, atol=1e-5)


def test_migrated_bm25_finds_what_rag_keyword_finds(migrated: tuple[Path, str, dict]) -> None:
    directory, db, _ = migrated
    index = load_index(directory)
    store = open_migrated(current_generation(directory), db)
    question = to_simplified("秦皇島市委書記是誰？")
    _, ids = store.keyword_search(question, 5)
    local_top = index.keyword.search(question, 1)[0][0]
    assert index.chunks[int(ids[0])].id == local_top
    assert index.chunks[int(ids[0])].article_id.startswith("000")  # the Qinhuangdao article


def test_migration_reads_stored_vectors_only(fake_index_copy: Path, tmp_path: Path, monkeypatch) -> None:
    import rag.embed.load

    monkeypatch.setattr(rag.embed.load, "load_embedder", lambda *a, **k: FailingEmbedder(dim=64))
    report = migrate_to_milvus(fake_index_copy, MilvusTarget(str(tmp_path / "rag.db")))
    assert report["verified_rows"] > 0


def test_existing_collection_needs_replace(migrated: tuple[Path, str, dict]) -> None:
    directory, db, report = migrated
    with pytest.raises(IndexProblem, match="--replace"):
        migrate_to_milvus(directory, MilvusTarget(db))
    again = migrate_to_milvus(directory, MilvusTarget(db, replace=True))
    assert again["collection"] == report["collection"] and again["rows"] == report["rows"]


def test_an_update_keeps_the_milvus_copy_in_step(migrated: tuple[Path, str, dict], seed_articles) -> None:
    directory, db, first = migrated
    report = update_index(
        directory,
        remove=[seed_articles["004"].id],
        options=WriteOptions(embedder=FakeEmbedder(dim=64), hook=MilvusCopy()),
    )
    generation = current_generation(directory)
    store = open_migrated(generation, db)  # the new generation was copied before it went live
    assert report.milvus["collection"] == collection_name(directory, generation.name)
    assert report.milvus["dropped"] == [first["collection"]]
    assert len(store) == len(load_index(directory).chunks) == report.chunks < first["rows"]
    assert store.analyzer == first["analyzer"]
    index = load_index(directory, store=db)
    hits = retrieve_from(index, "九原區提拔了多少名副科級幹部？", 20)
    assert hits and all(h.article_id != seed_articles["004"].id for h in hits)


def test_a_generation_never_moved_says_how_to_migrate(fake_index_copy: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "rag.db")
    with pytest.raises(IndexMissingError, match="python -m rag migrate --index"):
        load_index(fake_index_copy, store=db)


def test_a_failed_copy_leaves_the_index_unchanged(
    migrated: tuple[Path, str, dict], seed_articles, monkeypatch
) -> None:
    import rag.index.migrate

    directory, db, first = migrated
    before = current_generation(directory).name

    def unreachable(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise IndexProblem("cannot reach Milvus at http://10.0.0.1:19530")

    monkeypatch.setattr(rag.index.migrate, "export_generation", unreachable)
    with pytest.raises(IndexProblem, match="index unchanged: cannot reach Milvus"):
        update_index(
            directory,
            remove=[seed_articles["004"].id],
            options=WriteOptions(embedder=FakeEmbedder(dim=64), hook=MilvusCopy()),
        )
    assert current_generation(directory).name == before
    assert sorted(p.name for p in directory.glob("g-*")) == [before]
    assert len(load_index(directory, store=db)) == first["rows"]


def test_retrieval_through_milvus_runs_both_signals_in_the_engine(
    migrated: tuple[Path, str, dict], monkeypatch
) -> None:
    from vectorstore.milvus_store import MilvusStore

    directory, db, _ = migrated
    local = load_index(directory)
    engine = load_index(directory, store=db)
    assert isinstance(engine.store, MilvusStore)

    def no_local_bm25(text: str) -> np.ndarray:
        raise AssertionError("the local BM25 index must not score when Milvus does")

    monkeypatch.setattr(engine.keyword, "scores", no_local_bm25)
    for question in QUESTIONS:
        via_milvus = retrieve_from(engine, question, 5)
        via_faiss = retrieve_from(local, question, 5)
        assert via_milvus[0].chunk.id == via_faiss[0].chunk.id, question
        assert {h.article_id for h in via_milvus[:3]} & {h.article_id for h in via_faiss[:3]}


def test_cli_search_and_index_with_store(fake_index_copy: Path, tmp_path: Path, capsys) -> None:
    db = str(tmp_path / "cli.db")
    assert main(["search", QUESTIONS[0], "--index", str(fake_index_copy), "--store", db]) == 2
    assert "has not been moved to Milvus" in capsys.readouterr().err
    fresh = tmp_path / "fresh"
    code = main(
        ["index", "--docs", str(SEEDS), "--index", str(fresh), "--model", "fake", "--store", db, "--json"]
    )
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["milvus"]["collection"] == collection_name(fresh, current_generation(fresh).name)
    assert main(["search", QUESTIONS[0], "--index", str(fresh), "--store", db, "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)["hits"]
    assert main(["search", QUESTIONS[0], "--index", str(fresh), "--json"]) == 0  # FAISS, for comparison
    assert (
        len(hits) == 5 and hits[0]["chunk_id"] == json.loads(capsys.readouterr().out)["hits"][0]["chunk_id"]
    )


def test_open_migrated_checks_the_uri(migrated: tuple[Path, str, dict], tmp_path: Path) -> None:
    directory, _, _ = migrated
    with pytest.raises(IndexMissingError, match="not to"):
        open_migrated(current_generation(directory), str(tmp_path / "other.db"))


def test_cli_migrate(fake_index_copy: Path, tmp_path: Path, capsys) -> None:
    parser = build_parser()  # the migrate subcommand as `python -m rag migrate` parses it
    db = str(tmp_path / "cli.db")
    args = parser.parse_args(["migrate", "--index", str(fake_index_copy), "--to", db, "--json"])
    assert args.handler(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["rows"] == 81 and report["uri"] == db
    args = parser.parse_args(["migrate", "--index", str(fake_index_copy), "--to", db, "--replace"])
    assert args.handler(args) == 0
    out = capsys.readouterr().out
    assert "moved 81 chunks of 5 articles" in out and "no re-embedding" in out
    args = parser.parse_args(["migrate", "--index", str(fake_index_copy), "--to", "ftp://nowhere"])
    with pytest.raises(IndexProblem, match="not a Milvus URI"):
        args.handler(args)


def test_the_ui_backend_searches_milvus_and_uploads_keep_it_in_step(
    migrated: tuple[Path, str, dict], tmp_path: Path
) -> None:
    from rag.app.backend import Backend
    from vectorstore.milvus_store import MilvusStore

    directory, db, first = migrated
    backend = Backend(directory, tmp_path / "uploads", store=db)
    assert isinstance(backend.index().store, MilvusStore) and len(backend.index().store) == first["rows"]
    upload = tmp_path / "tea.txt"
    upload.write_text(
        "青川县举办首届茶叶博览会\n\n本报讯 青川县首届茶叶博览会昨日开幕，现场签约项目12个，签约金额12.6亿元。\n",
        encoding="utf-8",
    )
    messages = backend.add_files([upload], lambda fraction, stage: None)
    assert messages[0].startswith("tea.txt：已加入")
    index = backend.index()  # the new generation, copied into Milvus before it went live
    assert "tea" in index.articles and isinstance(index.store, MilvusStore)
    assert len(index.store) == len(index.chunks) == first["rows"] + len(index.article_chunks("tea"))
    hits = backend.retrieve("青川县茶叶博览会签约金额是多少？", 3)
    assert hits[0].article_id == "tea"
