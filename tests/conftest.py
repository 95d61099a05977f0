from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(autouse=True)
def default_reader(request: pytest.FixtureRequest):
    """The reader ``answer_from`` uses when none is named: in fast tests a FakeReader that knows no question
    (so every answer there is "not found" unless a test passes its own reader); in tests marked ``slow``, the
    shipped trained reader, as users get it."""
    from rag.reader import FakeReader, load_reader, set_default_reader

    slow = request.node.get_closest_marker("slow") is not None
    set_default_reader(None if slow else FakeReader({}))
    yield load_reader()
    set_default_reader(None)


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def seed_articles():
    from rag.ingest import read_article

    return {p.stem[:3]: read_article(p) for p in sorted(SEEDS.glob("*.txt"))}


# --- UI tests (tests/test_ui.py, tests/test_ui_browser.py) ---------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def unused_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def ui_module():
    """``ui.py`` from the repository root (not an installed module)."""
    import sys

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import ui

    return ui


@pytest.fixture(scope="session")
def benchmark_module():
    """Import a script of ``benchmarks/`` by name (they import each other by bare name, so the folder is on
    ``sys.path`` only while importing)."""
    import importlib
    import sys

    def load(name: str):  # type: ignore[no-untyped-def]
        sys.path.insert(0, str(ROOT / "benchmarks"))
        try:
            return importlib.import_module(name)
        finally:
            sys.path.remove(str(ROOT / "benchmarks"))

    return load


@pytest.fixture(scope="session")
def fake_seed_index(tmp_path_factory) -> Path:
    """The seeds indexed with FakeEmbedder(dim=64), built once per session: copy it before changing it."""
    from rag.embed import FakeEmbedder
    from rag.index import BuildOptions, build_index

    directory = tmp_path_factory.mktemp("fake-seed-index") / "index"
    build_index([SEEDS], directory, BuildOptions(embedder=FakeEmbedder(dim=64)))
    return directory


@pytest.fixture(scope="session")
def dated_index(tmp_path_factory):
    """``tests/news_fixtures.py``'s dated corpus (a port's yearly report in three years and outlets, a reprint,
    other stories) indexed with FakeEmbedder(dim=64) and loaded, once per session: read it, never change it."""
    import news_fixtures

    from rag.embed import FakeEmbedder
    from rag.index import BuildOptions, build_index, load_index

    root = tmp_path_factory.mktemp("dated")
    news_fixtures.write_dated_corpus(root / "docs")
    build_index([root / "docs"], root / "index", BuildOptions(embedder=FakeEmbedder(dim=64)))
    return load_index(root / "index", embedder=FakeEmbedder(dim=64))


@pytest.fixture
def fake_index_copy(fake_seed_index: Path, tmp_path: Path) -> Path:
    """A private, writable copy of ``fake_seed_index``."""
    import shutil

    return Path(shutil.copytree(fake_seed_index, tmp_path / "index"))


@pytest.fixture(scope="session")
def real_embedder():
    """The real default model, loaded and warmed up once per session."""
    from rag.embed import load_embedder

    embedder = load_embedder()
    embedder.encode_query(["预热"])
    return embedder


@pytest.fixture(scope="session")
def real_seed_index(real_embedder) -> Path:
    """The seeds indexed with the real model. Kept between runs under the cache directory: ``build_index`` is
    incremental and checks model, chunking and article hashes, so a later run only verifies it."""
    from rag.index import BuildOptions, build_index
    from rag.settings import cache_dir

    directory = cache_dir() / "test-indexes" / "seeds"
    build_index([SEEDS], directory, BuildOptions(embedder=real_embedder, lock_wait=900))
    return directory


@pytest.fixture
def launch_ui():
    """``launch(blocks) -> base URL``: serves a Gradio app on a free loopback port until the test ends."""
    launched = []

    def launch(blocks):
        _, url, _ = blocks.launch(
            server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True
        )
        launched.append(blocks)
        return url

    yield launch
    for blocks in launched:
        blocks.close()


# --- robustness tests (tests/*/test_*_robustness.py) ---------------------------------------------------


@pytest.fixture(scope="module")
def file_50mb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.txt"
    block = ("星河市举办灯光节。" * 40_000).encode("utf-8")  # ~1 MB
    with path.open("wb") as f:
        while f.tell() < 50 * 2**20:
            f.write(block)
    return path


# --- readers ------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def tiny_qa_model(tmp_path_factory) -> Path:
    """A tiny random Hugging Face QA model (rag.reader.fake.save_random_qa_model) in a temp dir."""
    from rag.reader.fake import save_random_qa_model

    return save_random_qa_model(tmp_path_factory.mktemp("tiny-qa"))


@pytest.fixture(scope="session")
def make_tiny_qa_model():
    """``save_random_qa_model(directory, seed=...)``, for tests that need another one."""
    from rag.reader.fake import save_random_qa_model

    return save_random_qa_model


# --- a Milvus server process (tests/milvus_server.py) ----------------------------------------------------


@pytest.fixture(scope="session")
def milvus_server(tmp_path_factory: pytest.TempPathFactory):
    """One Milvus 2.3 standalone server for the session (``milvus-server`` of the ``milvus`` package) on a free
    loopback port, its data in a temp dir; stopped at the end. Skipped, saying why, only where the package is
    missing or its server cannot start on this machine."""
    from milvus_server import MilvusProcess, MilvusUnavailable

    try:
        server = MilvusProcess(tmp_path_factory.mktemp("milvus-server")).start()
    except MilvusUnavailable as exc:
        pytest.skip(f"no Milvus server process here: {exc}")
    yield server
    server.kill()  # its data is a temp dir: no need to wait for a clean shutdown
