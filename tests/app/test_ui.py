"""The chat UI: rendering and escaping (rag.app.render_html), documents (upload, remove), the named API endpoints
through gradio_client against a launched server, and both ways of embedding the app."""

from __future__ import annotations

import html
import importlib
import importlib.util
import json
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rag.app import render_html as R
from rag.errors import BadQuestionError
from rag.search import Hit
from rag.types import Answer, Article, Chunk, Citation, Paragraph

ROOT = Path(__file__).resolve().parents[2]

XSS = "<img src=x onerror=alert(1)>"

NEW_ARTICLE = """星河市举办首届无人机灯光节
星河日报 记者 林晓
本报讯 9月12日晚，星河市在滨江公园举办首届无人机灯光节，共有1200架无人机参与表演，吸引了约8万名市民观看。
活动由星河市文化和旅游局主办，历时40分钟。主办方表示，灯光节今后每年举办一次。
"""


def noop_progress(fraction: float, message: str) -> None:
    pass


# ------------------------------------------------------------------------------------------------------------
# rendering


@given(st.text())
def test_md_escape_round_trips(text: str) -> None:
    assert R.md_unescape(R.md_escape(text)) == text


def test_md_escape_leaves_no_markup() -> None:
    escaped = R.md_escape(f"{XSS} **粗体** [链接](javascript:alert(1)) $$x$$ 1. 列表")
    assert "<" not in escaped and ">" not in escaped
    assert "&lt;img src\\=x onerror\\=alert\\(1\\)&gt;" in escaped
    assert "**" not in escaped and "](" not in escaped and "$$" not in escaped


def test_highlight_nests_the_answer_inside_the_quote() -> None:
    text = "前文。星河市有1200架无人机。后文"  # article offsets start at 100
    quote = (103, 103 + len("星河市有1200架无人机。"))
    answer = (107, 107 + len("1200架"))
    assert R.highlight_html(text, 100, quote, answer) == (
        '前文。<mark class="rag-quote">星河市有<mark class="rag-answer">1200架</mark>无人机。</mark>后文'
    )
    assert R.highlight_html(text, 100, None, None) == text
    # an answer outside the quote is still marked, and the marks stay well nested
    assert R.highlight_html("abcdef", 0, (0, 2), (3, 5)) == (
        '<mark class="rag-quote">ab</mark>c<mark class="rag-answer">de</mark>f'
    )


def test_highlight_escapes_article_html() -> None:
    text = f"标题{XSS}正文<script>alert(2)</script>"
    out = R.highlight_html(text, 0, (2, 2 + len(XSS)), None)
    escaped = html.escape(XSS)
    assert out == f'标题<mark class="rag-quote">{escaped}</mark>正文&lt;script&gt;alert(2)&lt;/script&gt;'


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../x.txt", "x.txt"),
        ("..\\..\\evil.md", "evil.md"),
        ("/etc/passwd", "passwd"),
        ("my file (1).TXT", "my_file_1.txt"),
        ("新闻 稿.html", "新闻_稿.html"),
        ("..", "upload"),
        (".hidden.txt", "hidden.txt"),
        ("a\x00b.txt", "a_b.txt"),
    ],
)
def test_safe_filename(name: str, safe: str) -> None:
    assert R.safe_filename(name) == safe


ARTICLE_TEXT = "星河市举办灯光节\n前言一句。\n星河市有1200架无人机参加。另一句。\n结尾段落。"


def article() -> Article:
    text = ARTICLE_TEXT
    starts = [0, text.index("前言"), text.index("星河市有"), text.index("结尾")]
    ends = [text.index("\n", s) if "\n" in text[s:] else len(text) for s in starts]
    paragraphs = tuple(Paragraph(i, s, e) for i, (s, e) in enumerate(zip(starts, ends, strict=True)))
    return Article(
        id="a1",
        title=f"星河市举办灯光节{XSS}",
        text=text,
        source="a1.txt",
        outlet="星河日报",
        paragraphs=paragraphs,
    )


def citation(number: int = 1) -> Citation:
    text = ARTICLE_TEXT
    start = text.index("星河市有")
    end = text.index("另一句")
    a = text.index("1200架")
    return Citation(
        number,
        "a1",
        f"星河市举办灯光节{XSS}",
        "星河日报",
        3,
        start,
        end,
        text[start:end],
        answer_start=a,
        answer_end=a + 5,
        score=0.9,
    )


