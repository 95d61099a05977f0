"""Bad, huge, oddly named, duplicate and hostile uploads, damaged indexes and busy writers as the 文档 tab and the
chat show them (README, "Bad input, faults and load")."""

from __future__ import annotations

import dataclasses
import re
import threading
from pathlib import Path
from typing import Any

import pytest
from robust_cases import (
    BAD_DOCUMENTS,
    DAMAGES,
    HOSTILE_HTML,
    MESSAGE_TAGS,
    ODD_NAMES,
    PANEL_TAGS,
    article,
    chat,
    generation_of,
    handlers,
    no_progress,
    rebuild_command,
    tags,
    text_of,
    tree,
)

from rag.app import render_html as R
from rag.errors import IndexMismatchError
from rag.index import load_index, writer_lock


@pytest.fixture
def docs_app(ui_module: Any, fake_index_copy: Path, tmp_path: Path) -> tuple[dict[str, Any], Path, Path]:
    """Handlers of an app on a private index copy: (handlers, index directory, uploads folder)."""
    data = tmp_path / "uploads"
    return handlers(ui_module, fake_index_copy, data), fake_index_copy, data


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


def test_50mb_document_upload(docs_app: tuple, file_50mb: Path) -> None:
    fns, index_dir, data = docs_app
    current = (index_dir / "CURRENT").read_text()
    status, _, _, _ = fns["upload"]([str(file_50mb)], progress=no_progress)
    size = file_50mb.stat().st_size
    assert R.md_unescape(status) == f"- big.txt：文件太大（{size / 1e6:.1f} MB），上限是 5 MB"
    assert (index_dir / "CURRENT").read_text() == current
    assert not data.exists() or not any(data.iterdir())


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


@pytest.mark.parametrize("case", DAMAGES, ids=[d[0] for d in DAMAGES])
def test_damaged_index_in_the_ui(ui_module: Any, fake_index_copy: Path, tmp_path: Path, case: tuple) -> None:
    _, damage, what = case
    damage(generation_of(fake_index_copy))
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
    (generation_of(index_dir) / "chunks.jsonl").unlink()
    with pytest.raises(IndexMismatchError) as info:
        load_index(index_dir)
    assert f"--docs {data.resolve()}" in str(info.value)
