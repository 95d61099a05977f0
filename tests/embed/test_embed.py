"""rag.embed's batching plan (token budget) and the fake embedder's contract."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from rag.embed import FakeEmbedder, plan_batches


@given(
    st.lists(st.integers(min_value=1, max_value=600), max_size=300),
    st.integers(min_value=1, max_value=8192),
    st.integers(min_value=1, max_value=200),
)
def test_plan_batches_takes_every_text_once_within_the_budget(lengths, budget, max_batch) -> None:
    batches = plan_batches(lengths, budget, max_batch)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    for b in batches:
        assert 1 <= len(b) <= max_batch
        longest = max(lengths[i] for i in b)
        assert lengths[b[0]] == longest  # longest first
        assert len(b) == 1 or len(b) * longest <= budget  # a text over the budget goes alone
    flat = [lengths[i] for b in batches for i in b]
    assert flat == sorted(flat, reverse=True)  # one pass, longest to shortest: batches pad little


def test_plan_batches_groups_short_texts_and_splits_long_ones() -> None:
    lengths = [300] * 20 + [20] * 300
    batches = plan_batches(lengths, 4096, 128)
    assert [len(b) for b in batches] == [13, 13, 128, 128, 38]  # 13 × 300 ≤ 4096; then 128 short ones a batch


def test_fake_embedder_is_deterministic_and_normalized() -> None:
    import numpy as np

    a, b = FakeEmbedder(dim=16), FakeEmbedder(dim=16)
    texts = ["秦皇岛", "兰州", "秦皇岛"]
    va, vb = a.encode_document(texts), b.encode_document(texts)
    np.testing.assert_array_equal(va, vb)
    np.testing.assert_allclose(np.linalg.norm(va, axis=1), 1.0, rtol=1e-6)
    assert np.array_equal(va[0], va[2]) and not np.array_equal(va[0], va[1])
