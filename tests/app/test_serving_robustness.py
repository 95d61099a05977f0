"""Serving safety: ``ui.main`` binds loopback by default, shares or binds publicly only when asked, checks
``--auth``, refuses arbitrary files and big uploads (README, "Bad input, faults and load"); the HTTP API beside
the page keeps to the same rules (tests/app/test_http_api.py has the API's own)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from robust_cases import article, free_port, generation_of

ROOT = Path(__file__).resolve().parents[2]


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
    from rag.app.serving import HttpServer

    def never(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("served")

    monkeypatch.setattr(HttpServer, "start", never)
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

    from rag.app.serving import HttpServer

    seen: dict[str, Any] = {"share": False}
    mount = gr.mount_gradio_app

    def recording_mount(app: Any, blocks: Any, **kwargs: Any) -> Any:
        seen.update(kwargs)
        return mount(app, blocks, **kwargs)

    def start(self: Any, timeout: float = 60.0) -> None:
        seen["server_name"], seen["server_port"] = self.host, self.port

    def share(host: str, port: int) -> str:
        seen["share"] = True
        return "https://x.gradio.live"

    monkeypatch.setattr(gr, "mount_gradio_app", recording_mount)
    monkeypatch.setattr(HttpServer, "start", start)
    monkeypatch.setattr(HttpServer, "block", lambda self: None)
    monkeypatch.setattr(ui_module, "open_share_link", share)
    assert ui_module.main([*argv, "--index", str(fake_seed_index), "--data", str(tmp_path / "up")]) == 0
    assert {k: seen[k] for k in expected} == expected
    assert seen["allowed_paths"] == [] and seen["max_file_size"] == ui_module.MAX_UPLOAD_BYTES
    assert seen["path"] == "/" and seen["server_port"] == 7860


def test_share_link_tunnels_to_the_whole_server(
    ui_module: Any, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    from gradio import networking

    calls = []

    def tunnel(host: str, port: int, token: str, address: Any, certificate: Any) -> str:
        calls.append((host, port))
        return "http://abc.gradio.live"

    monkeypatch.setattr(networking, "setup_tunnel", tunnel)
    assert ui_module.open_share_link("127.0.0.1", 7860) == "https://abc.gradio.live"
    assert calls == [("127.0.0.1", 7860)]

    def broken(*args: Any) -> str:
        raise RuntimeError("Could not get share link from Gradio API Server.")

    monkeypatch.setattr(networking, "setup_tunnel", broken)
    assert ui_module.open_share_link("127.0.0.1", 7860) is None
    assert "could not open a share link: Could not get share link" in caplog.text


def _serve(
    ui_module: Any, argv: list[str], check: Callable[[str], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``ui.main(argv)`` for real on a free loopback port; ``check(base_url)`` runs while it serves."""
    from rag.app.serving import HttpServer

    port = free_port()
    ran = []

    def block(self: Any) -> None:
        check(f"http://127.0.0.1:{port}")
        ran.append(True)

    monkeypatch.setattr(HttpServer, "block", block)
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
            str(generation_of(fake_index_copy) / "manifest.json"),
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
