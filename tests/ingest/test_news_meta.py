"""News metadata read from real-looking files: saved pages of several news sites (GBK and Big5 among them),
text files with datelines, archives; never a date made up."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import news_fixtures as F

from rag.ingest.dates import annotate_relative_dates, find_dates, normalize_date, parse_bound
from rag.ingest.files import ingest, read_article, read_documents
from rag.ingest.meta import meta_line, url_date, wire_dateline


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> list[F.Case]:
    root = tmp_path_factory.mktemp("news")
    return F.write_pages(root / "pages") + F.write_texts(root / "texts") + F.write_archives(root / "archives")


def _article(case: F.Case):  # type: ignore[no-untyped-def]
    read = read_documents(case.path)
    return next(a for a in read.articles if not case.title or a.title == case.title)


def test_every_date_and_outlet_of_the_fixture_is_read_and_none_invented(cases) -> None:
    wrong = []
    for case in cases:
        a = _article(case)
        if (a.published, a.outlet) != (case.published, case.outlet):
            wrong.append((case.layout, case.path.name, a.published, a.outlet, case.published, case.outlet))
    assert wrong == []
    assert len(cases) == 51


@pytest.mark.parametrize("layout", sorted(F.LAYOUTS))
def test_pages_lose_navigation_related_links_and_footer(cases, layout: str) -> None:
    case = next(c for c in cases if c.layout == layout)
    a = read_article(case.path)
    body = "".join(a.text[p.start : p.end] for p in a.paragraphs)
    for furniture in (
        "首页",
        "相关新闻",
        "我省启动新一轮",
        "版权所有",
        "ICP备",
        "責任編輯",
        "责任编辑",
        "责编",
    ):
        assert furniture not in body
    assert len(a.paragraphs) >= 4
    assert a.title in F.STORIES["taichung"][0] + "（1）（2）" or any(
        a.title == t for t, _ in F.STORIES.values()
    )


def test_big5_and_gbk_pages_are_decoded(cases) -> None:
    big5 = read_article(next(c for c in cases if c.layout == "ltn-big5").path)
    gbk = read_article(next(c for c in cases if c.layout == "chinanews-gb2312").path)
    assert "台中捷運綠線" in big5.title and big5.script == "traditional" and big5.author == "黃美玲"
    assert "兰州新区" in gbk.text or "猕猴桃" in gbk.text or "秦皇岛港" in gbk.text or "稀土" in gbk.text


def test_authors_and_urls_of_pages(cases) -> None:
    by_layout = {c.layout: read_article(c.path) for c in cases if c.path.name.endswith("-0.html")}
    assert by_layout["xinhua"].author == "张晓明" and by_layout["xinhua"].outlet == "新华网"
    assert by_layout["people"].author == "李华"
    assert by_layout["thepaper"].author == "陈静" and by_layout["thepaper"].published == "2023-03-05"
    assert by_layout["cna-big5"].author == "林志明"
    assert by_layout["url-only"].url.startswith("http://www.example-news.cn/local/2023-03/05/")


def test_archive_rows_take_their_columns(cases) -> None:
    jsonl = read_documents(next(c for c in cases if c.layout == "jsonl").path)
    assert len(jsonl.articles) == 5 and not jsonl.skipped and not jsonl.notes
    first = jsonl.articles[0]
    assert first.outlet == "新华网" and first.url.startswith("http://www.news.cn/")
    assert first.source.endswith("archive.jsonl:1") and first.title == F.STORIES["solar"][0]
    assert first.text.startswith(first.title + "\n")
    csv = read_documents(next(c for c in cases if c.layout == "csv").path)
    assert [a.author for a in csv.articles] == ["李华"] * 5
    assert [a.source.rsplit(":", 1)[1] for a in csv.articles] == [
        "2",
        "6",
        "10",
        "14",
        "18",
    ]  # rows span lines


def test_header_and_footer_lines() -> None:
    assert meta_line("2023-03-05 10:25:34 来源：新华网") is not None
    said = meta_line("发布时间：2023-07-21 09:30 | 来源：中国新闻网 | 作者：张三")
    assert said is not None and (said.published, said.outlet, said.author) == (
        "2023-07-21",
        "中国新闻网",
        "张三",
    )
    assert (
        meta_line("2020年3月20日，包头市委印发实施方案，全面开展活动。") is None
    )  # a sentence, not a dateline
    assert meta_line("2021-06-18 我省启动新一轮农村人居环境整治") is None  # a related-news item
    wire = wire_dateline("新华社北京3月5日电（记者 张三、李四）国务院总理……")
    assert wire is not None and (wire.outlet, wire.author, wire.published) == ("新华社", "张三、李四", "")
    assert wire_dateline("本报北京3月5日讯（记者 王五）") is not None
    assert url_date("http://www.news.cn/politics/2023-03/05/c_1129.htm") == "2023-03-05"
    assert url_date("http://politics.people.com.cn/n1/2023/0305/c1001-1.html") == "2023-03-05"
    assert url_date("http://example.com/a/b.html") == ""


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("2023-03-05T10:25:00+08:00", "2023-03-05"),
        ("2023-03-04T18:30:00Z", "2023-03-05"),  # UTC read in China Standard Time
        ("2023/3/5", "2023-03-05"),
        ("2023年3月5日", "2023-03-05"),
        ("20230305", "2023-03-05"),
        ("Sun, 05 Mar 2023 10:25:00 +0800", "2023-03-05"),
        (1678000000, "2023-03-05"),
        ("2023-02-30", ""),
        ("3月5日", ""),
        ("yesterday", ""),
        ("", ""),
    ],
)
def test_dates_normalized(value, iso) -> None:
    assert normalize_date(value) == iso


def test_filter_bounds_and_relative_dates() -> None:
    assert parse_bound("2023-02", end=True) == "2023-02-28" and parse_bound("2023", end=False) == "2023-01-01"
    with pytest.raises(ValueError):
        parse_bound("上个月", end=False)
    text = annotate_relative_dates("工程有望于今年底建成，上月已开工，昨天通过验收", "2015-01-28")
    assert text == "工程有望于今年（2015年）底建成，上月（2014年12月）已开工，昨天（2015年1月27日）通过验收"
    assert annotate_relative_dates("今年底", "") == "今年底"
    assert [d for d, *_ in find_dates("2023  03/05  10:25:34")] == ["2023-03-05"]


def test_seeds_stay_undated() -> None:
    result = ingest([Path(__file__).resolve().parents[2] / "seeds"])
    assert [a.published for a in result.articles] == [""] * 5
