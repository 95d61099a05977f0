"""Bad input, faults and serving safety (issue #8). Each row of the README table "Bad input, faults and load"
names its test: most are here, the rest in test_ingest.py, test_index.py, test_ui.py and test_retrieve.py.

Fast: the seeds indexed with FakeEmbedder; questions go through ``rag.answer.answer_from`` and through the
chat UI's own handlers; servers are launched by ``ui.main`` itself, on loopback only.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from rag.app import render_html as R
from rag.app.render_text import format_answer
from rag.embed import FakeEmbedder
from rag.errors import BadQuestionError, DocumentError, IndexMismatchError, IndexMissingError
from rag.extract import answer_from
from rag.index import BuildOptions, WriteOptions, build_index, load_index, update_index, writer_lock
from rag.ingest import MAX_DOCUMENT_BYTES, ingest, read_article
from rag.search import MAX_QUESTION_CHARS, retrieve_from

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
TIME_LIMIT = 10.0  # seconds for one question with the fake model; the 100,000-character one takes ~0.1 s
TRUNCATED_NOTE = f"问题太长，只读了前{MAX_QUESTION_CHARS}个字"
EMPTY_REPLY = "<strong>出错了：</strong>问题是空的，请输入一个问题。"
NO_WORDS_REPLY = "<strong>出错了：</strong>问题里只有标点、符号或表情，请输入要问的内容。"
MESSAGE_TAGS = {"strong", "em"}  # the only markup a chat message may hold (all text is md_escape'd)
PANEL_TAGS = {
    "div",
    "section",
    "span",
    "mark",
    "details",
    "summary",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}

ARTICLE = """星河市举办第{n}届无人机灯光节
星河日报 记者 林晓
本报讯 9月12日晚，星河市在滨江公园举办第{n}届无人机灯光节，共有1200架无人机参与表演，吸引了约8万名市民观看。
活动由星河市文化和旅游局主办，历时40分钟。主办方表示，灯光节今后每年举办一次。
"""


def article(n: int = 1) -> str:
    return ARTICLE.format(n=n)


def tags(markup: str) -> set[str]:
    return {t.lower() for t in re.findall(r"<\s*/?\s*([A-Za-z][\w-]*)", markup)}


def text_of(message: dict[str, Any]) -> str:
    return R.message_text(message)


def no_progress(*args: Any, **kwargs: Any) -> None:
    pass


def handlers(ui_module: Any, index: Any, data_dir: Path) -> dict[str, Callable[..., Any]]:
    """The app's event handlers by name (chat, ask, retrieve, upload, remove, refresh), called in-process."""
    app = ui_module.build_app(index, data_dir=data_dir)
    return {f.api_name: f.fn for f in app.fns.values()}


def chat(
    fns: dict[str, Callable[..., Any]], question: str, history: list | None = None
) -> tuple[Any, list[str]]:
    """The last (textbox, history, sources) the chat handler yields, and the toasts it raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        outputs = list(fns["chat"](question, list(history or [])))
    return outputs[-1], [str(w.message) for w in caught]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree(root: Path) -> set[Path]:
    return {p for p in root.rglob("*")}


@pytest.fixture(scope="module")
def index(fake_seed_index: Path) -> Any:
    return load_index(fake_seed_index)


@pytest.fixture(scope="module")
def qa(ui_module: Any, fake_seed_index: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Handlers of an app on the (read-only) seed index."""
    return handlers(ui_module, fake_seed_index, tmp_path_factory.mktemp("qa") / "uploads")


@pytest.fixture
def docs_app(ui_module: Any, fake_index_copy: Path, tmp_path: Path) -> tuple[dict[str, Any], Path, Path]:
    """Handlers of an app on a private index copy: (handlers, index directory, uploads folder)."""
    data = tmp_path / "uploads"
    return handlers(ui_module, fake_index_copy, data), fake_index_copy, data


# ------------------------------------------------------------------------------------------------------------
# questions

