"""Training examples: Traditional files read in Simplified with checked offsets, splits by article, negatives."""

from __future__ import annotations

import json
from pathlib import Path

from rag.ingest.scripts import to_simplified
from rag.reader.data import BigramIndex, add_negatives, load_examples, split_by_article


def test_traditional_paragraphs_are_read_in_simplified_with_remapped_offsets(tiny_squad: Path) -> None:
    examples, stats = load_examples([tiny_squad])
    assert stats == {"questions": 6, "kept": 6, "dropped": 0}
    by_id = {e.qid: e for e in examples}
    lanzhou = by_id["q4"]
    assert lanzhou.context.startswith("兰州市首条建筑垃圾资源化项目总投资")
    assert lanzhou.question == "兰州市项目总投资多少？"
    assert lanzhou.context[lanzhou.answer_start : lanzhou.answer_end] == "3亿元" == lanzhou.answers[0]
    for e in examples:
        assert e.context[e.answer_start : e.answer_end] in e.answers
        assert e.context == to_simplified(e.context)


def test_answers_whose_offsets_do_not_check_are_dropped_and_counted(tmp_path: Path) -> None:
    data = {
        "data": [
            {
                "title": "t",
                "paragraphs": [
                    {
                        "context": "甲乙丙丁。",
                        "qas": [
                            {
                                "id": "ok",
                                "question": "乙？",
                                "answers": [{"text": "乙丙", "answer_start": 1}],
                            },
                            {
                                "id": "absent",
                                "question": "戊？",
                                "answers": [{"text": "戊己", "answer_start": 2}],
                            },
                        ],
                    }
                ],
            }
        ]
    }
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    examples, stats = load_examples([path])
    assert [e.qid for e in examples] == ["ok"]
    assert stats == {"questions": 2, "kept": 1, "dropped": 1}


def test_held_out_split_is_by_whole_articles_and_seeded(tiny_squad: Path) -> None:
    examples, _ = load_examples([tiny_squad])
    train, held = split_by_article(examples, 0.5, seed=1)
    assert {e.group for e in train}.isdisjoint({e.group for e in held})
    assert len(train) + len(held) == len(examples)
    again = split_by_article(examples, 0.5, seed=1)
    assert [e.qid for e in again[1]] == [e.qid for e in held]


def test_negatives_come_from_siblings_and_strangers_and_never_hold_the_answer(tiny_squad: Path) -> None:
    examples, _ = load_examples([tiny_squad])
    negatives = add_negatives(examples, BigramIndex(examples), same=1.0, other=1.0, seed=0)
    assert negatives
    by_id = {e.qid: e for e in examples}
    kinds = set()
    for n in negatives:
        original = by_id[n.qid]
        assert not n.answerable and n.answer_start == -1
        assert n.paragraph != original.paragraph
        assert not any(a in n.context for a in original.answers)
        kinds.add("same" if n.group == original.group else "other")
    assert kinds == {"same", "other"}
