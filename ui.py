"""The chat UI (Gradio) and the HTTP API on one port: ``python ui.py [--host 127.0.0.1] [--port 7860] [--index DIR]
[--data DIR] [--auth USER:PASS] [--api-key KEY] [--cors ORIGIN] [--share] [--store URI] [--reader DIR]``.

``build_app(index=None)`` returns a ``gr.Blocks``. Building it is cheap (the index and the model load on first
use). It can be launched, rendered inside another ``gr.Blocks`` (``build_app().render()``) or mounted on
FastAPI (``gr.mount_gradio_app(app, build_app(), path="/qa")``, see examples/fastapi_mount.py). Named API
endpoints: ``/ask`` (answer and citations as JSON) and ``/retrieve`` (hits as JSON).

``main`` serves the page at ``/`` mounted on :func:`rag.app.http_api.create_api`'s FastAPI app: the REST API
under ``/api``, the OpenAI-compatible one under ``/v1``, their docs at ``/docs`` (README, "HTTP API").
"""

from __future__ import annotations

import argparse
import html
import logging
import secrets
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gradio as gr

from rag.app import render_html as R
from rag.app.backend import MAX_UPLOAD_BYTES, UPLOAD_SUFFIXES, Backend
from rag.app.http_api import create_api
from rag.app.messages import user_message
from rag.app.service import ApiOptions, default_workers
from rag.app.serving import Background, HttpServer
from rag.errors import RagError
from rag.index import Index
from rag.settings import api_key

__all__ = ["EXAMPLES", "MAX_UPLOAD_BYTES", "Backend", "build_app", "main", "parse_args", "server_app"]

log = logging.getLogger("rag.ui")

EXAMPLES = [  # both scripts, all answerable from seeds/
    "皋蘭縣九合鎮的建筑垃圾項目總投資多少？",
    "包头市政务服务指标在营商环境评估中取得了多少分？",
    "蘭州市開展的是什麼活動？",
    "宝鸡市委书记是谁？",
]


def _status(messages: Sequence[str]) -> str:
    return "\n".join(f"- {R.md_escape(m)}" for m in messages)


