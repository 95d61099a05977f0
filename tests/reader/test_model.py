"""Loading readers: any HF QA model by path, a trained reader over its base, and refusals."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from rag.errors import ModelError
from rag.reader.model import SpanReader
from rag.reader.train import TrainConfig, train


def test_any_hugging_face_qa_model_reads_spans_of_the_passages(tiny_qa_model: Path) -> None:
    reader = SpanReader(tiny_qa_model, precision="fp32")
    assert reader.kind == "hf" and reader.threshold == 0.0
    passages = ["上官吉庆，男，1966年生，现任宝鸡市委书记。", "", "今天天气很好。"]
    out = reader.read("宝鸡市委书记是谁？", passages, top=3)
    assert [len(p) for p in out][1] == 0 and out[0] and out[2]
    for per in out:
        for s in per:
            assert passages[s.passage][s.start : s.end] == s.text and s.text.strip() == s.text
        assert [s.score for s in per] == sorted((s.score for s in per), reverse=True)
    assert reader.read("宝鸡市委书记是谁？", passages, top=3) == out  # deterministic


def test_the_precision_setting_chooses_the_loaded_reader(monkeypatch, tiny_qa_model: Path) -> None:
    from rag.reader.load import load_reader

    monkeypatch.setenv("RAG_READER_PRECISION", "bf16")
    assert load_reader(str(tiny_qa_model)).precision == "bf16"  # type: ignore[attr-defined]
    monkeypatch.setenv("RAG_READER_PRECISION", "fp32")
    assert load_reader(str(tiny_qa_model)).precision == "fp32"  # type: ignore[attr-defined]
    monkeypatch.setenv("RAG_READER_PRECISION", "int8")
    with pytest.raises(ValueError, match="RAG_READER_PRECISION must be one of auto, fp32, bf16, not 'int8'"):
        load_reader(str(tiny_qa_model))


def test_a_missing_reader_directory_is_refused_clearly(tmp_path: Path) -> None:
    reader = SpanReader(tmp_path / "nope")
    with pytest.raises(ModelError, match="does not exist"):
        reader.warm_up()


@pytest.fixture(scope="module")
def tiny_trained(tmp_path_factory, tiny_qa_model: Path, make_tiny_squad) -> Path:
    """A LoRA reader trained for a few steps over the tiny base on a small fixture."""
    tmp = tmp_path_factory.mktemp("trained")
    data = make_tiny_squad(tmp / "squad.json")
    out = tmp / "reader"
    train(
        TrainConfig(
            train=(str(data),),
            out=str(out),
            base=str(tiny_qa_model),
            epochs=3,
            batch_size=2,
            max_length=48,
            stride=12,
            heldout=0.5,
            eval_every=2,
            monitor=4,
            calibration=4,
            lr=1e-3,
        ),
        progress=False,
    )
    return out


def test_a_trained_reader_loads_over_its_base_and_reads_as_it_did_in_training(
    tiny_trained: Path, tiny_qa_model: Path
) -> None:
    manifest = json.loads((tiny_trained / "reader.json").read_text("utf-8"))
    assert manifest["kind"] == "lora" and manifest["format"] == "rag-news-reader"
    assert manifest["base"]["fingerprint"].startswith("dir:")
    assert [f["name"] for f in manifest["training"]["files"]] == ["squad.json"]
    assert len(manifest["training"]["files"][0]["sha256"]) == 64
    assert {"torch", "transformers", "peft"} <= manifest["packages"].keys()
    assert "threshold" in manifest["inference"] and "calibration" in manifest["metrics"]
    reader = SpanReader(tiny_trained, base=tiny_qa_model, precision="fp32")
    assert reader.kind == "lora"
    assert reader.training_files == manifest["training"]["files"]  # read before the weights load
    assert SpanReader(tiny_qa_model).training_files == []  # an HF model records none
    assert reader.threshold == manifest["inference"]["threshold"]
    out = reader.read("宝鸡市委书记是谁？", ["上官吉庆，男，1966年生，现任宝鸡市委书记。"])
    assert out[0] and out[0][0].text


def test_a_reader_over_another_base_is_refused_with_what_to_do(
    tiny_trained: Path, tmp_path: Path, tiny_qa_model: Path, make_tiny_qa_model
) -> None:
    other = make_tiny_qa_model(tmp_path / "other-base", seed=1)
    with pytest.raises(ModelError, match=r"trained over base model dir:.*python -m rag.embed.e5convert"):
        SpanReader(tiny_trained, base=other).warm_up()
    assert SpanReader(tiny_trained, base=tiny_qa_model).read("谁？", ["甲。"])  # the right base still loads


def test_a_damaged_or_foreign_manifest_is_refused(tiny_trained: Path, tmp_path: Path) -> None:
    broken = Path(shutil.copytree(tiny_trained, tmp_path / "broken"))
    (broken / "reader.json").write_text("{not json", "utf-8")
    with pytest.raises(ModelError, match=r"unreadable.*python -m rag\.reader\.train"):
        SpanReader(broken).warm_up()
    manifest = json.loads((tiny_trained / "reader.json").read_text("utf-8"))
    (broken / "reader.json").write_text(json.dumps({**manifest, "version": 99}), "utf-8")
    with pytest.raises(ModelError, match="version 99"):
        SpanReader(broken).warm_up()


def test_recalibrating_a_reader_rewrites_its_settings_and_keeps_its_weights(
    tiny_trained: Path, tiny_qa_model: Path, tmp_path: Path, capsys
) -> None:

    from rag.reader.manifest import read_manifest
    from rag.reader.recalibrate import main
    from rag.reader.train import ECHO_PENALTIES

    reader = tmp_path / "reader"
    shutil.copytree(tiny_trained, reader)
    data = tiny_trained.parent / "squad.json"  # what the fixture trained it on
    before = read_manifest(reader)
    weights = (reader / before["weights"]["file"]).read_bytes()
    assert main([str(reader), "--train", str(data), "--base", str(tiny_qa_model)]) == 0
    chosen = json.loads(capsys.readouterr().out)
    after = read_manifest(reader)
    assert chosen["echo_penalty"] in ECHO_PENALTIES and after["metrics"]["calibration"] == chosen
    assert after["inference"]["echo_penalty"] == chosen["echo_penalty"]
    assert after["inference"]["threshold"] == chosen["threshold"]
    assert after["inference"]["max_answer_tokens"] == chosen["max_tokens"]
    assert after["inference"]["max_length"] == before["inference"]["max_length"]
    assert (reader / before["weights"]["file"]).read_bytes() == weights
    assert SpanReader(reader, base=tiny_qa_model).echo_penalty == chosen["echo_penalty"]
    other = tmp_path / "squad.json"
    other.write_text(data.read_text("utf-8").replace("宝鸡", "兰州"), "utf-8")
    assert main([str(reader), "--train", str(other), "--base", str(tiny_qa_model)]) == 2
    assert "not those files" in capsys.readouterr().err
    assert read_manifest(reader) == after  # a refusal leaves the reader as it was
