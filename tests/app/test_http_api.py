"""The REST API (/api) and what every HTTP endpoint shares, driven with httpx against a served app (the page
mounted beside it, as ``python ui.py`` serves): each route, each error (400, 401, 404, 405, 411, 413, 422,
503) in OpenAI's error shape, the key, CORS, uploads serialized with the index writer, the date and outlet
filters over a dated corpus."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from api_cases import PORT_QUESTION, QUESTION, UNANSWERED

from rag.app.backend import MAX_UPLOAD_BYTES, Backend

NEW_ARTICLE = """星河市举办首届无人机灯光节
星河日报 记者 林晓
本报讯 9月12日晚，星河市在滨江公园举办首届无人机灯光节，共有1200架无人机参与表演，吸引了约8万名市民观看。
活动由星河市文化和旅游局主办，历时40分钟。主办方表示，灯光节今后每年举办一次。
"""


@pytest.fixture(scope="module")
def url(serve_api: Any, fake_seed_index: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A server over the shared seeds index, read-only tests only."""
    return serve_api(Backend(fake_seed_index, tmp_path_factory.mktemp("uploads")))


@pytest.fixture
def writable(serve_api: Any, fake_index_copy: Path, tmp_path: Path) -> tuple[str, Path, Path]:
    """A server over this test's own copy of the index: (URL, index directory, uploads folder)."""
    data = tmp_path / "uploads"
    return serve_api(Backend(fake_index_copy, data)), fake_index_copy, data


def error_of(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.text[:300])
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert set(error) == {"message", "type", "code", "param"} and error["message"]
    return dict(error)


# answers --------------------------------------------------------------------------------------------------


def test_answer(url: str, known_reader: Any, fake_seed_index: Path, seed_articles: dict) -> None:
    response = httpx.post(f"{url}/api/answer", json={"question": QUESTION, "k": 3}, timeout=60)
    assert response.status_code == 200
    answer = response.json()
    assert answer == Backend(fake_seed_index).ask(QUESTION, None, 3).to_dict()  # the Answer, as JSON
    assert answer["found"] is True and answer["answer"] == "97.54"
    cite = answer["citations"][0]
    assert seed_articles["002"].text[cite["start"] : cite["end"]] == cite["quote"]
    nothing = httpx.post(f"{url}/api/answer", json={"question": UNANSWERED}, timeout=60).json()
    assert nothing["found"] is False and nothing["answer"] == "" and 0 < len(nothing["closest"]) <= 5


def test_answer_and_retrieve_read_a_follow_up_against_the_history(url: str, known_reader: Any) -> None:
    history = [{"question": "秦皇島市委書記是誰？", "answer": ""}]
    body = {"question": "那宝鸡呢？", "history": history}
    answer = httpx.post(f"{url}/api/answer", json=body, timeout=60).json()
    assert answer["question"] == "那宝鸡呢？" and answer["resolved_question"] == "宝鸡市委书记是谁？"
    found = httpx.post(f"{url}/api/retrieve", json={**body, "k": 2}, timeout=60).json()
    assert found["question"] == "那宝鸡呢？" and found["resolved_question"] == "宝鸡市委书记是谁？"
    alone = httpx.post(f"{url}/api/retrieve", json={"question": "宝鸡市委书记是谁？", "k": 2}, timeout=60)
    assert found["hits"] == alone.json()["hits"]  # the follow-up searched for what it stands for


def test_retrieve(url: str) -> None:
    response = httpx.post(f"{url}/api/retrieve", json={"question": "包頭市政務服務指標", "k": 3}, timeout=60)
    assert response.status_code == 200
    result = response.json()
    assert result["question"] == "包頭市政務服務指標" and result["resolved_question"] == ""
    hits = result["hits"]
    assert [h["rank"] for h in hits] == [1, 2, 3] and hits[0]["article_id"] == "002_8909f741626f9bc1"
    assert {"chunk_id", "text", "paragraph", "start", "end", "dense_score", "keyword_score"} <= set(hits[0])
    assert hits[0]["score"] >= hits[1]["score"] >= hits[2]["score"]


