from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from rag.app.render_text import format_answer
from rag.embed import FakeEmbedder
from rag.errors import BadQuestionError
from rag.extract import DEFAULT_PARAMS, ReadParams, answer_from, normalize_answer, read_question
from rag.index import BuildOptions, index_articles, load_index
from rag.ingest.article import parse_article
from rag.ingest.scripts import to_simplified
from rag.reader import FakeReader
from rag.search import retrieve_from
from rag.types import Span

ROOT = Path(__file__).resolve().parents[2]

# FakeEmbedder cosines are hash noise, not meaning, and FakeReader finds the answers it is told: the fast tests
# check the mechanics (what is read, offsets, scripts, agreement, refusal). Whole chunks are read, so that what
# is read does not hang on the fake vectors; the sentence windows have tests of their own.
CHUNKS = ReadParams(unit="chunks")
ANSWERS = {
    "兰州市上半年生产总值是多少？": ["926.18亿元"],
    "秦皇岛1-9月固定资产投资增长了多少？": ["3.2%"],
    "秦皇岛市委书记是谁？": ["朱政学"],
    "包头市党员干部已查摆问题多少条？": ["327万条"],
    "宝鸡市全年经济增长了多少？": ["11.7%", "9.5%"],
    "皋兰县建筑垃圾项目总投资多少？": ["2.58亿元"],
    "兰州市的固定资产投资增长了多少？": ["14.87%"],
}
READER = FakeReader(ANSWERS)


def ask(index, question, **kwargs):
    kwargs.setdefault("params", CHUNKS)
    kwargs.setdefault("reader", READER)
    return answer_from(index, question, **kwargs)


LANZHOU = (
    "兰州市狠抓落实促发展\n"
    "今年上半年，兰州市完成固定资产投资673.01亿元，增长14.87%，增幅排全省市州第2位。\n"
    "4月14日，在兰州市动员部署大会上，省委常委、兰州市委书记虞海燕的一席话，拉开了活动的序幕。\n"
    "今年上半年，兰州市经济运行总体趋稳回升，实现生产总值926.18亿元，增长8.6%，跑在了全国和全省的前列。\n"
)
QINHUANGDAO = (  # Traditional
    "以作風紀律專項整治助力三個圓滿收官\n"
    "——訪秦皇島市委書記朱政學\n"
    "記者:請您談談這方面的主要做法。\n"
    "朱政學:1-9月,全市固定資產投資同比增長3.2%,高于全省平均水平1.5個百分點,其中建設項目投資增長12.6%。\n"
)
BAOJI_A = "宝鸡市经济形势通报\n据市统计局通报，与去年同期比，宝鸡市全年经济增长11.7%，高于全省平均水平。\n"
BAOJI_B = "宝鸡市经济形势分析\n据市发改委分析，与去年同期比，宝鸡市全年经济增长9.5%，高于全省平均水平。\n"
BAOTOU_A = (
    "包头市作风建设\n数据是最好的例证。截至目前，"
    "包头市20多万名党员干部已查摆问题327万条，制定整改措施555万条。\n"
)
BAOTOU_B = "包头作风积弊大扫除\n包头市开展作风积弊大扫除以来，全市党员干部已查摆问题327万条，整改正在推进。\n"
MOJIBAKE = (
    "皋兰县建筑垃圾项目\n"
    "走进皋兰县九合镇，在总投资2.58亿元、兰州市首条规ㄖ幚砭项目工地上，工人们正干得热火朝天。\n"
)


def _article(aid: str, raw: str):
    article = parse_article(raw, article_id=aid, source=f"{aid}.txt")
    if aid == "mojibake":  # mark the damaged characters as the cleaner would
        start = article.text.index("规ㄖ幚砭")
        article = replace(article, low_quality=(Span(start, start + 5),))
    return article


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    articles = [
        _article(aid, raw)
        for aid, raw in {
            "lanzhou": LANZHOU,
            "qinhuangdao": QINHUANGDAO,
            "baoji_a": BAOJI_A,
            "baoji_b": BAOJI_B,
            "baotou_a": BAOTOU_A,
            "baotou_b": BAOTOU_B,
            "mojibake": MOJIBAKE,
        }.items()
    ]
    directory = tmp_path_factory.mktemp("answer") / "idx"
    index_articles(articles, directory, BuildOptions(embedder=FakeEmbedder(dim=64)))
    return load_index(directory, embedder=FakeEmbedder(dim=64))


