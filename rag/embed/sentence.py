"""A sentence-transformers model as an :class:`~rag.embed.protocol.Embedder` (loaded on first use).

Prompts ("query: " / "passage: ") come from the model's own ``config_sentence_transformers.json``; nothing
here knows a model's prompts.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from rag.embed.protocol import as_text_list, looks_like_path, normalize_rows, plan_batches
from rag.embed.weights import bf16_is_fast, weights_id
from rag.errors import ModelError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = ["Precision", "SentenceTransformerEmbedder"]

Precision = Literal["auto", "bf16", "fp32"]


class SentenceTransformerEmbedder:
    """A sentence-transformers model, loaded on first use.

    ``precision="bf16"`` casts the loaded weights to bfloat16: on a CPU with native bf16 (AVX512-BF16, AMX) it
    runs about twice as fast as float32 with cosine ≈ 0.99998 to it (see ``benchmarks/embed_speed.py``); on
    one without (AVX2 only), torch emulates bf16 and it runs about four times slower. ``"auto"`` (the default)
    picks bf16 where it is native, float32 elsewhere (:func:`rag.embed.weights.bf16_is_fast`). Outputs are
    always float32 and re-normalized.

    Many texts are batched by a token budget: sorted by token count, longest first, and cut so that each
    batch's size times its longest text stays within ``token_budget`` padded tokens (at most ``batch_size``
    texts). Long passages go 12 to a batch, short sentences up to 128, and little is padding: on 2 cores this
    runs the indexer's texts ≈18 % faster than fixed batches of 16 (``benchmarks/indexing.py``). One or two
    texts (a question) take a direct path, see :meth:`_encode_few`.
    """

    def __init__(
        self,
        name_or_path: str | os.PathLike[str],
        *,
        device: str = "cpu",
        precision: Precision = "auto",
        batch_size: int = 128,
        token_budget: int = 4096,
    ) -> None:
        if precision not in ("auto", "bf16", "fp32"):
            raise ValueError(f"precision must be 'auto', 'bf16' or 'fp32', not {precision!r}")
        if batch_size < 1 or token_budget < 1:
            raise ValueError("batch_size and token_budget must be at least 1")
        raw = os.fspath(name_or_path)
        local = Path(raw).expanduser()
        self._local_dir: Path | None = local.resolve() if local.is_dir() else None
        # a path that is not there must not be looked up on the hub (that would hang offline)
        self._missing_path = self._local_dir is None and looks_like_path(raw)
        self.name: str = str(self._local_dir) if self._local_dir is not None else raw
        self.device = device
        self.precision: Precision = (
            ("bf16" if bf16_is_fast() else "fp32") if precision == "auto" else precision
        )
        self.batch_size = batch_size
        self.token_budget = token_budget
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()
        self._fingerprint: str | None = None

    def __repr__(self) -> str:
        return f"SentenceTransformerEmbedder({self.name!r}, precision={self.precision!r})"

    # -- loading

    def warm_up(self) -> None:
        """Load the model now (otherwise the first encode does)."""
        self._get_model()

    def _get_model(self) -> SentenceTransformer:
        model = self._model
        if model is not None:
            return model
        with self._lock:
            if self._model is None:
                self._model = self._load()
            return self._model

    def _load(self) -> SentenceTransformer:
        if self._missing_path:
            raise ModelError(f"the embedding model directory {self.name} does not exist")
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - both are hard dependencies
            raise ModelError(f"sentence-transformers is not installed: {exc}") from exc
        kwargs: dict[str, Any] = {"device": self.device}
        if self._local_dir is not None:
            kwargs["local_files_only"] = True  # a directory needs no hub, even for lookups
        try:
            model = SentenceTransformer(self.name, **kwargs)
        except Exception as exc:  # the loader raises OSError, ValueError, HTTP errors, ...
            where = "directory" if self._local_dir is not None else "model"
            raise ModelError(f"cannot load the embedding {where} {self.name!r}: {exc}") from exc
        if self.precision == "bf16":
            model = model.to(torch.bfloat16)
        model.eval()
        return model

    # -- interface

    @property
    def dim(self) -> int:
        model = self._get_model()
        get = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        dim = get()
        if not dim:
            raise ModelError(f"the embedding model {self.name!r} does not report its dimension")
        return int(dim)

    @property
    def prompts(self) -> dict[str, str]:
        prompts: dict[str, str] = dict(self._get_model().prompts)  # type: ignore[arg-type]  # values are str
        return prompts

    def encode_query(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(as_text_list(texts), "query", show_progress=False)

    def encode_document(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        return self._encode(as_text_list(texts), "document", show_progress=show_progress)

    def _encode(
        self, texts: list[str], kind: Literal["query", "document"], *, show_progress: bool
    ) -> np.ndarray:
        import torch

        model = self._get_model()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if len(texts) <= 2:
            return normalize_rows(self._encode_few(model, texts, kind))
        from sentence_transformers.util import batch_to_device
        from tqdm.auto import tqdm

        prompt = model.prompts.get(kind) or None
        batches = plan_batches(self.token_counts(texts, kind), self.token_budget, self.batch_size)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        with torch.inference_mode():
            for batch in tqdm(batches, desc="Batches", disable=not show_progress):
                features = model.preprocess([texts[i] for i in batch], prompt=prompt)
                emb = model(batch_to_device(features, model.device))["sentence_embedding"]
                out[batch] = emb.float().cpu().numpy()
        return normalize_rows(out)

    def token_counts(self, texts: Sequence[str], kind: Literal["query", "document"]) -> list[int]:
        """How many tokens the model reads of each text, its ``kind``'s prompt included (truncated as it is)."""
        model = self._get_model()
        prompt = model.prompts.get(kind) or ""
        ids = model.tokenizer([prompt + t for t in texts], truncation=True, max_length=model.max_seq_length)[
            "input_ids"
        ]
        return [len(x) for x in ids]

    @staticmethod
    def _encode_few(model: SentenceTransformer, texts: list[str], kind: str) -> np.ndarray:
        """One or two texts (a question): the model's own preprocessing (prompt included) and forward pass,
        without ``encode``'s per-call bookkeeping (device lookup over all parameters, ``eval()``, sorting),
        which costs ≈4 ms of a ≈20 ms query. On one intra-op thread: for a matrix this small more threads
        only add synchronisation, which costs hundreds of ms when the other core is busy (measured: 17
        tokens, 2 threads 200-400 ms, 1 thread 40-70 ms on loaded cores)."""
        import torch
        from sentence_transformers.util import batch_to_device

        prompt = model.prompts.get(kind) or None
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            with torch.inference_mode():
                features = batch_to_device(model.preprocess(texts, prompt=prompt), model.device)
                emb = model(features)["sentence_embedding"]
        finally:
            torch.set_num_threads(threads)
        return np.asarray(emb.float().cpu().numpy())

    def fingerprint(self) -> str:
        """Hash of the weights' identity and the prompts (not of the precision they run at)."""
        if self._fingerprint is None:
            payload = {"weights": self._weights_id(), "prompts": self.prompts, "dim": self.dim}
            blob = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
            self._fingerprint = hashlib.sha256(blob).hexdigest()[:16]
        return self._fingerprint

    def _weights_id(self) -> str:
        return weights_id(self._local_dir) if self._local_dir is not None else f"hub:{self.name}"
