from __future__ import annotations

import hashlib
import io
import json
import logging
import re
import subprocess
import sys
import time
from pathlib import Path

import jieba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rag.errors import IndexMismatchError, IndexMissingError
from rag.search import DEFAULT_STOPWORDS, BM25Params, KeywordIndex, KeywordTokenizer, default_tokenizer

NUMBER_CASES = {
    # expression -> bare number also emitted
    "3.2%": "3.2",
    "926.18亿元": "926.18",
    "1-9月": "1-9",
    "2020年": "2020",
    "12.5万": "12.5",
    "2.58亿元": "2.58",
}

DOCS = [
    ("qhd", "秦皇岛市委书记朱政学介绍，2020年是作风建设提质年，全市开展作风纪律专项整治。"),
    ("bank", "该行前三季度实现营业收入926.18亿元，同比增长3.2%，净利润2.58亿元。"),
    ("gdp", "1-9月全省GDP同比增长5.1%，固定资产投资增长12.5万元以上的项目共计340个。"),
    ("covid", "新冠肺炎疫情发生后，武汉市组织核酸检测，累计检测人数达到990万人。"),
    ("rail", "中欧班列今年开行1.2万列，同比增长50%，通达欧洲21个国家。"),
]


@pytest.fixture(scope="module")
def tok() -> KeywordTokenizer:
    return default_tokenizer()


@pytest.fixture(scope="module")
def index(tok: KeywordTokenizer) -> KeywordIndex:
    return KeywordIndex(DOCS, tokenizer=tok)


def normalized(fragment: str) -> str:
    """What a token looks like compared with the text it came from."""
    table = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
    out = fragment.translate(table).lower()
    out = re.sub(r"(?<=[0-9]),(?=[0-9]{3}(?![0-9]))", "", out)
    return re.sub(r"(?<=[0-9])[-~～—–至到](?=[0-9])", "-", out)


# ---------------------------------------------------------------------- tokenizer


@pytest.mark.parametrize(("expr", "bare"), list(NUMBER_CASES.items()))
def test_numbers_stay_whole_and_bare_number_is_emitted(tok: KeywordTokenizer, expr: str, bare: str) -> None:
    tokens = tok.tokenize(f"报告显示{expr}的数据")
    assert expr in tokens
    assert bare in tokens


def test_question_number_matches_answer_number(tok: KeywordTokenizer) -> None:
    question = set(tok.tokenize("营业收入是926.18亿吗"))
    answer = set(tok.tokenize("实现营业收入926.18亿元"))
    assert {"926.18", "926.18亿"} <= question & answer
    assert "926.18亿元" in answer


def test_number_forms(tok: KeywordTokenizer) -> None:
    tokens = tok.tokenize("１２３４．５万元，1,234.5万元，1至9月，3000多万元，3.2个百分点，12.5万人次")
    assert tokens.count("1234.5万元") == 2 and tokens.count("1234.5") == 2  # full width, separators
    assert "1-9月" in tokens  # range marks become "-"
    assert {"3000", "3000多万", "3000多万元"} <= set(tokens)
    assert {"3.2个百分点", "3.2"} <= set(tokens)
    assert {"12.5万人次", "12.5万", "12.5"} <= set(tokens)


def test_ascii_words(tok: KeywordTokenizer) -> None:
    tokens = tok.tokenize("GDP增长，COVID-19疫情，5G网络，H1N1")
    assert {"gdp", "covid-19", "covid", "19", "5g", "h1n1"} <= set(tokens)
    assert "GDP" not in tokens and "5" not in tokens


@pytest.mark.parametrize(
    ("question", "content"),
    [
        ("请问秦皇岛市委书记是谁？", {"秦皇岛", "市委书记"}),
        ("营业收入是多少？", {"营业", "收入"}),
        ("作风建设提质年是哪一年提出的呢", {"作风", "建设", "提质"}),
        ("中欧班列通达哪些国家", {"中欧班列", "国家"}),
        ("如何开展核酸检测啊", {"核酸检测", "开展"}),
        ("为什么要开展专项整治吗", {"专项", "整治"}),
        ("什么时候发生了疫情", {"疫情"}),
    ],
)
def test_question_words_and_stopwords_dropped(
    tok: KeywordTokenizer, question: str, content: set[str]
) -> None:
    tokens = tok.tokenize(question)
    assert content <= set(tokens)
    assert not set(tokens) & DEFAULT_STOPWORDS
    for word in ("请问", "谁", "多少", "哪", "哪些", "如何", "为什么", "吗", "呢", "啊", "什么", "是", "的"):
        assert word not in tokens


def test_only_noise_gives_no_tokens(tok: KeywordTokenizer) -> None:
    assert tok.tokenize("  ，。！？、；：“”（）……  \n") == []
    assert tok.tokenize("请问这是什么呢？") == []
    assert tok.tokenize("") == []