def _check_offsets(index, answer):
    """Every citation quotes its article exactly, and its short answer sits inside the quote."""
    for c in answer.citations + tuple(c for a in answer.alternatives for c in a.citations):
        text = index.articles[c.article_id].text
        assert text[c.start : c.end] == c.quote
        if c.answer_start is not None:
            assert c.start <= c.answer_start < c.answer_end <= c.end
        for bad in index.articles[c.article_id].low_quality:
            assert not (bad.start < c.end and c.start < bad.end), "a mojibake span was quoted"


def test_number_answer_with_exact_offsets(index):
    a = ask(index, "兰州市上半年生产总值是多少？")
    assert a.found and a.answer == "926.18亿元"
    c = a.citations[0]
    assert c.article_id == "lanzhou" and c.number == 1
    text = index.articles["lanzhou"].text
    assert text[c.answer_start : c.answer_end] == "926.18亿元"
    assert c.quote.startswith("今年上半年，兰州市经济运行总体趋稳回升")
    assert c.paragraph == 3 and c.title == "兰州市狠抓落实促发展"
    assert a.sentence == c.quote  # a Simplified asker reads the Simplified original
    _check_offsets(index, a)


def test_traditional_question_gets_traditional_text_and_original_quote(index):
    a = ask(index, "蘭州市上半年生產總值是多少？")
    assert a.script == "traditional"
    assert a.answer == "926.18億元"  # the asker's script
    assert "經濟運行" in a.sentence
    assert "经济运行" in a.citations[0].quote  # the citation keeps the article's characters
    _check_offsets(index, a)


def test_simplified_question_on_a_traditional_article(index):
    a = ask(index, "秦皇岛1-9月固定资产投资增长了多少？")
    assert a.answer == "3.2%"
    c = a.citations[0]
    assert c.article_id == "qinhuangdao" and "固定資產投資同比增長3.2%" in c.quote
    assert "固定资产投资同比增长3.2%" in a.sentence
    _check_offsets(index, a)


def test_person_from_the_subtitle_line(index):
    a = ask(index, "秦皇島市委書記是誰？")
    assert a.answer == "朱政學"
    [c] = [c for c in a.citations if c.paragraph == 0]  # a heading line, before paragraph 1, is read too
    assert c.quote == "——訪秦皇島市委書記朱政學"
    assert index.articles[c.article_id].text[c.answer_start : c.answer_end] == "朱政學"
    assert "標題" in format_answer(a)
    _check_offsets(index, a)


def test_same_fact_in_two_articles_is_one_answer_citing_both(index):
    a = ask(index, "包头市党员干部已查摆问题多少条？")
    assert a.answer == "327万条"
    assert {c.article_id for c in a.citations} == {"baotou_a", "baotou_b"}
    for c in a.citations:
        assert index.articles[c.article_id].text[c.answer_start : c.answer_end] == "327万条"
    assert [c.number for c in a.citations] == [1, 2]
    assert not a.alternatives
    _check_offsets(index, a)


def test_disagreeing_sources_are_shown_side_by_side(index):
    a = ask(index, "宝鸡市全年经济增长了多少？")
    answers = {a.answer} | {alt.answer for alt in a.alternatives}
    assert answers == {"11.7%", "9.5%"}
    alt = a.alternatives[0]
    assert alt.citations[0].number == len(a.citations) + 1
    assert {a.citations[0].article_id, alt.citations[0].article_id} == {"baoji_a", "baoji_b"}
    text = format_answer(a)
    assert "另一说法" in text and "[2]" in text
    _check_offsets(index, a)


