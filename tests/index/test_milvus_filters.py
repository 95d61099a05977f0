"""Date/outlet filters and reprints through the Milvus copy: scalar fields on every row, filter expressions in
the engine, the same hits as FAISS."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("pymilvus", reason='the Milvus store needs pymilvus: pip install "pymilvus[milvus_lite]"')
pytest.importorskip("milvus_lite", reason='Milvus Lite is missing: pip install "pymilvus[milvus_lite]"')

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import news_fixtures as F

from rag.embed import FakeEmbedder
from rag.index import BuildOptions, build_index, current_generation, load_index
from rag.index.migrate import MilvusTarget, migrate_to_milvus
from rag.index.milvus import open_migrated
from rag.search import retrieve_from

FILTERS = [
    {},
    {"since": "2022-01-01", "until": "2022-12-31"},
    {"outlets": ["新华网"]},
    {"outlets": ["新浪网"]},
    {"since": "2023-03-05"},
    {"since": "2030"},
]


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("milvus-dated")
    F.write_dated_corpus(root / "docs")
    build_index([root / "docs"], root / "index", BuildOptions(embedder=FakeEmbedder(dim=64)))
    db = str(root / "rag.db")
    migrate_to_milvus(root / "index", MilvusTarget(db))
    faiss = load_index(root / "index", embedder=FakeEmbedder(dim=64))
    milvus = load_index(root / "index", embedder=FakeEmbedder(dim=64), store=db)
    yield faiss, milvus, root / "index", db
    milvus.store.close()


def test_rows_carry_date_outlet_and_canonical(both) -> None:
    milvus = both[1]
    rows = milvus.store._client.query(
        milvus.store.collection,
        filter="id >= 0",
        output_fields=["article_id", "published", "outlet", "canonical"],
    )
    by_article = {r["article_id"]: (r["published"], r["outlet"], r["canonical"]) for r in rows}
    assert by_article["news-port-2022"] == ("2022-03-06", "人民日报", True)
    assert by_article["news-port-2023-sina"] == ("2023-03-05", "新浪网", False)  # a reprint: not searched


@pytest.mark.parametrize(
    "filters", FILTERS, ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items()) or "none"
)
def test_milvus_filters_give_the_hits_faiss_gives(both, filters) -> None:
    faiss, milvus, _, _ = both
    expected = [h.article_id for h in retrieve_from(faiss, F.PORT_QUESTION, k=5, **filters)]
    got = [h.article_id for h in retrieve_from(milvus, F.PORT_QUESTION, k=5, **filters)]
    assert got == expected
    if filters.get("since") == "2030":
        assert got == []
    else:
        assert got


def test_groups_stay_in_the_manifest_of_the_migrated_generation(both) -> None:
    _, milvus, directory, db = both
    assert milvus.groups == [["news-port-2023", "news-port-2023-sina"]]
    assert open_migrated(current_generation(directory), db).has_meta_fields