def found() -> Answer:
    return Answer("星河市有多少架无人机？", True, "1200架", "星河市有1200架无人机参加。", 0.87, (citation(),))


def hit() -> Hit:
    text = ARTICLE_TEXT
    start = text.index("星河市有")
    chunk = Chunk("a1#2", "a1", 3, start, len(text), text[start:])
    return Hit(chunk, f"星河市举办灯光节{XSS}", "星河日报", 1, 1.5, 0.8123, 7.25, ("星河", "无人机"))


def test_answer_markdown_found() -> None:
    md = R.answer_markdown(found())
    lines = md.splitlines()
    assert lines[0] == "答案：<strong>1200架</strong> \\[1\\]"
    assert lines[2] == "> 星河市有<strong>1200架</strong>无人机参加。 \\[1\\]"
    assert "来源：" in lines
    assert lines[lines.index("来源：") + 1] == (
        "\\[1\\] 《星河市举办灯光节&lt;img src\\=x onerror\\=alert\\(1\\)&gt;》 星河日报 · 第 3 段"
    )
    assert lines[-1] == "<em>可信度 87\\%</em>"
    assert "<img" not in md


def test_answer_markdown_not_found_lists_the_closest_passages() -> None:
    answer = Answer("火星上有多少人？", False, closest=(hit(),))
    md = R.answer_markdown(answer)
    assert md.startswith(f"<strong>{R.NOT_FOUND}。</strong>")
    assert "1\\. 《星河市举办灯光节&lt;img" in md and "第 3 段" in md


def test_history_pairs_read_back_questions_and_answers() -> None:
    no_short = Answer("灯光节怎么样？", True, "", "星河市有1200架无人机参加。", 0.5, (citation(),))
    missing = Answer("火星上有多少人？", False)
    messages = []
    for a in (found(), no_short, missing):
        messages.append({"role": "user", "content": R.md_escape(a.question)})
        # Gradio hands the history back with content as a list of text parts
        messages.append({"role": "assistant", "content": [{"type": "text", "text": R.answer_markdown(a)}]})
    assert R.history_pairs(messages) == [
        ("星河市有多少架无人机？", "1200架"),
        ("灯光节怎么样？", "星河市有1200架无人机参加。"),
        ("火星上有多少人？", ""),
    ]


def test_sources_html_shows_the_paragraph_with_marks_and_scores() -> None:
    out = R.sources_html(found(), {"a1": article()}, [hit()])
    assert '<span class="rag-num">[1]</span>' in out
    assert f'<span class="rag-title">星河市举办灯光节{html.escape(XSS)}</span>' in out
    assert '<div class="rag-meta">星河日报 · 第 3 段</div>' in out
    assert (
        '<div class="rag-para"><mark class="rag-quote">星河市有<mark class="rag-answer">1200架</mark>'
        "无人机参加。</mark>另一句。</div>"
    ) in out
    assert "<tr><th>向量相似度（dense）</th><td>0.812</td></tr>" in out
    assert "<tr><th>关键词得分（BM25）</th><td>7.250</td></tr>" in out
    assert "<tr><th>命中的关键词</th><td>星河、无人机</td></tr>" in out
    assert "<img" not in out


def test_sources_html_without_an_answer_shows_the_closest_passages() -> None:
    out = R.sources_html(Answer("火星上有多少人？", False, closest=(hit(),)), {"a1": article()})
    assert R.NOT_FOUND in out and '<span class="rag-num">#1</span>' in out
    assert html.escape("星河市有1200架无人机参加。") in out and "<img" not in out


def test_articles_html_escapes_titles_and_counts_chunks() -> None:
    out = R.articles_html({"a1": article()}, {"a1": 4}, {"a1"})
    assert "已索引 1 篇文章，共 4 个段落块" in out
    assert html.escape(f"星河市举办灯光节{XSS}") in out and "<img" not in out
    assert '<td class="rag-n">4</td><td>上传</td>' in out