def test_mojibake_is_never_quoted(index):
    a = ask(index, "皋兰县建筑垃圾项目总投资多少？")
    assert a.answer == "2.58亿元"
    assert a.citations[0].quote == "走进皋兰县九合镇，在总投资2.58亿元"
    _check_offsets(index, a)


def test_refusal_offers_the_closest_passages(index):
    a = ask(index, "上海市委书记是谁？")  # the reader finds nothing
    assert not a.found and a.answer == "" and a.citations == ()
    assert 0 < len(a.closest) <= DEFAULT_PARAMS.closest
    text = format_answer(a)
    assert text.startswith("没有找到能回答这个问题的内容。") and "最接近的段落" in text


def test_follow_up_is_resolved_before_retrieval(index):
    a = ask(index, "它的固定资产投资增长了多少？", history=["兰州市上半年生产总值是多少？"])
    assert a.resolved_question == "兰州市的固定资产投资增长了多少？"
    assert a.answer == "14.87%"
    assert "追问" in a.notice and "理解为" in format_answer(a)


def test_given_hits_are_the_passages_read(index):
    hits = retrieve_from(index, "宝鸡市全年经济增长了多少？", k=1)
    r = read_question(index, "兰州市上半年生产总值是多少？", hits=hits, params=CHUNKS, reader=READER)
    assert r.hits == hits and {w.hit.chunk.article_id for w in r.windows} == {hits[0].article_id}
    a = ask(index, "兰州市上半年生产总值是多少？", hits=hits)
    assert not a.found  # the passage given holds no answer to this question


def test_reading_exposes_windows_and_margins(index):
    r = read_question(index, "兰州市上半年生产总值是多少？", params=CHUNKS, reader=READER)
    assert r.windows and r.sentences and r.threshold == READER.threshold
    assert [f.margin for f in r.found] == sorted((f.margin for f in r.found), reverse=True)
    best = r.found[0]
    assert (
        best.text == "926.18亿元" and index.articles[best.article_id].text[best.start : best.end] == best.text
    )
    for w in r.windows:  # every window is an exact span of its article
        assert index.articles[w.hit.chunk.article_id].text[w.start : w.end] == w.view.original


def test_a_higher_threshold_refuses_and_offers_the_closest(index):
    a = ask(index, "兰州市上半年生产总值是多少？", params=replace(CHUNKS, threshold=11.0))
    assert not a.found and a.closest and 0 < a.confidence < 0.5


def test_sentence_windows_read_the_best_sentences_with_their_neighbours(index):
    params = ReadParams(windows=2, window_chars=60, weights=(0.0, 1.62, 0.52, 0.887))  # keywords alone
    reader = FakeReader(ANSWERS)
    r = read_question(index, "兰州市上半年生产总值是多少？", params=params, reader=reader)
    assert len(r.windows) <= 2 + len({s.hit.chunk.article_id for s in r.sentences if s.order < 0})
    assert all(len(w.view.original) <= 60 or len(w.sentences) == 1 for w in r.windows)
    assert any("926.18亿元" in p for p in reader.passages[0])
    a = ask(index, "兰州市上半年生产总值是多少？", params=params, reader=reader)
    assert a.found and a.answer == "926.18亿元"


def test_json_shape(index):
    d = ask(index, "兰州市上半年生产总值是多少？").to_dict()
    assert {"found", "answer", "sentence", "confidence", "citations", "alternatives", "closest"} <= d.keys()
    c = d["citations"][0]
    assert {
        "article_id",
        "title",
        "paragraph",
        "start",
        "end",
        "quote",
        "answer_start",
        "answer_end",
    } <= c.keys()
    json.dumps(d, ensure_ascii=False)


def test_format_answer_lists_numbered_sources(index):
    text = format_answer(ask(index, "兰州市上半年生产总值是多少？"))
    assert text.splitlines()[0] == "答案：926.18亿元 [1]"
    assert "依据：“今年上半年，兰州市经济运行总体趋稳回升" in text
    assert "[1] 兰州市狠抓落实促发展 · 第3段" in text
    trad = format_answer(ask(index, "蘭州市上半年生產總值是多少？"))
    assert "依據：" in trad and "來源：" in trad


