"""Archives (JSONL, CSV), Word and PDF files, and their bad input: each problem named by file and line, the
rest read, nothing lost."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from rag.errors import DocumentError
from rag.ingest.files import ingest, read_article, read_documents

BODY = "星河市今年新建5G基站1200个，全市基站总数达到8600个。\n市通信管理局表示，明年将实现重点区域全覆盖。"


def write_jsonl(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_line_that_is_not_json_is_named_and_the_rest_read(tmp_path: Path) -> None:
    good = json.dumps(
        {"title": "星河市新建基站", "content": BODY, "date": "2023-03-05", "media": "星河日报"},
        ensure_ascii=False,
    )
    path = write_jsonl(
        tmp_path / "news.jsonl",
        [good, '{"title": "坏行", "text": ', good.replace("星河市新建", "星河市再建"), "[1, 2]"],
    )
    read = read_documents(path)
    assert [a.title for a in read.articles] == ["星河市新建基站", "星河市再建基站"]
    reasons = {s.source: s.reason for s in read.skipped}
    assert reasons[f"{path}:2"].startswith("not JSON (")
    assert reasons[f"{path}:4"] == "a JSON list, not an object with named fields"
    assert read.articles[0].published == "2023-03-05" and read.articles[0].outlet == "星河日报"


def test_rows_without_title_or_date_are_read_with_a_note(tmp_path: Path) -> None:
    rows = [
        {"body": BODY, "publish_time": "2023-03-05 08:00", "site": "星河日报"},
        {"title": "无日期的报道", "text": BODY.replace("1200", "1300"), "pubdate": ""},
        {"title": "日期不对", "text": BODY.replace("1200", "1400"), "published": "去年春天"},
    ]
    path = write_jsonl(tmp_path / "a.jsonl", [json.dumps(r, ensure_ascii=False) for r in rows])
    read = read_documents(path)
    assert len(read.articles) == 3 and not read.skipped
    notes = {n.source: n.message for n in read.notes}
    assert notes[f"{path}:1"].startswith("row has no title; using 《星河市今年新建5G基站1200个")
    assert read.articles[0].title_derived and read.articles[0].published == "2023-03-05"
    assert notes[f"{path}:2"] == "row has no date; the article is undated"
    assert notes[f"{path}:3"] == "date '去年春天' is not a whole date; the article is undated"
    assert [a.published for a in read.articles[1:]] == ["", ""]


def test_rows_without_text_and_repeated_ids_are_skipped_by_line(tmp_path: Path) -> None:
    rows = [
        {"id": 7, "title": "甲", "text": BODY},
        {"id": 8, "title": "乙", "text": "  "},
        {"id": 7, "title": "丙", "text": BODY + "又"},
    ]
    path = write_jsonl(tmp_path / "b.jsonl", [json.dumps(r, ensure_ascii=False) for r in rows])
    read = read_documents(path)
    assert [a.id for a in read.articles] == ["b-7"]
    assert {s.source: s.reason for s in read.skipped} == {
        f"{path}:2": "row has no text",
        f"{path}:3": "id b-7 already used on line 1",
    }


def test_a_csv_without_a_text_column_is_refused_and_the_folder_still_indexed(tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_text("标题,日期\n星河市,2023-03-05\n", encoding="utf-8")
    (tmp_path / "good.csv").write_text(
        f'title,text,date,source\n星河市新建基站,"{BODY}",2023-03-05,星河日报\n', encoding="utf-8"
    )
    with pytest.raises(DocumentError) as info:
        read_documents(tmp_path / "bad.csv")
    assert info.value.code == "no_text_column" and str(tmp_path / "bad.csv") in str(info.value)
    assert "the header has: 标题, 日期" in str(info.value)
    result = ingest([tmp_path])
    assert [a.title for a in result.articles] == ["星河市新建基站"]
    assert [s.source for s in result.skipped] == [str(tmp_path / "bad.csv")]


def test_the_same_text_from_two_outlets_is_kept_and_a_second_read_is_not(tmp_path: Path) -> None:
    rows = [
        {"title": "星河市新建基站", "text": BODY, "source": "星河日报", "url": "http://a.example/1"},
        {"title": "星河市新建基站", "text": BODY, "source": "星河晚报", "url": "http://b.example/1"},
    ]
    write_jsonl(tmp_path / "c.jsonl", [json.dumps(r, ensure_ascii=False) for r in rows])
    (tmp_path / "x.txt").write_text("星河市新建基站\n" + BODY, encoding="utf-8")
    (tmp_path / "y.txt").write_text("星河市新建基站\n" + BODY, encoding="utf-8")
    result = ingest([tmp_path])
    assert sorted(a.outlet for a in result.articles) == ["星河日报", "星河晚报"]  # two outlets: both kept
    # a file with that text and nothing else to say about it is the same copy read again
    assert {Path(s.source).name: s.reason for s in result.skipped} == {
        "x.txt": f"same text as {tmp_path / 'c.jsonl'}:1",
        "y.txt": f"same text as {tmp_path / 'c.jsonl'}:1",
    }


def test_docx_paragraphs_and_tables(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.core_properties.title = "文档属性里的标题"
    for line in ["星河市新建基站1200个", "2023-03-05 10:00 来源：星河日报", *BODY.split("\n")]:
        document.add_paragraph(line)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "基站总数", "8600个"
    document.save(tmp_path / "a.docx")
    a = read_article(tmp_path / "a.docx")
    assert a.title == "星河市新建基站1200个" and a.published == "2023-03-05" and a.outlet == "星河日报"
    assert "基站总数 8600个" in a.text
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(DocumentError) as info:
        read_article(tmp_path / "broken.docx")
    assert "not a readable .docx file" in str(info.value) and "broken.docx" in str(info.value)


def _pdf(lines: list[str], *, text: bool = True) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    page = canvas.Canvas(buf)
    page.setTitle("PDF标题")
    y = 780
    for line in lines:
        if text:
            page.setFont("STSong-Light", 12)
            page.drawString(60, y, line)
        else:
            page.rect(60, y, 400, 10, fill=1)  # a scan: marks, no text
        y -= 20
    page.showPage()
    page.save()
    return buf.getvalue()


def test_pdf_text_layer_lines_become_paragraphs(tmp_path: Path) -> None:
    lines = [
        "星河市新建5G基站1200个",
        "2023年03月05日 10:00 来源：星河日报",
        "星河市今年新建5G基站1200个，全市基站总数达到8600个，覆盖城区",
        "和主要乡镇。",
        "市通信管理局表示，明年将实现重点区域全覆盖，并推动千兆光网进",
        "入家庭。",
        "1",
    ]
    (tmp_path / "a.pdf").write_bytes(_pdf(lines))
    a = read_article(tmp_path / "a.pdf")
    paragraphs = [a.text[p.start : p.end] for p in a.paragraphs]
    assert paragraphs == [
        "星河市今年新建5G基站1200个，全市基站总数达到8600个，覆盖城区和主要乡镇。",
        "市通信管理局表示，明年将实现重点区域全覆盖，并推动千兆光网进入家庭。",
    ]
    assert a.title == "星河市新建5G基站1200个" and a.published == "2023-03-05" and a.outlet == "星河日报"


def test_a_pdf_without_text_layer_is_named_and_the_rest_indexed(tmp_path: Path) -> None:
    (tmp_path / "scan.pdf").write_bytes(_pdf(["x"] * 5, text=False))
    (tmp_path / "ok.txt").write_text("星河市新建基站\n" + BODY, encoding="utf-8")
    with pytest.raises(DocumentError) as info:
        read_article(tmp_path / "scan.pdf")
    assert (
        info.value.code == "no_text_layer" and "run OCR" in str(info.value) and "scan.pdf" in str(info.value)
    )
    result = ingest([tmp_path])
    assert [a.id for a in result.articles] == ["ok"]
    assert result.skipped[0].source.endswith("scan.pdf") and "no text layer" in result.skipped[0].reason
