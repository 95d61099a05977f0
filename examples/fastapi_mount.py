"""Serve the chat UI inside an existing FastAPI application, under ``/qa``.

    .venv/bin/python examples/fastapi_mount.py [--host 127.0.0.1] [--port 8000] [--index DIR]

The page is then at http://127.0.0.1:8000/qa/ and its API at the same base URL::

    from gradio_client import Client
    Client("http://127.0.0.1:8000/qa/").predict("秦皇島市委書記是誰？", api_name="/ask")

The other way to embed the UI is inside another ``gr.Blocks``::

    with gr.Blocks() as host:
        gr.Markdown("# My site")
        build_app().render()
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["create_app", "main"]

ROOT = Path(__file__).resolve().parents[1]


def create_app(index: Any = None, *, path: str = "/qa", data_dir: Path | str | None = None) -> Any:
    """A FastAPI app with its own routes and the chat UI (page and API) mounted at ``path``."""
    import gradio as gr
    from fastapi import FastAPI
    from fastapi.responses import RedirectResponse

    from ui import MAX_UPLOAD_BYTES, build_app

    app = FastAPI(title="news QA host")

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok", "qa": f"{path}/"}

    @app.get("/")
    def home() -> RedirectResponse:
        return RedirectResponse(f"{path}/")

    return gr.mount_gradio_app(
        app,
        build_app(index, data_dir=data_dir),
        path=path,
        max_file_size=MAX_UPLOAD_BYTES,
        allowed_paths=[],
        footer_links=["api"],
    )


def main(argv: Sequence[str] | None = None) -> int:
    import uvicorn

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--index", type=Path, default=None)
    args = p.parse_args(argv)
    print(f"serving at http://{args.host}:{args.port}/qa/", file=sys.stderr)
    uvicorn.run(create_app(args.index), host=args.host, port=args.port)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))  # ui.py lives in the repository root
    sys.exit(main())
