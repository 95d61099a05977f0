"""The follow-up set (tests/followup_cases.py): every conversation is rewritten as the case accepts."""

from __future__ import annotations

import pytest
from followup_cases import CASES, Case, rewrite_ok

from rag.extract.followup import resolve_followup
from rag.ingest.scripts import detect_script, to_simplified

KINDS = {"place", "person", "date", "attribute", "pronoun", "ellipsis", "new", "chain", "mixed"}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_rewrite(case: Case) -> None:
    resolution = resolve_followup(case.turn, case.history)
    assert rewrite_ok(case, resolution.question), resolution
    assert resolution.changed == (resolution.question != to_simplified(case.turn)), (
        "every change is explained"
    )
    if resolution.changed:
        assert resolution.explain().startswith("追问：")


def test_the_set_covers_what_it_claims() -> None:
    assert len(CASES) >= 30 and len({c.name for c in CASES}) == len(CASES)
    assert {c.kind for c in CASES} == KINDS
    turns = [c.turn for c in CASES]
    assert any(detect_script(t) == "traditional" for t in turns)
    assert any(detect_script(t) == "simplified" for t in turns)
    assert sum(c.answers == ("",) for c in CASES) >= 5  # on-topic questions the seeds do not answer
    assert all(c.article or not c.answers or c.answers == ("",) for c in CASES)


@pytest.mark.parametrize(
    ("expected", "resolved", "ok"),
    [
        (("宝鸡市委书记是谁？",), "宝鸡市委书记是谁", True),  # punctuation does not count
        (("宝鸡市委书记是谁？",), "寶雞市委書記是誰？", True),  # nor the script
        (("宝鸡市委书记是谁？",), "宝鸡市市长是谁？", False),
    ],
)
def test_rewrite_ok_compares_simplified_without_punctuation(expected, resolved, ok) -> None:
    assert rewrite_ok(Case("c", "place", (), "那宝鸡呢？", expected), resolved) is ok


def test_rewrite_ok_by_words() -> None:
    case = Case("c", "pronoun", (), "他…", must=("秦皇岛",), must_not=("他",))
    assert rewrite_ok(case, "秦皇岛市委书记提出了什么？")
    assert not rewrite_ok(case, "他提出了什么？")
