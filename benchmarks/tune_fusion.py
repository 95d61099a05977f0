"""Tune the retrieval fusion on CMRC 2018 dev + DRCD dev from cached features; check it on cmrc2018_trial.

The expensive parts are computed once: the pooled indexes (chunk and sentence vectors, cached by
``rag.eval.pooled_index``) and the question vectors (cached by ``rag.eval.question_vectors``).
Everything else is a matrix over (questions x chunks) -- chunk cosine, best sentence cosine, BM25 -- so one
setting of the fusion costs well under a second for all questions, evaluated exactly as ``rag.retrieve``
ranks (candidates = top-``depth`` dense union top-``depth`` BM25, per-question normalization over the
candidates, a paragraph counts at the rank of its best chunk).

    nice -n 5 .venv/bin/python benchmarks/tune_fusion.py            # grid, prints a JSON summary
    nice -n 5 .venv/bin/python benchmarks/tune_fusion.py --quick    # the default FusionParams only
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from report import emit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag.errors import RagError  # noqa: E402
from rag.index import SentenceVectors  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
DATASETS = {"cmrc_dev": "cmrc2018_dev.json", "drcd_dev": "DRCD_dev.json", "cmrc_trial": "cmrc2018_trial.json"}
TUNE_ON = ("cmrc_dev", "drcd_dev")


def data_file(name: str) -> Path:
    path = DATA / DATASETS.get(name, name)
    if not path.is_file():
        raise RagError(
            f"{path} is missing: the benchmarks read CMRC 2018 / DRCD from {DATA} "
            "(shared/data beside the repo)"
        )
    return path


@dataclass
class Features:
    """Everything one fusion setting needs, for one dataset."""

    name: str
    dense: np.ndarray  # (q, c) cosine question x chunk (chunk text with title context)
    sentence: np.ndarray  # (q, c) best cosine question x any sentence of the chunk
    gold: np.ndarray  # (q,) article number of the gold paragraph
    starts: np.ndarray  # first chunk of each article (chunks are grouped by article)
    questions: list[str]
    texts: dict[str, list[str]]  # BM25 document text variants
    sentence_texts: list[str]
    sentence_first: np.ndarray
    bm25: dict[tuple[Any, ...], np.ndarray] = field(default_factory=dict)


def load_features(name: str, embedder: Any, sentence_vectors: SentenceVectors = "separate") -> Features:
    from rag.eval import pooled_index, question_vectors
    from rag.index import embed_text
    from rag.ingest import load_squad
    from rag.ingest.scripts import matching_view, to_simplified
    from rag.search import prepare_question

    path = data_file(name)
    t = time.monotonic()
    index = pooled_index(path, embedder, sentence_vectors=sentence_vectors)
    squad = load_squad(path)
    q = question_vectors(index, [x.question for x in squad.questions], embedder)
    order = {aid: i for i, aid in enumerate(index.articles)}
    chunk_article = np.array([order[c.article_id] for c in index.chunks])
    if (np.diff(chunk_article) < 0).any():
        raise RagError("chunks are not grouped by article")
    starts = np.flatnonzero(np.r_[True, np.diff(chunk_article) > 0])
    dense = q @ np.asarray(index.embeddings).T
    s_all = q @ np.asarray(index.sentence_embeddings).T
    sentence = np.maximum.reduceat(s_all, index.sentence_first[:-1], axis=1)
    gold = np.array([order[x.paragraph_id] for x in squad.questions])
    texts = {
        "title": [embed_text(index.articles[c.article_id], c) for c in index.chunks],
        "notitle": [embed_text(index.articles[c.article_id], c, title_context=False) for c in index.chunks],
    }
    sentence_texts = [
        matching_view(index.articles[c.article_id].text[s.start : s.end]).simplified
        for c in index.chunks
        for s in c.sentences
    ]
    questions = [to_simplified(prepare_question(x.question)[0]) for x in squad.questions]
    print(
        f"{name}: {len(questions)} questions, {len(index.chunks)} chunks, {time.monotonic() - t:.1f} s",
        file=sys.stderr,
    )
    return Features(
        name, dense, sentence, gold, starts, questions, texts, sentence_texts, index.sentence_first
    )


def bm25(
    f: Features, text: str = "title", k1: float = 1.5, b: float = 0.75, method: str = "lucene"
) -> np.ndarray:
    """(q, c) BM25 scores for a document text variant; ``text="sentence"`` takes the best sentence's score."""
    from rag.search import BM25Params, KeywordIndex

    key = (text, k1, b, method)
    if key not in f.bm25:
        params = BM25Params(k1=k1, b=b, method=method)
        docs = f.sentence_texts if text == "sentence" else f.texts[text]
        kw = KeywordIndex.build([(str(i), t) for i, t in enumerate(docs)], params=params)
        scores = np.vstack([kw.scores(q) for q in f.questions]).astype(np.float64)
        if text == "sentence":
            scores = np.maximum.reduceat(scores, f.sentence_first[:-1], axis=1)
        f.bm25[key] = scores
    return f.bm25[key]


