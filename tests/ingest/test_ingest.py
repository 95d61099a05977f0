import json
import os

import pytest

from rag.app.cli import main
from rag.errors import DocumentError
from rag.ingest import MAX_DOCUMENT_BYTES, ingest, read_article

TRAD = "蘭州市全面開展工作落實年\n今年,蘭州市把狠抓落實作為促進工作的助推器,把工作質量作為落實效果的試金石。黃河兩岸,皋蘭山下,落實之風勁吹。\n"
SIMP = "宝鸡市聚焦问题整改\n市委领导以上率下,带头制定整改落实方案,制定具体措施,解决突出问题,层层加压,有力推动了问题整改。\n"


@pytest.mark.parametrize(
    ("text", "encodings"),
    [
        (TRAD, ["utf-8", "utf-8-sig", "utf-16", "big5", "gb18030"]),
        (SIMP, ["utf-8", "utf-8-sig", "utf-16", "gbk"]),
    ],
)
def test_encodings_ingest_to_identical_text(tmp_path, text, encodings):
    results = []
    for enc in encodings:
        path = tmp_path / f"doc-{enc}.txt"
        path.write_bytes(text.encode(enc))
        results.append(read_article(path, article_id="doc").text)
    assert len(set(results)) == 1
    assert results[0] == text.strip()


def test_binary_and_empty_reported_and_skipped(tmp_path):
    (tmp_path / "good.txt").write_text(SIMP, encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.md").write_text("  \n\n", encoding="utf-8")
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(2000))
    (tmp_path / "ignored.exe").write_bytes(b"MZ\x90\x00")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4")
    result = ingest([tmp_path])
    assert [a.id for a in result.articles] == ["good"]
    reasons = {os.path.basename(s.source): s.reason for s in result.skipped}
    assert reasons.keys() == {"empty.txt", "blank.md", "image.txt", "broken.pdf"}
    assert "not a readable PDF" in reasons["broken.pdf"]
    assert "empty" in reasons["empty.txt"]
    assert "binary" in reasons["image.txt"]


def test_duplicate_content_indexed_once(tmp_path):
    (tmp_path / "a.txt").write_text(SIMP, encoding="utf-8")
    (tmp_path / "b.txt").write_text(SIMP, encoding="utf-8")
    result = ingest([tmp_path])
    assert [a.id for a in result.articles] == ["a"]
    assert result.skipped[0].reason == f"same text as {tmp_path / 'a.txt'}"


def test_size_limit_message(tmp_path):
    path = tmp_path / "big.txt"
    path.write_bytes(b"a")
    with pytest.raises(DocumentError, match="over the 0 MB limit"):
        read_article(path, max_bytes=0)
    assert MAX_DOCUMENT_BYTES >= 1_000_000


def test_html_keeps_text_drops_scripts(tmp_path):
    page = (
        "<html><head><title>包頭市作風建設</title><script>alert('x')</script></head><body>"
        "<article><h1>包頭市作風建設</h1><p>3月20日,包頭市委印發實施方案,一場作風積弊大掃除在全市開展。"
        "全市20多萬名黨員干部參與學習實踐活動,激勵干部擔當作為。</p>"
        "<iframe src='https://evil.example'></iframe><p>第二段文字說明了督導組的工作方法和成效。</p></article>"
        "</body></html>"
    )
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    a = read_article(path)
    assert a.title == "包頭市作風建設"
    assert "3月20日" in a.text and "第二段" in a.text
    assert "alert" not in a.text and "iframe" not in a.text and "<" not in a.text


def test_markdown_heading_becomes_title(tmp_path):
    path = tmp_path / "note.md"
    path.write_text(
        "# 宝鸡市整改\n\n市委领导**带头**制定整改落实方案,解决突出问题,推动问题整改。\n", encoding="utf-8"
    )
    a = read_article(path)
    assert a.title == "宝鸡市整改"
    assert "市委领导带头制定" in a.text


def test_cli_ingest_json(seeds_dir, capsys):
    assert main(["ingest", str(seeds_dir), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"articles", "chunks", "skipped", "notes"}
    assert len(out["articles"]) == 5 and out["skipped"] == []
    keys = {"id", "title", "subtitle", "outlet", "author", "published", "url", "script", "text", "source"}
    assert keys <= set(out["articles"][0])
    texts = {a["id"]: a["text"] for a in out["articles"]}
    for c in out["chunks"]:
        assert {"id", "article_id", "paragraph", "start", "end", "text"} <= set(c)
        assert texts[c["article_id"]][c["start"] : c["end"]] == c["text"]


def test_cli_ingest_reports_missing(tmp_path, capsys):
    assert main(["ingest", str(tmp_path / "nope")]) == 0
    captured = capsys.readouterr()
    assert "skipped" in captured.err and "no such file" in captured.err
    assert "0 articles" in captured.out