# ------------------------------------------------------------------------------------------------------------
# documents (Backend, on a FakeEmbedder index)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_upload_then_remove_keeps_the_index_consistent(
    ui_module, fake_index_copy: Path, tmp_path: Path
) -> None:
    from rag.index import load_index
    from rag.search import retrieve_from

    data = tmp_path / "uploads"
    backend = ui_module.Backend(fake_index_copy, data)
    before, chunks_before = len(backend.index().articles), len(backend.index().chunks)
    stages = []
    messages = backend.add_files(
        [write(tmp_path / "in" / "星河 灯光节.txt", NEW_ARTICLE)], lambda f, d: stages.append((f, d))
    )
    assert messages[0] == "星河 灯光节.txt：已加入《星河市举办首届无人机灯光节》（编号 星河_灯光节）"
    assert messages[-1].startswith(f"索引现有 {before + 1} 篇文章")
    assert [d for _, d in stages][-1] == "完成" and all(0 <= f <= 1 for f, _ in stages)
    assert (data / "星河_灯光节.txt").read_text("utf-8") == NEW_ARTICLE
    index = load_index(fake_index_copy)  # what is on disk, loaded afresh
    assert index.articles["星河_灯光节"].source == str((data / "星河_灯光节.txt").resolve())
    assert backend.index().articles.keys() == index.articles.keys()
    assert retrieve_from(backend.index(), "无人机灯光节", 1)[0].article_id == "星河_灯光节"
    assert "上传" in backend.articles_html()
    assert ("星河市举办首届无人机灯光节（星河_灯光节）", "星河_灯光节") in backend.choices()

    assert backend.remove("星河_灯光节") == (
        f"已移除《星河市举办首届无人机灯光节》。索引现有 {before} 篇文章、{chunks_before} 个段落块。"
    )
    assert not (data / "星河_灯光节.txt").exists()
    assert "星河_灯光节" not in load_index(fake_index_copy).articles
    assert len(backend.index().articles) == before


def test_removing_a_seed_keeps_its_file(ui_module, fake_index_copy: Path, tmp_path: Path) -> None:
    backend = ui_module.Backend(fake_index_copy, tmp_path / "uploads")
    seed = backend.index().articles["001_cc30117c5b3230fa"]
    assert backend.remove(seed.id).startswith("已移除《宝鸡市聚焦问题整改")
    assert "001_cc30117c5b3230fa" not in backend.index().articles
    assert (ROOT / "seeds" / "001_cc30117c5b3230fa.txt").exists()
    assert backend.remove("no-such-article") == "请先选择要移除的文章。"


