"""``python -m rag.reader.train``: fine-tune the offline e5-small into an extractive reader.

    python -m rag.reader.train --train ../shared/data/cmrc2018_trial.json ../shared/data/DRCD_dev.json \\
        --eval ../shared/data/cmrc2018_dev.json --out /tmp/reader

SQuAD-format files in (Traditional ones are read in Simplified, :mod:`rag.reader.data`); a held-out split by
article for early stopping and for calibrating the null threshold (:mod:`rag.reader.calibrate`); word
embeddings frozen; a LoRA adapter (``peft``) over every attention and feed-forward projection, or ``--full``
fine-tuning of every transformer layer; dropout off; seeded. Writes the reader directory (``reader.json`` +
weights, :mod:`rag.reader.manifest`) and prints a JSON report (also ``report.json`` beside the reader).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rag.errors import RagError
from rag.reader.calibrate import calibration_items, choose, gold_scores, sweep
from rag.reader.data import BigramIndex, Example, add_negatives, load_examples, split_by_article
from rag.reader.features import Feature, batches, make_features
from rag.reader.manifest import (
    READER_FORMAT,
    READER_VERSION,
    base_fingerprint,
    file_sha256,
    package_versions,
    write_reader_dir,
)
from rag.reader.model import Precision, SpanReader, batch_tensors, build_qa_model, default_base_dir
from rag.reader.news import NEWS_VERSION, news_examples
from rag.reader.reports import REPORTS_VERSION, report_examples

__all__ = ["TrainConfig", "batch_loss", "calibrate", "main", "save_reader", "train", "training_data"]

LORA_TARGETS = ["query", "key", "value", "dense"]  # attention q/k/v/output and both feed-forward layers
ANSWER_LENGTHS = (10, 16, 24, 32, 48, 64)  # max answer tokens tried at calibration
ECHO_PENALTIES = (0.0, 0.1, 0.2, 0.3)  # score points per span character repeating the question, tried too


@dataclass(frozen=True)
class TrainConfig:
    train: tuple[str, ...]
    out: str
    eval: str | None = None
    base: str | None = None
    full: bool = False
    lora_rank: int = 16
    lora_alpha: int = 32
    epochs: float = 2.0
    lr: float = 5e-4
    warmup: float = 0.06
    weight_decay: float = 0.01
    batch_size: int = 16
    max_length: int = 192  # training window; reading uses INFER_LENGTH with a stride
    stride: int = 64
    infer_length: int = 192  # read as trained: answers sit anywhere in a window of this length
    infer_stride: int = 64
    same_negatives: float = 0.35  # share of questions also asked against a sibling paragraph
    other_negatives: float = 0.35  # ... and against the closest paragraph of another article
    news: int = 0  # synthetic news-statistics questions added to training (rag.reader.news), never held out
    reports: int = 0  # synthetic work-report count questions (rag.reader.reports), never held out
    heldout: float = 0.08
    eval_every: int = 200
    monitor: int = 150  # held-out questions read at each evaluation during training
    calibration: int = 200  # held-out questions the threshold is calibrated on
    patience: int = 4
    seed: int = 13
    threads: int = 0
    precision: Precision = (
        "auto"  # bf16 autocast where the CPU computes it natively (rag.reader.model), else fp32
    )
    limit: int = 0  # first N training questions only (smoke runs)
    eval_limit: int = 0


def _seed(seed: int) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _trainable(model: Any) -> list[Any]:
    return [p for p in model.parameters() if p.requires_grad]


def batch_loss(model: Any, batch: list[Feature], pad_id: int, *, bf16: bool = False) -> Any:
    """The span loss of ``batch``; ``bf16``: the forward pass under bfloat16 autocast (weights and
    gradients stay float32)."""
    import torch

    inputs = batch_tensors([f.window for f in batch], pad_id)
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        out = model(
            **inputs,
            start_positions=torch.tensor([f.start for f in batch]),
            end_positions=torch.tensor([f.end for f in batch]),
        )
    return out.loss.float()


def _gold_metrics(
    reader: SpanReader, examples: Sequence[Example], max_tokens: int, echo_penalty: float = 0.0
) -> dict[str, Any]:
    """EM/F1 on each answerable example's own paragraph (the best span, no threshold)."""
    items = [(e.question, [e.context]) for e in examples if e.answerable]
    golds = [e.answers for e in examples if e.answerable]
    em, f1 = gold_scores(reader.forward_many(items), golds, max_tokens, echo_penalty)
    return {"n": len(items), "em": em, "f1": f1}