def test_offsets_are_exact(tok: KeywordTokenizer) -> None:
    text = "秦皇岛市前三季度gdp增长3.2%，营业收入926.18亿元，1-9月累计2.58亿元，2020年新增12.5万人。"
    triples = tok.tokenize_with_offsets(text)
    assert [t for t, _, _ in triples] == tok.tokenize(text)
    assert triples == sorted(triples, key=lambda t: (t[1], t[2]))
    for token, start, end in triples:
        assert text[start:end] == token


def test_offsets_normalised_forms(tok: KeywordTokenizer) -> None:
    text = "ＧＤＰ增长３．２％，COVID-19与1,234万元，1至9月"
    for token, start, end in tok.tokenize_with_offsets(text):
        assert normalized(text[start:end]) == token, (token, text[start:end])


_ALPHABET = st.sampled_from(
    list("秦皇岛市委书记营业收入亿万元年月日%.,-至0123456789 ，。？的是谁ABCxyz－１２３ＧＤＰ")
)


@settings(max_examples=150, deadline=None)
@given(st.text(_ALPHABET, max_size=40))
def test_offsets_property(text: str) -> None:
    tok = default_tokenizer()
    triples = tok.tokenize_with_offsets(text)
    for token, start, end in triples:
        assert 0 <= start < end <= len(text)
        assert token and token == token.lower() and not token.isspace()
        assert normalized(text[start:end]) == token
        assert token not in tok.stopwords


