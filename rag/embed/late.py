"""Late chunking: vectors of spans of a document from the document's own forward pass.

A document (an index chunk) is read once; its vector is the model's own pooled output, as
``encode_document`` makes it, and each span's vector (a sentence of the chunk) is the mean of the last-layer
token states of the tokens that overlap the span, L2-normalised (Günther et al. 2024, "Late Chunking").
The sentence is thus read in its context, without a second forward pass over each sentence's text.

Token states are located by the tokenizer's character offset mapping of ``prompt + text``; a span none of
whose tokens the model read (cut off by the model's ``max_seq_length``) is embedded alone instead, as
``encode_document`` would: :class:`LateVectors` counts those.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from rag.embed.protocol import LateVectors, normalize_rows, plan_batches

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = ["late_vectors", "span_token_mask"]

SpanList = Sequence[tuple[int, int]]


def span_token_mask(offsets: np.ndarray, spans: SpanList, shift: int) -> np.ndarray:
    """``(len(spans), tokens)`` booleans: which tokens overlap each span. ``offsets``: the tokenizer's
    ``(tokens, 2)`` character offsets into ``prompt + text`` (special and padding tokens ``(0, 0)``);
    ``shift``: where ``text`` starts in that string. A token overlaps ``[s, e)`` when it covers at least one
    of its characters."""
    starts, ends = offsets[:, 0], offsets[:, 1]
    real = ends > starts
    mask = np.zeros((len(spans), len(offsets)), dtype=bool)
    for row, (s, e) in enumerate(spans):
        mask[row] = real & (starts < e + shift) & (ends > s + shift)
    return mask


def late_vectors(
    model: SentenceTransformer,
    texts: Sequence[str],
    spans: Sequence[SpanList],
    *,
    prompt: str,
    dim: int,
    token_budget: int,
    batch_size: int,
    embed_alone: Callable[[list[str]], np.ndarray],
) -> LateVectors:
    """Document vectors of ``texts`` and the late-chunked vectors of each text's ``spans`` (character offsets
    into the text), batched by token budget as :func:`~rag.embed.protocol.plan_batches` plans it; spans no
    token read go to ``embed_alone`` (the embedder's ``encode_document``)."""
    import torch
    from sentence_transformers.util import batch_to_device

    tokenizer = model.tokenizer
    full = [prompt + t for t in texts]
    encoded = tokenizer(full, truncation=True, max_length=model.max_seq_length, return_offsets_mapping=True)
    lengths = [len(ids) for ids in encoded["input_ids"]]
    documents = np.empty((len(texts), dim), dtype=np.float32)
    out: list[np.ndarray] = [np.zeros((len(s), dim), np.float32) for s in spans]
    unseen: list[tuple[int, int]] = []  # (document, span row) read by no token
    with torch.inference_mode():
        for batch in plan_batches(lengths, token_budget, batch_size):
            features = model.preprocess([full[i] for i in batch])
            result: dict[str, Any] = model(batch_to_device(features, model.device))
            documents[batch] = result["sentence_embedding"].float().cpu().numpy()
            states = result["token_embeddings"].float().cpu().numpy()
            for row, i in enumerate(batch):
                ids = np.asarray(encoded["input_ids"][i])
                if not np.array_equal(features["input_ids"][row, : len(ids)].cpu().numpy(), ids):
                    unseen.extend((i, k) for k in range(len(spans[i])))  # another tokenisation: no offsets
                    continue
                mask = span_token_mask(np.asarray(encoded["offset_mapping"][i]), spans[i], len(prompt))
                counts = mask.sum(axis=1)
                out[i] = (mask.astype(np.float32) @ states[row, : len(ids)]) / np.maximum(counts, 1)[:, None]
                unseen.extend((i, int(k)) for k in np.flatnonzero(counts == 0))
    if unseen:
        alone = embed_alone([texts[i][spans[i][k][0] : spans[i][k][1]] for i, k in unseen])
        for (i, k), vector in zip(unseen, alone, strict=True):
            out[i][k] = vector
    return LateVectors(normalize_rows(documents), [normalize_rows(v) for v in out], len(unseen))
