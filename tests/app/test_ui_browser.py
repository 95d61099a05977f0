"""The chat UI in a real browser: Playwright driving Debian's Chromium (/usr/bin/chromium; Playwright's own
browser downloads do not work here). Screenshots go to test-artifacts/ui/."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts" / "ui"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's Chromium: /usr/bin/chromium (apt-get install chromium)"
    ),
]

STAR_RIVER = """星河市举办首届无人机灯光节
星河日报 记者 林晓
本报讯 9月12日晚，星河市在滨江公园举办首届无人机灯光节，共有1200架无人机参与表演，吸引了约8万名市民观看。
活动由星河市文化和旅游局主办，历时40分钟。主办方表示，灯光节今后每年举办一次。
"""

HOSTILE = """<img src=x onerror=alert(1)>测试文章
这篇测试文章的正文含有HTML代码<script>alert(2)</script>，还有<img src=y onerror="window.__pwned=1">图片标签。
测试文章的第二段：${alert(3)} 和 `反引号` 以及 {{value}} 都应当原样显示为文字，不被执行。
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.dialogs = []  # every alert/confirm/prompt the page opens
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    yield page
    context.close()


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def open_app(page: Any, url: str) -> None:
    page.goto(url)
    page.locator("#rag-question textarea").wait_for()


def ask(page: Any, question: str) -> None:
    """Type a question, send it, and wait until the answer is in (the sources panel leaves its busy state)."""
    bots = page.locator("#rag-chat .message-row.bot-row, #rag-chat .bot.message").count()
    page.locator("#rag-question textarea").fill(question)
    page.locator("#rag-send").click()
    page.wait_for_function(
        """([n]) => {
            const s = document.querySelector('#rag-sources');
            const bots = document.querySelectorAll('#rag-chat .message-row.bot-row, #rag-chat .bot.message');
            return s && !s.innerText.includes('正在查找答案') && bots.length > n;
        }""",
        arg=[bots],
    )


def upload(page: Any, path: Path) -> None:
    page.get_by_role("tab", name="文档").click()
    page.locator("#rag-files input[type=file]").set_input_files(str(path))
    page.locator("#rag-files").get_by_text(path.name).wait_for()
    page.locator("#rag-add").click()
    page.locator("#rag-status").get_by_text(path.name).wait_for()


def test_hostile_document_is_shown_as_text(
    ui_module, fake_index_copy: Path, tmp_path: Path, launch_ui, page: Any
) -> None:
    from playwright.sync_api import expect

    url = launch_ui(ui_module.build_app(fake_index_copy, data_dir=tmp_path / "uploads"))
    open_app(page, url)
    hostile = tmp_path / "hostile.txt"
    hostile.write_text(HOSTILE, encoding="utf-8")
    upload(page, hostile)
    expect(page.locator("#rag-status")).to_contain_text("已加入《<img src=x onerror=alert(1)>测试文章》")
    expect(page.locator("#rag-articles")).to_contain_text("<img src=x onerror=alert(1)>测试文章")
    shot(page, "hostile-documents.png")

    page.get_by_role("tab", name="问答").click()
    ask(page, "测试文章的正文含有什么HTML代码？")
    sources = page.locator("#rag-sources")
    expect(sources).to_contain_text("<script>alert(2)</script>")
    expect(sources).to_contain_text("${alert(3)} 和 `反引号` 以及 {{value}}")
    expect(page.locator("#rag-chat")).to_contain_text("<img src=x onerror=alert(1)>测试文章")
    page.wait_for_timeout(500)
    shot(page, "hostile-chat.png")
    assert page.dialogs == []
    assert page.evaluate("window.__pwned") is None
    assert page.locator("img[src='x'], img[src='y'], #rag-sources script").count() == 0

    page.locator("#rag-clear").click()
    expect(sources).to_contain_text("提问后，这里会显示答案引用的原文段落")
    expect(page.locator("#rag-chat")).not_to_contain_text("测试文章")


@pytest.fixture
def real_index_copy(real_seed_index: Path, real_embedder: Any, tmp_path: Path) -> Any:
    from rag.index import load_index

    directory = Path(shutil.copytree(real_seed_index, tmp_path / "index"))
    return load_index(directory, embedder=real_embedder)


@pytest.mark.slow
def test_ask_upload_and_ask_again(
    ui_module, real_index_copy: Any, tmp_path: Path, launch_ui, page: Any
) -> None:
    from playwright.sync_api import expect

    url = launch_ui(ui_module.build_app(real_index_copy, data_dir=tmp_path / "uploads"))
    open_app(page, url)
    shot(page, "start.png")

    ask(page, "皋蘭縣九合鎮的建筑垃圾項目總投資多少？")
    chat, sources = page.locator("#rag-chat"), page.locator("#rag-sources")
    expect(chat).to_contain_text("答案：2.58億元 [1]")
    expect(sources.locator(".rag-card").first).to_contain_text("[1]")
    expect(sources.locator(".rag-card").first).to_contain_text("甘肅日報 · 第")
    expect(sources.locator("mark.rag-answer").first).to_have_text("2.58億元")
    sources.locator("details.rag-scores summary").first.click()
    expect(sources.get_by_text("命中的关键词").first).to_be_visible()
    shot(page, "answer.png")

    star_river = tmp_path / "星河灯光节.txt"
    star_river.write_text(STAR_RIVER, encoding="utf-8")
    upload(page, star_river)
    expect(page.locator("#rag-status")).to_contain_text("已加入《星河市举办首届无人机灯光节》")
    expect(page.locator("#rag-articles")).to_contain_text("已索引 6 篇文章")
    shot(page, "documents.png")

    page.get_by_role("tab", name="问答").click()
    ask(page, "星河市无人机灯光节有多少架无人机参与表演？")
    expect(chat).to_contain_text("1200架")
    expect(sources.locator(".rag-card").first).to_contain_text("星河市举办首届无人机灯光节")
    expect(sources.locator("mark.rag-answer").first).to_contain_text("1200")
    shot(page, "answer-from-upload.png")
    assert page.dialogs == []