@pytest.mark.parametrize("question", ["", "   ", "\u200b"])
def test_empty_question(index, question):
    with pytest.raises(BadQuestionError):
        answer_from(index, question)


def test_normalize_answer():
    assert normalize_answer("《圖雅的婚事》") == "图雅的婚事"
    assert normalize_answer(" 3.2 % ") == "3.2%"


def test_params_are_well_formed():
    with pytest.raises(ValueError, match="unit"):
        ReadParams(unit="pages")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least 1"):
        ReadParams(windows=0)
    assert DEFAULT_PARAMS.unit == "sentences" and DEFAULT_PARAMS.threshold is None


def test_cli_ask_json(fake_seed_index, tiny_qa_model):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "rag",
            "ask",
            "蘭州市上半年生產總值是多少？",
            "--index",
            str(fake_seed_index),
            "--reader",
            str(tiny_qa_model),
            "--json",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    d = json.loads(out.stdout)
    assert d["question"] == "蘭州市上半年生產總值是多少？" and d["script"] == "traditional"
    assert isinstance(d["found"], bool) and isinstance(d["citations"], list)


# ----------------------------------------------------------------------------------------------------------
# the real embedder and the shipped reader on the seeds: questions as asked, paraphrased, in the other script,
# follow-ups; questions the seeds do not answer (on topic and off corpus) refused

SEED_QUESTIONS = [
    # (question, history, acceptable short answers, article prefix, text the quote must hold)
    ("秦皇島1-9月固定資產投資增長了多少？", None, ("3.2%",), "000", "固定資產投資同比增長3.2%"),
    ("秦皇岛市委书记是谁？", None, ("朱政学",), "000", "秦皇島市委書記朱政學"),
    ("那宝鸡呢？", ["秦皇岛市委书记是谁？"], ("上官吉庆",), "001", "市委书记上官吉庆"),  # follow-up
    ("九原区对几名不胜任现职工作的科级干部进行了岗位调整？", None, ("9名",), "002", "九原區對9名不勝任"),
    ("蘭州建築垃圾資源化項目總投資多少？", None, ("2.58億元", "總投資2.58億元"), "004", "總投資2.58億元"),
    ("兰州市上半年生产总值是多少？", None, ("926.18亿元",), "004", "生產總值926.18億元"),
    ("它的固定资产投资增长了多少？", ["兰州市上半年生产总值是多少？"], ("14.87%",), "004", "增長14.87%"),
    ("包头市委什么时候印发了强化作风建设学习实践活动的实施方案？", None, ("3月20日",), "002", "3月20日"),
    ("寶雞市低保清理取消了多少戶？", None, ("6105戶", "6105"), "001", "6105户"),
    ("蘭州市委書記是誰？", None, ("虞海燕",), "004", "蘭州市委書記虞海燕"),
    ("包头市政务服务指标在营商环境评估中取得了多少分？", None, ("97.54", "97.54的高分"), "002", "97.54"),
    # a paraphrase (other words for 低保清理取消了多少户) and the other script on each side
    ("宝鸡在低保清理中一共取消了多少户？", None, ("6105户", "6105"), "001", "6105户"),
    ("兰州建筑垃圾资源化项目总投资多少？", None, ("2.58亿元", "总投资2.58亿元"), "004", "總投資2.58億元"),
    ("九原區對幾名不勝任現職工作的科級幹部進行了崗位調整？", None, ("9名",), "002", "九原區對9名不勝任"),
    (
        "兰州上半年的地区生产总值达到了多少？",
        None,
        ("926.18亿元",),
        "004",
        "生產總值926.18億元",
    ),  # paraphrases
    ("九原区调整了几名不胜任的科级干部的岗位？", None, ("9名",), "002", "九原區對9名不勝任"),
    # about the article, not its story: answered from its byline
    ("寶雞整改紀實這篇報道是誰寫的？", None, ("田秋林尚维杰",), "001", "供稿 田秋林 尚维杰"),
    ("兰州那篇报道是哪家媒体刊发的？", None, ("甘肃日报",), "004", "甘肅日報記者 侯若志"),
]


