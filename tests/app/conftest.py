"""Serving the HTTP API with the page mounted (``ui.server_app``, what ``python ui.py`` serves) on a free
loopback port, for the API's tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from api_cases import KNOWN, PORT_AMOUNTS, PORT_QUESTION, free_port


@pytest.fixture
def known_reader():  # type: ignore[no-untyped-def]
    """A FakeReader that finds 97.54 for QUESTION, as every caller's default reader for this test."""
    from rag.reader import FakeReader, set_default_reader

    reader = FakeReader(KNOWN)
    set_default_reader(reader)
    return reader  # the autouse default_reader fixture puts its own back afterwards


@pytest.fixture
def port_reader():  # type: ignore[no-untyped-def]
    """A FakeReader that finds the port's figures for PORT_QUESTION (over the ``dated_index``), the oldest
    first, as every caller's default reader for this test."""
    from rag.reader import FakeReader, set_default_reader

    reader = FakeReader({PORT_QUESTION: PORT_AMOUNTS})
    set_default_reader(reader)
    return reader


@pytest.fixture(scope="module")
def serve_api(ui_module: Any) -> Iterator[Callable[..., str]]:
    """``serve_api(backend, auth=None, **ApiOptions fields) -> base URL`` ("http://127.0.0.1:PORT"): serves
    until the module's tests are done (each call its own server)."""
    from rag.app.service import ApiOptions
    from rag.app.serving import HttpServer

    running: list[tuple[Any, Any]] = []

    def serve(backend: Any, *, auth: tuple[str, str] | None = None, **options: Any) -> str:
        app, demo = ui_module.server_app(backend, ApiOptions(**options), auth=auth)
        server = HttpServer(app, "127.0.0.1", free_port())
        server.start()
        running.append((demo, server))
        return server.url

    yield serve
    for demo, server in running:
        demo.close()
        server.close()


@pytest.fixture(scope="module")
def dated_url(
    serve_api: Callable[..., str], dated_index: Any, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """A server over the dated corpus (tests/news_fixtures.py: the port's report in three years and outlets, a
    reprint, other stories), read-only tests only."""
    from rag.app.backend import Backend

    return serve_api(Backend(dated_index, tmp_path_factory.mktemp("uploads")))
