"""benchmarks/scale.py on a small corpus: the generator, exact ground truth, and both parts end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest


@pytest.fixture(scope="module")
def scale(benchmark_module):  # type: ignore[no-untyped-def]
    return benchmark_module("scale")


def test_exact_top_matches_brute_force(scale) -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(1200, 16)).astype(np.float32)
    q = rng.normal(size=(7, 16)).astype(np.float32)
    scores, ids = scale.exact_top(x, q, 10, block=250)
    expected = np.argsort(-(q @ x.T), axis=1, kind="stable")[:, :10]
    assert ids.tolist() == expected.tolist()
    np.testing.assert_allclose(scores, np.take_along_axis(q @ x.T, expected, 1), rtol=1e-5)


def test_generator_is_clustered_and_anisotropic_like_e5(scale) -> None:
    gen = scale.Generator(20_000, seed=1)
    x = gen.sample(3000)
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-5)
    stats = scale.vector_stats(x, gen.sample(50, noise=1.3), np.random.default_rng(0))
    assert 0.80 <= stats["mean_pairwise_cos"] <= 0.88  # e5 on CMRC dev: 0.84
    assert stats["norm_of_mean"] > 0.85  # e5: 0.92
    assert stats["query_top1_cos"] > stats["mean_pairwise_cos"] + 0.03  # neighbours stand out
    uniform = np.random.default_rng(0).normal(size=(3000, 384)).astype(np.float32)
    uniform /= np.linalg.norm(uniform, axis=1, keepdims=True)
    assert scale.vector_stats(uniform, None, np.random.default_rng(0))["mean_pairwise_cos"] < 0.05


def test_small_run_reports_both_parts(scale, tmp_path: Path, capsys) -> None:
    out = tmp_path / "scale.json"
    argv = ["--n", "4000", "--queries", "40", "--ef", "16,128", "--keyword-n", "2000", "--batch", "1000"]
    assert scale.main([*argv, "--out", str(out)]) == 0
    capsys.readouterr()
    report = json.loads(out.read_text())
    dense, keyword = report["dense"], report["keyword"]
    assert dense["n"] == 4000 and dense["index"]["M"] == 16 and dense["index"]["efConstruction"] == 64
    assert dense["index"]["index_bytes"] > 4000 * 384 * 4  # the vectors plus the graph
    by_ef = {s["ef_search"]: s for s in dense["search"]}
    assert by_ef[128]["recall_at_10"] >= 0.95 and by_ef[128]["recall_at_10"] >= by_ef[16]["recall_at_10"]
    assert dense["target"]["chosen_ef_search"] in (16, 128)
    assert keyword["n_indexed"] == 2000 and keyword["vocabulary"] > 1000
    assert keyword["query"]["queries"] == 40 and keyword["query"]["matching_passages_median"] >= 1
    assert keyword["query"]["scores_top100_ms_p50"] > 0