@pytest.fixture(scope="module")
def seeds(real_seed_index, real_embedder):
    return load_index(real_seed_index, embedder=real_embedder)


@pytest.mark.slow
def test_seed_questions(seeds):
    wrong = []
    for question, history, shorts, prefix, quoted in SEED_QUESTIONS:
        a = answer_from(seeds, question, history=history)
        c = a.citations[0] if a.citations else None
        ok = (
            a.found
            and normalize_answer(a.answer) in {normalize_answer(s) for s in shorts}
            and c is not None
            and c.article_id.startswith(prefix)
            and quoted in c.quote
            and seeds.articles[c.article_id].text[c.start : c.end] == c.quote
            and c.answer_start is not None
        )
        if ok:
            assert c is not None and c.answer_start is not None and c.answer_end is not None
            span = seeds.articles[c.article_id].text[c.answer_start : c.answer_end]
            assert normalize_answer(span) == normalize_answer(a.answer)  # written in the asker's script
        else:
            wrong.append((question, a.found, a.answer, c.quote if c else None))
    # a trained reader is not right every time (benchmarks/seed_questions.py and followups.py measure how often);
    # this guards against a reader or pipeline that is worse: the shipped one gets all 20 (the one before it
    # missed 3: 九原区's 岗位调整 read as the 12名 promoted, in both scripts; 6105户、12947人 for 6105户)
    assert len(wrong) <= 2, wrong


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "history", "expected"),
    [
        (
            "宝鸡在低保清理中一共取消了多少户？",
            None,
            "6105",
        ),  # a paraphrase (其 span may run on: 6105户、12947人)
        ("兰州上半年的地区生产总值达到了多少？", None, "926.18亿元"),  # a paraphrase
        ("那宝鸡呢？", ["秦皇岛市委书记是谁？"], "上官吉庆"),  # a follow-up
        ("這篇寶雞的報道是誰寫的？", None, "田秋林"),  # about the article, in the other script
    ],
)
def test_paraphrases_follow_ups_and_bylines_are_answered(seeds, question, history, expected):
    a = answer_from(seeds, question, history=history)
    assert a.found and expected in to_simplified(a.answer), (a.answer, a.sentence)
    c = a.citations[0]
    assert seeds.articles[c.article_id].text[c.start : c.end] == c.quote


UNANSWERED = [
    "上海市委书记是谁？",  # off corpus, though 市委书记 + a name reads the same in the 宝鸡 article
    "北京今年的GDP增长了多少？",  # 北京 is in the 兰州 article, but not in the sentence of its growth
    "上官吉庆是哪一年出生的？",  # on topic, not in the seeds
    "秦皇岛市的常住人口有多少？",
    "兰州市上半年的财政收入是多少？",
    "宝鸡市市长是谁？",  # the 宝鸡 article names its 市委书记, no 市长
    "成都市的生产总值是多少？",
]


@pytest.mark.slow
def test_questions_the_seeds_do_not_answer_are_refused(seeds):
    answered = []
    for question in UNANSWERED:
        a = answer_from(seeds, question)
        if a.found:
            answered.append((question, a.answer, a.sentence))
        else:
            assert a.closest and not a.citations
    # the shipped reader refuses all seven; the one before it read 兰州's 生产总值926.18亿元 as its 财政收入:
    # one of seven may slip through, not more
    assert len(answered) <= 1, answered
    assert all(q != UNANSWERED[0] for q, _, _ in answered)  # off corpus: always refused


@pytest.mark.slow
def test_traditional_question_gets_traditional_answer_on_seeds(seeds):
    a = answer_from(seeds, "寶雞市委書記是誰？")
    assert a.script == "traditional" and a.answer == "上官吉慶"
    assert "市委書記上官吉慶" in a.sentence  # converted for the asker
    assert "市委书记上官吉庆" in a.citations[0].quote  # the Simplified article's own characters


def test_document_frequency_counts_passages(index):
    kw = index.keyword
    assert kw.document_frequency("宝鸡市") == 2  # baoji_a and baoji_b
    assert kw.document_frequency("上海") == 0
