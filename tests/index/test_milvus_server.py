"""The Milvus path against a real server process (``milvus_server`` fixture: Milvus 2.3 standalone on a loopback
port): dense search, deletes, filters, migrate, the UI upload copy; BM25 kept on the local keyword index because
a 2.3 server has no BM25 function (said once in the log and in ``rag index``); and faults: the server killed
during a copy (the previous generation stays live) and while serving (a clear "vector store unreachable" in the
CLI, the API and the chat, answers again once the server is back, its data still there).

The faults run last in this module (they restart the session's one server).
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import gradio as gr
import numpy as np
import pytest

pytest.importorskip("pymilvus", reason='the Milvus store needs pymilvus: pip install "pymilvus[milvus_lite]"')

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import news_fixtures as F
from robust_cases import chat, text_of

import vectorstore.milvus_collection
from rag.app.backend import Backend
from rag.app.cli import main
from rag.embed import FakeEmbedder
from rag.errors import IndexProblem, StoreUnreachable
from rag.index import BuildOptions, WriteOptions, build_index, current_generation, load_index, update_index
from rag.index.migrate import MilvusCopy, MilvusTarget, migrate_to_milvus
from rag.index.milvus import collection_name, open_migrated
from rag.search import retrieve_from
from vectorstore.errors import StoreMismatchError
from vectorstore.milvus_store import MilvusStore

QUESTIONS = [  # seed questions (README examples), both scripts
    "宝鸡市委书记是谁？",
    "秦皇島市固定資產投資增長了多少？",
    "蘭州市首條建筑垃圾資源化項目總投資多少？",
    "秦皇岛港货物吞吐量多少？",
]
TEA = (
    "青川县举办首届茶叶博览会\n\n本报讯 青川县首届茶叶博览会昨日开幕，现场签约项目12个，签约金额12.6亿元。\n"
)


@pytest.fixture(scope="module")
def moved(milvus_server, fake_seed_index: Path, tmp_path_factory: pytest.TempPathFactory):
    """The fake seeds index (a private copy) moved into the server: (index dir, uri, migrate report)."""
    import shutil

    directory = Path(shutil.copytree(fake_seed_index, tmp_path_factory.mktemp("server") / "index"))
    return directory, milvus_server.uri, migrate_to_milvus(directory, MilvusTarget(milvus_server.uri))


def test_a_2_3_server_has_no_bm25_function_and_says_so_once(milvus_server, monkeypatch, caplog) -> None:
    monkeypatch.setattr(vectorstore.milvus_collection, "_SAID", set())
    caplog.set_level(logging.WARNING, logger="vectorstore.milvus_collection")
    vectors = np.eye(4, 8, dtype=np.float32)
    store = MilvusStore(milvus_server.uri, "t_no_bm25", 8)
    try:
        assert store.server_version.startswith("v2.3") and not store.full_text
        store.add_rows(
            np.arange(4), vectors, texts=["甲", "乙", "丙", "丁"], article_ids=["a", "b", "b", "c"]
        )
        _, ids = store.search(vectors[[2]], 2)
        assert ids[0, 0] == 2
        with pytest.raises(StoreMismatchError, match="no BM25 function"):
            store.keyword_search("乙", 3)
        assert store.delete_article("b") == 2 and len(store) == 2
        assert store.remove(np.array([0, 7])) == 1 and store.ids().tolist() == [3]
        assert store.config()["full_text"] is False and store.config()["bm25"] is None
        again = MilvusStore(milvus_server.uri, "t_no_bm25_2", 8)  # a second collection: not said again
        again.drop()
        again.close()
    finally:
        store.drop()
        store.close()
    said = [r.getMessage() for r in caplog.records if "no BM25 function" in r.getMessage()]
    assert len(said) == 1 and "BM25 stays on the local keyword index" in said[0]


def test_migrate_gives_faiss_results_exactly(moved, monkeypatch) -> None:
    directory, uri, report = moved
    assert report["rows"] == 81 and report["bm25"] == "local" and report["server_version"].startswith("v2.3")
    local = load_index(directory)
    engine = load_index(directory, store=uri)
    assert isinstance(engine.store, MilvusStore) and len(engine.store) == 81
    vectors = FakeEmbedder(dim=64).encode_query(QUESTIONS)
    faiss_scores, faiss_ids = local.store.search(vectors, 5)
    milvus_scores, milvus_ids = engine.store.search(vectors, 5)
    assert milvus_ids.tolist() == faiss_ids.tolist()
    np.testing.assert_allclose(milvus_scores, faiss_scores, atol=1e-5)
    calls = []
    original = engine.keyword.scores
    monkeypatch.setattr(engine.keyword, "scores", lambda text: calls.append(text) or original(text))
    for question in QUESTIONS:  # dense in the server, BM25 on the local keyword index: the same fused hits
        via_server = [(h.chunk.id, round(h.score, 5)) for h in retrieve_from(engine, question, 5)]
        assert via_server == [(h.chunk.id, round(h.score, 5)) for h in retrieve_from(local, question, 5)]
    assert len(calls) == len(QUESTIONS)


def test_filters_through_the_server_give_the_faiss_hits(milvus_server, tmp_path: Path) -> None:
    F.write_dated_corpus(tmp_path / "docs")
    build_index([tmp_path / "docs"], tmp_path / "index", BuildOptions(embedder=FakeEmbedder(dim=64)))
    migrate_to_milvus(tmp_path / "index", MilvusTarget(milvus_server.uri))
    faiss = load_index(tmp_path / "index", embedder=FakeEmbedder(dim=64))
    server = load_index(tmp_path / "index", embedder=FakeEmbedder(dim=64), store=milvus_server.uri)
    for filters in (
        {},
        {"since": "2022-01-01", "until": "2022-12-31"},
        {"outlets": ["新华网"]},
        {"since": "2030"},
    ):
        expected = [h.article_id for h in retrieve_from(faiss, F.PORT_QUESTION, k=5, **filters)]
        assert [h.article_id for h in retrieve_from(server, F.PORT_QUESTION, k=5, **filters)] == expected
        assert bool(expected) == (filters.get("since") != "2030")
    server.store.drop()


def test_rag_index_with_a_server_store_says_where_bm25_runs(
    milvus_server, seeds_dir, tmp_path, capsys
) -> None:
    fresh = tmp_path / "fresh"
    args = ["index", "--docs", str(seeds_dir), "--index", str(fresh), "--model", "fake", "--store"]
    assert main([*args, milvus_server.uri]) == 0
    out = capsys.readouterr().out
    assert "copied into Milvus" in out and "BM25 stays on the local keyword index" in out and "v2.3" in out
    assert main(["search", QUESTIONS[0], "--index", str(fresh), "--store", milvus_server.uri, "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)["hits"]
    assert main(["search", QUESTIONS[0], "--index", str(fresh), "--json"]) == 0  # FAISS, for comparison
    assert [h["chunk_id"] for h in hits] == [
        h["chunk_id"] for h in json.loads(capsys.readouterr().out)["hits"]
    ]
    open_migrated(current_generation(fresh), milvus_server.uri).drop()


def test_an_upload_is_copied_into_the_server_before_it_goes_live(moved, tmp_path: Path) -> None:
    directory, uri, first = moved
    backend = Backend(directory, tmp_path / "uploads", store=uri)
    upload = tmp_path / "tea.txt"
    upload.write_text(TEA, encoding="utf-8")
    assert backend.add_files([upload], lambda fraction, stage: None)[0].startswith("tea.txt：已加入")
    index = backend.index()
    assert isinstance(index.store, MilvusStore) and index.store.collection != first["collection"]
    assert len(index.store) == len(index.chunks) == first["rows"] + len(index.article_chunks("tea"))
    assert first["collection"] not in index.store.list_collections()  # the older generation's copy dropped
    assert backend.retrieve("青川县茶叶博览会签约金额是多少？", 3)[0].article_id == "tea"


# --- faults (they kill and restart the session's server: keep them last) ----------------------------------


def test_server_killed_during_a_copy_then_while_serving_then_back(
    moved, milvus_server, seed_articles, ui_module, tmp_path: Path, capsys, monkeypatch
) -> None:
    import rag.index.migrate

    directory, uri, _ = moved
    live = current_generation(directory)
    rows = len(load_index(directory, store=uri).chunks)
    backend = Backend(directory, tmp_path / "uploads", store=uri)
    before = [h.chunk.id for h in backend.retrieve(QUESTIONS[0], 3)]  # answering through the server
    assert len(before) == 3

    insert = rag.index.migrate._insert

    def killed_midway(store, content, progress):  # type: ignore[no-untyped-def]
        milvus_server.kill()
        insert(store, content, progress)

    monkeypatch.setattr(rag.index.migrate, "_insert", killed_midway)
    options = WriteOptions(embedder=FakeEmbedder(dim=64), hook=MilvusCopy())
    with pytest.raises(IndexProblem, match="index unchanged: vector store unreachable"):
        update_index(directory, remove=[seed_articles["004"].id], options=options)
    assert current_generation(directory) == live and sorted(p.name for p in directory.glob("g-*")) == [
        live.name
    ]
    monkeypatch.undo()

    # the server is down: each surface says so, and the app keeps serving
    assert main(["search", QUESTIONS[0], "--index", str(directory), "--store", uri]) == 2
    assert "vector store unreachable" in capsys.readouterr().err
    with pytest.raises(StoreUnreachable, match="vector store unreachable"):
        backend.retrieve(QUESTIONS[0], 3)
    app = ui_module.build_app(directory, data_dir=tmp_path / "uploads", store=uri)
    fns = {f.api_name: f.fn for f in app.fns.values()}
    (_, history, _), _ = chat(fns, QUESTIONS[0])
    assert "向量库（Milvus）无法连接" in text_of(history[-1])
    with pytest.raises(gr.Error, match="向量库（Milvus）无法连接"):
        fns["ask"](QUESTIONS[0])

    # back: the same backend and app answer again, and the collection still holds every row
    milvus_server.start()
    assert [h.chunk.id for h in backend.retrieve(QUESTIONS[0], 3)] == before
    assert [h["chunk_id"] for h in fns["retrieve"](QUESTIONS[0], 3)["hits"]] == before
    assert len(open_migrated(live, uri)) == rows
    assert load_index(directory, store=uri).store.collection == collection_name(directory, live.name)
