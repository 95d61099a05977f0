"""Gold-paragraph reading benchmark: each question read against its own paragraph, EM/F1 as CMRC 2018's script.

    .venv/bin/python benchmarks/reader_gold.py [--reader DIR] [--data FILE ...] [--limit N] [--precision fp32]
        [--split all|tune|report] [--out FILE]

The reader's best span is the answer (no threshold: every question here has one), as the published CMRC 2018
and DRCD results are measured; scored with the reader's calibrated echo penalty (``rag.reader.spans``), and
from the same logits without it (``without_echo_penalty``). Traditional files are read in Simplified, as the reader was trained. The report
names the reader and the files it was trained on, so that a number is never quoted from a reader trained on
the questions it is measured on (``trained_on_this_file`` says so when it is).

``--split``: the questions of a fifth of each file's articles (``tune``: those whose name hashes to 0 mod 5) or of
the other four fifths (``report``). Choices between training runs (data mix, LoRA or full, epochs) are made on
``tune``; the figures quoted for the chosen reader are ``report``'s, questions no choice has seen.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from report import emit  # noqa: E402

DATA = ROOT.parent / "shared" / "data"


def measured_on_training(reader: Any, paths: list[Path], allowed: bool) -> str:
    """A message refusing to measure ``reader`` on any of ``paths`` it was trained on ("" when it was not, or
    when ``allowed``)."""
    from rag.reader.manifest import trained_on_file

    files = getattr(reader, "training_files", [])
    seen = [p.name for p in paths if trained_on_file(files, p)]
    if not seen or allowed:
        return ""
    return (
        f"reader {reader.name} was trained on {', '.join(seen)}: its figures there are no test. Measure a "
        "reader trained without it (for CMRC 2018 dev: --reader benchmarks/readers/trial_drcd, trained on "
        "CMRC 2018 trial + DRCD dev), or pass --allow-trained"
    )


def in_split(group: str, split: str) -> bool:
    """Whether the article ``group`` (``Example.group``) belongs to ``split`` ("all", "tune", "report")."""
    if split == "all":
        return True
    tune = int(hashlib.sha256(group.encode("utf-8")).hexdigest(), 16) % 5 == 0
    return tune == (split == "tune")


def gold_paragraph(reader: Any, path: Path, limit: int | None, split: str = "all") -> dict[str, Any]:
    from rag.reader.calibrate import gold_scores
    from rag.reader.data import load_examples

    examples, stats = load_examples([path])
    examples = [e for e in examples if in_split(e.group, split)]
    examples = examples[:limit] if limit else examples
    started = time.perf_counter()
    logits = reader.forward_many([(e.question, [e.context]) for e in examples])
    seconds = time.perf_counter() - started
    golds = [e.answers for e in examples]
    em, f1 = gold_scores(logits, golds, reader.max_answer_tokens, reader.echo_penalty)
    plain = gold_scores(logits, golds, reader.max_answer_tokens) if reader.echo_penalty else (em, f1)
    trained = {f["name"] for f in reader.manifest.get("training", {}).get("files", [])}
    return {
        "file": path.name,
        "split": split,
        "articles": len({e.group for e in examples}),
        "questions": len(examples),
        "dropped_unmappable_answers": stats["dropped"],
        "em": em,
        "f1": f1,
        "without_echo_penalty": {"em": plain[0], "f1": plain[1]},  # the same logits, spans as scored
        "windows": sum(len(x.windows) for x in logits),
        "seconds": round(seconds, 1),
        "trained_on_this_file": path.name in trained,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reader", help="reader directory or HF QA model (default: the shipped reader)")
    parser.add_argument("--data", nargs="+", type=Path, default=[DATA / "cmrc2018_dev.json"])
    parser.add_argument("--limit", type=int, default=None, help="first N questions of each file")
    parser.add_argument("--max-answer-tokens", type=int, default=None)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--precision", choices=["auto", "fp32", "bf16"], default="auto")
    parser.add_argument("--split", choices=["all", "tune", "report"], default="all")
    parser.add_argument(
        "--allow-trained", action="store_true", help="measure on a file the reader trained on"
    )
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    import torch

    from rag.reader.model import SpanReader

    if args.threads:
        torch.set_num_threads(args.threads)
    reader = SpanReader(args.reader, max_answer_tokens=args.max_answer_tokens, precision=args.precision)
    reader.warm_up()
    if refusal := measured_on_training(reader, args.data, args.allow_trained):
        print(refusal, file=sys.stderr)
        return 2
    report = {
        "benchmark": "reader_gold",
        "reader": reader.name,
        "kind": reader.kind,
        "trained_on": [f["name"] for f in reader.manifest.get("training", {}).get("files", [])],
        "precision": reader.precision,
        "max_answer_tokens": reader.max_answer_tokens,
        "echo_penalty": reader.echo_penalty,
        "window": {"max_length": reader.max_length, "stride": reader.stride},
        "results": [gold_paragraph(reader, p, args.limit, args.split) for p in args.data],
    }
    return emit(report, args.out)


if __name__ == "__main__":
    sys.exit(main())