LONG = "宝鸡市委书记是谁？" * 11_112  # 100,008 characters
QUESTIONS = [  # (id, question, what the model sees: None = refused as empty)
    ("empty", "", None),
    ("whitespace", " \t\n\u3000 ", None),
    ("zero-width-only", "\u200b\u200d\u2060\ufeff", None),
    ("control-only", "\x00\x01\x1b\x7f", None),
    ("100000-chars", LONG, LONG[:MAX_QUESTION_CHARS]),
    ("punctuation", "？！。，、；：“”（）…—!?.,;:'\"", "？！。，、；：“”（）…—!?.,;:'\""),
    ("emoji", "😀🎉👍🏽❤️🇨🇳", "😀🎉👍🏽❤️🇨🇳"),
    ("mixed-scripts-english", "Who is the 宝鸡市委书记? 寶雞市 party secretary", None),
    ("control-chars", "宝鸡\x00市委\x07书记\x1b是谁\x7f？\r\n", "宝鸡市委书记是谁？"),
    ("html-js", "<script>alert(1)</script><img src=x onerror=alert(2)>宝鸡市委书记是谁？", None),
    ("sql", "'; DROP TABLE articles; -- 宝鸡市委书记是谁？ OR '1'='1", None),
    ("zero-width-joined", "👨\u200d👩\u200d👧宝\u200d鸡\u200c市委书记是谁？", "👨👩👧宝鸡市委书记是谁？"),
]
REFUSED = {"empty", "whitespace", "zero-width-only", "control-only"}
NO_WORDS = {"punctuation", "emoji"}  # refused too, with their own message


def expected_text(case: tuple[str, str, str | None]) -> str | None:
    name, question, seen = case
    return None if name in REFUSED | NO_WORDS else (seen if seen is not None else question.strip())


@pytest.mark.parametrize("case", QUESTIONS, ids=[q[0] for q in QUESTIONS])
def test_question_through_answer_from(index: Any, case: tuple[str, str, str | None]) -> None:
    name, question, _ = case
    started = time.monotonic()
    if name in REFUSED | NO_WORDS:
        why = "is empty" if name in REFUSED else "has no words, only punctuation, symbols or emoji"
        with pytest.raises(BadQuestionError, match=f"the question {why}; type a question"):
            answer_from(index, question)
        assert time.monotonic() - started < 1.0  # refused before any model work
        return
    answer = answer_from(index, question)
    assert time.monotonic() - started < TIME_LIMIT
    assert answer.question == expected_text(case)
    assert answer.notice == (TRUNCATED_NOTE if name == "100000-chars" else "")
    if not answer.found:  # a refusal offers the closest passages
        assert answer.closest and "没有找到能回答这个问题的内容" in format_answer(answer)
    assert {h.truncated for h in retrieve_from(index, question, 3)} == {name == "100000-chars"}


@pytest.mark.parametrize("case", QUESTIONS, ids=[q[0] for q in QUESTIONS])
def test_question_in_the_chat(qa: dict[str, Any], case: tuple[str, str, str | None]) -> None:
    name, question, _ = case
    started = time.monotonic()
    (box, history, sources), toasts = chat(qa, question)
    assert time.monotonic() - started < TIME_LIMIT
    if not question.strip():  # nothing typed: a toast, the conversation unchanged
        assert toasts == ["请输入问题。"] and history == []
        return
    assert box == "" and [m["role"] for m in history] == ["user", "assistant"]
    asked, reply = text_of(history[0]), text_of(history[1])
    assert R.md_unescape(asked) == question.strip()  # echoed as typed, as text
    if name in REFUSED | NO_WORDS:
        assert reply == (EMPTY_REPLY if name in REFUSED else NO_WORDS_REPLY)
        return
    assert not reply.startswith("<strong>出错了")
    assert reply.startswith(f"<em>{TRUNCATED_NOTE}</em>") == (name == "100000-chars")
    assert tags(asked) == set() and tags(reply) <= MESSAGE_TAGS  # e.g. no <script>, no <img>
    assert tags(sources) <= PANEL_TAGS and "<script" not in sources.lower()


@pytest.mark.parametrize("case", QUESTIONS, ids=[q[0] for q in QUESTIONS])
def test_question_through_the_ask_api(qa: dict[str, Any], case: tuple[str, str, str | None]) -> None:
    import gradio as gr

    name, question, _ = case
    if name in REFUSED | NO_WORDS:
        with pytest.raises(
            gr.Error, match=(EMPTY_REPLY if name in REFUSED else NO_WORDS_REPLY).split("</strong>")[1]
        ):
            qa["ask"](question)
        return
    started = time.monotonic()
    result = qa["ask"](question, 3)
    assert time.monotonic() - started < TIME_LIMIT
    assert result["question"] == expected_text(case)
    assert result["notice"] == (TRUNCATED_NOTE if name == "100000-chars" else "")
    json.dumps(result)  # plain JSON


def test_follow_up_after_a_100000_character_question_in_the_chat(qa: dict[str, Any]) -> None:
    (_, history, _), _ = chat(qa, LONG)
    assert len(R.md_unescape(text_of(history[0]))) == len(LONG)  # the chat keeps the question as asked
    started = time.monotonic()
    (_, history, _), _ = chat(qa, "那包头呢？", history)
    assert time.monotonic() - started < TIME_LIMIT  # ~8 s when the earlier turn went to the tagger uncut
    assert not text_of(history[-1]).startswith("<strong>出错了")


