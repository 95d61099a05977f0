"""Training: the loss goes down, and a saved reader reads exactly as the model it was saved from."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from rag.reader.data import load_examples
from rag.reader.features import batches, make_features
from rag.reader.model import SpanReader, build_qa_model
from rag.reader.train import TrainConfig, batch_loss, main, save_reader

LORA = {
    "r": 4,
    "lora_alpha": 8,
    "lora_dropout": 0.0,
    "target_modules": ["query", "key", "value", "dense"],
    "modules_to_save": ["qa_outputs"],
}


def _features(tiny_qa_model: Path, tiny_squad: Path):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_qa_model)
    examples, _ = load_examples([tiny_squad])
    features, lost = make_features(tokenizer, examples, max_length=48, stride=12, seed=0)
    assert lost == 0 and len(features) == len(examples)
    for f, e in zip(features, examples, strict=True):  # labels point at the answer's characters
        a, b = f.window.offsets[f.start][0], f.window.offsets[f.end][1]
        assert e.context[a:b] == e.context[e.answer_start : e.answer_end]
    return tokenizer, features


@pytest.mark.parametrize("bf16", [False, True], ids=["fp32", "bf16"])
@pytest.mark.parametrize("adapter", [LORA, None], ids=["lora", "full"])
def test_two_training_steps_lower_the_loss(
    tiny_qa_model: Path, tiny_squad: Path, adapter, bf16: bool
) -> None:
    import torch

    torch.manual_seed(0)
    tokenizer, features = _features(tiny_qa_model, tiny_squad)
    model = build_qa_model(tiny_qa_model, adapter=adapter)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=1e-2)
    batch = next(batches(features, len(features), random.Random(0)))
    model.train()
    losses = []
    for _ in range(2):
        loss = batch_loss(model, batch, tokenizer.pad_token_id, bf16=bf16)
        assert loss.dtype == torch.float32  # autocast or not, the loss (and the gradients) are float32
        losses.append(float(loss))
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    after = float(batch_loss(model, batch, tokenizer.pad_token_id, bf16=bf16))
    assert after < losses[1] < losses[0]


@pytest.mark.parametrize("full", [False, True], ids=["lora", "full"])
def test_a_saved_reader_gives_the_logits_of_the_model_it_was_saved_from(
    tiny_qa_model: Path, tiny_squad: Path, tmp_path: Path, full: bool
) -> None:
    import torch

    torch.manual_seed(0)
    tokenizer, features = _features(tiny_qa_model, tiny_squad)
    model = build_qa_model(tiny_qa_model, adapter=None if full else LORA)
    with torch.no_grad():  # move the adapter and head away from their initial values
        for p in model.parameters():
            if p.requires_grad:
                p.add_(torch.randn_like(p) * 0.05)
    model.eval()
    cfg = TrainConfig(train=(str(tiny_squad),), out=str(tmp_path / "r"), full=full, lora_rank=4, lora_alpha=8)
    report = {"data": {}, "heldout": {}, "calibration": {}}
    save_reader(model, cfg, tiny_qa_model, report, {"threshold": 1.5, "max_answer_tokens": 7})
    loaded = SpanReader(tmp_path / "r", base=tiny_qa_model, precision="fp32")
    assert loaded.kind == ("full" if full else "lora")
    assert (loaded.threshold, loaded.max_answer_tokens) == (1.5, 7)
    memory = SpanReader.wrap(model, tokenizer, precision="fp32")
    windows = [f.window for f in features]
    for a, b in zip(loaded.logits(windows)[0], memory.logits(windows)[0], strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5 if full else 2e-3)  # LoRA matrices are kept in fp16


def test_the_command_line_trains_reports_and_refuses_bad_files(
    tiny_qa_model: Path, tiny_squad: Path, tmp_path: Path, capsys
) -> None:
    import json

    out = tmp_path / "cli-reader"
    args = [
        "--train",
        str(tiny_squad),
        "--eval",
        str(tiny_squad),
        "--out",
        str(out),
        "--base",
        str(tiny_qa_model),
        "--epochs",
        "2",
        "--batch-size",
        "2",
        "--max-length",
        "48",
        "--stride",
        "12",
        "--infer-length",
        "40",
        "--infer-stride",
        "10",
        "--precision",
        "fp32",
        "--heldout",
        "0.5",
        "--eval-every",
        "2",
        "--monitor",
        "3",
        "--calibration",
        "3",
        "--quiet",
    ]
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["steps"] >= 2 and report["history"] and report["precision"] == "fp32"
    assert {"threshold", "f1", "refused", "by_length"} <= report["calibration"].keys()
    assert report["eval"]["n"] == 6 and 0 <= report["eval"]["f1"] <= 100
    assert (out / "reader.json").exists() and (out / "report.json").exists()
    manifest = json.loads((out / "reader.json").read_text("utf-8"))
    assert (manifest["inference"]["max_length"], manifest["inference"]["stride"]) == (40, 10)
    assert manifest["training"]["config"]["precision"] == "fp32"
    bad = tmp_path / "bad.json"
    bad.write_text("[]", "utf-8")
    assert main(["--train", str(bad), "--out", str(tmp_path / "x"), "--quiet"]) == 2
    assert "not a SQuAD-format file" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