# ---------------------------------------------------------------------------------------------- fusion


def _top_mask(x: np.ndarray, depth: int, positive: bool = False) -> np.ndarray:
    depth = min(depth, x.shape[1])
    idx = np.argpartition(-x, depth - 1, axis=1)[:, :depth]
    mask = np.zeros(x.shape, dtype=bool)
    np.put_along_axis(mask, idx, True, axis=1)
    if positive:
        mask &= x > 0
    return mask


def normalize(x: np.ndarray, mask: np.ndarray, how: str) -> np.ndarray:
    """Per-row normalization over the candidates in ``mask`` (others come out as 0)."""
    n = np.maximum(mask.sum(1, keepdims=True), 1)
    xm = np.where(mask, x, 0.0)
    if how == "zscore":
        mean = xm.sum(1, keepdims=True) / n
        var = (np.where(mask, x - mean, 0.0) ** 2).sum(1, keepdims=True) / n
        std = np.sqrt(var)
        out = (x - mean) / np.where(std > 1e-9, std, 1.0)
    elif how == "minmax":
        lo = np.where(mask, x, np.inf).min(1, keepdims=True)
        hi = np.where(mask, x, -np.inf).max(1, keepdims=True)
        span = hi - lo
        out = (x - lo) / np.where(span > 1e-9, span, 1.0)
    elif how == "max":
        hi = np.where(mask, x, -np.inf).max(1, keepdims=True)
        out = x / np.where(np.abs(hi) > 1e-9, np.abs(hi), 1.0)
    elif how == "raw":
        out = x
    else:
        raise ValueError(how)
    return np.where(mask, out, 0.0)


def ranks_of(fused: np.ndarray, mask: np.ndarray, f: Features) -> np.ndarray:
    """1-based rank of each question's gold paragraph (np.inf when it is not among the candidates)."""
    scores = np.where(mask, fused, -np.inf)
    art = np.maximum.reduceat(scores, f.starts, axis=1)
    g = art[np.arange(len(f.gold)), f.gold]
    r = 1.0 + (art > g[:, None]).sum(1)
    return np.where(np.isfinite(g), r, np.inf)


def summary(r: np.ndarray) -> dict[str, float]:
    return {
        "R@1": round(float((r <= 1).mean()), 4),
        "R@5": round(float((r <= 5).mean()), 4),
        "R@20": round(float((r <= 20).mean()), 4),
        "MRR@20": round(float(np.where(r <= 20, 1.0 / r, 0.0).mean()), 4),
        "n": len(r),
    }


@dataclass(frozen=True)
class Setting:
    depth: int = 100
    norm: str = "zscore"
    dense: float = 0.5
    sentence: float = 0.0
    keyword: float = 0.5
    kw_text: str = "title"
    k1: float = 1.5
    b: float = 0.75
    sentence_candidates: bool = False  # also take the top-depth chunks by best sentence cosine

    def label(self) -> str:
        return json.dumps(self.__dict__, sort_keys=True)