def test_follow_up_reads_at_most_the_cut_of_an_earlier_question(
    index: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rag.extract.followup

    seen: list[int] = []
    real = rag.extract.followup.pos_tags

    def spy(text: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(len(text))
        return real(text[:MAX_QUESTION_CHARS], *args, **kwargs)  # cut here so that the test stays fast

    monkeypatch.setattr(rag.extract.followup, "pos_tags", spy)
    long = LONG[: 4 * MAX_QUESTION_CHARS]
    answer = answer_from(index, "那包头呢？", history=[(long, "上官吉庆"), long])
    assert answer.question == "那包头呢？"
    assert seen and max(seen) <= MAX_QUESTION_CHARS


def test_sql_looking_question_changes_nothing(qa: dict[str, Any], fake_seed_index: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in tree(fake_seed_index) if p.is_file()}
    qa["ask"]("1; DELETE FROM chunks WHERE 1=1; DROP TABLE articles; --")
    qa["retrieve"]("' OR '1'='1' UNION SELECT * FROM manifest --", 5)
    assert {p: p.stat().st_mtime_ns for p in tree(fake_seed_index) if p.is_file()} == before
    assert len(load_index(fake_seed_index).articles) == 5


# ------------------------------------------------------------------------------------------------------------
# documents

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
BAD_DOCUMENTS = [  # (id, file name, bytes, the reason read_article gives)
    ("empty", "empty.txt", b"", "empty file"),
    ("blank", "blank.md", b" \n\n\t\r\n", "empty file"),
    ("binary", "image.txt", PNG, "looks like a binary file, not text"),
    ("undecodable-latin1", "latin.txt", "café résumé naïve déjà vu. ".encode("cp1252") * 40, "cannot decode"),
    ("undecodable-koi8r", "koi8.txt", "Привет, мир. Это тест. ".encode("koi8-r") * 40, "cannot decode"),
    ("undecodable-bytes", "bytes.html", b"\xc3\x28\xa0\xa1\xe2\x28\xa1\xf0\x28\x8c\x28" * 40, "cannot decode"),
    ("html-scripts-only", "tags.html", b"<html><script>alert(1)</script><p> </p></html>", "no article text"),
    ("markdown-rules-only", "rules.md", b"```\n---\n```\n", "no article text"),
]  # fmt: skip


@pytest.mark.parametrize("case", BAD_DOCUMENTS, ids=[d[0] for d in BAD_DOCUMENTS])
def test_bad_document_through_read_article(tmp_path: Path, case: tuple[str, str, bytes, str]) -> None:
    _, name, data, reason = case
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(DocumentError, match=re.escape(reason)) as info:
        read_article(path)
    assert str(info.value).startswith(f"{path}: ")  # the message names the file
    result = ingest([tmp_path])  # a folder with it: reported as skipped, the rest goes on
    assert result.articles == [] and [s.source for s in result.skipped] == [str(path)]


@pytest.mark.parametrize("case", BAD_DOCUMENTS, ids=[d[0] for d in BAD_DOCUMENTS])
def test_bad_document_upload(docs_app: tuple, tmp_path: Path, case: tuple[str, str, bytes, str]) -> None:
    fns, index_dir, data = docs_app
    _, name, data_bytes, reason = case
    current = (index_dir / "CURRENT").read_text()
    path = tmp_path / "in" / name
    path.parent.mkdir()
    path.write_bytes(data_bytes)
    status, listing, _, _ = fns["upload"]([str(path)], progress=no_progress)
    zh = {
        "empty file": "文件是空的",
        "looks like a binary file, not text": "不是文本文件",
        "cannot decode": "无法识别编码（支持 UTF-8、UTF-16、GBK/GB18030、Big5）",
        "no article text": "清理后没有正文",
    }[reason]
    assert R.md_unescape(status).startswith(f"- {name}：无法读取（{zh}）")
    assert status.count("\n") == 0  # one line: nothing was indexed
    assert (index_dir / "CURRENT").read_text() == current
    assert not data.exists() or not any(data.iterdir())
    assert "已索引 5 篇文章" in listing


@pytest.fixture(scope="module")
def file_50mb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.txt"
    block = ("星河市举办灯光节。" * 40_000).encode("utf-8")  # ~1 MB
    with path.open("wb") as f:
        while f.tell() < 50 * 2**20:
            f.write(block)
    return path


def test_50mb_document_through_read_article(file_50mb: Path) -> None:
    size = file_50mb.stat().st_size
    assert size > MAX_DOCUMENT_BYTES
    with pytest.raises(DocumentError) as info:
        read_article(file_50mb)
    assert str(info.value) == f"{file_50mb}: {size / 1e6:.1f} MB is over the 20 MB limit"
    skipped = ingest([file_50mb]).skipped
    assert [s.reason for s in skipped] == [f"{size / 1e6:.1f} MB is over the 20 MB limit"]


def test_50mb_document_upload(docs_app: tuple, file_50mb: Path) -> None:
    fns, index_dir, data = docs_app
    current = (index_dir / "CURRENT").read_text()
    status, _, _, _ = fns["upload"]([str(file_50mb)], progress=no_progress)
    size = file_50mb.stat().st_size
    assert R.md_unescape(status) == f"- big.txt：文件太大（{size / 1e6:.1f} MB），上限是 5 MB"
    assert (index_dir / "CURRENT").read_text() == current
    assert not data.exists() or not any(data.iterdir())


ODD_NAMES = [  # file names a browser may send (no "/" on Linux: a Gradio upload keeps only the last part)
    "..\\..\\evil.txt",
    "..\\..\\..\\etc\\cron.d\\job.txt",
    "<script>alert(1)<\\script>.txt",
    "a\nb\r\tc.TXT",
    " spaced  name (1).txt",
    ".hidden.txt",
    "$(rm -rf ~);|&.txt",
    "%2e%2e%2fx.txt",
    "名" * 80 + ".txt",
    "新闻 稿.MD",
]


def test_upload_names_with_path_traversal_or_odd_characters(docs_app: tuple, tmp_path: Path) -> None:
    fns, index_dir, data = docs_app
    incoming = tmp_path / "in"
    incoming.mkdir()
    paths = []
    for n, name in enumerate(ODD_NAMES, start=1):
        (incoming / name).write_text(article(n), encoding="utf-8")
        paths.append(str(incoming / name))
    (incoming / "sub").mkdir()
    (incoming / "other.txt").write_text(article(len(ODD_NAMES) + 1), encoding="utf-8")
    paths.append(str(incoming / "sub" / ".." / ".." / "in" / "other.txt"))  # a path with ".." in it
    outside = tree(tmp_path) - tree(index_dir)
    status, listing, _, _ = fns["upload"](paths, progress=no_progress)
    lines = R.md_unescape(status).splitlines()
    assert len(lines) == len(paths) + 1 and lines[-1].startswith("- 索引现有 16 篇文章")
    assert all("已加入" in line or "已更新" in line for line in lines[:-1]), lines
    saved = sorted(data.iterdir())
    assert len(saved) == len(paths)
    for path in saved:
        assert path.resolve().parent == data.resolve()
        assert re.fullmatch(r"[\w-]+\.(txt|md)", path.name), path.name
    assert "evil.txt" in {p.name for p in saved} and "script.txt" in {p.name for p in saved}
    # nothing was created anywhere but the uploads folder and the index
    assert tree(tmp_path) - tree(index_dir) - tree(data) - {data} == outside
    assert "<" not in status and "<script" not in listing.lower() and tags(listing) <= PANEL_TAGS
    uploaded = load_index(index_dir).articles
    assert all(Path(uploaded[p.stem].source) == p.resolve() for p in saved)


def test_duplicate_content_under_two_names_in_one_upload(docs_app: tuple, tmp_path: Path) -> None:
    fns, index_dir, data = docs_app
    (tmp_path / "in").mkdir()
    first, second = tmp_path / "in" / "first.txt", tmp_path / "in" / "second.md"
    first.write_text(article(), encoding="utf-8")
    second.write_text(article() + "\n\n", encoding="utf-8")  # same text after cleaning
    status, _, _, _ = fns["upload"]([str(first), str(second)], progress=no_progress)
    lines = R.md_unescape(status).splitlines()
    assert lines[0] == "- first.txt：已加入《星河市举办第1届无人机灯光节》（编号 first）"
    assert lines[1] == "- second.md：内容与已有文章《星河市举办第1届无人机灯光节》相同，已跳过"
    assert [p.name for p in data.iterdir()] == ["first.txt"]
    articles = load_index(index_dir).articles
    assert "first" in articles and "second" not in articles
    # uploading it again later is reported the same way
    status, _, _, _ = fns["upload"]([str(second)], progress=no_progress)
    assert R.md_unescape(status) == "- second.md：内容与已有文章《星河市举办第1届无人机灯光节》相同，已跳过"


def test_duplicate_content_under_two_names_in_a_build(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(article(), encoding="utf-8")
    (docs / "b.txt").write_text(article(), encoding="utf-8")
    report = build_index([docs], tmp_path / "idx", BuildOptions(embedder=FakeEmbedder(dim=32)))
    assert report.articles == 1 and report.new == ["a"]
    assert [(s.source, s.reason) for s in report.skipped] == [
        (str(docs / "b.txt"), f"same text as {docs / 'a.txt'}")
    ]
    assert "1 files skipped" in report.summary()


HOSTILE_HTML = """<html><head><title>星河日报 &lt;script&gt;alert(0)&lt;/script&gt;灯光节</title>
<script>window.__pwned = alert(1)</script><style>body{display:none}</style></head>
<body onload="alert(2)"><article><h1>星河市举办首届无人机灯光节 &lt;script&gt;alert(0)&lt;/script&gt;</h1>
<p>本报讯 9月12日晚，星河市在滨江公园举办首届无人机灯光节，共有1200架无人机参与表演，吸引了约8万名市民观看。</p>
<iframe src="https://evil.example/frame"></iframe><script src="https://evil.example/x.js"></script>
<p>活动由星河市文化和旅游局主办，历时40分钟。正文里写着 &lt;img src=y onerror=alert(3)&gt; 这段代码。</p>
</article></body></html>"""


def test_html_upload_keeps_text_drops_scripts_and_shows_escaped(docs_app: tuple, tmp_path: Path) -> None:
    fns, index_dir, _ = docs_app
    path = tmp_path / "page.html"
    path.write_text(HOSTILE_HTML, encoding="utf-8")
    status, listing, _, _ = fns["upload"]([str(path)], progress=no_progress)
    assert "已加入" in status and "<" not in status
    text = load_index(index_dir).articles["page"].text
    assert "1200架无人机" in text and "历时40分钟" in text
    assert "__pwned" not in text and "alert(1)" not in text and "evil.example" not in text
    assert "display:none" not in text and "onload" not in text
    assert "<img src=y onerror=alert(3)>" in text  # written as text in the page: kept as text
    assert tags(listing) <= PANEL_TAGS and "&lt;script&gt;alert(0)&lt;/script&gt;" in listing
    (_, history, sources), _ = chat(fns, "正文里写着什么代码？活动历时多久？")
    assert tags(text_of(history[-1])) <= MESSAGE_TAGS
    assert tags(sources) <= PANEL_TAGS  # the passage's <img ...> is shown as &lt;img ...&gt;


# ------------------------------------------------------------------------------------------------------------
# index faults


def _generation(directory: Path) -> Path:
    return directory / (directory / "CURRENT").read_text().strip()


def _edit_manifest(generation: Path, edit: Callable[[dict], None]) -> None:
    manifest = json.loads((generation / "manifest.json").read_text("utf-8"))
    edit(manifest)
    (generation / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def _truncate_faiss(g: Path) -> None:
    store = g / "store" / "vectors.faiss"
    store.write_bytes(store.read_bytes()[: store.stat().st_size // 2])


def _other_model(g: Path) -> None:
    other = FakeEmbedder(dim=32)

    def edit(m: dict) -> None:
        m["model"].update(name=other.name, dimension=other.dim, fingerprint=other.fingerprint())

    _edit_manifest(g, edit)


def _extra_vector(g: Path) -> None:
    vectors = np.load(g / "embeddings.npy")
    np.save(g / "embeddings.npy", np.vstack([vectors, vectors[:1]]))


DAMAGES = [  # (id, damage, what the message says; every message also says how to rebuild)
    ("truncated-faiss", _truncate_faiss, "vectors.faiss is truncated or corrupt"),
    ("missing-chunks", lambda g: (g / "chunks.jsonl").unlink(), "is damaged (FileNotFoundError"),
    ("missing-manifest", lambda g: (g / "manifest.json").unlink(), "is unreadable"),
    (
        "other-format-version",
        lambda g: _edit_manifest(g, lambda m: m.update(format_version=99)),
        "version 99",
    ),
    ("other-model", _other_model, "the manifest says 32-d"),
    ("vectors-out-of-step", _extra_vector, "out of step (manifest 81, chunks.jsonl 81, embeddings.npy 82"),
    ("missing-keyword-index", lambda g: shutil.rmtree(g / "keyword"), "no keyword index"),
    ("current-names-missing-generation", lambda g: (g.parent / "CURRENT").write_text("g-gone"), "g-gone"),
]


def rebuild_command(directory: Path) -> re.Pattern[str]:
    return re.compile(
        rf"rebuild it with: python -m rag index (--docs \S+ )+--index {re.escape(str(directory))} --rebuild"
    )


@pytest.mark.parametrize("case", DAMAGES, ids=[d[0] for d in DAMAGES])
def test_damaged_index_says_how_to_rebuild(fake_index_copy: Path, case: tuple) -> None:
    _, damage, what = case
    damage(_generation(fake_index_copy))
    with pytest.raises(IndexMismatchError) as info:
        load_index(fake_index_copy)
    message = str(info.value)
    assert what in message and rebuild_command(fake_index_copy).search(message), message


@pytest.mark.parametrize("case", DAMAGES, ids=[d[0] for d in DAMAGES])
def test_damaged_index_in_the_ui(ui_module: Any, fake_index_copy: Path, tmp_path: Path, case: tuple) -> None:
    _, damage, what = case
    damage(_generation(fake_index_copy))
    fns = handlers(ui_module, fake_index_copy, tmp_path / "uploads")
    (_, history, _), _ = chat(fns, "宝鸡市委书记是谁？")
    reply = R.md_unescape(text_of(history[-1]))
    assert reply.startswith("<strong>出错了：</strong>index") and what in reply
    assert rebuild_command(fake_index_copy).search(reply)
    listing, _ = fns["refresh"]()
    assert listing.startswith('<div class="rag-empty">index') and "python -m rag index" in listing
    (tmp_path / "new.txt").write_text(article(), encoding="utf-8")
    status, _, _, _ = fns["upload"]([str(tmp_path / "new.txt")], progress=no_progress)
    status = R.md_unescape(status)
    assert status.startswith("- 索引没有更新：index") and rebuild_command(fake_index_copy).search(status)


def test_index_from_another_model_refused_when_loading_with_the_model(fake_index_copy: Path) -> None:
    _edit_manifest(_generation(fake_index_copy), lambda m: m["model"].update(fingerprint="0" * 16))
    with pytest.raises(
        IndexMismatchError, match=re.escape("was embedded with fake-hash-64 (fingerprint 0000000000000000)")
    ) as info:
        load_index(fake_index_copy, embedder=FakeEmbedder(dim=64))
    assert rebuild_command(fake_index_copy).search(str(info.value))
    with pytest.raises(
        IndexMismatchError, match="holds 64-d vectors from fake-hash-64, but the model fake-hash-32"
    ):
        load_index(fake_index_copy, embedder=FakeEmbedder(dim=32))


_KILL_CHILD = """
import sys, time
from pathlib import Path
import rag.index.write
from rag.embed import FakeEmbedder
from rag.index import BuildOptions, build_index

real = rag.index.write.fsync_write

def stall(path, data):  # write, then hang once the chunks are on disk: the parent kills us here
    real(path, data)
    if path.name == "chunks.jsonl":
        time.sleep(300)

rag.index.write.fsync_write = stall
build_index([Path(p) for p in sys.argv[2:]], Path(sys.argv[1]), BuildOptions(embedder=FakeEmbedder(dim=64)))
"""


def _kill_while_writing(directory: Path, docs: list[Path]) -> Path:
    """Run a build in a child process and SIGKILL it half way through writing; the half-written generation."""
    live = (directory / "CURRENT").read_text().strip() if (directory / "CURRENT").exists() else ""
    child = subprocess.Popen([sys.executable, "-c", _KILL_CHILD, str(directory), *map(str, docs)], cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while True:
            partial = [g for g in directory.glob("g-*") if g.name != live and (g / "chunks.jsonl").exists()]
            if partial:
                break
            assert child.poll() is None, "the build ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    return partial[0]


def test_sigkill_while_writing_keeps_the_previous_index_answering(
    fake_index_copy: Path, tmp_path: Path
) -> None:
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "new.txt").write_text(article(), encoding="utf-8")
    live = (fake_index_copy / "CURRENT").read_text()
    partial = _kill_while_writing(fake_index_copy, [SEEDS, tmp_path / "new"])
    assert not (partial / "manifest.json").exists()  # killed half way through the new generation
    assert (fake_index_copy / "CURRENT").read_text() == live
    index = load_index(fake_index_copy)
    assert len(index.articles) == 5 and "new" not in index.articles
    assert answer_from(index, "宝鸡市委书记是谁？").question == "宝鸡市委书记是谁？"
    # the dead writer's lock is gone with it; the next build finishes and clears the half-written generation
    report = build_index(
        [SEEDS, tmp_path / "new"], fake_index_copy, BuildOptions(embedder=FakeEmbedder(dim=64), lock_wait=5)
    )
    assert report.new == ["new"] and [g.name for g in fake_index_copy.glob("g-*")] == [
        _generation(fake_index_copy).name
    ]


def test_sigkill_during_the_first_build_says_how_to_build(tmp_path: Path) -> None:
    _kill_while_writing(tmp_path / "idx", [SEEDS])
    with pytest.raises(
        IndexMissingError, match=r"no index at .*; build one with: python -m rag index --docs"
    ):
        load_index(tmp_path / "idx")


def _hold_lock(directory: Path, seconds: float) -> threading.Thread:
    held = threading.Event()

    def hold() -> None:
        with writer_lock(directory, wait=0):
            held.set()
            time.sleep(seconds)

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    assert held.wait(10)
    return thread


def test_second_writer_waits_for_the_first(fake_index_copy: Path, tmp_path: Path) -> None:
    (tmp_path / "new.txt").write_text(article(), encoding="utf-8")
    holder = _hold_lock(fake_index_copy, 1.0)
    started = time.monotonic()
    report = update_index(
        fake_index_copy,
        add=[read_article(tmp_path / "new.txt")],
        options=WriteOptions(embedder=FakeEmbedder(dim=64), lock_wait=30),
    )
    assert time.monotonic() - started >= 0.5 and report.new == ["new"]
    holder.join()


def test_upload_while_another_process_writes_fails_clearly(
    docs_app: tuple, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rag.app.backend

    fns, index_dir, data = docs_app
    real = rag.app.backend.update_index

    def impatient(directory, *, options, **kwargs):  # type: ignore[no-untyped-def]
        return real(directory, options=dataclasses.replace(options, lock_wait=0.3), **kwargs)

    monkeypatch.setattr(rag.app.backend, "update_index", impatient)
    (tmp_path / "new.txt").write_text(article(), encoding="utf-8")
    current = (index_dir / "CURRENT").read_text()
    with writer_lock(index_dir, wait=0):  # as another process's flock would
        status, _, _, _ = fns["upload"]([str(tmp_path / "new.txt")], progress=no_progress)
    assert R.md_unescape(status) == "- 索引没有更新：另一个进程正在写入索引，请稍后再试。"
    assert (index_dir / "CURRENT").read_text() == current
    assert not data.exists() or not any(data.iterdir())


def test_two_uploads_at_once_both_land(ui_module: Any, fake_index_copy: Path, tmp_path: Path) -> None:
    backend = ui_module.Backend(fake_index_copy, tmp_path / "uploads")
    backend.index()
    results: dict[int, list[str]] = {}

    def upload(n: int) -> None:
        path = tmp_path / "in" / f"doc{n}.txt"
        path.parent.mkdir(exist_ok=True)
        path.write_text(article(n), encoding="utf-8")
        results[n] = backend.add_files([path], no_progress)

    threads = [threading.Thread(target=upload, args=(n,)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all("已加入" in results[n][0] for n in (1, 2)), results
    assert {"doc1", "doc2"} <= load_index(fake_index_copy).articles.keys()
    assert sorted(p.name for p in (tmp_path / "uploads").iterdir()) == ["doc1.txt", "doc2.txt"]


def test_rebuild_command_after_an_upload_keeps_the_uploads(docs_app: tuple, tmp_path: Path) -> None:
    fns, index_dir, data = docs_app
    (tmp_path / "new.txt").write_text(article(), encoding="utf-8")
    fns["upload"]([str(tmp_path / "new.txt")], progress=no_progress)
    (_generation(index_dir) / "chunks.jsonl").unlink()
    with pytest.raises(IndexMismatchError) as info:
        load_index(index_dir)
    assert f"--docs {data.resolve()}" in str(info.value)


# ------------------------------------------------------------------------------------------------------------
# serving


def test_defaults_bind_loopback_without_share_or_login(ui_module: Any) -> None:
    args = ui_module.parse_args([])
    assert (args.host, args.port, args.share, args.auth) == ("127.0.0.1", 7860, False, None)
    assert ui_module.Backend(None).data_dir == ROOT / "data" / "uploads"  # the app's own folder
    assert "/data/" in (ROOT / ".gitignore").read_text().splitlines()
    assert ui_module.build_app(None).delete_cache == (3600, 3600)  # Gradio's upload copies do not pile up


@pytest.mark.parametrize("auth", ["user", ":secret", "user:", ":"])
def test_bad_auth_exits_2_before_serving(
    ui_module: Any, monkeypatch: pytest.MonkeyPatch, capsys, auth: str
) -> None:
    import gradio as gr

    def never(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("launched")

    monkeypatch.setattr(gr.Blocks, "launch", never)
    assert ui_module.main(["--auth", auth]) == 2
    assert capsys.readouterr().err == "error: --auth expects USER:PASS\n"


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], {"server_name": "127.0.0.1", "share": False, "auth": None}),
        (["--share"], {"server_name": "127.0.0.1", "share": True, "auth": None}),
        (["--host", "0.0.0.0"], {"server_name": "0.0.0.0", "share": False, "auth": None}),
        (["--auth", "ann:p:w"], {"server_name": "127.0.0.1", "share": False, "auth": ("ann", "p:w")}),
    ],
    ids=["default", "share", "public-bind", "auth"],
)
def test_launch_options(
    ui_module: Any,
    fake_seed_index: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    argv: list,
    expected: dict,
) -> None:
    import gradio as gr

    seen: dict[str, Any] = {}

    def launch(self: Any, **kwargs: Any) -> tuple:
        seen.update(kwargs)
        self.server_port = kwargs["server_port"]
        return None, "http://x/", None

    monkeypatch.setattr(gr.Blocks, "launch", launch)
    monkeypatch.setattr(gr.Blocks, "block_thread", lambda self: None)
    assert ui_module.main([*argv, "--index", str(fake_seed_index), "--data", str(tmp_path / "up")]) == 0
    assert {k: seen[k] for k in expected} == expected
    assert seen["allowed_paths"] == [] and seen["max_file_size"] == ui_module.MAX_UPLOAD_BYTES


def _serve(
    ui_module: Any, argv: list[str], check: Callable[[str], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``ui.main(argv)`` for real on a free loopback port; ``check(base_url)`` runs while it serves."""
    import gradio as gr

    port = free_port()
    ran = []

    def block_thread(self: Any) -> None:
        check(f"http://127.0.0.1:{port}")
        ran.append(True)

    monkeypatch.setattr(gr.Blocks, "block_thread", block_thread)
    assert ui_module.main([*argv, "--port", str(port)]) == 0
    assert ran == [True]


def test_served_app_refuses_arbitrary_files_and_big_uploads(
    ui_module: Any, fake_index_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "uploads"
    data.mkdir()
    (data / "kept.txt").write_text(article(), encoding="utf-8")

    def check(base: str) -> None:
        refused = [
            "/etc/passwd", "%2Fetc%2Fpasswd", "../../../../etc/passwd", "/proc/self/environ",
            str(ROOT / "README.md"), "README.md", "ui.py", str(data / "kept.txt"), str(fake_index_copy / "CURRENT"),
            str(_generation(fake_index_copy) / "manifest.json"),
        ]  # fmt: skip
        for path in refused:
            for route in ("/gradio_api/file=", "/file="):
                response = httpx.get(base + route + path)
                assert response.status_code in (403, 404), (route + path, response.status_code)
                assert "root:" not in response.text and "星河" not in response.text
        big = {"files": ("big.txt", b"a" * (ui_module.MAX_UPLOAD_BYTES + 1), "text/plain")}
        assert httpx.post(base + "/gradio_api/upload", files=big).status_code == 413
        evil = {"files": ("../../evil.txt", article().encode(), "text/plain")}
        response = httpx.post(base + "/gradio_api/upload", files=evil)
        assert response.status_code == 200
        (kept,) = response.json()
        assert Path(kept).name == "evil.txt" and ".." not in Path(kept).parts
        assert not (tmp_path / "evil.txt").exists() and not (ROOT / "evil.txt").exists()

    _serve(ui_module, ["--index", str(fake_index_copy), "--data", str(data)], check, monkeypatch)


def test_served_app_with_auth_requires_login(
    ui_module: Any, fake_seed_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gradio_client import Client

    def check(base: str) -> None:
        for path in ("/config", "/gradio_api/info", "/gradio_api/file=/etc/passwd"):
            assert httpx.get(base + path).status_code == 401, path
        assert httpx.post(base + "/login", data={"username": "ann", "password": "wrong"}).status_code == 400
        with pytest.raises(Exception, match="credentials"):
            Client(base, verbose=False)
        with httpx.Client() as session:
            assert session.post(base + "/login", data={"username": "ann", "password": "s3cret"}).json() == {
                "success": True
            }
            assert session.get(base + "/config").status_code == 200
            assert session.get(base + "/gradio_api/file=/etc/passwd").status_code == 403
        client = Client(base, verbose=False, auth=("ann", "s3cret"))
        assert client.predict("宝鸡", 1, api_name="/retrieve")["hits"][0]["rank"] == 1

    argv = ["--index", str(fake_seed_index), "--data", str(tmp_path / "up"), "--auth", "ann:s3cret"]
    _serve(ui_module, argv, check, monkeypatch)
