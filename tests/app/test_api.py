"""rag.answer / rag.retrieve / rag.get_index as scripts use them (rag.app.api), and rag.timing's stage breakdown."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

import rag
from rag.embed import FakeEmbedder
from rag.index import WriteOptions, update_index
from rag.timing import STAGES, record, stage
from rag.types import Answer

QUESTION = "秦皇島市委書記是誰？"


def test_the_top_level_functions_survive_their_submodules_being_imported(fake_index_copy: Path) -> None:
    # no submodule has the name of a function, so none can replace it, whatever is imported first
    assert importlib.util.find_spec("rag.answer") is None and importlib.util.find_spec("rag.retrieve") is None
    importlib.import_module("rag.extract")  # the stages that define them, imported again: still the functions
    importlib.import_module("rag.search")
    for _ in range(2):
        answer = rag.answer(QUESTION, index=fake_index_copy)
        assert isinstance(answer, Answer) and answer.question == QUESTION
        hits = rag.retrieve(QUESTION, 3, index=fake_index_copy)
        assert [h.rank for h in hits] == [1, 2, 3]


def test_get_index_reuses_until_the_generation_changes(fake_index_copy: Path, seed_articles) -> None:
    first = rag.get_index(fake_index_copy)
    assert rag.get_index(fake_index_copy) is first
    embedder = first.embedder  # loaded (fake) model
    update_index(
        fake_index_copy, remove=[seed_articles["004"].id], options=WriteOptions(embedder=FakeEmbedder(dim=64))
    )
    second = rag.get_index(fake_index_copy)
    assert second is not first and len(second.articles) == len(first.articles) - 1
    assert second._embedder is embedder  # the warm model is kept across updates


def test_record_gives_each_stage_of_an_answer(fake_index_copy: Path) -> None:
    rag.answer(QUESTION, index=fake_index_copy)  # warm
    with record() as timings:
        rag.answer(QUESTION, index=fake_index_copy)
    assert set(timings) == set(STAGES)
    assert all(v >= 0 for v in timings.values()) and timings["extract"] > 0


def test_stages_outside_record_are_not_kept() -> None:
    with stage("embed"):
        pass
    with record() as timings:
        pass
    assert timings == {}
    with record() as outer:
        with stage("dense"):
            with record() as inner:
                with stage("keyword"):
                    pass
    assert set(inner) == {"keyword"} and set(outer) == {"dense"}


def test_threads_asking_at_once_share_one_model(fake_index_copy: Path, monkeypatch) -> None:
    import threading
    import time

    import rag.embed.load
    from rag.index import load_index

    calls = []

    def slow_load(name):  # type: ignore[no-untyped-def]
        calls.append(name)
        time.sleep(0.3)
        return FakeEmbedder(dim=64)

    monkeypatch.setattr(rag.embed.load, "load_embedder", slow_load)
    index = load_index(fake_index_copy)
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(index.embedder)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len(seen) == 4 and all(e is seen[0] for e in seen)
