"""Calibrate the no-answer decision of the answer stage with data.

Positives: questions asked against their own corpus (CMRC 2018 dev against its pooled index; the seeds with
questions we know the answers to). Negatives: questions asked against a corpus that does not hold them (DRCD
dev against the CMRC dev pool and CMRC dev against the DRCD pool: both are Wikipedia, but different pages;
off-corpus questions against the seeds). For every question the answer stage picks its best sentence with all
answers allowed; a logistic regression on that sentence's CONFIDENCE_FEATURES separates the positives whose
sentence is right (covers the gold answer) from the negatives, and the threshold is the lowest confidence that
refuses at least ``--target`` of every negative set. Reported: refusal per negative set and what the threshold
costs answerable questions (points of sentence_hit lost), on dev and on the unseen trial split.

    nice -n 5 .venv/bin/python benchmarks/calibrate_no_answer.py [--limit 1000] [--target 0.95]

Prints the fitted ``confidence_bias``, ``confidence_weights`` and ``threshold`` for
``rag.extract.AnswerParams``.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import answers as bench

from rag.extract import CONFIDENCE_FEATURES, DEFAULT_PARAMS, confidence_features, read_question
from rag.search import retrieve_from

SEED_POSITIVES = [
    ("秦皇島1-9月固定資產投資增長了多少？", "3.2%"),
    ("秦皇岛市委书记是谁？", "朱政學"),
    ("宝鸡市委书记是谁？", "上官吉庆"),
    ("九原区对几名不胜任现职工作的科级干部进行了岗位调整？", "9名"),
    ("蘭州建築垃圾資源化項目總投資多少？", "2.58億元"),
    ("兰州市上半年生产总值是多少？", "926.18億元"),
    ("兰州市上半年固定资产投资增长了多少？", "14.87%"),
    ("包头市委什么时候印发了强化作风建设学习实践活动的实施方案？", "3月20日"),
    ("寶雞市低保清理取消了多少戶？", "6105户"),
    ("蘭州市委書記是誰？", "虞海燕"),
    ("包头市政务服务指标在营商环境评估中取得了多少分？", "97.54"),
    ("长沙市纪委书记是谁？", "陈 刚"),
    ("与去年同期比，宝鸡市经济增长了多少？", "11.7%"),
    ("包头市党员干部已查摆问题多少条？", "327万条"),
    ("兰州市委、市政府共发出责任清单多少份？", "148份"),
    ("成都市纪委查处履责不力的党组织有多少个？", "12个"),
    ("长沙推动查处损害营商环境问题多少起？", "37起"),
    ("九原区住建局局长是谁？", "金志強"),
]
SEED_NEGATIVES = [
    "上海市委书记是谁？",
    "北京今年的GDP增长了多少？",
    "深圳市长是谁？",
    "广州地铁有几条线路？",
    "杭州亚运会什么时候开幕？",
    "苹果公司的总部在哪里？",
    "2022年世界杯冠军是哪个国家？",
    "长江有多长？",
    "天津港货物吞吐量是多少？",
    "四川省省长是谁？",
    "重庆火锅起源于哪里？",
    "中国人口有多少？",
    "故宫建于哪一年？",
    "成都大熊猫基地在哪里？",
    "武汉大学校长是谁？",
    "西安的城墙有多长？",
    "南京长江大桥哪年通车？",
    "青岛啤酒节在几月举行？",
    "哈尔滨冰雪节持续多久？",
    "海南自贸港什么时候封关？",
    "台北101大樓有多高？",
    "香港特首是誰？",
    "臺灣高鐵哪一年通車？",
    "秦始皇陵兵马俑是哪一年发现的？",
    "宝马汽车是哪个国家的品牌？",
]


def _features(index: Any, question: str, vector: np.ndarray | None = None) -> tuple[np.ndarray, Any]:
    """CONFIDENCE_FEATURES of the sentence the answer stage would pick (nothing refused), and the sentence."""
    open_params = replace(DEFAULT_PARAMS, threshold=0.0)
    hits = retrieve_from(index, question, 5, query_vector=vector) if vector is not None else None
    r = read_question(index, question, hits=hits, query_vector=vector, params=open_params)
    if not r.read:
        return np.zeros(len(CONFIDENCE_FEATURES)), None
    return confidence_features(r.read[0]), r.read[0]


def squad_features(name: str, corpus: str | None, limit: int | None) -> tuple[np.ndarray, np.ndarray]:
    """(features, sentence covers the gold answer) of ``name``'s questions asked against ``corpus``'s pool."""
    index, questions, vectors = bench.load(name, corpus=corpus, limit=limit)
    feats, hits = [], []
    for q, v in zip(questions, vectors, strict=True):
        f, s = _features(index, q.question, v)
        feats.append(f)
        hits.append(
            bool(
                s is not None
                and corpus is None
                and bench.sentence_covers(s.hit.chunk.article_id, s.start, s.end, q)
            )
        )
    return np.array(feats), np.array(hits)


def seed_features() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(positive features, whether their short answer was right, negative features) on the seeds index."""
    from rag.embed import load_embedder
    from rag.extract import normalize_answer
    from rag.index import BuildOptions, build_index, load_index
    from rag.settings import cache_dir, default_docs_dir

    embedder = load_embedder(None)
    directory = cache_dir() / "test-indexes" / "seeds"  # shared with the tests' real_seed_index fixture
    build_index([default_docs_dir()], directory, BuildOptions(embedder=embedder, lock_wait=900))
    index = load_index(directory, embedder=embedder)
    pos, right = [], []
    for question, short in SEED_POSITIVES:
        f, s = _features(index, question)
        pos.append(f)
        right.append(s is not None and normalize_answer(short) in normalize_answer(s.text))
    neg = [_features(index, q)[0] for q in SEED_NEGATIVES]
    return np.array(pos), np.array(right), np.array(neg)


