"""The command line with news metadata: ``--since/--until/--outlet`` on search and ask, the new fields in
``--json``, an index built before the news metadata still loading and searching."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import news_fixtures as F

from rag.app.cli import main
from rag.embed import FakeEmbedder
from rag.index import current_generation, load_index
from rag.search import retrieve_from


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli-news")
    F.write_dated_corpus(root / "docs")
    assert (
        main(["index", "--docs", str(root / "docs"), "--index", str(root / "index"), "--model", "fake"]) == 0
    )
    return root / "index"


def test_search_json_carries_date_outlet_url_under_a_filter(built: Path, capsys) -> None:
    capsys.readouterr()
    args = ["search", F.PORT_QUESTION, "--index", str(built), "--json", "--since", "2022", "--until", "2022"]
    assert main(args) == 0
    hits = json.loads(capsys.readouterr().out)["hits"]
    assert hits[0]["article_id"] == "news-port-2022"
    assert {h["published"][:4] for h in hits} == {"2022"}
    assert hits[0]["outlet"] == "人民日报" and hits[0]["url"] == "http://news.example.cn/2022/port1.html"


def test_search_text_says_when_the_filter_matches_nothing(built: Path, capsys) -> None:
    capsys.readouterr()
    assert main(["search", F.PORT_QUESTION, "--index", str(built), "--outlet", "不存在的报社"]) == 0
    assert capsys.readouterr().out.strip() == "(no article matches the filter)"


def test_ask_json_has_the_filters_and_a_bad_date_exits_2(built: Path, capsys) -> None:
    capsys.readouterr()
    assert (
        main(
            [
                "ask",
                F.PORT_QUESTION,
                "--index",
                str(built),
                "--json",
                "--outlet",
                "新华网",
                "--outlet",
                "人民日报",
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["filters"] == {"since": "", "until": "", "outlets": ["新华网", "人民日报"], "articles": 2}
    assert main(["ask", F.PORT_QUESTION, "--index", str(built), "--since", "去年"]) == 2
    assert "error: not a date: '去年'" in capsys.readouterr().err


def test_ingest_shows_the_metadata(tmp_path: Path, capsys) -> None:
    path = F.write_dated_corpus(tmp_path)
    capsys.readouterr()
    assert main(["ingest", str(path)]) == 0
    out = capsys.readouterr().out
    assert "published: 2022-03-06; outlet: 人民日报; url: http://news.example.cn/2022/port1.html" in out


def test_an_index_built_before_news_metadata_still_loads(fake_index_copy: Path) -> None:
    generation = current_generation(fake_index_copy)
    rows = [json.loads(line) for line in (generation / "articles.jsonl").read_text("utf-8").splitlines()]
    old = []
    for row in rows:  # as the code before this change wrote them
        row["reporter"] = row.pop("author")
        del row["published"], row["url"]
        old.append(json.dumps(row, ensure_ascii=False))
    (generation / "articles.jsonl").write_text("\n".join(old) + "\n", encoding="utf-8")
    manifest = json.loads((generation / "manifest.json").read_text("utf-8"))
    del manifest["reprints"]
    (generation / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    index = load_index(fake_index_copy, embedder=FakeEmbedder(dim=64))
    assert index.groups == [] and index.articles["004_b2bfe64d58b7b734"].author == "侯若志"
    assert index.articles["004_b2bfe64d58b7b734"].published == ""
    hits = retrieve_from(index, "皋蘭縣九合鎮的建筑垃圾項目總投資多少？", k=3)
    assert hits and hits[0].article_id == "004_b2bfe64d58b7b734"
    assert retrieve_from(index, "皋蘭縣九合鎮的建筑垃圾項目總投資多少？", since="2020") == []
    shutil.rmtree(fake_index_copy)
