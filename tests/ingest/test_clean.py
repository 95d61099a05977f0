import re

import pytest

from rag.ingest.clean import clean_text, find_mojibake, strip_ruby

RUBY_AFTER_HAN = re.compile(r"[\u4e00-\u9fff][(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,7}[)）]")


def test_ruby_examples():
    assert strip_ruby("內(nèi)蒙古") == "內蒙古"
    assert strip_ruby("作風(fēng)建設(shè)") == "作風建設"
    # not after a Han character, or not pinyin: untouched
    assert strip_ruby("(nèi)") == "(nèi)"
    assert strip_ruby("縣(區)") == "縣(區)"
    assert strip_ruby("書記(局長)") == "書記(局長)"
    assert strip_ruby("GDP(abc123)") == "GDP(abc123)"


def test_ruby_stripped_from_002_and_004(seeds_dir):
    for name in ("002", "004"):
        raw = next(seeds_dir.glob(f"{name}_*.txt")).read_text("utf-8")
        assert RUBY_AFTER_HAN.search(raw), "fixture sanity: the raw seed has annotations"
        assert not RUBY_AFTER_HAN.search(clean_text(raw))


@pytest.mark.parametrize("name", ["000", "001", "003"])
def test_clean_seeds_without_ruby_unchanged(seeds_dir, name):
    raw = next(seeds_dir.glob(f"{name}_*.txt")).read_text("utf-8")
    assert clean_text(raw) == "\n".join(line.strip() for line in raw.splitlines() if line.strip())


def test_fullwidth_and_odd_whitespace():
    assert clean_text("ＧＤＰ增長１２．５％") == "GDP增長12．5％"  # letters/digits to ASCII, punctuation kept
    assert clean_text("甲\u3000乙\u00a0丙\u200b丁\x07") == "甲 乙 丙丁"
    assert clean_text("第一段。\r\n\r\n  第二段，好。  ") == "第一段。\n第二段，好。"


def test_mojibake_marked_not_removed(seed_articles):
    a = seed_articles["004"]
    assert "規;ㄖ幚砭項目" in a.text
    bad = [a.text[s.start : s.end] for s in a.low_quality]
    assert any("ㄖ幚砭" in b for b in bad)
    assert any("绷钠鹛m" in b for b in bad)
    assert seed_articles["002"].low_quality  # torn annotations such as 勇?lián)?dāng)
    for clean in ("000", "001", "003"):
        assert seed_articles[clean].low_quality == ()


def test_find_mojibake_spans_stay_on_their_line():
    text = "第一行很正常。\n起步?jīng)_刺、開局爭先。"
    (span,) = find_mojibake(text)
    assert text[span.start : span.end].startswith("起步")
    assert "\n" not in text[span.start : span.end]