def fit_logistic(
    x: np.ndarray, y: np.ndarray, l2: float = 1e-2, iterations: int = 50
) -> tuple[float, np.ndarray]:
    """Newton's method for L2-regularized logistic regression on standardized features; returns (bias,
    weights)    on the original feature scale."""
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / std])
    w = np.zeros(z.shape[1])
    reg = np.full(z.shape[1], l2)
    reg[0] = 0.0
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-(z @ w)))
        grad = z.T @ (p - y) / len(y) + reg * w
        hess = (z.T * (p * (1 - p))) @ z / len(y) + np.diag(reg)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    weights = w[1:] / std
    bias = w[0] - float((w[1:] * mean / std).sum())
    return float(bias), weights


def _confidence(x: np.ndarray, bias: float, weights: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-(bias + x @ weights)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--limit", type=int, default=1000, help="questions per set (spread over the file)")
    parser.add_argument(
        "--target", type=float, default=0.95, help="refusal rate wanted on every negative set"
    )
    parser.add_argument(
        "--no-drcd-pool", action="store_true", help="skip CMRC questions against the DRCD pool"
    )
    args = parser.parse_args(argv)

    sets: dict[str, np.ndarray] = {}
    pos, pos_hit = squad_features("cmrc2018_dev.json", None, args.limit)
    sets["DRCD dev -> CMRC dev pool"] = squad_features("DRCD_dev.json", "cmrc2018_dev.json", args.limit)[0]
    if not args.no_drcd_pool:
        sets["CMRC dev -> DRCD dev pool"] = squad_features("cmrc2018_dev.json", "DRCD_dev.json", args.limit)[
            0
        ]
    seed_pos, seed_right, seed_neg = seed_features()
    sets["off-corpus -> seeds"] = seed_neg

    negatives = np.vstack(list(sets.values()))
    x = np.vstack([pos[pos_hit], seed_pos[seed_right], negatives])
    y = np.concatenate([np.ones(int(pos_hit.sum()) + int(seed_right.sum())), np.zeros(len(negatives))])
    # each negative set weighs as much as the positives together: the target holds per set
    bias, weights = fit_logistic(x, y)
    conf_pos = _confidence(pos, bias, weights)
    candidates = np.unique(np.concatenate([_confidence(n, bias, weights) for n in sets.values()]))
    threshold = 0.5
    for t in candidates:  # the lowest threshold that refuses enough of every set
        if all((_confidence(n, bias, weights) < t).mean() >= args.target for n in sets.values()):
            threshold = float(t)
            break
    else:
        threshold = float(candidates[-1]) + 1e-6
    report: dict[str, Any] = {
        "features": list(CONFIDENCE_FEATURES),
        "confidence_bias": round(bias, 4),
        "confidence_weights": [round(float(w), 4) for w in weights],
        "threshold": round(threshold, 4),
        "dev_sentence_hit_raw": round(float(pos_hit.mean()), 4),
        "dev_sentence_hit": round(float((pos_hit & (conf_pos >= threshold)).mean()), 4),
        "dev_answerable_refused": round(float((conf_pos < threshold).mean()), 4),
        "seeds_answerable_refused": round(
            float((_confidence(seed_pos, bias, weights) < threshold).mean()), 4
        ),
        "refused": {
            k: round(float((_confidence(n, bias, weights) < threshold).mean()), 4) for k, n in sets.items()
        },
    }
    report["dev_sentence_hit_lost_points"] = round(
        100 * (report["dev_sentence_hit_raw"] - report["dev_sentence_hit"]), 2
    )
    # the unseen split: trial questions against the trial pool, DRCD questions against it
    t_pos, t_hit = squad_features("cmrc2018_trial.json", None, args.limit)
    t_neg = squad_features("DRCD_dev.json", "cmrc2018_trial.json", args.limit)[0]
    c = _confidence(t_pos, bias, weights)
    report["trial"] = {
        "sentence_hit_raw": round(float(t_hit.mean()), 4),
        "sentence_hit": round(float((t_hit & (c >= threshold)).mean()), 4),
        "answerable_refused": round(float((c < threshold).mean()), 4),
        "refused DRCD dev -> trial pool": round(
            float((_confidence(t_neg, bias, weights) < threshold).mean()), 4
        ),
    }
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