def training_data(cfg: TrainConfig) -> dict[str, Any]:
    examples, stats = load_examples(cfg.train)
    if cfg.limit:
        examples = examples[: cfg.limit]
    train, held = split_by_article(examples, cfg.heldout, cfg.seed)
    if not train or not held:
        raise RagError(
            f"too few articles to hold {cfg.heldout:.0%} out: {len(train)} / {len(held)} questions"
        )
    negatives = add_negatives(
        train, BigramIndex(train), same=cfg.same_negatives, other=cfg.other_negatives, seed=cfg.seed
    )
    news = news_examples(cfg.news, cfg.seed) if cfg.news else []
    reports = report_examples(cfg.reports, cfg.seed) if cfg.reports else []
    return {
        "stats": stats,
        "train": train + negatives + news + reports,
        "negatives": len(negatives),
        "news": len(news),
        "reports": len(reports),
        "held": held,
    }


def save_reader(
    model: Any, cfg: TrainConfig, base: Path, report: dict[str, Any], inference: dict[str, Any]
) -> None:
    import torch

    if cfg.full:
        tensors = {k: v.detach().float() for k, v in model.named_parameters() if v.requires_grad}
        weights, adapter = "encoder.safetensors", None
    else:
        from peft import get_peft_model_state_dict

        tensors = {k: v.detach().to(torch.float16) for k, v in get_peft_model_state_dict(model).items()}
        weights, adapter = "adapter.safetensors", _adapter_config(cfg)
    manifest = {
        "format": READER_FORMAT,
        "version": READER_VERSION,
        "kind": "full" if cfg.full else "lora",
        "base": {"name": base.name, "fingerprint": base_fingerprint(base)},
        "adapter": adapter,
        "inference": inference,
        "training": {
            "files": [{"name": Path(f).name, "sha256": file_sha256(Path(f))} for f in cfg.train],
            "config": {k: v for k, v in asdict(cfg).items() if k not in ("train", "out", "eval", "base")},
            "news_version": NEWS_VERSION if cfg.news else None,
            "reports_version": REPORTS_VERSION if cfg.reports else None,
            "questions": report["data"],
        },
        "metrics": {
            "heldout": report["heldout"],
            "calibration": report["calibration"],
            "eval": report.get("eval"),
        },
        "packages": package_versions(),
    }
    write_reader_dir(Path(cfg.out), manifest, tensors, weights)


def _adapter_config(cfg: TrainConfig) -> dict[str, Any]:
    return {
        "r": cfg.lora_rank,
        "lora_alpha": cfg.lora_alpha,
        "lora_dropout": 0.0,
        "target_modules": LORA_TARGETS,
        "modules_to_save": ["qa_outputs"],
    }


def _train_loop(
    model: Any,
    tokenizer: Any,
    reader: SpanReader,
    features: list[Feature],
    monitor: list[Example],
    cfg: TrainConfig,
    progress: bool,
) -> tuple[int, list[dict[str, Any]]]:
    """AdamW with linear warmup and decay over ``cfg.epochs``; every ``eval_every`` steps the held-out
    ``monitor`` questions are read and the best weights by their F1 kept (early stopping after
    ``patience`` evaluations without a better one). Returns the steps run and the evaluations."""
    import torch
    from tqdm.auto import tqdm
    from transformers import get_linear_schedule_with_warmup

    params = _trainable(model)
    steps = max(1, int(len(features) / cfg.batch_size * cfg.epochs))
    optimizer = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    schedule = get_linear_schedule_with_warmup(optimizer, int(steps * cfg.warmup), steps)  # type: ignore[no-untyped-call]
    history: list[dict[str, Any]] = []
    best: tuple[float, dict[str, Any]] | None = None
    rng = random.Random(cfg.seed)
    bar = tqdm(total=steps, desc="training", disable=not progress, dynamic_ncols=True)
    step, waited, running = 0, 0, 0.0
    while step < steps and waited < cfg.patience:
        for batch in batches(features, cfg.batch_size, rng):
            model.train()
            loss = batch_loss(model, batch, tokenizer.pad_token_id or 0, bf16=reader.precision == "bf16")
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            step += 1
            value = float(loss.detach())
            running = 0.98 * running + 0.02 * value if step > 1 else value
            bar.update(1)
            bar.set_postfix(loss=f"{running:.3f}")
            if step % cfg.eval_every == 0 or step == steps:
                model.eval()
                history.append(
                    {"step": step, "loss": round(running, 4), **_gold_metrics(reader, monitor, 32)}
                )
                if progress:
                    bar.write(json.dumps(history[-1]), file=sys.stderr)
                if best is None or history[-1]["f1"] > best[0]:
                    keep = {k: v.detach().clone() for k, v in model.named_parameters() if v.requires_grad}
                    best, waited = (history[-1]["f1"], keep), 0
                else:
                    waited += 1
            if step >= steps or waited >= cfg.patience:
                break
    bar.close()
    if best is not None:
        model.load_state_dict(best[1], strict=False)
    model.eval()
    return step, history


