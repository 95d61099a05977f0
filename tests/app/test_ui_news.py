"""The chat UI with news: the /ask and /retrieve API take since/until/outlets, the outlet choice lists the
index's outlets, archives upload as many articles, feed and page URLs from the 文档 tab."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import news_fixtures as F
import pytest

PAGE = (
    '<html><head><meta charset="utf-8"><title>星河市新建基站</title><meta name="publishdate" content="2024-05-06">'
    '<meta name="source" content="星河日报"></head><body><div class="article"><h1>星河市新建基站</h1>'
    "<p>星河市今年新建5G基站1200个，全市基站总数达到8600个，覆盖城区和主要乡镇。</p>"
    "<p>市通信管理局表示，明年将实现重点区域全覆盖，并推动千兆光网进入家庭，提升市民上网体验。</p>"
    "<p>据了解，星河市还将新建数据中心两座，为数字经济发展提供算力支撑。</p></div></body></html>"
)


def test_the_api_takes_filters(ui_module, dated_index, launch_ui) -> None:
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    client = Client(launch_ui(ui_module.build_app(dated_index)), verbose=False)
    got = client.predict(F.PORT_QUESTION, 5, "2022-01-01", "2022-12-31", ["人民日报"], api_name="/retrieve")
    assert [h["article_id"] for h in got["hits"]] == ["news-port-2022"]
    assert got["hits"][0]["published"] == "2022-03-06" and got["hits"][0]["url"].endswith("port1.html")
    nothing = client.predict(F.PORT_QUESTION, 5, "2030", "", [], api_name="/ask")
    assert nothing["found"] is False and "没有匹配任何文章" in nothing["notice"]
    assert nothing["filters"]["articles"] == 0
    plain = client.predict(F.PORT_QUESTION, api_name="/retrieve")  # the filters are optional
    assert len(plain["hits"]) == 5
    with pytest.raises(AppError, match="日期不对，请用 YYYY-MM-DD、YYYY-MM 或 YYYY：not a date: '2023-13'"):
        client.predict(F.PORT_QUESTION, 5, "2023-13", "", [], api_name="/retrieve")  # the API's message


def test_outlet_choices_come_from_the_index(ui_module, dated_index) -> None:
    backend = ui_module.Backend(dated_index)
    assert backend.outlets()[0] == "光明日报" and set(backend.outlets()) >= {"新华网", "人民日报", "新浪网"}


def test_an_archive_uploads_as_many_articles(ui_module, fake_index_copy: Path, tmp_path: Path) -> None:
    backend = ui_module.Backend(fake_index_copy, tmp_path / "uploads")
    archive = F.write_dated_corpus(tmp_path / "in")
    messages = backend.add_files([archive], lambda f, m: None)
    assert messages[0] == "news.jsonl：已加入 7 篇文章"
    index = backend.index()
    row = index.articles["news-port-2022"]
    assert row.source == f"{(tmp_path / 'uploads' / 'news.jsonl').resolve()}:2" and row.outlet == "人民日报"
    assert (tmp_path / "uploads" / "news.jsonl").read_bytes() == archive.read_bytes()
    assert index.groups == [["news-port-2023", "news-port-2023-sina"]]


class _Pages(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        return

    def do_GET(self) -> None:
        body, kind, status = (
            (PAGE.encode(), "text/html; charset=utf-8", 200)
            if self.path == "/a.html"
            else (b"", "text/plain", 404)
        )
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def pages() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_urls_from_the_docs_tab_are_fetched_and_indexed(
    ui_module, fake_index_copy: Path, tmp_path: Path, pages: str
) -> None:
    backend = ui_module.Backend(fake_index_copy, tmp_path / "uploads")
    messages = backend.add_urls(f"{pages}/a.html\n{pages}/gone.html\n", lambda f, m: None)
    assert messages[0] == f"{pages}/gone.html：抓取失败（HTTP 404 Not Found）"
    assert messages[1].startswith("已抓取 1 篇文章。索引现有 6 篇文章")
    [fetched] = [a for a in backend.index().articles.values() if a.url]
    assert (fetched.title, fetched.published, fetched.outlet) == ("星河市新建基站", "2024-05-06", "星河日报")
    [archive] = list((tmp_path / "uploads" / "fetched").glob("urls-*.jsonl"))
    assert json.loads(archive.read_text(encoding="utf-8"))["url"] == f"{pages}/a.html"
    assert backend.add_urls("  \n", lambda f, m: None) == ["请先输入订阅源或网址。"]
