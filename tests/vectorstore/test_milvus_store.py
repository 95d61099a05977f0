"""MilvusStore on Milvus Lite (embedded, a local .db): dense search, jieba BM25, deletes, the URI config."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pymilvus", reason='the Milvus store needs pymilvus: pip install "pymilvus[milvus_lite]"')
pytest.importorskip("milvus_lite", reason='Milvus Lite is missing: pip install "pymilvus[milvus_lite]"')

from vectorstore.errors import StoreBusyError, StoreMismatchError, StoreMissingError
from vectorstore.milvus_store import (
    META_FILE,
    MilvusStore,
    analyzer_with_stopwords,
    is_milvus_uri,
    public_uri,
    resolve_uri,
)

TEXTS = [
    "秦皇岛市委书记孟祥伟主持召开市委常委会议",
    "北京今天天气晴朗，最高气温二十度",
    "上海股市今天上涨百分之三",
    "秦皇岛港口吞吐量创下新高",
    "广州地铁新线路今天开通运营",
]
ARTICLES = ["qhd", "weather", "stocks", "port", "metro"]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One Milvus Lite database per module (its in-process server starts once); one collection per test."""
    return str(tmp_path_factory.mktemp("milvus") / "test.db")


@pytest.fixture
def vectors() -> np.ndarray:
    rng = np.random.default_rng(7)
    v = rng.normal(size=(5, 16)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.fixture
def store(db: str, vectors: np.ndarray, request: pytest.FixtureRequest) -> MilvusStore:
    name = "t_" + request.node.name.replace("[", "_").replace("]", "").replace("-", "_")[:60]
    s = MilvusStore(db, name, 16)
    s.add_rows(np.arange(5), vectors, texts=TEXTS, article_ids=ARTICLES)
    yield s
    s.drop()
    s.close()


def test_round_trip_dense_search(store: MilvusStore, vectors: np.ndarray) -> None:
    assert store.created and len(store) == 5 and store.dim == 16
    assert store.ids().tolist() == [0, 1, 2, 3, 4]
    scores, ids = store.search(vectors[[2, 4]] * 3.0, 7)  # queries are normalised by the store
    assert ids.shape == (2, 7) and ids[0, 0] == 2 and ids[1, 0] == 4
    assert scores[0, 0] == pytest.approx(1.0, abs=1e-5)
    expected = np.argsort(-(vectors @ vectors[2]), kind="stable")
    assert ids[0, :5].tolist() == expected.tolist()  # exact (FLAT) ranking by cosine
    assert ids[0, 5:].tolist() == [-1, -1] and np.isneginf(scores[0, 5:]).all()


def test_keyword_search_ranks_the_right_passage_for_a_jieba_query(store: MilvusStore) -> None:
    scores, ids = store.keyword_search("秦皇岛市委书记是谁", 5)
    assert ids[0] == 0  # 秦皇岛 + 市委 + 书记
    assert ids.tolist()[:2] == [0, 3]  # the port passage shares only 秦皇岛
    assert 1 not in ids.tolist() and 2 not in ids.tolist()  # no shared term: left out
    assert (scores > 0).all() and (np.diff(scores) <= 0).all()  # positive BM25, best first
    assert store.keyword_search("   ", 5)[1].size == 0


def test_keyword_scores_cover_top_depth_and_the_included_candidates(store: MilvusStore) -> None:
    store.flush()
    full_scores, full_ids = store.keyword_search("秦皇岛市委书记", 5)
    out = store.keyword_scores("秦皇岛市委书记", 1, 5, include=np.array([3, 4]))
    assert out.shape == (5,)
    assert out[full_ids[0]] == pytest.approx(full_scores[0])
    port = dict(zip(full_ids.tolist(), full_scores.tolist(), strict=True))[3]
    assert out[3] == pytest.approx(port, rel=1e-5)  # scored through the id filter, same as unfiltered
    assert out[4] == 0 and out[1] == 0


def test_delete_by_article_id_through_a_filter(store: MilvusStore, vectors: np.ndarray) -> None:
    assert store.delete_article("port") == 1
    assert store.delete_article("no-such-article") == 0
    assert store.ids().tolist() == [0, 1, 2, 4]
    _, ids = store.search(vectors[3], 5)
    assert 3 not in ids[0].tolist()
    assert 3 not in store.keyword_search("秦皇岛港口", 5)[1].tolist()
    assert store.delete_articles(["qhd", "metro"]) == 2 and len(store) == 2


def test_article_ids_with_quotes_are_escaped(db: str, vectors: np.ndarray) -> None:
    s = MilvusStore(db, "t_quotes", 16)
    try:
        s.add_rows([0, 1], vectors[:2], texts=["甲", "乙"], article_ids=['a"b\\c', "plain"])
        assert s.delete_article('a"b\\c') == 1
        assert s.ids().tolist() == [1]
    finally:
        s.drop()


def test_remove_add_texts_and_input_checks(store: MilvusStore, vectors: np.ndarray) -> None:
    assert store.remove(np.array([0, 0, 99])) == 1
    with pytest.raises(ValueError, match="already in the store"):
        store.add([1], vectors[:1])
    with pytest.raises(ValueError, match="dimension"):
        store.add([10], np.ones((1, 8)))
    with pytest.raises(ValueError, match="all-zero"):
        store.add([10], np.zeros((1, 16)))
    store.add([10], vectors[:1])  # no text: dense only
    assert 10 not in store.keyword_search("长城", 5)[1].tolist()
    store.add_texts([10], ["八达岭长城游客"], ["greatwall"])
    assert store.keyword_search("长城", 5)[1].tolist() == [10]
    _, ids = store.search(vectors[0], 1)
    assert ids[0, 0] == 10  # its vector stayed
    with pytest.raises(ValueError, match="not in the store"):
        store.add_texts([77], ["x"], ["y"])


def test_save_and_load_the_uri_config(store: MilvusStore, vectors: np.ndarray, tmp_path: Path) -> None:
    store.save(tmp_path / "cfg")
    meta = json.loads((tmp_path / "cfg" / META_FILE).read_text())
    assert meta["uri"] == store.uri and meta["collection"] == store.collection
    assert meta["dim"] == 16 and meta["count"] == 5 and meta["analyzer"] == {"tokenizer": "jieba"}
    loaded = MilvusStore.load(tmp_path / "cfg")
    assert len(loaded) == 5 and loaded.search(vectors[1], 1)[1][0, 0] == 1
    store.delete_article("metro")
    with pytest.raises(StoreMismatchError, match="holds 4 rows"):
        MilvusStore.load(tmp_path / "cfg")
    with pytest.raises(StoreMissingError):
        MilvusStore.load(tmp_path / "nowhere")


def test_credentials_are_never_saved(store: MilvusStore, db: str, tmp_path: Path) -> None:
    with_token = MilvusStore(db, store.collection, token="s3cret-token")
    with_token.save(tmp_path / "cfg")
    assert "s3cret" not in (tmp_path / "cfg" / META_FILE).read_text()
    assert public_uri("https://user:pw@db.example:443/x") == "https://db.example:443/x"


def test_opening_a_missing_collection_says_how_to_migrate(db: str) -> None:
    with pytest.raises(StoreMissingError, match="python -m rag migrate"):
        MilvusStore(db, "never_created")


def test_existing_collection_with_another_dimension_is_refused(store: MilvusStore, db: str) -> None:
    with pytest.raises(StoreMismatchError, match="16-d vectors, not 32-d"):
        MilvusStore(db, store.collection, 32)


def test_stop_filter_analyzer_drops_question_words(db: str, vectors: np.ndarray) -> None:
    texts = ["谁是谁的朋友", "秦皇岛书记"]
    plain = MilvusStore(db, "t_plain", 16)
    stop = MilvusStore(db, "t_stop", 16, analyzer=analyzer_with_stopwords(["是", "谁", "的"]))
    try:
        for s in (plain, stop):
            s.add_rows([0, 1], vectors[:2], texts=texts, article_ids=["a", "b"])
        assert sorted(plain.keyword_search("书记是谁", 5)[1].tolist()) == [0, 1]  # 是/谁 match passage 0
        assert stop.keyword_search("书记是谁", 5)[1].tolist() == [1]  # not any more
        assert stop.analyzer["filter"][0] == {"type": "stop", "stop_words": sorted(["是", "谁", "的"])}
    finally:
        plain.drop()
        stop.drop()


@pytest.mark.parametrize(
    ("spec", "uri"),
    [
        ("milvus://db.example:19530", "http://db.example:19530"),
        ("https://user:pw@db.example:443", "https://user:pw@db.example:443"),
        ("tcp://10.0.0.2:19530", "tcp://10.0.0.2:19530"),
    ],
)
def test_resolve_uri(spec: str, uri: str) -> None:
    assert is_milvus_uri(spec) and resolve_uri(spec) == uri


def test_resolve_uri_local_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert resolve_uri("rag.db") == str(tmp_path / "rag.db")
    assert is_milvus_uri("rag.db") and not is_milvus_uri("index") and not is_milvus_uri(None)
    with pytest.raises(ValueError, match="does not exist"):
        resolve_uri("missing/rag.db")
    with pytest.raises(ValueError, match="not a Milvus URI"):
        resolve_uri("ftp://host")
    with pytest.raises(ValueError, match="not a Milvus URI"):
        resolve_uri("faiss")


def test_a_lite_database_held_by_another_process_is_busy(tmp_path: Path) -> None:
    import subprocess
    import sys

    db = str(tmp_path / "held.db")
    code = (
        "import sys, time\n"
        "from vectorstore.milvus_store import MilvusStore\n"
        f"MilvusStore({db!r}, 'c', 4)\n"
        "print('ready', flush=True)\n"
        "sys.stdin.read()\n"
    )
    root = Path(__file__).resolve().parents[2]
    holder = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=root,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreBusyError, match="one process at a time"):
            MilvusStore(db, "c")
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
