"""A Milvus standalone server process for the tests (the ``milvus`` package's server: Milvus 2.3, embedded etcd
and local storage), started on a free loopback port with its data in a temporary folder.

``MilvusProcess(data_dir).start()`` launches it and waits (bounded) for its health endpoint; ``kill()`` sends
SIGKILL (a crash), ``stop()`` ends it, ``start()`` again restarts it on the same port and data. The unpacked
server binaries (≈ 250 MB, unpacked from the package's LZMA files on first use, ≈ 25 s) are kept under
``$RAG_CACHE_DIR/milvus-server/<version>/`` and linked into each data folder, so later sessions start in
≈ 15 s. ``python tests/milvus_server.py`` runs one in the foreground (``make milvus-server``).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

__all__ = ["MilvusProcess", "MilvusUnavailable", "free_port"]

START_TIMEOUT = 120.0  # seconds for the health endpoint to answer OK
_SESSION_TTL = 5  # seconds: a restart after a kill waits for the dead server's etcd sessions to expire
# Internal addresses on loopback (Milvus 2.3 has no listen-address setting: its gRPC ports bind every
# interface; clients here only ever connect to 127.0.0.1).
_LOOPBACK = {f"{part}.ip": "127.0.0.1" for part in ("rootCoord", "proxy", "queryCoord", "queryNode",
                                                     "indexNode", "dataCoord", "dataNode")}  # fmt: skip


class MilvusUnavailable(RuntimeError):
    """The server package is missing or its server cannot start on this machine."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cache_dir(version: str) -> Path:
    root = os.environ.get("RAG_CACHE_DIR") or str(Path.home() / ".cache" / "rag-news")
    return Path(root) / "milvus-server" / version


class MilvusProcess:
    """One ``milvus run standalone`` process; ``uri`` is ``milvus://127.0.0.1:PORT``."""

    def __init__(self, data_dir: Path, port: int | None = None) -> None:
        try:
            import milvus
        except ImportError as exc:
            raise MilvusUnavailable(
                "the `milvus` package (Milvus standalone server) is not installed"
            ) from exc
        self._module = milvus
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.version = str(getattr(milvus, "__version__", "unknown"))
        self._server: object | None = None

    @property
    def uri(self) -> str:
        return f"milvus://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        proc = getattr(self._server, "server_proc", None)
        return None if proc is None else int(proc.pid)

    def _link_binaries(self) -> None:
        """Unpack the binaries once into the cache and link them into the data folder."""
        cache = _cache_dir(self.version)
        self._module._initialize_data_files(str(cache))  # checks md5s; unpacks only what changed
        self.data_dir.mkdir(parents=True, exist_ok=True)
        link = self.data_dir / "bin"
        if not link.exists():
            link.symlink_to(cache / "bin", target_is_directory=True)

    def start(self, timeout: float = START_TIMEOUT) -> MilvusProcess:
        self._link_binaries()
        config = self._module.MilvusServerConfig()
        # the port in the config file itself: the launcher's own bind check moves to the next port when a
        # killed server's connections linger in TIME_WAIT, the server (SO_REUSEADDR) binds it fine
        config.extra_configs.update(
            {**_LOOPBACK, "proxy.port": self.port, "common.session.ttl": _SESSION_TTL}
        )
        server = self._module.MilvusServer(config, wait_for_started=False)
        server.set_base_dir(str(self.data_dir))
        server.listen_port = self.port
        try:
            server.start()
        except Exception as exc:
            raise MilvusUnavailable(f"milvus-server did not launch: {exc}") from exc
        self._server = server
        self._wait_healthy(timeout)
        return self

    def _wait_healthy(self, timeout: float) -> None:
        server = self._server
        url = f"http://127.0.0.1:{server.webservice_port}/healthz"  # type: ignore[attr-defined]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            proc = server.server_proc  # type: ignore[attr-defined]
            if proc is None or proc.poll() is not None:
                raise MilvusUnavailable(f"milvus-server exited during start-up; see {self.data_dir}/logs")
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:
                    if b"OK" in resp.read():
                        return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise MilvusUnavailable(f"milvus-server was not healthy within {timeout:.0f} s")

    def kill(self) -> None:
        """SIGKILL the server (a crash); nothing is flushed."""
        proc = getattr(self._server, "server_proc", None)
        if proc is not None:
            proc.kill()
            proc.wait(timeout=10)
        self.stop()

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            proc = server.server_proc  # type: ignore[attr-defined]
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)
            server.server_proc = None  # type: ignore[attr-defined]
            server.stop()  # type: ignore[attr-defined]  # closes its log files


def main() -> int:  # pragma: no cover - a development helper
    import tempfile

    with tempfile.TemporaryDirectory(prefix="milvus-") as tmp:
        server = MilvusProcess(Path(tmp)).start()
        print(f"Milvus {server.version} at {server.uri} (data {tmp}); Ctrl+C stops it", flush=True)
        proc = getattr(server._server, "server_proc", None)
        with contextlib.suppress(KeyboardInterrupt):
            proc.wait() if proc is not None else None
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
