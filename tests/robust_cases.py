"""Cases and helpers of the robustness tests (issue #8), shared by the stages' ``test_*_robustness.py``: hostile
questions, bad documents, damaged indexes, and the chat UI's handlers called in-process."""

from __future__ import annotations

import json
import re
import shutil
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from rag.app import render_html as R
from rag.embed import FakeEmbedder
from rag.index import writer_lock
from rag.search import MAX_QUESTION_CHARS

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


HOSTILE_HTML = """<html><head><title>星河日报 &lt;script&gt;alert(0)&lt;/script&gt;灯光节</title>
<script>window.__pwned = alert(1)</script><style>body{display:none}</style></head>
<body onload="alert(2)"><article><h1>星河市举办首届无人机灯光节 &lt;script&gt;alert(0)&lt;/script&gt;</h1>
<p>本报讯 9月12日晚，星河市在滨江公园举办首届无人机灯光节，共有1200架无人机参与表演，吸引了约8万名市民观看。</p>
<iframe src="https://evil.example/frame"></iframe><script src="https://evil.example/x.js"></script>
<p>活动由星河市文化和旅游局主办，历时40分钟。正文里写着 &lt;img src=y onerror=alert(3)&gt; 这段代码。</p>
</article></body></html>"""


def generation_of(directory: Path) -> Path:
    return directory / (directory / "CURRENT").read_text().strip()


def edit_manifest(generation: Path, edit: Callable[[dict], None]) -> None:
    manifest = json.loads((generation / "manifest.json").read_text("utf-8"))
    edit(manifest)
    (generation / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def truncate_faiss(g: Path) -> None:
    store = g / "store" / "vectors.faiss"
    store.write_bytes(store.read_bytes()[: store.stat().st_size // 2])


def other_model(g: Path) -> None:
    other = FakeEmbedder(dim=32)

    def edit(m: dict) -> None:
        m["model"].update(name=other.name, dimension=other.dim, fingerprint=other.fingerprint())

    edit_manifest(g, edit)


def extra_vector(g: Path) -> None:
    vectors = np.load(g / "embeddings.npy")
    np.save(g / "embeddings.npy", np.vstack([vectors, vectors[:1]]))


DAMAGES = [  # (id, damage, what the message says; every message also says how to rebuild)
    ("truncated-faiss", truncate_faiss, "vectors.faiss is truncated or corrupt"),
    ("missing-chunks", lambda g: (g / "chunks.jsonl").unlink(), "is damaged (FileNotFoundError"),
    ("missing-manifest", lambda g: (g / "manifest.json").unlink(), "is unreadable"),
    (
        "other-format-version",
        lambda g: edit_manifest(g, lambda m: m.update(format_version=99)),
        "version 99",
    ),
    ("other-model", other_model, "the manifest says 32-d"),
    ("vectors-out-of-step", extra_vector, "out of step (manifest 81, chunks.jsonl 81, embeddings.npy 82"),
    ("missing-keyword-index", lambda g: shutil.rmtree(g / "keyword"), "no keyword index"),
    ("current-names-missing-generation", lambda g: (g.parent / "CURRENT").write_text("g-gone"), "g-gone"),
]


def rebuild_command(directory: Path) -> re.Pattern[str]:
    return re.compile(
        rf"rebuild it with: python -m rag index (--docs \S+ )+--index {re.escape(str(directory))} --rebuild"
    )


def hold_lock(directory: Path, seconds: float) -> threading.Thread:
    held = threading.Event()

    def hold() -> None:
        with writer_lock(directory, wait=0):
            held.set()
            time.sleep(seconds)

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    assert held.wait(10)
    return thread