@pytest.mark.parametrize(
    ("question", "code", "said"),
    [
        ("", "question_empty", "问题是空的，请输入一个问题。"),
        (" \t\u3000\n", "question_empty", "问题是空的，请输入一个问题。"),
        ("？！。……", "question_no_words", "问题里只有标点、符号或表情，请输入要问的内容。"),
        ("😀😀", "question_no_words", "问题里只有标点、符号或表情，请输入要问的内容。"),
    ],
    ids=["empty", "whitespace", "punctuation", "emoji"],
)
@pytest.mark.parametrize("route", ["/api/answer", "/api/retrieve"])
def test_unusable_questions_are_400(url: str, route: str, question: str, code: str, said: str) -> None:
    error = error_of(httpx.post(url + route, json={"question": question}, timeout=60), 400)
    assert (error["code"], error["message"], error["type"]) == (code, said, "invalid_request_error")


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({}, "question"),
        ({"question": 5}, "question"),
        ({"question": "宝鸡", "k": 0}, "k"),
        ({"question": "宝鸡", "k": 21}, "k"),
        ({"question": "宝鸡", "history": [{"answer": "x"}]}, "history.0.question"),
        ({"question": "宝鸡", "after": "2024-01-01"}, "after"),  # unknown fields are refused, not ignored
        ({"question": "宝鸡", "outlets": "新华网"}, "outlets"),  # a list, not one string
        ({"question": "宝鸡", "since": 2024}, "since"),
    ],
    ids=[
        "missing",
        "not-text",
        "k-0",
        "k-21",
        "history-turn",
        "unknown-field",
        "outlets-string",
        "since-number",
    ],
)
def test_malformed_bodies_are_422(url: str, body: dict, param: str) -> None:
    error = error_of(httpx.post(f"{url}/api/answer", json=body), 422)
    assert error["code"] == "invalid_request" and error["param"] == param
    assert error["message"].startswith("请求格式不对：")


def test_bodies_that_are_no_json_or_too_big(url: str) -> None:
    error = error_of(httpx.post(f"{url}/api/answer", content=b'{"question": ', timeout=30), 422)
    assert error["code"] == "invalid_request"
    big = b'{"question": "' + b"a" * (3 * 2**20) + b'"}'
    error = error_of(httpx.post(f"{url}/api/answer", content=big, timeout=30), 413)
    assert error["code"] == "request_too_large" and "上限是 2.0 MB" in error["message"]

    def chunked() -> Any:
        yield '{"question": "宝鸡"}'.encode()

    error = error_of(httpx.post(f"{url}/api/answer", content=chunked(), timeout=30), 411)
    assert error["code"] == "length_required"


def test_unknown_routes_and_methods(url: str) -> None:
    assert error_of(httpx.get(f"{url}/api/nothing"), 404)["code"] == "not_found"
    assert error_of(httpx.get(f"{url}/api"), 404)["code"] == "not_found"
    wrong = httpx.get(f"{url}/api/answer")
    assert error_of(wrong, 405)["code"] == "method_not_allowed" and wrong.headers["allow"] == "POST"
    assert httpx.get(f"{url}/").status_code == 200  # the page is still at /


def test_docs_describe_every_route(url: str) -> None:
    assert httpx.get(f"{url}/docs").status_code == 200
    spec = httpx.get(f"{url}/openapi.json").json()
    assert set(spec["paths"]) == {
        "/api/answer",
        "/api/retrieve",
        "/api/articles",
        "/api/outlets",
        "/api/documents",
        "/api/documents/{article_id}",
        "/api/health",
        "/v1/chat/completions",
        "/v1/models",
        "/v1/models/{model}",
    }
    schemas = spec["components"]["schemas"]
    assert {"AnswerRequest", "AnswerOut", "ChatCompletionRequest", "ChatCompletion", "ErrorResponse"} <= set(
        schemas
    )
    assert "400" in spec["paths"]["/api/answer"]["post"]["responses"]
    for name in ("AnswerRequest", "RetrieveRequest", "ChatCompletionRequest"):  # the filters are documented
        fields = schemas[name]["properties"]
        assert {"since", "until", "outlets"} <= set(fields) and "YYYY-MM" in fields["since"]["description"]
    assert {"published", "url", "also"} <= set(schemas["CitationOut"]["properties"])
    assert "filters" in schemas["AnswerOut"]["required"]


