"""Bad documents read by ``read_article``: each refused with the reason a user sees (README, "Bad input, faults
and load")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from robust_cases import BAD_DOCUMENTS

from rag.errors import DocumentError
from rag.ingest import MAX_DOCUMENT_BYTES, ingest, read_article


@pytest.mark.parametrize("case", BAD_DOCUMENTS, ids=[d[0] for d in BAD_DOCUMENTS])
def test_bad_document_through_read_article(tmp_path: Path, case: tuple[str, str, bytes, str]) -> None:
    _, name, data, reason = case
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(DocumentError, match=re.escape(reason)) as info:
        read_article(path)
    assert str(info.value).startswith(f"{path}: ")  # the message names the file
    result = ingest([tmp_path])  # a folder with it: reported as skipped, the rest goes on
    assert result.articles == [] and [s.source for s in result.skipped] == [str(path)]


def test_50mb_document_through_read_article(file_50mb: Path) -> None:
    size = file_50mb.stat().st_size
    assert size > MAX_DOCUMENT_BYTES
    with pytest.raises(DocumentError) as info:
        read_article(file_50mb)
    assert str(info.value) == f"{file_50mb}: {size / 1e6:.1f} MB is over the 20 MB limit"
    skipped = ingest([file_50mb]).skipped
    assert [s.reason for s in skipped] == [f"{size / 1e6:.1f} MB is over the 20 MB limit"]