def test_upload_rejects_bad_files_and_leaves_the_index_alone(
    ui_module, fake_index_copy: Path, tmp_path: Path
) -> None:
    data = tmp_path / "uploads"
    backend = ui_module.Backend(fake_index_copy, data)
    current = (fake_index_copy / "CURRENT").read_text()
    seed_text = (ROOT / "seeds" / "002_8909f741626f9bc1.txt").read_bytes()
    files = [
        write(tmp_path / "in" / "a.exe", "MZ"),
        write(tmp_path / "in" / "big.txt", "字" * (ui_module.MAX_UPLOAD_BYTES // 3 + 1)),
        write(tmp_path / "in" / "empty.md", "   \n\n"),
        tmp_path / "in" / "copy.txt",
    ]
    files[-1].write_bytes(seed_text)
    messages = backend.add_files(files, noop_progress)
    assert messages[0] == "a.exe：不支持的文件类型，只接受 .txt、.md、.html、.htm、.docx、.pdf、.jsonl、.csv"
    assert re.fullmatch(r"big\.txt：文件太大（5\.2 MB），上限是 5 MB", messages[1])
    assert messages[2].startswith("empty.md：无法读取")
    assert messages[3].startswith("copy.txt：内容与已有文章《把內蒙古形象立起來")
    assert len(messages) == 4
    assert (fake_index_copy / "CURRENT").read_text() == current
    assert not data.exists() or not any(data.iterdir())


def test_upload_never_replaces_a_builtin_article(ui_module, fake_index_copy: Path, tmp_path: Path) -> None:
    backend = ui_module.Backend(fake_index_copy, tmp_path / "uploads")
    path = write(tmp_path / "in" / "000_d00476b6890932e6.txt", NEW_ARTICLE)
    messages = backend.add_files([path], noop_progress)
    assert messages[0].endswith("（编号 000_d00476b6890932e6_u）")
    articles = backend.index().articles
    assert articles["000_d00476b6890932e6"].title.startswith("講政治")
    assert articles["000_d00476b6890932e6_u"].title == "星河市举办首届无人机灯光节"
    # uploading the same name again updates that upload, not the seed
    again = write(tmp_path / "in2" / "000_d00476b6890932e6.txt", NEW_ARTICLE + "补充一句。\n")
    messages = backend.add_files([again], noop_progress)
    assert messages[0].startswith("000_d00476b6890932e6.txt：已更新") and messages[0].endswith("_u）")


# ------------------------------------------------------------------------------------------------------------
# the app and its API (gradio_client against a server launched here)


def test_api_endpoints(ui_module, fake_seed_index: Path, launch_ui) -> None:
    from gradio_client import Client

    url = launch_ui(ui_module.build_app(fake_seed_index))
    client = Client(url, verbose=False)
    result = client.predict("包頭市政務服務指標", 3, api_name="/retrieve")
    assert result["question"] == "包頭市政務服務指標"
    assert [h["rank"] for h in result["hits"]] == [1, 2, 3]
    assert result["hits"][0]["article_id"] == "002_8909f741626f9bc1"
    assert {"text", "paragraph", "start", "end", "dense_score", "keyword_score", "matched_terms"} <= set(
        result["hits"][0]
    )
    answer = client.predict("火星上有多少人？", api_name="/ask")
    assert answer["question"] == "火星上有多少人？" and answer["found"] is False and answer["answer"] == ""
    assert answer["citations"] == [] and 0 < len(answer["closest"]) <= 5
    with pytest.raises(Exception, match="问题是空的"):
        client.predict("   ", api_name="/ask")


def test_chat_endpoint_uses_the_conversation(
    ui_module, fake_seed_index: Path, launch_ui, monkeypatch
) -> None:
    from gradio_client import Client

    answer_module = importlib.import_module("rag.extract.pipeline")  # where the backend looks answer_from up
    seen = []

    def fake_answer_from(index, question, *, history=None, k=5, **_):
        seen.append((question, history))
        if question == "坏":
            raise BadQuestionError("问题不好")
        return Answer(question, True, "1200架", "星河市有1200架无人机参加。", 0.9)

    monkeypatch.setattr(answer_module, "answer_from", fake_answer_from)
    client = Client(launch_ui(ui_module.build_app(fake_seed_index)), verbose=False)
    box, history, _ = client.predict("星河市有多少架无人机？", [], api_name="/chat")
    assert box == "" and [m["role"] for m in history] == ["user", "assistant"]
    assert "答案：<strong>1200架</strong>" in history[1]["content"][0]["text"]
    _, history, _ = client.predict("那明年呢？", history, api_name="/chat")
    _, history, _ = client.predict("坏", history, api_name="/chat")
    assert seen == [
        ("星河市有多少架无人机？", []),
        ("那明年呢？", [("星河市有多少架无人机？", "1200架")]),
        ("坏", [("星河市有多少架无人机？", "1200架"), ("那明年呢？", "1200架")]),
    ]
    assert history[-1]["content"][0]["text"] == "<strong>出错了：</strong>问题不好"


def test_build_app_is_cheap_and_lazy(ui_module, tmp_path: Path) -> None:
    started = time.monotonic()
    ui_module.build_app(tmp_path / "no-index-yet", data_dir=tmp_path / "uploads")
    assert time.monotonic() - started < 30
    assert not (tmp_path / "no-index-yet").exists()  # nothing built or loaded until first use


def test_rendered_inside_another_blocks(ui_module, fake_seed_index: Path, launch_ui) -> None:
    import gradio as gr
    from gradio_client import Client

    with gr.Blocks(analytics_enabled=False) as host:
        gr.Markdown("宿主页面")
        ui_module.build_app(fake_seed_index).render()
    client = Client(launch_ui(host), verbose=False)
    hits = client.predict("包頭市", 1, api_name="/retrieve")["hits"]
    assert hits[0]["article_id"] == "002_8909f741626f9bc1"
    assert client.predict("火星上有多少人？", api_name="/ask")["found"] is False
    ids = {c.get("props", {}).get("elem_id") for c in host.get_config_file()["components"]}
    assert {"rag-question", "rag-sources", "rag-files"} <= ids


def test_fastapi_mount_serves_app_and_api_under_qa(
    fake_seed_index: Path, ui_module, unused_port: int
) -> None:
    import httpx
    import uvicorn
    from gradio_client import Client

    spec = importlib.util.spec_from_file_location("fastapi_mount", ROOT / "examples" / "fastapi_mount.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    port = unused_port
    server = uvicorn.Server(
        uvicorn.Config(example.create_app(fake_seed_index), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.1)
        assert server.started
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/health").json() == {"status": "ok", "qa": "/qa/"}
        page = httpx.get(f"{base}/qa/", follow_redirects=True)
        assert page.status_code == 200 and "<!doctype html>" in page.text
        config = httpx.get(f"{base}/qa/config").json()
        assert config["title"] == "新闻问答"
        assert "rag-question" in {c.get("props", {}).get("elem_id") for c in config["components"]}
        client = Client(f"{base}/qa/", verbose=False)
        hits = client.predict("包頭市", 2, api_name="/retrieve")["hits"]
        assert [h["article_id"] for h in hits][:1] == ["002_8909f741626f9bc1"]
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def test_command_line_serves_on_loopback_and_logs_the_url(
    fake_index_copy: Path, tmp_path: Path, unused_port: int, tiny_qa_model: Path
) -> None:
    import httpx

    command = [sys.executable, str(ROOT / "ui.py"), "--index", str(fake_index_copy)]
    command += ["--data", str(tmp_path / "up"), "--port", str(unused_port), "--reader", str(tiny_qa_model)]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 120
        while not any("ready in" in line for line in lines) and proc.poll() is None:
            assert time.monotonic() < deadline, "".join(lines)
            time.sleep(0.2)
        served = [line for line in lines if "serving at" in line]
        assert served, lines
        assert served[0].rstrip().endswith(f"rag.ui: serving at http://127.0.0.1:{unused_port}")
        assert any("ready in" in line and "5 articles, 81 chunks" in line for line in lines)
        assert httpx.get(f"http://127.0.0.1:{unused_port}/").status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_a_model_that_fails_to_load_stops_the_server(
    ui_module, fake_index_copy: Path, tmp_path: Path, unused_port: int, capsys
) -> None:
    from rag.index import current_generation

    manifest_path = current_generation(fake_index_copy) / "manifest.json"
    manifest = json.loads(manifest_path.read_text("utf-8"))
    manifest["model"]["name"] = str(tmp_path / "no-such-model")  # loaded in the background, after launch
    manifest_path.write_text(json.dumps(manifest), "utf-8")
    argv = ["--index", str(fake_index_copy), "--data", str(tmp_path / "up"), "--port", str(unused_port)]
    assert ui_module.main(argv) == 2
    assert "the embedding model directory" in capsys.readouterr().err
    with pytest.raises(OSError):  # closed again
        socket.create_connection(("127.0.0.1", unused_port), timeout=2).close()


def test_command_line_rejects_a_bad_auth(ui_module, capsys) -> None:
    assert ui_module.main(["--auth", "only-a-user"]) == 2
    assert "--auth expects USER:PASS" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------------------------
# with the real model


@pytest.mark.slow
def test_ask_returns_the_right_answer_and_citation(
    ui_module, real_seed_index: Path, real_embedder, launch_ui, seed_articles
) -> None:
    from gradio_client import Client

    from rag.index import load_index

    index = load_index(real_seed_index, embedder=real_embedder)
    client = Client(launch_ui(ui_module.build_app(index)), verbose=False)
    answer = client.predict("包头市政务服务指标在营商环境评估中取得了多少分？", api_name="/ask")
    assert answer["found"] is True and "97.54" in answer["answer"]
    first = answer["citations"][0]
    article = seed_articles["002"]
    assert first["number"] == 1 and first["article_id"] == article.id and first["outlet"] == "內蒙古日報"
    assert first["quote"] == article.text[first["start"] : first["end"]]
    assert "97.54" in article.text[first["answer_start"] : first["answer_end"]]
    assert first["start"] <= first["answer_start"] < first["answer_end"] <= first["end"]
    para = next(p for p in article.paragraphs if p.start <= first["start"] < p.end)
    assert first["paragraph"] == para.index + 1

    _, history, sources = client.predict("皋蘭縣九合鎮的建筑垃圾項目總投資多少？", [], api_name="/chat")
    reply = history[-1]["content"][0]["text"]
    assert reply.startswith("答案：<strong>2\\.58億元</strong> \\[1\\]")
    assert '<mark class="rag-answer">2.58億元</mark>' in sources and "甘肅日報 · 第" in sources
    assert "<th>命中的关键词</th>" in sources

    # a follow-up question is read against the conversation
    _, history, _ = client.predict("秦皇島市委書記是誰？", [], api_name="/chat")
    _, history, sources = client.predict("那宝鸡呢？", history, api_name="/chat")
    assert "<em>按上文理解为：宝鸡市委书记是谁？</em>" in history[-1]["content"][0]["text"]
    assert "宝鸡市聚焦问题整改" in sources