# filters (over the dated corpus) -------------------------------------------------------------------------


def ask(url: str, route: str, **body: Any) -> httpx.Response:
    return httpx.post(f"{url}/api/{route}", json={"question": PORT_QUESTION, **body}, timeout=60)


def test_a_filter_changes_the_answer(dated_url: str, port_reader: Any, dated_index: Any) -> None:
    plain = ask(dated_url, "answer").json()
    assert plain["answer"] == "3012万吨" and plain["filters"] == {}  # the reader's favourite: 2021
    cite = plain["citations"][0]
    assert (cite["article_id"], cite["published"]) == ("news-port-2021", "2021-03-05")
    assert cite["url"] == "http://news.example.cn/2021/port0.html" and cite["also"] == []
    year = ask(dated_url, "answer", since="2022", until="2022").json()
    assert year["answer"] == "3265万吨" and year["citations"][0]["article_id"] == "news-port-2022"
    assert year["filters"] == {"since": "2022-01-01", "until": "2022-12-31", "outlets": [], "articles": 2}
    assert year == Backend(dated_index).ask(PORT_QUESTION, since="2022", until="2022").to_dict()
    outlet = ask(dated_url, "answer", outlets=["中國新聞網"]).json()  # Traditional matches too
    assert outlet["answer"] == "3418万吨" and outlet["filters"]["outlets"] == ["中國新聞網"]
    cite = outlet["citations"][0]
    assert (cite["article_id"], cite["outlet"], cite["published"]) == (
        "news-port-2023",
        "中国新闻网",
        "2023-03-04",
    )
    assert cite["also"] == [
        {"article_id": "news-port-2023-sina", "outlet": "新浪网", "published": "2023-03-05",
         "url": "http://news.sina.example/port.html"}
    ]  # fmt: skip


def test_a_filter_changes_the_hits(dated_url: str) -> None:
    plain = ask(dated_url, "retrieve", k=5).json()["hits"]
    assert {h["article_id"] for h in plain} > {"news-port-2021", "news-port-2022"}
    hit = plain[0]
    assert (hit["article_id"], hit["published"]) == ("news-port-2021", "2021-03-05")
    assert hit["url"] == "http://news.example.cn/2021/port0.html" and hit["outlet"] == "新华网"
    year = ask(dated_url, "retrieve", k=5, since="2022-01-01", until="2022-12").json()["hits"]
    assert [h["article_id"] for h in year] == ["news-port-2022", "news-kiwi"]
    assert all("2022-01-01" <= h["published"] <= "2022-12-31" for h in year)
    sina = ask(dated_url, "retrieve", k=5, outlets=["新浪网"]).json()["hits"]
    assert sina and {h["article_id"] for h in sina} == {"news-port-2023-sina"}  # the reprint, searched alone


def test_a_filter_matching_nothing_finds_nothing_and_says_so(dated_url: str, port_reader: Any) -> None:
    answer = ask(dated_url, "answer", since="2030-01-01", outlets=["新华网"]).json()
    assert answer["found"] is False and answer["citations"] == [] and answer["closest"] == []
    assert answer["notice"] == "筛选条件（2030-01-01至今，新华网）没有匹配任何文章"
    assert answer["filters"] == {"since": "2030-01-01", "until": "", "outlets": ["新华网"], "articles": 0}
    assert ask(dated_url, "retrieve", outlets=["星河日报"]).json()["hits"] == []


