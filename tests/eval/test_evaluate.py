import json

import numpy as np
import pytest

import rag.eval.pooled
from rag.embed import FakeEmbedder
from rag.errors import RagError
from rag.eval import (
    evaluate_file,
    evaluate_index,
    format_report,
    pooled_index,
    pooled_index_dir,
    question_vectors,
)
from rag.ingest import load_squad, squad_articles


def _item(pid: str, title: str, context: str, question: str, answer: str) -> dict:
    """One CMRC-style data item: a paragraph with one question whose answer occurs in the context."""
    qa = {"question": question, "id": f"{pid}_QUERY_0",
          "answers": [{"text": answer, "answer_start": context.index(answer)}]}  # fmt: skip
    return {"id": pid, "title": title, "paragraphs": [{"id": pid, "context": context, "qas": [qa]}]}


# Three CMRC-style data items on unrelated topics; each question shares its key terms with its own paragraph
CMRC = {
    "version": "v1.0",
    "data": [
        _item("DEV_0", "战国无双3",
              "《战国无双3》是由光荣和ω-force开发的战国无双系列的正统第三续作，本作以三大故事为主轴。",
              "《战国无双3》是由哪两个公司合作开发的？", "光荣和ω-force"),
        _item("DEV_1", "兰州牛肉面",
              "兰州牛肉面是甘肃省兰州市的传统面食，讲究一清二白三红四绿五黄，汤清肉烂，面条筋道。",
              "兰州牛肉面讲究什么？", "一清二白三红四绿五黄"),
        _item("DEV_2", "秦皇岛港",
              "秦皇岛港位于河北省秦皇岛市，是世界上最大的煤炭输出港之一，年吞吐量超过两亿吨。",
              "秦皇岛港的年吞吐量是多少？", "超过两亿吨"),
    ],
}  # fmt: skip

# DRCD style: paragraphs sharing a title, no paragraph ids, answers with ids, one offset off by one
DRCD = {
    "version": "1.3",
    "data": [
        {
            "title": "梵語",
            "id": "1147",
            "paragraphs": [
                {
                    "context": "在歐洲，梵語的學術研究，由德國學者陸特和漢斯雷頓開創。",
                    "qas": [
                        {
                            "id": "1147-5-1",
                            "question": "陸特和漢斯雷頓開創了哪一地區對梵語的學術研究？",
                            "answers": [{"id": "1", "text": "歐洲", "answer_start": 2}],
                        }
                    ],
                },
                {"context": "梵語是印歐語系的一種古老語言。", "qas": []},
            ],
        }
    ],
}


