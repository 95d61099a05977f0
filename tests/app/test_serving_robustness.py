"""Serving safety: ``ui.main`` binds loopback by default, shares or binds publicly only when asked, checks
``--auth``, refuses arbitrary files and big uploads (README, "Bad input, faults and load")."""

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
