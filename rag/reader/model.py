"""The span reader: a transformer with a start/end head that reads a question against passages.

Two kinds of source, one interface (:class:`SpanReader`):

* a directory with ``reader.json`` (trained here by :mod:`rag.reader.train`): the multilingual-e5-small base
  rebuilt by ``rag.embed.e5convert`` with a LoRA adapter (or full layer weights) and span head laid over it;
* any Hugging Face extractive QA model (``AutoModelForQuestionAnswering``), by local path or hub name; its
  null threshold is 0 (answer when the best span beats "no answer"), unless one is given.

The constructor is cheap; weights load on first use (:meth:`SpanReader.warm_up`). Precision ``auto`` is bf16 where
the CPU computes it natively (AVX-512 bf16 / AMX), else fp32. All windows of a question are one padded batch.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from rag.embed.weights import bf16_is_fast
from rag.errors import ModelError
from rag.reader.manifest import check_base, read_manifest
from rag.reader.spans import SpanPrediction, passage_spans
from rag.reader.windows import Window, make_windows
from rag.settings import reader_threshold

__all__ = [
    "Logits",
    "SpanReader",
    "batch_tensors",
    "build_qa_model",
    "default_base_dir",
    "default_reader_dir",
]

Precision = Literal["auto", "bf16", "fp32"]
WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"


def default_reader_dir() -> Path:
    """The reader shipped with the package (``rag/reader/weights``)."""
    return WEIGHTS_DIR


def default_base_dir() -> Path:
    """The base every shipped reader is laid over: the e5 directory ``rag.embed.e5convert`` rebuilds."""
    from rag.embed.e5convert import default_model_dir

    return default_model_dir()


def build_qa_model(base: Path, *, adapter: Mapping[str, Any] | None = None) -> Any:
    """The base encoder with a fresh span head (and, given ``adapter``'s LoRA config, LoRA layers), dropout
    off, embeddings frozen. Used by training and, with trained weights loaded after, by inference."""
    import transformers
    from transformers import AutoConfig, AutoModelForQuestionAnswering

    config = AutoConfig.from_pretrained(base, local_files_only=True)
    for name in ("hidden_dropout_prob", "attention_probs_dropout_prob", "classifier_dropout"):
        if hasattr(config, name):
            setattr(config, name, 0.0)
    verbosity = transformers.logging.get_verbosity()
    transformers.logging.set_verbosity_error()  # type: ignore[no-untyped-call] # the span head is new: its "missing weights" are expected
    try:
        model = AutoModelForQuestionAnswering.from_pretrained(base, config=config, local_files_only=True)
    finally:
        transformers.logging.set_verbosity(verbosity)
    for p in model.base_model.embeddings.parameters():  # the embedder's own word vectors stay as they are
        p.requires_grad = False
    if adapter is not None:
        from peft import LoraConfig, get_peft_model

        model = get_peft_model(model, LoraConfig(**adapter))
    return model


def batch_tensors(windows: Sequence[Window], pad_id: int) -> dict[str, Any]:
    """Pad ``windows`` into one batch of tensors (input_ids, attention_mask, token_type_ids if any)."""
    import torch

    width = max(len(w) for w in windows)
    ids = torch.full((len(windows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(windows), width), dtype=torch.long)
    types = torch.zeros((len(windows), width), dtype=torch.long)
    for i, w in enumerate(windows):
        ids[i, : len(w)] = torch.tensor(w.input_ids)
        mask[i, : len(w)] = 1
        if w.token_type_ids is not None:
            types[i, : len(w)] = torch.tensor(w.token_type_ids)
    batch = {"input_ids": ids, "attention_mask": mask}
    if windows[0].token_type_ids is not None:
        batch["token_type_ids"] = types
    return batch


class SpanReader:
    """Reads a question against passages and scores answer spans (see the module doc).

    ``source``: a reader directory or an HF QA model name/path (default: the shipped reader). ``base``: the
    base model directory for a ``reader.json`` reader (default: the rebuilt e5). ``threshold`` and
    ``max_answer_tokens`` override the reader's own."""

    def __init__(
        self,
        source: str | os.PathLike[str] | None = None,
        *,
        base: str | os.PathLike[str] | None = None,
        precision: Precision = "auto",
        threshold: float | None = None,
        max_answer_tokens: int | None = None,
    ) -> None:
        raw = os.fspath(source) if source is not None else str(default_reader_dir())
        local = Path(raw).expanduser()
        self.name = str(local.resolve()) if local.is_dir() else raw
        self._dir = local.resolve() if local.is_dir() else None
        self._base = Path(base) if base is not None else None
        self.precision: Precision = (
            ("bf16" if bf16_is_fast() else "fp32") if precision == "auto" else precision
        )
        self._threshold = threshold
        self._max_answer_tokens = max_answer_tokens
        self.manifest: dict[str, Any] = {}
        self._model: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SpanReader({self.name!r})"

    # -- loading

    @property
    def kind(self) -> str:
        """ "lora" / "full" (trained here, ``reader.json``) or "hf" (any HF QA model)."""
        if self.manifest:
            return str(self.manifest.get("kind", "lora"))
        if self._dir is not None and (self._dir / "reader.json").exists():
            return str(self._read_manifest().get("kind", "lora"))
        return "hf"

    @property
    def training_files(self) -> list[dict[str, str]]:
        """The files this reader was trained on (``name``, ``sha256``) by its ``reader.json``, read without
        loading the weights; [] for a Hugging Face model, which records none."""
        manifest = self.manifest
        if not manifest and self._dir is not None and (self._dir / "reader.json").exists():
            manifest = self._read_manifest()
        return list(manifest.get("training", {}).get("files", []))

    def _read_manifest(self) -> dict[str, Any]:
        if not self.manifest and self._dir is not None:
            self.manifest = read_manifest(self._dir)
        return self.manifest

    def warm_up(self) -> None:
        self._get()

    def _get(self) -> tuple[Any, Any]:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._tokenizer, self._model = self._load()
        return self._tokenizer, self._model

    def _load(self) -> tuple[Any, Any]:
        import torch
        from transformers import AutoTokenizer

        if self._dir is None and (os.sep in self.name or self.name.startswith(".")):
            raise ModelError(
                f"the reader directory {self.name} does not exist",
                code="reader_missing",
                hint="train one with `python -m rag.reader.train`, or unset --reader / $RAG_READER for the "
                "shipped reader",
                path=self.name,
            )
        try:
            if self.kind == "hf":
                tokenizer, model = self._load_hf()
            else:
                base = self._base or default_base_dir()
                manifest = self._read_manifest()
                assert self._dir is not None
                check_base(manifest, self._dir, base)
                model = self._load_trained(base, manifest)
                tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=True)
        except ModelError:
            raise
        except Exception as exc:  # loaders raise OSError, ValueError, HTTP errors, ...
            raise ModelError(f"cannot load the reader {self.name!r}: {exc}", code="reader_load") from exc
        if self.precision == "bf16":
            model = model.to(torch.bfloat16)
        model.eval()
        return tokenizer, model

    def _load_hf(self) -> tuple[Any, Any]:
        from transformers import AutoModelForQuestionAnswering, AutoTokenizer

        local = {"local_files_only": True} if self._dir is not None else {}
        tokenizer = AutoTokenizer.from_pretrained(self.name, **local)
        model = AutoModelForQuestionAnswering.from_pretrained(self.name, **local)
        return tokenizer, model

    def _load_trained(self, base: Path, manifest: Mapping[str, Any]) -> Any:
        from safetensors.torch import load_file

        assert self._dir is not None
        weights = load_file(str(self._dir / manifest["weights"]["file"]))
        if manifest["kind"] == "lora":
            from peft import set_peft_model_state_dict

            model = build_qa_model(base, adapter=manifest["adapter"])
            result = set_peft_model_state_dict(model, weights)
            if getattr(result, "unexpected_keys", None):
                raise ModelError(
                    f"the reader in {self._dir} has weights its adapter config lacks", code="reader_mismatch"
                )
            return model.merge_and_unload()
        model = build_qa_model(base)
        missing, unexpected = model.load_state_dict(weights, strict=False)
        if unexpected or any(not k.startswith("bert.embeddings.") for k in missing):
            raise ModelError(
                f"the reader weights in {self._dir} do not fit the base model {base}", code="reader_mismatch"
            )
        return model

    # -- settings

    def _setting(self, name: str, default: Any) -> Any:
        if self.manifest:
            return self.manifest.get("inference", {}).get(name, default)
        if self.kind == "hf":
            return default
        return self._read_manifest().get("inference", {}).get(name, default)

    @property
    def threshold(self) -> float:
        """Answer when the best span's margin over "no answer" is at least this: the one given, else
        ``$RAG_READER_THRESHOLD``, else the reader's calibrated one (0 for an HF model)."""
        if self._threshold is not None:
            return self._threshold
        override = reader_threshold()
        return float(override if override is not None else self._setting("threshold", 0.0))

    @property
    def max_answer_tokens(self) -> int:
        if self._max_answer_tokens is not None:
            return self._max_answer_tokens
        return int(self._setting("max_answer_tokens", 30))

    @property
    def echo_penalty(self) -> float:
        """Score points a span loses for each character it repeats of the question (:mod:`rag.reader.spans`;
        calibrated, 0 for a reader calibrated without it and for an HF model)."""
        return float(self._setting("echo_penalty", 0.0))

    @property
    def max_length(self) -> int:
        return int(self._setting("max_length", 384))

    @property
    def stride(self) -> int:
        return int(self._setting("stride", 128))

    # -- reading

    @classmethod
    def wrap(
        cls, model: Any, tokenizer: Any, *, precision: Precision = "auto", **settings: Any
    ) -> SpanReader:
        """A reader over a model already in memory (training evaluates with it); ``settings``: the
        ``inference`` keys of ``reader.json`` (threshold, max_answer_tokens, max_length, stride)."""
        reader = cls("<in memory>", precision=precision)
        reader.manifest = {"kind": "memory", "inference": dict(settings)}
        reader._tokenizer, reader._model = tokenizer, model
        return reader

    def logits(self, windows: Sequence[Window]) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Start and end logits of each window (float32, one array per window, its own length), in one
        padded batch."""
        import torch

        tokenizer, model = self._get()
        if not windows:
            return [], []
        batch = batch_tensors(windows, tokenizer.pad_token_id or 0)
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self._bf16):
            out = model(**batch)
        start = out.start_logits.float().numpy()
        end = out.end_logits.float().numpy()
        return [start[i, : len(w)] for i, w in enumerate(windows)], [
            end[i, : len(w)] for i, w in enumerate(windows)
        ]

    @property
    def _bf16(self) -> bool:
        return self.precision == "bf16"

    def windows(self, question: str, passages: Sequence[str]) -> list[Window]:
        tokenizer, _ = self._get()
        return make_windows(tokenizer, question, passages, max_length=self.max_length, stride=self.stride)

    def read(self, question: str, passages: Sequence[str], *, top: int = 1) -> list[list[SpanPrediction]]:
        """The ``top`` best spans of each passage for ``question`` (see :mod:`rag.reader.spans`): all its
        windows in one batch."""
        windows = self.windows(question, passages)
        start, end = self.logits(windows)
        return passage_spans(
            passages,
            windows,
            start,
            end,
            max_tokens=self.max_answer_tokens,
            top=top,
            question=question,
            echo_penalty=self.echo_penalty,
        )

    def forward_many(
        self, items: Sequence[tuple[str, Sequence[str]]], *, token_budget: int = 16384
    ) -> list[Logits]:
        """The windows and logits of many ``(question, passages)`` at once (evaluation): windows of similar
        length batched together, at most ``token_budget`` padded tokens a batch."""
        per_item = [self.windows(q, passages) for q, passages in items]
        flat = sorted(
            ((i, j) for i, ws in enumerate(per_item) for j in range(len(ws))),
            key=lambda ij: -len(per_item[ij[0]][ij[1]]),
        )
        starts: dict[tuple[int, int], np.ndarray] = {}
        ends: dict[tuple[int, int], np.ndarray] = {}
        at = 0
        while at < len(flat):
            width = len(per_item[flat[at][0]][flat[at][1]])
            group = flat[at : at + max(1, token_budget // width)]
            s, e = self.logits([per_item[i][j] for i, j in group])
            for key, a, b in zip(group, s, e, strict=True):
                starts[key], ends[key] = a, b
            at += len(group)
        return [
            Logits(
                question,
                list(passages),
                per_item[i],
                [starts[(i, j)] for j in range(len(per_item[i]))],
                [ends[(i, j)] for j in range(len(per_item[i]))],
            )
            for i, (question, passages) in enumerate(items)
        ]

    def read_many(
        self, items: Sequence[tuple[str, Sequence[str]]], *, top: int = 1
    ) -> list[list[list[SpanPrediction]]]:
        """:meth:`read` for many ``(question, passages)`` at once."""
        return [x.spans(self.max_answer_tokens, top, self.echo_penalty) for x in self.forward_many(items)]


@dataclass(frozen=True)
class Logits:
    """What the model said about one question's passages; :meth:`spans` decodes it."""

    question: str
    passages: list[str]
    windows: list[Window]
    start: list[np.ndarray]
    end: list[np.ndarray]

    def spans(self, max_tokens: int, top: int = 1, echo_penalty: float = 0.0) -> list[list[SpanPrediction]]:
        return passage_spans(
            self.passages,
            self.windows,
            self.start,
            self.end,
            max_tokens=max_tokens,
            top=top,
            question=self.question,
            echo_penalty=echo_penalty,
        )
