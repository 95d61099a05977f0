"""The one live-index holder: an index directory as it is now, for the API and the chat UI alike.

:meth:`LiveIndex.get` reads ``CURRENT``, builds the index first when it is missing and documents to build
it from are given, loads it, and reloads it when another generation has gone live since; a reloaded index
adopts the previous one's warm embedding model. One holder per (directory, store) in a process
(:func:`live_index`), so every caller shares the loaded index and the model.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path

from rag.index import BuildOptions, Index, build_index, live_generation_name, load_index
from rag.index.migrate import MilvusCopy
from rag.settings import default_store

__all__ = ["LiveIndex", "live_index"]

log = logging.getLogger("rag.app")


class LiveIndex:
    """The live generation of the index at ``directory``, searched in FAISS or, with ``store`` (a Milvus URI),
    in the generation's Milvus copy."""

    def __init__(self, directory: Path, store: str | None = None) -> None:
        self.directory = directory
        self.store = store
        self._lock = threading.Lock()
        self._loaded: tuple[str, Index] | None = None  # (generation name, index)

    def get(self, *, build_from: Sequence[Path] = ()) -> Index:
        """The live index (see the module doc). ``build_from``: documents to build it from when missing
        (copied into Milvus too when ``store`` is given); without them a missing index is an error."""
        with self._lock:
            if build_from and not live_generation_name(self.directory):
                log.info(
                    "no index at %s: building it from %s", self.directory, ", ".join(map(str, build_from))
                )
                build_index(build_from, self.directory, BuildOptions(hook=MilvusCopy(self.store)))
            live = live_generation_name(self.directory)
            if self._loaded is None or self._loaded[0] != live:
                fresh = load_index(self.directory, store=self.store)
                if self._loaded is not None:
                    fresh.adopt_embedder(self._loaded[1].loaded_embedder)  # keep the warm model
                self._loaded = (live, fresh)
            return self._loaded[1]


_holders: dict[tuple[str, str], LiveIndex] = {}
_holders_lock = threading.Lock()


def live_index(directory: Path | str, store: str | None = None) -> LiveIndex:
    """The process's holder of the index at ``directory`` (``store``: default ``$RAG_STORE``, else FAISS)."""
    directory = Path(directory)
    store = store or default_store()
    key = (str(directory.resolve()), store or "")
    with _holders_lock:
        holder = _holders.get(key)
        if holder is None:
            holder = _holders[key] = LiveIndex(directory, store)
        return holder
