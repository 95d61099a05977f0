"""rag.migrate: a built FAISS index moved into Milvus Lite without re-embedding gives the same dense top-5."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pymilvus", reason='the Milvus store needs pymilvus: pip install "pymilvus[milvus_lite]"')
pytest.importorskip("milvus_lite", reason='Milvus Lite is missing: pip install "pymilvus[milvus_lite]"')

from rag.embed import FakeEmbedder
from rag.errors import IndexError_, IndexMissingError
from rag.index import _current_generation, load_index, update_index
from rag.migrate import (
    MILVUS_DIR,
    add_migrate_parser,
    collection_name,
    default_analyzer,
    migrate_to_milvus,
    open_migrated,
)
from rag.scripts import to_simplified

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
    return fake_index_copy, db, migrate_to_milvus(fake_index_copy, db)


def test_migrate_gives_the_same_dense_top5_as_faiss(migrated: tuple[Path, str, dict]) -> None:
    directory, db, report = migrated
    index = load_index(directory)
    generation = _current_generation(directory)
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
    store = open_migrated(_current_generation(directory), db)
    question = to_simplified("秦皇島市委書記是誰？")
    _, ids = store.keyword_search(question, 5)
    local_top = index.keyword.search(question, 1)[0][0]
    assert index.chunks[int(ids[0])].id == local_top
    assert index.chunks[int(ids[0])].article_id.startswith("000")  # the Qinhuangdao article


def test_migration_reads_stored_vectors_only(fake_index_copy: Path, tmp_path: Path, monkeypatch) -> None:
    import rag.embed

    monkeypatch.setattr(rag.embed, "load_embedder", lambda *a, **k: FailingEmbedder(dim=64))
    report = migrate_to_milvus(fake_index_copy, str(tmp_path / "rag.db"))
    assert report["verified_rows"] > 0


def test_existing_collection_needs_replace(migrated: tuple[Path, str, dict]) -> None:
    directory, db, report = migrated
    with pytest.raises(IndexError_, match="--replace"):
        migrate_to_milvus(directory, db)
    again = migrate_to_milvus(directory, db, replace=True)
    assert again["collection"] == report["collection"] and again["rows"] == report["rows"]


def test_a_new_generation_is_not_searched_through_the_old_collection(
    migrated: tuple[Path, str, dict], seed_articles
) -> None:
    directory, db, first = migrated
    update_index(directory, remove=[seed_articles["004"].id], embedder=FakeEmbedder(dim=64))
    generation = _current_generation(directory)
    with pytest.raises(IndexMissingError, match="python -m rag migrate --index"):
        open_migrated(generation, db)
    second = migrate_to_milvus(directory, db)
    assert second["dropped_collections"] == [first["collection"]]
    assert len(open_migrated(generation, db)) == len(load_index(directory).chunks) < first["rows"]


def test_open_migrated_checks_the_uri(migrated: tuple[Path, str, dict], tmp_path: Path) -> None:
    directory, _, _ = migrated
    with pytest.raises(IndexMissingError, match="not to"):
        open_migrated(_current_generation(directory), str(tmp_path / "other.db"))


def test_cli_migrate(fake_index_copy: Path, tmp_path: Path, capsys) -> None:
    parser = argparse.ArgumentParser()
    add_migrate_parser(parser.add_subparsers(dest="command"))
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
    with pytest.raises(IndexError_, match="not a Milvus URI"):
        args.handler(args)
