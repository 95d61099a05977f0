"""``python -m rag index --feed URL`` / ``--urls FILE``: pages served by a loopback server this test starts;
timeouts, size limits, a feed URL that returns a web page, failed URLs named one a line, nothing half-written."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from rag.app.cli import main
from rag.index import load_index
from rag.ingest.feeds import FetchOptions, read_feed, read_urls

PAGE = """<html><head><meta charset="utf-8"><title>{title}</title></head><body><div class="nav">首页 新闻</div>
<div class="article"><h1>{title}</h1><p>星河市今年新建5G基站1200个，全市基站总数达到8600个，覆盖城区和主要乡镇。</p>
<p>市通信管理局表示，明年将实现重点区域全覆盖，并推动千兆光网进入家庭，提升市民上网体验。</p>
<p>据了解，星河市还将新建数据中心两座，为数字经济发展提供算力支撑。</p></div>
<div class="footer">版权所有 星河新闻网</div></body></html>"""
RSS = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>星河日报</title>
<item><title>星河市新建基站1200个</title><link>{base}/a.html</link><pubDate>Sun, 05 Mar 2023 10:25:00 +0800</pubDate>
<author>张三</author></item>
<item><title>慢</title><link>{base}/slow.html</link></item>
<item><title>没有了</title><link>{base}/missing.html</link></item>
</channel></rss>"""


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # quiet
        return

    def _send(self, body: bytes, kind: str, status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up first (the timeout tests)
            pass

    def do_GET(self) -> None:
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        if self.path == "/feed.xml":
            self._send(RSS.format(base=base).encode(), "application/rss+xml; charset=utf-8")
        elif self.path in ("/a.html", "/b.html"):
            self._send(PAGE.format(title="星河市新建基站1200个").encode(), "text/html; charset=utf-8")
        elif self.path == "/slow.html":
            time.sleep(2.5)
            self._send(PAGE.format(title="慢").encode(), "text/html; charset=utf-8")
        elif self.path == "/big.html":
            self._send(b"<html>" + b"x" * 300_000 + b"</html>", "text/html")
        else:
            self._send(b"not here", "text/plain", 404)


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _docs(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "local.txt").write_text(
        "本地文章\n星河市举办灯光节，吸引游客十万人次。\n灯光节持续到月底。", encoding="utf-8"
    )
    return docs


def test_index_a_feed_names_each_failed_url_and_keeps_the_rest(server: str, tmp_path: Path, capsys) -> None:
    fetched, index = tmp_path / "fetched", tmp_path / "index"
    args = ["index", "--docs", str(_docs(tmp_path)), "--index", str(index), "--model", "fake"]
    assert main([*args, "--feed", f"{server}/feed.xml", "--fetched", str(fetched), "--timeout", "1"]) == 0
    err = capsys.readouterr().err
    assert f"failed {server}/slow.html: timed out after 1 s" in err
    assert f"failed {server}/missing.html: HTTP 404 Not Found" in err
    [archive] = list(fetched.glob("feed-*.jsonl"))
    assert not [p for p in fetched.iterdir() if p.name.startswith(".")]  # no temporary file left behind
    loaded = load_index(index)
    web = [a for a in loaded.articles.values() if a.url]
    assert len(web) == 1 and len(loaded.articles) == 2
    a = web[0]
    assert (a.title, a.published, a.outlet, a.author, a.url) == (
        "星河市新建基站1200个", "2023-03-05", "星河日报", "张三", f"{server}/a.html"
    )  # fmt: skip
    assert "版权所有" not in a.text and "首页" not in a.text
    assert json.loads(archive.read_text(encoding="utf-8").splitlines()[0])["url"] == f"{server}/a.html"
    # a later build without --feed keeps the fetched articles (the archive is one of the docs)
    assert main([*args, "--docs", str(fetched)]) == 0
    assert len(load_index(index).articles) == 2


def test_a_feed_url_returning_a_web_page_is_refused_clearly(server: str, tmp_path: Path, capsys) -> None:
    fetched, index = tmp_path / "fetched", tmp_path / "index"
    args = ["index", "--docs", str(_docs(tmp_path)), "--index", str(index), "--model", "fake"]
    assert main([*args, "--feed", f"{server}/a.html", "--fetched", str(fetched)]) == 0
    err = capsys.readouterr().err
    assert f"failed {server}/a.html: is not an RSS or Atom feed (got text/html; charset=utf-8)" in err
    assert not fetched.exists() or not any(fetched.iterdir())  # nothing written
    assert [a.id for a in load_index(index).articles.values()] == ["local"]


def test_url_lists_sizes_and_schemes(server: str, tmp_path: Path) -> None:
    listing = tmp_path / "urls.txt"
    listing.write_text(
        f"# pages\n{server}/b.html\n\nftp://example.com/x\n{server}/big.html\n", encoding="utf-8"
    )
    from rag.ingest.feeds import read_url_list

    read = read_urls(read_url_list(listing), FetchOptions(max_bytes=100_000))
    assert [a.url for a in read.articles] == [f"{server}/b.html"]
    assert {s.source: s.reason for s in read.skipped} == {
        "ftp://example.com/x": "not an http(s) URL",
        f"{server}/big.html": "response is over the 98 KB limit",
    }


def test_a_feed_that_times_out_as_a_whole(server: str) -> None:
    from rag.errors import FetchError

    with pytest.raises(FetchError) as info:
        read_feed(f"{server}/slow.html", FetchOptions(timeout=0.5))
    assert info.value.code == "fetch_timeout" and info.value.path == f"{server}/slow.html"