class CountingEmbedder(FakeEmbedder):
    def __init__(self, dim: int = 32) -> None:
        super().__init__(dim=dim)
        self.documents = 0
        self.queries = 0

    def encode_document(self, texts, *, show_progress=False):
        self.documents += len(texts)
        return super().encode_document(texts, show_progress=show_progress)

    def encode_query(self, texts):
        self.queries += len(texts)
        return super().encode_query(texts)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("RAG_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _write(tmp_path, name, obj):
    path = tmp_path / name
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    return path


def test_load_cmrc_and_articles_keep_offsets(tmp_path):
    squad = load_squad(_write(tmp_path, "cmrc.json", CMRC))
    assert [p.id for p in squad.paragraphs] == ["DEV_0", "DEV_1", "DEV_2"]
    assert [q.paragraph_id for q in squad.questions] == ["DEV_0", "DEV_1", "DEV_2"]
    articles = {a.id: a for a in squad_articles(squad)}
    assert articles["DEV_1"].title == "兰州牛肉面"
    for q in squad.questions:
        text = articles[q.paragraph_id].text
        for a in q.answers:
            assert text[a.answer_start : a.answer_start + len(a.text)] == a.text
    assert articles["DEV_0"].paragraphs[0].end == len(articles["DEV_0"].text)


def test_load_drcd_variant(tmp_path):
    squad = load_squad(_write(tmp_path, "drcd.json", DRCD))
    ids = [p.id for p in squad.paragraphs]
    assert len(ids) == 2 and len(set(ids)) == 2 and all(i.startswith("p") for i in ids)
    assert load_squad(_write(tmp_path, "again.json", DRCD)).paragraphs[0].id == ids[0]  # stable ids
    (q,) = squad.questions
    assert q.paragraph_id == ids[0] and q.answers[0].answer_start == 1  # the wrong offset 2 is repaired
    assert squad.paragraphs[0].title == "梵語"


def test_load_top_level_list_and_cmrc_spellings(tmp_path):
    data = [{"title": "t", "paragraphs": [{"context_id": "C1", "context": "北京是首都。",
             "qas": [{"query_id": "Q1", "query_text": "首都是哪里？", "answers": ["北京"]}]}]}]  # fmt: skip
    squad = load_squad(_write(tmp_path, "list.json", data))
    (q,) = squad.questions
    assert (q.id, q.question, q.paragraph_id) == ("Q1", "首都是哪里？", "C1")
    assert (q.answers[0].text, q.answers[0].answer_start) == ("北京", 0)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "not JSON"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (b"[1, 2, 3]", "data item 0 has no 'paragraphs'"),
        (b'{"data": []}', "no non-empty 'data' list"),
        (b'{"version": "1"}', "no non-empty 'data' list"),
        (b'{"data": [{"title": "x", "paragraphs": [{"qas": []}]}]}', "has no 'context'"),
    ],
)
def test_malformed_file_is_a_clear_error(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(RagError, match="is not a SQuAD-format file") as info:
        load_squad(path)
    assert message in str(info.value) and str(path) in str(info.value)


def test_missing_file_is_a_clear_error(tmp_path, cache):
    with pytest.raises(RagError, match="cannot read"):
        evaluate_file(tmp_path / "nope.json", model="fake:32", answers=False)


def test_unambiguous_questions_are_all_found(tmp_path, cache):
    report = evaluate_file(
        _write(tmp_path, "cmrc.json", CMRC), model="fake:64", answers=False, latency_sample=3
    )
    assert report["n"] == 3 and report["paragraphs"] == 3
    assert report["recall@1"] == report["recall@5"] == report["mrr@20"] == 1.0
    assert report["latency_ms_p50"] > 0 and report["latency_ms_p95"] >= report["latency_ms_p50"]
    assert "3 questions, one at a time" in report["latency_sample"]
    assert report["model"] == "fake-hash-64"
    table = format_report(report)
    assert "R@1" in table and "1.0000" in table and "3 paragraphs" in table


def test_cache_reuse_embeds_nothing_the_second_time(tmp_path, cache, monkeypatch):
    path = _write(tmp_path, "cmrc.json", CMRC)
    embedder = CountingEmbedder()
    index = pooled_index(path, embedder)
    assert embedder.documents > 0 and index.directory == pooled_index_dir(path, embedder)
    assert str(index.directory).startswith(str(cache / "eval"))
    squad = load_squad(path)
    first = evaluate_index(index, squad, answers=False, latency_sample=0)
    assert embedder.queries == 3

    again = CountingEmbedder()
    index = pooled_index(path, again)
    second = evaluate_index(index, squad, answers=False, latency_sample=0)
    assert again.documents == 0 and again.queries == 0  # index and question vectors both come from the cache
    assert second["recall@1"] == first["recall@1"]

    # another file (other bytes) gets its own cache entry
    changed = json.loads(json.dumps(CMRC))
    changed["data"][0]["paragraphs"][0]["context"] += "另有一句。"
    other = _write(tmp_path, "cmrc2.json", changed)
    assert pooled_index_dir(other, again) != pooled_index_dir(path, again)
    # and so does another way of making vectors, or another title weight for the default one
    assert pooled_index_dir(path, again, sentence_vectors="separate") != pooled_index_dir(path, again)
    monkeypatch.setattr(rag.eval.pooled, "TITLE_WEIGHT", 0.5)
    assert pooled_index_dir(path, again) != index.directory


def test_question_vectors_match_single_encoding(tmp_path, cache):
    path = _write(tmp_path, "cmrc.json", CMRC)
    embedder = FakeEmbedder(dim=32)
    index = pooled_index(path, embedder)
    vectors = question_vectors(index, ["  戰國無雙3 是誰開發的？ "])
    expected = embedder.encode_query(["战国无双3 是谁开发的？"])  # trimmed, Simplified, as retrieve_from asks
    assert np.allclose(vectors, expected)


def test_limit_and_answers_skipped_without_answer_stage(tmp_path, cache, monkeypatch):
    import rag.eval.evaluate

    monkeypatch.setattr(rag.eval.evaluate, "_answer_stage", lambda: None)
    report = evaluate_file(_write(tmp_path, "cmrc.json", CMRC), model="fake:32", limit=2, latency_sample=2)
    assert report["n"] == 2 and "em" not in report
    assert report["answers"].startswith("skipped")
    with pytest.raises(RagError, match="at least 1"):
        evaluate_file(tmp_path / "cmrc.json", model="fake:32", limit=0)


def test_answer_metrics_with_an_answer_stage(tmp_path, cache, monkeypatch):
    import rag.eval.evaluate
    from rag.types import Answer, Citation

    def answer_from(index, question, *, k=5, hits=None, query_vector=None):
        top = hits[0]
        citation = Citation(
            1, top.article_id, top.title, top.outlet, top.paragraph, top.start, top.end, top.text
        )
        found = top.keyword_score > 0  # refuse when no question word occurs in the corpus
        return Answer(question, found, answer="《光荣和ω-force》", sentence=top.text, citations=(citation,))

    monkeypatch.setattr(rag.eval.evaluate, "_answer_stage", lambda: answer_from)
    negatives = _write(tmp_path, "drcd.json", DRCD)
    report = evaluate_file(
        _write(tmp_path, "cmrc.json", CMRC), model="fake:32", negatives=negatives, latency_sample=1
    )
    assert report["em"] == report["f1"] == pytest.approx(1 / 3, abs=1e-4)  # right for DEV_0 only
    assert report["sentence_hit"] == 1.0  # every cited chunk is the gold paragraph, covering the answer
    assert report["no_answer_rate_negatives"] == 1.0 and report["negatives_n"] == 1
    table = format_report(report)
    assert "EM" in table and "0.3333" in table and "refused" in table


def test_a_reader_trained_on_the_file_is_flagged_in_the_report(tmp_path, cache, monkeypatch):
    import rag.eval.evaluate
    from rag.reader import FakeReader, set_default_reader
    from rag.reader.manifest import file_sha256
    from rag.types import Answer

    path = _write(tmp_path, "cmrc.json", CMRC)

    reader = FakeReader({})
    reader.training_files = [{"name": "cmrc.json", "sha256": file_sha256(path)}]  # type: ignore[attr-defined]

    monkeypatch.setattr(rag.eval.evaluate, "_answer_stage", lambda: lambda index, q, **kw: Answer(q, False))
    set_default_reader(reader)
    try:
        report = evaluate_file(path, model="fake:32", latency_sample=0)
    finally:
        set_default_reader(None)
    assert report["reader"] == "fake" and report["reader_trained_on_file"] is True
    assert "was trained on this file" in format_report(report)
    untrained = evaluate_file(path, model="fake:32", latency_sample=0)  # the shipped reader: trial + DRCD
    assert untrained["reader_trained_on_file"] is False  # read from reader.json: no weights loaded
    assert "was trained on this file" not in format_report(untrained)
