"""The synthetic examples (news statistics, work-report counts) join the training split only."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.reader.train import TrainConfig, _data


@pytest.mark.parametrize("kind", ["news", "reports"])
def test_training_adds_them_to_the_training_split_only(tiny_squad: Path, kind: str) -> None:
    without = _data(TrainConfig(train=(str(tiny_squad),), out="", heldout=0.5))
    added = _data(TrainConfig(train=(str(tiny_squad),), out="", heldout=0.5, **{kind: 30}))
    assert added[kind] == 30 and without[kind] == 0
    assert len(added["train"]) == len(without["train"]) + 30
    assert added["held"] == without["held"]  # calibration and early stopping stay on real questions
