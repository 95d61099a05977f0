from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import faiss
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from vectorstore import KINDS, FaissStore, VectorStore
from vectorstore.errors import StoreMismatchError, StoreMissingError
from vectorstore.faiss_store import INDEX_FILE, META_FILE

DIM = 32


def unit(rng: np.random.Generator, n: int, dim: int = DIM) -> np.ndarray:
    x = rng.standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def make(kind: str, n: int = 600, seed: int = 0, **params) -> tuple[FaissStore, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    store = FaissStore(DIM, kind, **params)
    ids = np.arange(n, dtype=np.int64) * 3 + 5
    vecs = unit(rng, n)
    store.add(ids, vecs)
    return store, ids, vecs


STORES = {
    "flat": ("flat", {}),
    "hnsw": ("hnsw", {}),
    "ivf": ("ivf", {"nlist": 8}),  # 600 >= 39 * 8: trained
    "ivf-untrained": ("ivf", {"nlist": 32}),  # 600 < 39 * 32: still exact
    "ivfpq": ("ivf", {"nlist": 4, "pq_m": 8, "pq_nbits": 4, "min_train": 300}),
}


@pytest.fixture
def one_thread() -> Iterator[None]:
    """Tiny FAISS jobs (IVF/PQ training on a few hundred vectors) crawl when OpenMP threads contend."""
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    yield
    faiss.omp_set_num_threads(before)


def test_is_a_vector_store() -> None:
    assert isinstance(FaissStore(8), VectorStore)
    assert set(KINDS) == {"flat", "hnsw", "ivf"}


@pytest.mark.usefixtures("one_thread")
@pytest.mark.parametrize("name", list(STORES))
def test_save_load_round_trip_gives_identical_results(name: str, tmp_path: Path) -> None:
    kind, params = STORES[name]
    store, ids, _ = make(kind, **params)
    assert store.trained == (name != "ivf-untrained")
    store.remove(ids[:7])
    queries = unit(np.random.default_rng(1), 20)
    before = store.search(queries, 10)

    store.save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [META_FILE, INDEX_FILE]  # no temp files left
    meta = json.loads((tmp_path / META_FILE).read_text())
    assert meta["kind"] == kind and meta["dim"] == DIM and meta["count"] == len(store)

    loaded = FaissStore.load(tmp_path)
    after = loaded.search(queries, 10)
    np.testing.assert_array_equal(before[1], after[1])
    np.testing.assert_array_equal(before[0], after[0])
    assert len(loaded) == len(store) == 593
    np.testing.assert_array_equal(loaded.ids(), np.sort(ids[7:]))
    assert loaded.kind == kind and loaded.dim == DIM and loaded.params == store.params
    assert loaded.trained == store.trained


@pytest.mark.usefixtures("one_thread")
@pytest.mark.parametrize("name", ["flat", "hnsw", "ivf", "ivf-untrained"])
def test_remove_by_ids(name: str) -> None:
    kind, params = STORES[name]
    store, ids, vecs = make(kind, **params)
    gone = ids[[0, 10, 20]]
    assert store.remove(np.concatenate([gone, [999_999]])) == 3  # unknown ids are ignored
    assert store.remove(gone) == 0
    assert len(store) == len(ids) - 3
    assert not np.isin(gone, store.ids()).any()
    assert 5 not in store and int(ids[1]) in store
    # querying with a removed vector itself must not return it
    scores, found = store.search(vecs[[0, 10, 20]], 5)
    assert not np.isin(found, gone).any()
    assert (found >= 0).all() and np.isfinite(scores).all()


def test_hnsw_tombstones_survive_save_and_readd(tmp_path: Path) -> None:
    store, ids, vecs = make("hnsw", n=200)
    store.remove(ids[:5])  # 5 / 200 is below compact_ratio: kept as tombstones
    store.save(tmp_path)
    assert json.loads((tmp_path / META_FILE).read_text())["tombstones"] == sorted(ids[:5].tolist())
    loaded = FaissStore.load(tmp_path)
    _, found = loaded.search(vecs[:5], 3)
    assert not np.isin(found, ids[:5]).any()
    loaded.add(ids[:1], vecs[:1])  # re-adding a tombstoned id rebuilds the graph first
    _, found = loaded.search(vecs[:1], 1)
    assert found[0, 0] == ids[0]
    assert len(loaded) == 196


def test_hnsw_compacts_when_many_removed() -> None:
    store, ids, vecs = make("hnsw", n=100, compact_ratio=0.1)
    store.remove(ids[:20])
    assert store._index.ntotal == 80  # rebuilt without the removed vectors
    scores, found = store.search(vecs[:1], 100)
    assert (found[0, :80] >= 0).all() and (found[0, 80:] == -1).all()
    assert np.isneginf(scores[0, 80:]).all()


@pytest.mark.usefixtures("one_thread")
def test_ivf_trains_once_enough_vectors() -> None:
    store = FaissStore(DIM, "ivf", nlist=4, min_train=100)
    rng = np.random.default_rng(3)
    store.add(np.arange(99), unit(rng, 99))
    assert not store.trained
    store.add([99], unit(rng, 1))
    assert store.trained and len(store) == 100
    store.add([100, 101], unit(rng, 2))
    assert len(store) == 102


def test_empty_store_and_padding() -> None:
    store = FaissStore(4)
    scores, found = store.search(np.ones((2, 4)), 3)
    assert found.shape == (2, 3) and (found == -1).all() and np.isneginf(scores).all()
    store.add([7, 8], np.eye(4)[:2])
    scores, found = store.search(np.array([1.0, 0.5, 0, 0]), 4)  # 1-D query: one row
    assert found.tolist() == [[7, 8, -1, -1]]
    assert scores.dtype == np.float32 and found.dtype == np.int64
    assert np.isneginf(scores[0, 2:]).all()
    assert scores[0, 0] == pytest.approx(1 / np.sqrt(1.25), rel=1e-6)  # cosine: inputs are normalised


def test_dimension_mismatch_names_both_dims() -> None:
    store = FaissStore(16)
    with pytest.raises(ValueError, match=r"expected 16, got 8"):
        store.add([1], np.ones((1, 8)))
    store.add([1], np.ones((1, 16)))
    with pytest.raises(ValueError, match=r"expected 16, got 17"):
        store.search(np.ones((2, 17)), 1)


@pytest.mark.parametrize(
    ("ids", "vectors", "error", "match"),
    [
        ([1], [[np.nan, 1, 1, 1]], ValueError, "finite"),
        ([1], [[np.inf, 1, 1, 1]], ValueError, "finite"),
        ([1], [[0, 0, 0, 0]], ValueError, "all-zero"),
        ([1, 1], np.ones((2, 4)), ValueError, "duplicates"),
        ([1, 2], np.ones((1, 4)), ValueError, "2 ids for 1 vectors"),
        ([-3], np.ones((1, 4)), ValueError, "non-negative"),
        ([1.5], np.ones((1, 4)), TypeError, "integers"),
        ([1], np.ones((1, 2, 4)), ValueError, "2-D"),
    ],
)
def test_bad_inputs_rejected(ids, vectors, error, match) -> None:
    store = FaissStore(4)
    with pytest.raises(error, match=match):
        store.add(np.asarray(ids), np.asarray(vectors, dtype=np.float64))
    assert len(store) == 0


def test_existing_id_and_bad_k_and_bad_settings() -> None:
    store = FaissStore(4)
    store.add([1], np.ones((1, 4)))
    with pytest.raises(ValueError, match="already in the store"):
        store.add([1], np.ones((1, 4)))
    with pytest.raises(ValueError, match="at least 1"):
        store.search(np.ones(4), 0)
    with pytest.raises(ValueError, match="finite"):
        store.search(np.full(4, np.nan), 1)
    with pytest.raises(ValueError, match="unknown vector store kind"):
        FaissStore(4, "lsh")
    with pytest.raises(ValueError, match="unknown parameter"):
        FaissStore(4, "hnsw", nlist=3)
    with pytest.raises(ValueError, match="divide"):
        FaissStore(10, "ivf", pq_m=3)


def test_missing_store(tmp_path: Path) -> None:
    with pytest.raises(StoreMissingError):
        FaissStore.load(tmp_path / "nowhere")


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_truncated_index_file(kind: str, tmp_path: Path) -> None:
    store, _, _ = make(kind, n=50)
    store.save(tmp_path)
    path = tmp_path / INDEX_FILE
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(StoreMismatchError, match="truncated or corrupt"):
        FaissStore.load(tmp_path)


@pytest.mark.parametrize("cut", [0, 4, 40, 1000, -8])
def test_corrupt_index_that_passes_the_checksum(cut: int, tmp_path: Path) -> None:
    """Even when store.json agrees with the bytes, FAISS's RuntimeError becomes StoreMismatchError."""
    store, _, _ = make("flat", n=50)
    store.save(tmp_path)
    blob = (tmp_path / INDEX_FILE).read_bytes()[:cut]
    if cut == 40:
        blob = b"garbage!" * 5
    (tmp_path / INDEX_FILE).write_bytes(blob)
    meta = json.loads((tmp_path / META_FILE).read_text())
    meta.update(index_bytes=len(blob), index_sha256=hashlib.sha256(blob).hexdigest())
    (tmp_path / META_FILE).write_text(json.dumps(meta))
    with pytest.raises(StoreMismatchError, match="rebuild"):
        FaissStore.load(tmp_path)


@pytest.mark.parametrize(
    "edit",
    [
        lambda m: m.update(dim=m["dim"] + 1),
        lambda m: m.update(kind="hnsw"),
        lambda m: m.update(count=m["count"] + 1),
        lambda m: m.update(format_version=99),
        lambda m: m.update(params={"bogus": 1}),
        lambda m: m.pop("index_sha256"),
    ],
)
def test_metadata_not_matching_index(edit, tmp_path: Path) -> None:
    store, _, _ = make("flat", n=50)
    store.save(tmp_path)
    meta = json.loads((tmp_path / META_FILE).read_text())
    edit(meta)
    (tmp_path / META_FILE).write_text(json.dumps(meta))
    with pytest.raises(StoreMismatchError):
        FaissStore.load(tmp_path)


def test_unreadable_metadata(tmp_path: Path) -> None:
    store, _, _ = make("flat", n=5)
    store.save(tmp_path)
    (tmp_path / META_FILE).write_text("{not json")
    with pytest.raises(StoreMismatchError):
        FaissStore.load(tmp_path)
    (tmp_path / META_FILE).write_text(json.dumps({"format": "rag-news/faiss-store"}))
    with pytest.raises(StoreMismatchError):
        FaissStore.load(tmp_path)


def test_hnsw_recall_against_flat() -> None:
    rng = np.random.default_rng(42)
    n, dim = 20_000, 64
    x = rng.standard_normal((n, dim)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    queries = rng.standard_normal((200, dim)).astype(np.float32)
    ids = np.arange(n, dtype=np.int64)
    flat, hnsw = FaissStore(dim), FaissStore(dim, "hnsw")
    flat.add(ids, x)
    hnsw.add(ids, x)
    _, truth = flat.search(queries, 10)
    _, found = hnsw.search(queries, 10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(truth, found, strict=True)])
    assert recall >= 0.95, recall


@st.composite
def store_case(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, int]:
    dim = draw(st.integers(1, 8))
    n = draw(st.integers(1, 30))
    m = draw(st.integers(1, 4))
    k = draw(st.integers(1, 35))
    elements = st.floats(-10, 10, allow_nan=False, width=32)
    data = draw(hnp.arrays(np.float32, (n, dim), elements=elements))
    queries = draw(hnp.arrays(np.float32, (m, dim), elements=elements))
    ok = (np.linalg.norm(data, axis=1) > 1e-3).all() and (np.linalg.norm(queries, axis=1) > 1e-3).all()
    return (data, queries, k) if ok else draw(st.nothing())


@settings(max_examples=60, deadline=None)
@given(store_case())
def test_flat_matches_numpy_brute_force(case: tuple[np.ndarray, np.ndarray, int]) -> None:
    data, queries, k = case
    n = data.shape[0]
    ids = np.arange(n, dtype=np.int64) * 7 + 1
    store = FaissStore(data.shape[1])
    store.add(ids, data)
    scores, found = store.search(queries, k)

    xn = data / np.linalg.norm(data, axis=1, keepdims=True)
    qn = queries / np.linalg.norm(queries, axis=1, keepdims=True)
    sims = qn.astype(np.float64) @ xn.T.astype(np.float64)
    order = np.argsort(-sims, axis=1, kind="stable")
    kk = min(k, n)
    expected = np.take_along_axis(sims, order, axis=1)[:, :kk]
    np.testing.assert_allclose(scores[:, :kk], expected, atol=1e-5)
    # ids may differ from argsort only among (near-)ties: each returned id must carry the returned score
    by_id = dict(zip(ids.tolist(), range(n), strict=True))
    for row in range(queries.shape[0]):
        got = found[row, :kk]
        assert len(set(got.tolist())) == kk and (got >= 0).all()
        np.testing.assert_allclose(sims[row, [by_id[i] for i in got]], scores[row, :kk], atol=1e-5)
        # where the brute-force order is unambiguous (no near-ties), the ids must match exactly
        gaps = np.abs(np.diff(np.take_along_axis(sims[row], order[row], axis=0)))
        if (gaps[: min(kk, n - 1)] > 1e-4).all():
            np.testing.assert_array_equal(got, ids[order[row, :kk]])
    assert (found[:, kk:] == -1).all() and np.isneginf(scores[:, kk:]).all()


def test_ef_search_is_an_hnsw_knob_kept_when_saved(tmp_path: Path) -> None:
    store = FaissStore(4, kind="hnsw")
    store.set_ef_search(16)
    assert store.params["ef_search"] == 16
    store.save(tmp_path)
    assert FaissStore.load(tmp_path).params["ef_search"] == 16
    with pytest.raises(ValueError, match="HNSW"):
        FaissStore(4).set_ef_search(16)
    with pytest.raises(ValueError, match="positive"):
        store.set_ef_search(0)


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_search_among_given_ids_fills_k_from_them(kind: str) -> None:
    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((400, 16)).astype(np.float32)
    params = {"nlist": 4, "nprobe": 4, "min_train": 200} if kind == "ivf" else {}
    store = FaissStore(16, kind, **params)
    store.add(np.arange(400), vectors)
    allowed = np.array([5, 17, 230, 231, 399], dtype=np.int64)
    _, ids = store.search(vectors[:2], 3, ids=allowed)
    exact = vectors[allowed] @ (vectors[:2] / np.linalg.norm(vectors[:2], axis=1, keepdims=True)).T
    for row in range(2):
        assert set(ids[row]) <= set(allowed.tolist()) and (ids[row] >= 0).all()
        best = allowed[np.argsort(-exact[:, row])[:3]]
        assert ids[row].tolist() == best.tolist()
    _, few = store.search(vectors[:1], 10, ids=np.array([3, 4]))
    assert sorted(few[0][:2].tolist()) == [3, 4] and (few[0][2:] == -1).all()
    _, none = store.search(vectors[:1], 3, ids=np.zeros(0, np.int64))
    assert (none == -1).all()


def test_hnsw_search_among_ids_skips_removed_ones() -> None:
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((50, 8)).astype(np.float32)
    store = FaissStore(8, "hnsw")
    store.add(np.arange(50), vectors)
    store.remove(np.array([10]))
    _, ids = store.search(vectors[10:11], 5, ids=np.array([10, 11, 12]))
    assert 10 not in ids[0].tolist() and set(ids[0][:2].tolist()) == {11, 12}