def train(cfg: TrainConfig, *, progress: bool = True) -> dict[str, Any]:
    """Train, calibrate, evaluate and save a reader per ``cfg``; returns the report."""
    import torch
    from transformers import AutoTokenizer

    started = time.time()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    _seed(cfg.seed)
    base = Path(cfg.base) if cfg.base else default_base_dir()
    tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=True)
    data = training_data(cfg)
    features, lost = make_features(
        tokenizer, data["train"], max_length=cfg.max_length, stride=cfg.stride, seed=cfg.seed
    )
    model = build_qa_model(base, adapter=None if cfg.full else _adapter_config(cfg))
    settings: dict[str, Any] = {
        "max_length": cfg.infer_length,
        "stride": cfg.infer_stride,
        "max_answer_tokens": 32,
    }
    reader = SpanReader.wrap(model, tokenizer, precision=cfg.precision, **settings)
    held = data["held"]
    monitor = random.Random(cfg.seed).sample(held, min(cfg.monitor, len(held)))
    steps, history = _train_loop(model, tokenizer, reader, features, monitor, cfg, progress)
    report: dict[str, Any] = {
        "data": {
            **data["stats"],
            "train_examples": len(data["train"]),
            "train_negatives": data["negatives"],
            "train_news": data["news"],
            "train_reports": data["reports"],
            "train_features": len(features),
            "answers_longer_than_a_window": lost,
            "heldout_questions": len(held),
            "monitor_questions": len(monitor),
        },
        "steps": steps,
        "precision": reader.precision,
        "history": history,
        "heldout": max(history, key=lambda h: h["f1"]) if history else {},
    }
    report["calibration"] = calibrate(reader, cfg, held)
    inference = {
        **settings,
        "threshold": report["calibration"]["threshold"],
        "max_answer_tokens": report["calibration"]["max_tokens"],
        "echo_penalty": report["calibration"]["echo_penalty"],
    }
    if cfg.eval:
        eval_examples, _ = load_examples([cfg.eval])
        if cfg.eval_limit:
            eval_examples = eval_examples[: cfg.eval_limit]
        report["eval"] = {
            "file": Path(cfg.eval).name,
            **_gold_metrics(reader, eval_examples, inference["max_answer_tokens"], inference["echo_penalty"]),
        }
    report["seconds"] = round(time.time() - started, 1)
    save_reader(model, cfg, base, report, inference)
    (Path(cfg.out) / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), "utf-8")
    return report


def calibrate(reader: SpanReader, cfg: TrainConfig, held: Sequence[Example]) -> dict[str, Any]:
    """On ``cfg.calibration`` questions drawn from the held-out examples ``held`` (other passages from all of
    them): the answer length and echo penalty of the best F1 (no threshold), and the threshold that refuses
    most same-article negatives there (:mod:`rag.reader.calibrate`)."""
    questions = random.Random(cfg.seed + 1).sample(held, min(cfg.calibration, len(held)))
    positives, negatives, golds = calibration_items(questions, BigramIndex(held), passages=3)
    pos, neg = reader.forward_many(positives), reader.forward_many(negatives)
    curves = [sweep(pos, neg, golds, n, p) for n in ANSWER_LENGTHS for p in ECHO_PENALTIES]
    best = max(curves, key=lambda c: c.f1_open)
    chosen = choose(best)
    chosen["by_length"] = {
        c.max_tokens: round(c.f1_open, 4) for c in curves if c.echo_penalty == best.echo_penalty
    }
    chosen["by_echo_penalty"] = {
        c.echo_penalty: round(c.f1_open, 4) for c in curves if c.max_tokens == best.max_tokens
    }
    chosen["questions"] = len(positives)
    chosen["precision"] = reader.precision  # margins under bf16 and fp32 differ a little
    return chosen


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m rag.reader.train", description=__doc__.split("\n")[0])
    p.add_argument("--train", nargs="+", required=True, help="SQuAD-format training files")
    p.add_argument("--out", required=True, help="the reader directory to write")
    p.add_argument("--eval", help="a SQuAD-format file to report gold-paragraph EM/F1 on (not used to train)")
    p.add_argument("--base", help="base model directory (default: the e5 rebuilt by rag.embed.e5convert)")
    p.add_argument("--full", action="store_true", help="fine-tune every transformer layer instead of LoRA")
    defaults = TrainConfig(train=(), out="")
    for name in (
        "lora_rank",
        "lora_alpha",
        "epochs",
        "lr",
        "warmup",
        "batch_size",
        "max_length",
        "stride",
        "infer_length",
        "infer_stride",
        "same_negatives",
        "other_negatives",
        "news",
        "reports",
        "heldout",
        "eval_every",
        "monitor",
        "calibration",
        "patience",
        "seed",
        "threads",
        "limit",
        "eval_limit",
    ):
        value = getattr(defaults, name)
        p.add_argument("--" + name.replace("_", "-"), type=type(value), default=value)
    p.add_argument(
        "--precision",
        choices=["auto", "bf16", "fp32"],
        default="auto",
        help="bf16: forward passes under bfloat16 autocast (auto: where the CPU computes it natively)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = vars(_parser().parse_args(argv))
    quiet = args.pop("quiet")
    args["train"] = tuple(args["train"])
    try:
        report = train(TrainConfig(**args), progress=not quiet)
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    json.dump(report, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