@pytest.mark.parametrize(
    ("filters", "code", "said"),
    [
        (
            {"since": "2023-13"},
            "bad_date",
            "日期不对，请用 YYYY-MM-DD、YYYY-MM 或 YYYY：not a date: '2023-13'",
        ),
        ({"until": "去年"}, "bad_date", "日期不对，请用 YYYY-MM-DD、YYYY-MM 或 YYYY：not a date: '去年'"),
        ({"since": "2023-02-30"}, "bad_date", "(day 30)"),
        (
            {"since": "2024", "until": "2023"},
            "bad_date_range",
            "起始日期晚于截止日期：since 2024-01-01 is after",
        ),
    ],
    ids=["month-13", "words", "day-30", "since-after-until"],
)
@pytest.mark.parametrize("route", ["answer", "retrieve"])
def test_bad_dates_are_400(dated_url: str, route: str, filters: dict, code: str, said: str) -> None:
    error = error_of(ask(dated_url, route, **filters), 400)
    assert (error["code"], error["type"]) == (code, "invalid_request_error") and said in error["message"]


def test_outlets_and_articles_carry_the_news_metadata(dated_url: str) -> None:
    outlets = httpx.get(f"{dated_url}/api/outlets").json()
    assert outlets == {
        "outlets": ["光明日报", "中国新闻网", "人民日报", "新华网", "新浪网"]
    }  # 光明日报: 3 articles
    listed = {a["id"]: a for a in httpx.get(f"{dated_url}/api/articles").json()["articles"]}
    port = listed["news-port-2023-sina"]
    assert (port["outlet"], port["published"], port["url"]) == (
        "新浪网", "2023-03-05", "http://news.sina.example/port.html"
    )  # fmt: skip
    assert (listed["news-kiwi"]["published"], listed["news-kiwi"]["url"]) == ("2022-06-01", "")


# documents ------------------------------------------------------------------------------------------------


def test_articles(url: str) -> None:
    listing = httpx.get(f"{url}/api/articles").json()
    assert len(listing["articles"]) == 5 and listing["chunks"] == 81
    first = listing["articles"][0]
    assert first["id"] == "000_d00476b6890932e6" and first["uploaded"] is False and first["chunks"] > 0
    assert httpx.get(f"{url}/api/health").json() == {"status": "ready", "articles": 5, "chunks": 81}


def test_upload_then_remove(writable: tuple[str, Path, Path]) -> None:
    url, _, data = writable
    files = [("files", ("星河 灯光节.txt", NEW_ARTICLE.encode(), "text/plain"))]
    response = httpx.post(f"{url}/api/documents", files=files, timeout=120)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["indexed"] is True and (report["articles"], report["chunks"]) == (6, 82)
    (doc,) = report["documents"]
    assert (doc["status"], doc["article_id"], doc["title"]) == (
        "added",
        "星河_灯光节",
        "星河市举办首届无人机灯光节",
    )
    assert doc["message"] == "星河_灯光节.txt：已加入《星河市举办首届无人机灯光节》（编号 星河_灯光节）"
    assert (data / "星河_灯光节.txt").read_text("utf-8") == NEW_ARTICLE
    hits = httpx.post(f"{url}/api/retrieve", json={"question": "无人机灯光节", "k": 1}, timeout=60).json()
    assert hits["hits"][0]["article_id"] == "星河_灯光节"  # answerable right after
    listed = httpx.get(f"{url}/api/articles").json()["articles"]
    assert listed[0]["id"] == "星河_灯光节" and listed[0]["uploaded"] is True

    removed = httpx.delete(f"{url}/api/documents/星河_灯光节", timeout=120)
    assert removed.json() == {
        "article_id": "星河_灯光节",
        "title": "星河市举办首届无人机灯光节",
        "articles": 5,
        "chunks": 81,
        "message": "已移除《星河市举办首届无人机灯光节》。索引现有 5 篇文章、81 个段落块。",
    }
    assert not (data / "星河_灯光节.txt").exists()
    error = error_of(httpx.delete(f"{url}/api/documents/星河_灯光节"), 404)
    assert error["code"] == "unknown_article" and "GET /api/articles" in error["message"]