def _reply(history: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    return [*history, {"role": "assistant", "content": text}]


# the app ------------------------------------------------------------------------------------------------


def build_app(
    index: Index | Path | str | None = None,
    *,
    data_dir: Path | str | None = None,
    store: str | None = None,
    reader: str | None = None,
    backend: Backend | None = None,
) -> gr.Blocks:
    """The chat UI. ``index``: an Index, an index directory, or None (the default index, built from seeds/
    on first use); ``data_dir``: where uploads are kept (default data/uploads); ``store``: a Milvus URI to
    search the index's Milvus copy (default ``$RAG_STORE``, else FAISS); ``reader``: a reader directory or HF QA
    model (default ``$RAG_READER``, else the shipped reader); ``backend``: a Backend to share (with the HTTP
    API: one writer lock), in place of all four. Nothing loads until used."""
    backend = backend or Backend(index, data_dir, store=store, reader=reader)

    def respond(
        message: str,
        history: list[dict[str, Any]],
        since: str = "",
        until: str = "",
        outlets: list[str] | None = None,
    ) -> Any:
        question = (message or "").strip()
        if not question:
            gr.Warning("请输入问题。")
            yield message, history, gr.skip()
            return
        turns = R.history_pairs(history)
        history = [*history, {"role": "user", "content": R.md_escape(question)}]
        yield "", history, '<div class="rag-empty">正在查找答案…</div>'
        try:
            answer = backend.ask(question, turns, since=since or None, until=until or None, outlets=outlets)
        except RagError as exc:
            yield "", _reply(history, R.error_markdown(user_message(exc))), R.SOURCES_PLACEHOLDER
            return
        except Exception:
            log.exception("answering %r failed", question)
            yield "", _reply(history, R.error_markdown("内部错误，详情见服务器日志。")), R.SOURCES_PLACEHOLDER
            return
        yield "", _reply(history, R.answer_markdown(answer)), backend.sources_html(answer)

    def ask(
        question: str, k: int = 5, since: str = "", until: str = "", outlets: list[str] | None = None
    ) -> dict:
        """Answer a question from the indexed articles: the short answer, the supporting sentence, numbered
        citations (article, outlet, date, URL, paragraph, character offsets, the other outlets that ran the
        story) and, when nothing is found, the closest passages. ``since``/``until``: ISO dates (inclusive),
        ``outlets``: outlet names; a filter that matches no article answers "not found" and says so."""
        try:
            found = backend.ask(question, None, k, since=since or None, until=until or None, outlets=outlets)
            return found.to_dict()
        except RagError as exc:
            raise gr.Error(user_message(exc)) from exc

    def retrieve(
        question: str, k: int = 5, since: str = "", until: str = "", outlets: list[str] | None = None
    ) -> dict:
        """The k passages that best match the question, best first, with their dense and keyword scores,
        among articles published since..until by the given outlets (none when the filter matches nothing)."""
        try:
            hits = backend.retrieve(question, k, since=since or None, until=until or None, outlets=outlets)
            return {"question": question, "hits": [h.to_dict() for h in hits]}
        except RagError as exc:
            raise gr.Error(user_message(exc)) from exc

    def fetch(text: str, progress: gr.Progress = gr.Progress()) -> tuple:  # noqa: B008
        try:
            messages = backend.add_urls(text, lambda f, d: progress(f, desc=d))
        except RagError as exc:
            messages = [f"索引没有更新：{user_message(exc)}"]
        return _status(messages), *articles_and_choices()

    def upload(files: list[str] | None, progress: gr.Progress = gr.Progress()) -> tuple:  # noqa: B008
        if not files:
            return "请先选择文件。", gr.skip(), gr.skip(), gr.skip()
        try:
            messages = backend.add_files(files, lambda f, d: progress(f, desc=d))
        except RagError as exc:
            messages = [f"索引没有更新：{user_message(exc)}"]
        return _status(messages), *articles_and_choices(), None

    def remove(article_id: str | None) -> tuple:
        try:
            message = backend.remove(article_id or "")
        except RagError as exc:
            message = f"索引没有更新：{user_message(exc)}"
        return _status([message]), *articles_and_choices()

    def articles_and_choices() -> tuple:
        """The articles table and the removal choices; the index's own message when it cannot be loaded."""
        try:
            return backend.articles_html(), gr.update(choices=backend.choices(), value=None)
        except RagError as exc:
            message = f'<div class="rag-empty">{html.escape(user_message(exc))}</div>'
            return message, gr.update(choices=[], value=None)

    def refresh() -> tuple:
        return articles_and_choices()

    def outlet_choices() -> Any:
        """The filter's outlet choice: the outlets of the indexed articles."""
        try:
            return gr.update(choices=backend.outlets())
        except RagError:
            return gr.update(choices=[])

    # delete_cache: Gradio's own copies of uploaded files go after an hour (accepted ones live in data_dir)
    with gr.Blocks(title="新闻问答", analytics_enabled=False, delete_cache=(3600, 3600)) as demo:
        gr.Markdown("## 新闻问答助手\n根据已收录的新闻文章回答问题，答案附原文引用；繁体、简体都可以问。")
        with gr.Tabs():
            with gr.Tab("问答", id="chat"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=360):
                        chatbot = gr.Chatbot(
                            label="对话",
                            height=520,
                            latex_delimiters=[],
                            buttons=["copy"],
                            feedback_options=None,
                            placeholder="繁体、简体都可以问，也可以接着上一问追问。",
                            elem_id="rag-chat",
                        )
                        with gr.Row():
                            box = gr.Textbox(
                                label="问题",
                                placeholder="输入问题，按回车发送",
                                show_label=False,
                                scale=5,
                                max_lines=4,
                                elem_id="rag-question",
                            )
                            send = gr.Button(
                                "发送", variant="primary", scale=1, min_width=80, elem_id="rag-send"
                            )
                        with gr.Accordion("筛选：日期与来源", open=False, elem_id="rag-filters"):
                            with gr.Row():
                                since = gr.Textbox(
                                    "",
                                    label="起始日期",
                                    placeholder="YYYY-MM-DD（或 YYYY-MM、YYYY）",
                                    elem_id="rag-since",
                                )
                                until = gr.Textbox(
                                    "", label="截止日期", placeholder="YYYY-MM-DD", elem_id="rag-until"
                                )
                            outlet = gr.Dropdown(
                                value=[],
                                label="来源媒体", choices=[], multiselect=True, allow_custom_value=True,
                                elem_id="rag-outlets",
                            )  # fmt: skip
                        gr.Examples([[q] for q in EXAMPLES], inputs=[box], label="示例问题（繁体 / 简体）")
                        clear = gr.Button("清空对话", size="sm", elem_id="rag-clear")
                    with gr.Column(scale=2, min_width=300):
                        sources = gr.HTML(
                            R.SOURCES_PLACEHOLDER,
                            label="来源",
                            css_template=R.SOURCES_CSS,
                            js_on_load=None,
                            max_height=680,
                            elem_id="rag-sources",
                        )
            with gr.Tab("文档", id="docs"):
                limit = MAX_UPLOAD_BYTES // 2**20
                gr.Markdown(
                    f"上传 .txt / .md / .html / .docx / .pdf 文章，或 .jsonl / .csv 新闻档案（每行一篇；每个文件不超过 "
                    f"{limit} MB），加入索引后即可提问。"
                )
                files = gr.File(
                    label="选择文件",
                    file_count="multiple",
                    file_types=list(UPLOAD_SUFFIXES),
                    type="filepath",
                    height=140,
                    elem_id="rag-files",
                )
                add = gr.Button("加入索引", variant="primary", elem_id="rag-add")
                with gr.Row():
                    urls = gr.Textbox(
                        label="订阅源或网址（RSS/Atom 订阅源或文章网址，每行一个）",
                        lines=2,
                        scale=4,
                        elem_id="rag-urls",
                    )
                    grab = gr.Button("抓取并加入索引", scale=1, elem_id="rag-fetch")
                status = gr.Markdown(elem_id="rag-status")
                with gr.Row():
                    picked = gr.Dropdown(label="要移除的文章", choices=[], scale=4, elem_id="rag-pick")
                    drop = gr.Button("移除", variant="stop", scale=1, elem_id="rag-remove")
                listing = gr.HTML(
                    label="已索引的文章", css_template=R.SOURCES_CSS, js_on_load=None, elem_id="rag-articles"
                )

        chat_io: dict[str, Any] = {
            "inputs": [box, chatbot, since, until, outlet],
            "outputs": [box, chatbot, sources],
        }
        box.submit(respond, **chat_io, api_name="chat")
        send.click(respond, **chat_io, api_visibility="private")
        clear.click(
            lambda: ([], "", R.SOURCES_PLACEHOLDER),
            outputs=[chatbot, box, sources],
            queue=False,
            api_visibility="private",
        )
        chatbot.clear(lambda: R.SOURCES_PLACEHOLDER, outputs=[sources], queue=False, api_visibility="private")
        add.click(upload, inputs=[files], outputs=[status, listing, picked, files], api_visibility="private")
        drop.click(remove, inputs=[picked], outputs=[status, listing, picked], api_visibility="private")
        grab.click(fetch, inputs=[urls], outputs=[status, listing, picked], api_visibility="private")
        demo.load(refresh, outputs=[listing, picked], api_visibility="private")
        demo.load(outlet_choices, outputs=[outlet], api_visibility="private")
        gr.api(ask, api_name="ask")
        gr.api(retrieve, api_name="retrieve")
    return demo


# command line -------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Serve the news question-answering chat UI and its HTTP API.")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback only)")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--index", type=Path, default=None, help="index directory (default: $RAG_INDEX or index/)")
    p.add_argument("--data", type=Path, default=None, help="uploads folder (default: data/uploads)")
    p.add_argument("--share", action="store_true", help="open a public Gradio share link (off by default)")
    p.add_argument("--auth", default=None, metavar="USER:PASS", help="require this login for the page")
    p.add_argument(
        "--api-key", default=None, metavar="KEY",
        help="require 'Authorization: Bearer KEY' on /api and /v1 (default $RAG_API_KEY; none: open, but with "
        "--auth and no key the API refuses every request)",
    )  # fmt: skip
    p.add_argument(
        "--cors", action="append", default=None, metavar="ORIGIN",
        help="let pages from ORIGIN (e.g. https://chat.example.org) call the API from a browser; repeatable; "
        "default: CORS off",
    )  # fmt: skip
    p.add_argument(
        "--workers", type=int, default=None, metavar="N",
        help=f"threads answering API requests (default: one per core, here {default_workers()})",
    )  # fmt: skip
    p.add_argument(
        "--store", default=None, metavar="URI",
        help="search the index's Milvus copy (milvus://host:port or PATH.db; default $RAG_STORE, else FAISS)",
    )  # fmt: skip
    p.add_argument(
        "--reader", default=None, metavar="NAME_OR_PATH",
        help="the reader: a trained reader directory or any HF extractive QA model (default $RAG_READER, else "
        "the shipped reader)",
    )  # fmt: skip
    return p.parse_args(argv)


def server_app(
    backend: Backend, options: ApiOptions | None = None, *, auth: tuple[str, str] | None = None
) -> tuple[Any, gr.Blocks]:
    """What ``main`` serves on one port: the page (``build_app`` over ``backend``) mounted at ``/`` on the
    HTTP API's FastAPI app (``/api``, ``/v1``, ``/docs``); returns the app and the page."""
    demo = build_app(backend=backend)
    app = gr.mount_gradio_app(
        create_api(backend, options),
        demo,
        path="/",
        auth=auth,
        max_file_size=MAX_UPLOAD_BYTES,
        allowed_paths=[],
        footer_links=["api"],
        show_error=False,
    )
    return app, demo


def open_share_link(host: str, port: int) -> str | None:
    """A public Gradio share link to ``host:port`` (the whole server: page, /api, /v1), through Gradio's own
    tunnel (``gradio.networking.setup_tunnel``, what ``launch(share=True)`` calls); None when it fails."""
    from urllib.parse import urlparse, urlunparse

    from gradio import networking

    try:
        url = networking.setup_tunnel(host, port, secrets.token_urlsafe(32), None, None)
    except Exception as exc:  # no network, no tunnel binary, ...: serve locally and say so
        log.warning("could not open a share link: %s", exc)
        return None
    return urlunparse(("https", *urlparse(url)[1:]))


def close_share_links() -> None:
    from gradio.tunneling import CURRENT_TUNNELS

    for tunnel in CURRENT_TUNNELS:
        tunnel.kill()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("rag").setLevel(logging.INFO)
    user, sep, password = (args.auth or "").partition(":")
    if args.auth and not (sep and user and password):
        print("error: --auth expects USER:PASS", file=sys.stderr)
        return 2
    if args.workers is not None and args.workers < 1:
        print("error: --workers must be at least 1", file=sys.stderr)
        return 2
    key = (args.api_key if args.api_key is not None else api_key()).strip()
    backend = Backend(args.index, args.data, store=args.store, reader=args.reader)
    started = time.monotonic()
    try:
        log.info("loaded %r", backend.index())  # a missing index is built here; a damaged one stops here
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    # The model loads (and one question is answered) while the server starts: questions asked in the page
    # meanwhile wait for it; the API answers 503 with Retry-After until it is done.
    warm_up = Background(backend.warm_up)
    options = ApiOptions(
        api_key=key,
        login=bool(args.auth),
        cors=tuple(args.cors or ()),
        workers=args.workers or default_workers(),
        ready=lambda: warm_up.done,
    )
    app, demo = server_app(backend, options, auth=(user, password) if args.auth else None)
    server = HttpServer(app, args.host, args.port)
    try:
        server.start()
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    log.info("serving at %s", server.url)
    log.info(
        "HTTP API: %s/docs; OpenAI-compatible base URL %s/v1 (%s)",
        server.url, server.url, "key required" if key else "no key" if not args.auth else "refused: no key",
    )  # fmt: skip
    if args.share:
        if not key:
            log.warning("--share without --api-key: the share link opens /api and /v1 too")
        share_url = open_share_link(args.host, args.port)
        if share_url:
            log.info("public share link: %s", share_url)
    try:
        error = warm_up.wait()
        if error is not None:
            print(f"error: {error}", file=sys.stderr)
            return 2
        log.info("ready in %.1f s: %r, model loaded", time.monotonic() - started, backend.index())
        server.block()
    except KeyboardInterrupt:
        pass
    finally:
        demo.close()
        server.close()
        close_share_links()
    return 0


if __name__ == "__main__":
    sys.exit(main())