def test_own_jieba_tokenizer_is_lazy_and_private(monkeypatch: pytest.MonkeyPatch) -> None:
    was_initialized = jieba.dt.initialized

    def forbidden(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the global jieba tokenizer was used")

    monkeypatch.setattr(jieba.dt, "initialize", forbidden)
    monkeypatch.setattr(jieba.dt, "check_initialized", forbidden)
    tok = KeywordTokenizer()
    assert tok._jieba is None  # nothing happens until first use
    assert "秦皇岛" in tok.tokenize("秦皇岛市")
    assert tok._jieba is not None and tok._jieba is not jieba.dt
    assert jieba.dt.initialized == was_initialized
    assert logging.getLogger("jieba").level == logging.WARNING


def test_import_has_no_side_effects() -> None:
    code = (
        "import sys, logging, rag.search;"
        "print('jieba' in sys.modules, 'bm25s' in sys.modules, logging.getLogger('jieba').level)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "0"]


def test_signature_tracks_settings() -> None:
    assert KeywordTokenizer().signature == default_tokenizer().signature
    assert KeywordTokenizer(stopwords=["的"]).signature != default_tokenizer().signature
    assert KeywordTokenizer(hmm=False).signature != default_tokenizer().signature


# ---------------------------------------------------------------------- index


@pytest.mark.parametrize(
    ("question", "best"),
    [
        ("秦皇岛市委书记是谁？", "qhd"),
        ("哪家银行营业收入926.18亿？", "bank"),
        ("1-9月GDP增长多少", "gdp"),
        ("核酸检测累计检测了多少人", "covid"),
        ("中欧班列开行了多少列", "rail"),
        ("2020年是什么年", "qhd"),
    ],
)
def test_bm25_ranks_right_doc_first(index: KeywordIndex, question: str, best: str) -> None:
    hits = index.search(question, k=3)
    assert hits[0][0] == best
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)


def test_search_scores_and_terms(index: KeywordIndex) -> None:
    scores = index.scores("营业收入926.18亿元")
    assert scores.dtype == np.float32 and scores.shape == (len(DOCS),)
    assert index.doc_ids == tuple(d for d, _ in DOCS)
    assert np.argmax(scores) == 1 and (scores[[0, 3, 4]] == 0).all()
    hits = index.search("营业收入926.18亿元", k=10)
    assert [d for d, _ in hits] == ["bank"]  # only documents matching a term
    assert hits[0][1] == pytest.approx(float(scores[1]))
    assert index.search("增长", k=1)[0][0] in {"bank", "gdp", "rail"}
    assert len(index.search("增长", k=2)) == 2
    assert index.search("请问这是什么？") == [] and not index.scores("请问").any()
    assert index.search("完全无关的内容火星") == []

    assert index.query_terms("营业收入增长增长火星") == [
        "营业",
        "收入",
        "增长",
    ]  # in vocabulary, deduplicated
    assert index.matched_terms("秦皇岛营业收入增长", "bank") == ["营业", "收入", "增长"]
    assert index.matched_terms("秦皇岛营业收入增长", "qhd") == ["秦皇", "秦皇岛"]
    with pytest.raises(KeyError):
        index.matched_terms("秦皇岛", "nope")
    with pytest.raises(ValueError):
        index.search("增长", k=0)


def test_matches_bm25s_scores(tok: KeywordTokenizer) -> None:
    import bm25s

    for method in ("lucene", "bm25+", "robertson"):
        params = BM25Params(method=method, k1=1.2, b=0.7)
        index = KeywordIndex(DOCS, tokenizer=tok, params=params)
        ref = bm25s.BM25(method=method, k1=1.2, b=0.7)
        ref.index([tok.tokenize(text) for _, text in DOCS], show_progress=False)
        for question in ("营业收入增长多少", "秦皇岛作风建设", "疫情 核酸检测 990万人"):
            terms = list(dict.fromkeys(t for t in tok.tokenize(question) if t in ref.vocab_dict))
            np.testing.assert_allclose(index.scores(question), ref.get_scores(terms), rtol=1e-5, atol=1e-6)


def test_add_and_remove(tok: KeywordTokenizer) -> None:
    index = KeywordIndex.build(DOCS[:3], tokenizer=tok)
    index.add(DOCS[3:])
    assert len(index) == 5 and "rail" in index
    with pytest.raises(ValueError, match="duplicate"):
        index.add([("bank", "重复")])
    with pytest.raises(ValueError, match="duplicate"):
        index.add([("x", "一"), ("x", "二")])
    with pytest.raises(TypeError):
        index.add([("y", None)])
    assert len(index) == 5

    size = index.vocabulary_size
    assert index.remove(["rail", "nope"]) == 1
    assert index.remove(["rail"]) == 0
    assert "rail" not in index and index.search("中欧班列") == []
    assert index.vocabulary_size < size  # terms only the removed doc had are gone
    fresh = KeywordIndex(DOCS[:4], tokenizer=tok)
    for question in ("增长", "秦皇岛市委书记", "核酸检测990万人"):
        np.testing.assert_array_equal(index.scores(question), fresh.scores(question))


def test_empty_index(tok: KeywordTokenizer, tmp_path: Path) -> None:
    index = KeywordIndex(tokenizer=tok)
    assert len(index) == 0 and index.search("增长") == [] and index.scores("增长").shape == (0,)
    index.add([("blank", "，。")])
    assert index.search("增长") == [] and index.scores("增长").tolist() == [0.0]
    index.save(tmp_path)
    assert len(KeywordIndex.load(tmp_path, tokenizer=tok)) == 1


@pytest.mark.parametrize("method", ["lucene", "bm25l"])
def test_save_load_round_trip(tok: KeywordTokenizer, tmp_path: Path, method: str) -> None:
    params = BM25Params(k1=1.3, b=0.6, method=method)
    index = KeywordIndex(DOCS, tokenizer=tok, params=params)
    index.save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keyword.json", "keyword.npz"]
    meta = json.loads((tmp_path / "keyword.json").read_text(encoding="utf-8"))
    assert meta["params"] == {"k1": 1.3, "b": 0.6, "delta": 0.5, "method": method}

    loaded = KeywordIndex.load(tmp_path, tokenizer=tok)
    assert loaded.bm25_params == params and loaded.doc_ids == index.doc_ids
    assert loaded.params() == {**meta["params"], "tokenizer": tok.signature}
    for question in ("营业收入926.18亿", "秦皇岛市委书记是谁", "增长", "火星"):
        np.testing.assert_array_equal(loaded.scores(question), index.scores(question))
        assert loaded.search(question) == index.search(question)
        assert loaded.query_terms(question) == index.query_terms(question)

    # the loaded index keeps its term counts: it can still change, and equals a fresh build
    loaded.remove(["bank"])
    loaded.add([("bank", DOCS[1][1])])
    rebuilt = KeywordIndex([*DOCS[:1], *DOCS[2:], DOCS[1]], tokenizer=tok, params=params)
    np.testing.assert_allclose(loaded.scores("营业收入增长"), rebuilt.scores("营业收入增长"), rtol=1e-6)


def test_missing_index(tok: KeywordTokenizer, tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError):
        KeywordIndex.load(tmp_path / "nowhere", tokenizer=tok)


def _saved(tok: KeywordTokenizer, directory: Path) -> dict:
    KeywordIndex(DOCS, tokenizer=tok).save(directory)
    return json.loads((directory / "keyword.json").read_text(encoding="utf-8"))


def _replace_arrays(directory: Path, meta: dict, blob: bytes) -> None:
    (directory / "keyword.npz").write_bytes(blob)
    meta.update(index_bytes=len(blob), index_sha256=hashlib.sha256(blob).hexdigest())
    (directory / "keyword.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


def test_truncated_arrays(tok: KeywordTokenizer, tmp_path: Path) -> None:
    _saved(tok, tmp_path)
    path = tmp_path / "keyword.npz"
    path.write_bytes(path.read_bytes()[:500])
    with pytest.raises(IndexMismatchError, match="truncated or corrupt"):
        KeywordIndex.load(tmp_path, tokenizer=tok)


@pytest.mark.parametrize("blob", [b"", b"PK\x03\x04 not really a zip", b"\x93NUMPY garbage"])
def test_corrupt_arrays_passing_checksum(tok: KeywordTokenizer, tmp_path: Path, blob: bytes) -> None:
    meta = _saved(tok, tmp_path)
    _replace_arrays(tmp_path, meta, blob)
    with pytest.raises(IndexMismatchError, match="rebuild"):
        KeywordIndex.load(tmp_path, tokenizer=tok)


def _npz(arrays: dict[str, np.ndarray]) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


@pytest.mark.parametrize(
    "damage",
    [
        lambda a: a.update(bm25_indices=a["bm25_indices"] + 100),  # documents out of range
        lambda a: a.update(tf_indptr=a["tf_indptr"][:-1]),
        lambda a: a.pop("tf_counts"),
        lambda a: a.update(bm25_data=a["bm25_data"].astype(np.float64)),
        lambda a: a.update(tf_terms=np.array([{"x": 1}] * a["tf_terms"].size, dtype=object)),  # needs pickle
    ],
)
def test_inconsistent_arrays(tok: KeywordTokenizer, tmp_path: Path, damage) -> None:
    meta = _saved(tok, tmp_path)
    with np.load(tmp_path / "keyword.npz", allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    damage(arrays)
    _replace_arrays(tmp_path, meta, _npz(arrays))
    with pytest.raises(IndexMismatchError):
        KeywordIndex.load(tmp_path, tokenizer=tok)


@pytest.mark.parametrize(
    "edit",
    [
        lambda m: m.update(tokenizer="v0-someoneelse"),
        lambda m: m.update(format_version=2),
        lambda m: m.update(params={"k1": 1.5, "b": 7.0, "delta": 0.5, "method": "lucene"}),
        lambda m: m.update(params={"k1": 1.5, "b": 0.75, "delta": 0.5, "method": "tfidf"}),
        lambda m: m.update(doc_ids=m["doc_ids"][:-1]),
        lambda m: m.update(vocab=m["vocab"][:-1]),
        lambda m: m.update(n_docs="five"),
        lambda m: m.pop("index_sha256"),
    ],
)
def test_metadata_mismatch(tok: KeywordTokenizer, tmp_path: Path, edit) -> None:
    meta = _saved(tok, tmp_path)
    edit(meta)
    (tmp_path / "keyword.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(IndexMismatchError):
        KeywordIndex.load(tmp_path, tokenizer=tok)


def test_unreadable_metadata(tok: KeywordTokenizer, tmp_path: Path) -> None:
    _saved(tok, tmp_path)
    (tmp_path / "keyword.json").write_bytes(b"\xff\xfe{")
    with pytest.raises(IndexMismatchError):
        KeywordIndex.load(tmp_path, tokenizer=tok)


def test_other_tokenizer_refused(tok: KeywordTokenizer, tmp_path: Path) -> None:
    _saved(tok, tmp_path)
    with pytest.raises(IndexMismatchError, match="tokenizer"):
        KeywordIndex.load(tmp_path, tokenizer=KeywordTokenizer(hmm=False))


def test_params_validated() -> None:
    with pytest.raises(ValueError, match="method"):
        BM25Params(method="tfidf")
    with pytest.raises(ValueError):
        BM25Params(b=1.5)
    with pytest.raises(ValueError):
        BM25Params(k1=float("nan"))


class _SpaceTokenizer(KeywordTokenizer):
    """Splits on spaces: builds a large index fast so the test measures scoring, not jieba."""

    def tokenize_with_offsets(self, text: str) -> list[tuple[str, int, int]]:
        out, pos = [], 0
        for word in text.split(" "):
            out.append((word, pos, pos + len(word)))
            pos += len(word) + 1
        return out


def test_query_latency_on_thousands_of_docs() -> None:
    rng = np.random.default_rng(0)
    vocab = np.array([f"w{i}" for i in range(20_000)])
    weights = 1.0 / np.arange(1, vocab.size + 1)  # Zipf-like: a few very common terms
    weights /= weights.sum()
    docs = [(f"d{i}", " ".join(rng.choice(vocab, size=200, p=weights))) for i in range(3000)]
    index = KeywordIndex(docs, tokenizer=_SpaceTokenizer())
    queries = [" ".join(rng.choice(vocab[:2000], size=12)) for _ in range(100)]
    index.search(queries[0])
    times = []
    for q in queries:
        t0 = time.perf_counter()
        index.search(q, k=20)
        index.scores(q)
        times.append(time.perf_counter() - t0)
    assert float(np.median(times)) < 0.005
