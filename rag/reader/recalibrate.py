"""``python -m rag.reader.recalibrate DIR --train FILE...``: calibrate a trained reader again, weights untouched.

    python -m rag.reader.recalibrate rag/reader/weights \\
        --train ../shared/data/cmrc2018_dev.json ../shared/data/DRCD_dev.json

For a reader trained before a calibration setting existed (the echo penalty, :mod:`rag.reader.spans`): the
held-out articles and the calibration questions are drawn as its training drew them (the config in its
``reader.json``: seed, held-out share, limit) from the same files (checked by sha256, in order), the
threshold, answer length and echo penalty are chosen as training chooses them
(:func:`rag.reader.train.calibrate`), and ``reader.json`` and ``report.json`` are rewritten atomically.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rag.errors import ModelError, RagError
from rag.reader.manifest import file_sha256, read_manifest
from rag.reader.model import SpanReader
from rag.reader.train import TrainConfig, calibrate, training_data

__all__ = ["main", "recalibrate"]


def _write_json(path: Path, value: Any) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _check_files(manifest: dict[str, Any], files: Sequence[Path], directory: Path) -> None:
    want = [(f["name"], f["sha256"]) for f in manifest["training"]["files"]]
    have = [(p.name, file_sha256(p)) for p in files]
    if want != have:
        raise ModelError(
            f"the reader in {directory} was trained on {', '.join(n for n, _ in want)}; "
            f"{', '.join(str(p) for p in files)} are not those files",
            code="reader_files_mismatch",
            hint="pass the reader's training files, in the order reader.json lists them",
            path=directory,
        )


def recalibrate(
    directory: Path, files: Sequence[Path], *, base: Path | None = None, threads: int = 0
) -> dict[str, Any]:
    """Calibrate the reader in ``directory`` (over ``base``, default the rebuilt e5) again on the held-out
    questions of ``files``; returns the new calibration (also written into ``reader.json`` and ``report.json``)."""
    import torch

    manifest = read_manifest(directory)
    if manifest.get("kind") not in ("lora", "full"):
        raise ModelError(f"{directory} holds no reader trained here", code="reader_kind", path=directory)
    _check_files(manifest, files, directory)
    if threads:
        torch.set_num_threads(threads)
    cfg = TrainConfig(
        train=tuple(str(p) for p in files), out=str(directory), **manifest["training"]["config"]
    )
    reader = SpanReader(str(directory), base=base, precision=cfg.precision)
    chosen = calibrate(reader, cfg, training_data(cfg)["held"])
    inference = {
        **manifest["inference"],
        "threshold": chosen["threshold"],
        "max_answer_tokens": chosen["max_tokens"],
        "echo_penalty": chosen["echo_penalty"],
    }
    metrics = {**manifest["metrics"], "calibration": chosen}
    _write_json(directory / "reader.json", {**manifest, "inference": inference, "metrics": metrics})
    report_path = directory / "report.json"
    if report_path.exists():
        report = json.loads(report_path.read_text("utf-8"))
        _write_json(report_path, {**report, "calibration": chosen})
    return chosen


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m rag.reader.recalibrate", description=__doc__.split("\n")[0])
    p.add_argument("reader", type=Path, help="a reader directory written by rag.reader.train")
    p.add_argument("--train", nargs="+", type=Path, required=True, help="its training files, in order")
    p.add_argument(
        "--base", type=Path, help="base model directory (default: the e5 rebuilt by rag.embed.e5convert)"
    )
    p.add_argument("--threads", type=int, default=0)
    args = p.parse_args(argv)
    try:
        chosen = recalibrate(args.reader, args.train, base=args.base, threads=args.threads)
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    json.dump(chosen, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