class Prepared:
    """Candidate mask and normalized signals for one (depth, norm, keyword variant) on one dataset."""

    def __init__(self, f: Features, s: Setting) -> None:
        kw = bm25(f, s.kw_text, s.k1, s.b)
        mask = _top_mask(f.dense, s.depth) | _top_mask(kw, s.depth, positive=True)
        if s.sentence_candidates:
            mask |= _top_mask(f.sentence, s.depth)
        self.f, self.mask = f, mask
        self.d = normalize(f.dense, mask, s.norm)
        self.s = normalize(f.sentence, mask, s.norm)
        self.k = normalize(kw, mask, s.norm)

    def ranks(self, wd: float, ws: float, wk: float) -> np.ndarray:
        return ranks_of(wd * self.d + ws * self.s + wk * self.k, self.mask, self.f)


def rrf_ranks(f: Features, k: int = 60, depth: int = 100, **bm) -> np.ndarray:
    kw = bm25(f, **bm)
    mask_d, mask_k = _top_mask(f.dense, depth), _top_mask(kw, depth, positive=True)
    rd = np.argsort(np.argsort(-f.dense, axis=1), axis=1) + 1
    rk = np.argsort(np.argsort(-kw, axis=1), axis=1) + 1
    fused = np.where(mask_d, 1.0 / (k + rd), 0.0) + np.where(mask_k, 1.0 / (k + rk), 0.0)
    return ranks_of(fused, mask_d | mask_k, f)


def single_ranks(f: Features, which: str, **bm) -> np.ndarray:
    x = f.dense if which == "dense" else f.sentence if which == "sentence" else bm25(f, **bm)
    mask = np.ones(x.shape, dtype=bool) if which != "bm25" else x > 0
    return ranks_of(x, mask, f)


def objective(results: dict[str, dict[str, float]]) -> float:
    """What the grid maximizes: mean R@1 over the tuning sets, R@5 as a tie-breaker."""
    return sum(results[n]["R@1"] + 0.25 * results[n]["R@5"] for n in TUNE_ON) / len(TUNE_ON)


def evaluate_setting(
    feats: dict[str, Features], s: Setting, cache: dict[Any, Prepared]
) -> dict[str, dict[str, float]]:
    out = {}
    for name, f in feats.items():
        key = (name, s.depth, s.norm, s.kw_text, s.k1, s.b, s.sentence_candidates)
        if key not in cache:
            cache[key] = Prepared(f, s)
        out[name] = summary(cache[key].ranks(s.dense, s.sentence, s.keyword))
    return out


def weight_grid(step: float) -> list[tuple[float, float, float]]:
    n = round(1 / step)
    return [(i / n, j / n, (n - i - j) / n) for i in range(n + 1) for j in range(n + 1 - i)]


# ----------------------------------------------------------------------------------------- learned fusion


def listwise_fit(preps: list[Prepared], l2: float = 1e-3) -> np.ndarray:
    """Weights (dense, sentence, keyword) of a linear listwise model: maximize, per question, the softmax
    probability of the gold paragraph's chunks among the candidates (few parameters, convex)."""
    from scipy.optimize import minimize

    blocks = []
    for p in preps:
        x = np.stack([p.d, p.s, p.k], axis=-1)  # (q, c, 3)
        art = np.repeat(np.arange(len(p.f.starts)), np.diff(np.r_[p.f.starts, p.d.shape[1]]))
        gold = art[None, :] == p.f.gold[:, None]
        blocks.append((x, p.mask, gold & p.mask))

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad, n = 0.0, np.zeros_like(w), 0
        for x, mask, gold in blocks:
            s = np.where(mask, x @ w, -np.inf)
            top = s.max(1, keepdims=True)
            e = np.where(mask, np.exp(s - top), 0.0)
            eg = np.where(gold, e, 0.0)
            z, zg = e.sum(1), eg.sum(1)
            ok = zg > 0
            total -= np.log(zg[ok] / z[ok]).sum()
            pa = e / z[:, None]
            pg = eg / np.where(zg > 0, zg, 1.0)[:, None]
            grad -= np.einsum("qc,qcf->f", (pg - pa)[ok], x[ok])
            n += int(ok.sum())
        return total / n + l2 * float(w @ w), grad / n + 2 * l2 * w

    result = minimize(loss, np.array([1.0, 1.0, 1.0]), jac=True, method="L-BFGS-B")
    return result.x