def test_uploads_are_checked_like_the_ui(writable: tuple[str, Path, Path], tmp_path: Path) -> None:
    url, index, data = writable
    current = (index / "CURRENT").read_text()
    big = [("files", ("big.txt", b"a" * (MAX_UPLOAD_BYTES + 1), "text/plain"))]
    error = error_of(httpx.post(f"{url}/api/documents", files=big, timeout=60), 413)
    assert error["code"] == "too_large" and error["message"] == "big.txt：文件太大（5.2 MB），上限是 5 MB"
    exe = [("files", ("a.exe", b"MZ", "application/octet-stream"))]
    error = error_of(httpx.post(f"{url}/api/documents", files=exe, timeout=60), 400)
    assert error["code"] == "unsupported_type" and "只接受 .txt、.md、.html、.htm" in error["message"]
    empty = [("files", ("empty.md", b"  \n\n", "text/markdown"))]
    assert error_of(httpx.post(f"{url}/api/documents", files=empty, timeout=60), 400)["code"] == "empty_file"
    many = [("files", (f"{i}.txt", b"x", "text/plain")) for i in range(11)]
    assert (
        error_of(httpx.post(f"{url}/api/documents", files=many, timeout=60), 400)["code"] == "too_many_files"
    )
    assert error_of(httpx.post(f"{url}/api/documents", data={"x": "1"}, timeout=60), 422)["param"] == "files"
    assert (index / "CURRENT").read_text() == current and not any(data.glob("*"))
    # a seed's text under another name is reported, not indexed twice; a name with ../ stays inside
    seed = (Path(__file__).resolve().parents[2] / "seeds" / "002_8909f741626f9bc1.txt").read_bytes()
    mixed = [
        ("files", ("copy.txt", seed, "text/plain")),
        ("files", ("../../evil.txt", NEW_ARTICLE.encode(), "text/plain")),
    ]
    report = httpx.post(f"{url}/api/documents", files=mixed, timeout=60).json()
    assert [d["status"] for d in report["documents"]] == ["duplicate", "added"]
    assert report["documents"][0]["article_id"] == "002_8909f741626f9bc1"
    assert report["documents"][1]["name"] == "evil.txt" and report["articles"] == 6
    assert (data / "evil.txt").is_file() and not (tmp_path / "evil.txt").exists()


def test_two_uploads_at_once_both_land(writable: tuple[str, Path, Path]) -> None:
    url, _, _ = writable
    results: list[httpx.Response] = []

    def upload(name: str, city: str) -> None:
        text = NEW_ARTICLE.replace("星河", city).encode()
        results.append(
            httpx.post(f"{url}/api/documents", files=[("files", (name, text, "text/plain"))], timeout=120)
        )

    threads = [
        threading.Thread(target=upload, args=(n, c)) for n, c in (("a.txt", "云岭"), ("b.txt", "海川"))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(r.status_code for r in results) == [200, 200]
    ids = {a["id"] for a in httpx.get(f"{url}/api/articles").json()["articles"]}
    assert {"a", "b"} <= ids and len(ids) == 7


# the key, the login, CORS, loading ------------------------------------------------------------------------


def test_an_api_key_guards_api_and_v1_but_not_the_page(
    serve_api: Any, fake_seed_index: Path, tmp_path: Path
) -> None:
    from gradio_client import Client

    url = serve_api(Backend(fake_seed_index, tmp_path / "up"), api_key="s3cret")
    for headers in (
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "Basic s3cret"},
        {"Authorization": "s3cret"},
    ):
        for response in (
            httpx.post(f"{url}/api/answer", json={"question": "宝鸡"}, headers=headers),
            httpx.get(f"{url}/api/articles", headers=headers),
            httpx.get(f"{url}/v1/models", headers=headers),
        ):
            error = error_of(response, 401)
            assert (error["code"], error["type"]) == ("invalid_api_key", "authentication_error")
            assert response.headers["www-authenticate"] == "Bearer"
    key = {"Authorization": "Bearer s3cret"}
    assert (
        httpx.post(f"{url}/api/answer", json={"question": "宝鸡"}, headers=key, timeout=60).status_code == 200
    )
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=f"{url}/v1", api_key="wrong", max_retries=0).models.list()
    client = openai.OpenAI(base_url=f"{url}/v1", api_key="s3cret", max_retries=0, timeout=60)
    reply = client.chat.completions.create(
        model="rag-news", messages=[{"role": "user", "content": UNANSWERED}]
    )
    assert (reply.model_extra or {})["answer"]["found"] is False
    # the page and its own API keep their rules (no login here): no key needed
    assert httpx.get(f"{url}/").status_code == 200
    assert Client(f"{url}/", verbose=False).predict(UNANSWERED, api_name="/ask")["found"] is False