def _setting_from(params: Any) -> Setting:
    return Setting(
        depth=params.depth, norm=params.normalization, dense=params.dense_weight,
        sentence=params.sentence_weight, keyword=params.keyword_weight,
    )  # fmt: skip


def _grid(feats: dict[str, Features], base: Setting, step: float, top: int) -> list[dict[str, Any]]:
    cache: dict[Any, Prepared] = {}
    trials = []
    for wd, ws, wk in weight_grid(step):
        s = replace(base, dense=wd, sentence=ws, keyword=wk)
        res = evaluate_setting(feats, s, cache)
        trials.append((objective(res), s, res))
    trials.sort(key=lambda x: -x[0])
    return [{"objective": round(o, 5), "setting": s.__dict__, **r} for o, s, r in trials[:top]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="only the baselines and the default FusionParams"
    )
    parser.add_argument("--sweep", action="store_true", help="also sweep depth x normalization x BM25 text")
    parser.add_argument("--bm25", action="store_true", help="also sweep BM25 k1 and b")
    parser.add_argument("--model", help="embedding model (default: the bundled e5-small)")
    parser.add_argument(
        "--sentence-vectors", choices=["mean", "separate"], default="mean",
        help="how the pooled indexes make sentence vectors (rag index --sentence-vectors)",
    )  # fmt: skip
    parser.add_argument("--step", type=float, default=0.05, help="weight grid step")
    parser.add_argument("--out", type=Path, help="write the JSON summary here too")
    args = parser.parse_args(argv)

    from rag.embed import load_embedder
    from rag.search import FusionParams

    started = time.monotonic()
    embedder = load_embedder(args.model)
    feats = {name: load_features(name, embedder, args.sentence_vectors) for name in DATASETS}
    tune = {n: feats[n] for n in TUNE_ON}
    report: dict[str, Any] = {
        "objective": "mean over CMRC dev and DRCD dev of R@1 + 0.25 R@5",
        "sentence_vectors": args.sentence_vectors,
        "baselines": {},
    }
    for name, f in feats.items():
        report["baselines"][name] = {
            "bm25": summary(single_ranks(f, "bm25")),
            "bm25_no_title": summary(single_ranks(f, "bm25", text="notitle")),
            "dense": summary(single_ranks(f, "dense")),
            "sentence_dense": summary(single_ranks(f, "sentence")),
            "rrf60": summary(rrf_ranks(f)),
        }
    default = _setting_from(FusionParams())
    report["default"] = {"setting": default.__dict__, **evaluate_setting(feats, default, {})}
    if not args.quick:
        report["weights"] = _grid(tune, default, args.step, 10)
        preps = [Prepared(f, default) for f in tune.values()]
        w = listwise_fit(preps)
        learned = replace(default, dense=float(w[0]), sentence=float(w[1]), keyword=float(w[2]))
        report["listwise"] = {
            "weights": [round(float(x), 4) for x in w / w.sum()],
            **evaluate_setting(feats, learned, {}),
        }
        no_sentence = replace(default, sentence=0.0, dense=0.5, keyword=0.5)
        report["two_signals_z"] = {
            "setting": no_sentence.__dict__,
            **evaluate_setting(feats, no_sentence, {}),
        }
    if args.sweep:
        report["sweep"] = {}
        for depth, norm, text in itertools.product(
            (20, 50, 100, 200), ("zscore", "minmax", "max"), ("title", "notitle")
        ):
            best = _grid(tune, replace(default, depth=depth, norm=norm, kw_text=text), 0.1, 1)[0]
            report["sweep"][f"depth={depth} {norm} bm25:{text}"] = best
    if args.bm25:
        report["bm25_params"] = {}
        for k1, b in ((1.5, 0.75), (1.2, 0.75), (0.9, 0.4), (1.2, 0.3), (1.5, 0.5), (2.0, 0.75)):
            best = _grid(tune, replace(default, k1=k1, b=b), 0.1, 1)[0]
            report["bm25_params"][f"k1={k1} b={b}"] = best
    report["seconds"] = round(time.monotonic() - started, 1)
    return emit(report, args.out)


if __name__ == "__main__":
    raise SystemExit(main())