def test_with_a_login_and_no_key_the_api_refuses(
    serve_api: Any, fake_seed_index: Path, tmp_path: Path
) -> None:
    url = serve_api(Backend(fake_seed_index, tmp_path / "up"), auth=("ann", "pw"), login=True)
    for response in (
        httpx.post(f"{url}/api/answer", json={"question": "宝鸡"}),
        httpx.get(f"{url}/v1/models"),
    ):
        error = error_of(response, 401)
        assert error["code"] == "api_key_required" and "--api-key" in error["message"]
    assert httpx.get(f"{url}/config").status_code == 401  # the page wants its login


def test_cors_is_off_unless_an_origin_is_given(
    url: str, serve_api: Any, fake_seed_index: Path, tmp_path: Path
) -> None:
    preflight = {"Origin": "https://chat.example", "Access-Control-Request-Method": "POST"}
    preflight["Access-Control-Request-Headers"] = "authorization, content-type"
    response = httpx.options(f"{url}/v1/chat/completions", headers=preflight)
    assert "access-control-allow-origin" not in response.headers
    answered = httpx.get(f"{url}/v1/models", headers={"Origin": "https://chat.example"})
    assert answered.status_code == 200 and "access-control-allow-origin" not in answered.headers

    allowed = serve_api(Backend(fake_seed_index, tmp_path / "up"), cors=("https://chat.example",))
    response = httpx.options(f"{allowed}/v1/chat/completions", headers=preflight)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://chat.example"
    assert "authorization" in response.headers["access-control-allow-headers"].lower()
    answered = httpx.get(f"{allowed}/v1/models", headers={"Origin": "https://chat.example"})
    assert answered.headers["access-control-allow-origin"] == "https://chat.example"
    other = httpx.options(
        f"{allowed}/v1/chat/completions", headers={**preflight, "Origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in other.headers


def test_503_with_retry_after_while_loading(serve_api: Any, fake_seed_index: Path, tmp_path: Path) -> None:
    ready = threading.Event()
    url = serve_api(Backend(fake_seed_index, tmp_path / "up"), ready=ready.is_set)
    chat = {"model": "rag-news", "messages": [{"role": "user", "content": "宝鸡"}]}
    for response in (
        httpx.post(f"{url}/api/answer", json={"question": "宝鸡"}),
        httpx.post(f"{url}/api/retrieve", json={"question": "宝鸡"}),
        httpx.get(f"{url}/api/articles"),
        httpx.get(f"{url}/api/health"),
        httpx.post(f"{url}/v1/chat/completions", json=chat),
    ):
        error = error_of(response, 503)
        assert (error["code"], error["type"]) == ("loading", "server_error") and "稍后再试" in error[
            "message"
        ]
        assert response.headers["retry-after"] == "5"
    assert httpx.get(f"{url}/v1/models").status_code == 200  # clients probe it while setting up
    ready.set()
    assert httpx.post(f"{url}/v1/chat/completions", json=chat, timeout=60).status_code == 200
