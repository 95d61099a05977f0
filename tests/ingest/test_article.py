import pytest

from rag.ingest.article import derive_title, parse_byline

EXPECTED = {
    # id: (title, subtitle, outlet, author, script, title_derived)
    "000": (
        "講政治 勇擔當 抓落實 促發展 以作風紀律專項整治助力“三個圓滿收官”",
        "訪秦皇島市委書記朱政學",
        "河北日報",
        "郭猛",
        "traditional",
        False,
    ),
    "001": (
        "宝鸡市聚焦问题整改,采取“四动四改”实措",
        "",
        "陕西省宝鸡市党建云平台",
        "田秋林、尚维杰",
        "simplified",
        True,
    ),
    "002": (
        "把內蒙古形象立起來 包頭市作風積弊“大掃除”如火如荼",
        "",
        "內蒙古日報",
        "戴宏、安寅東",
        "traditional",
        False,
    ),
    "003": ("二十届中央纪委三次全会强调", "", "中央纪委国家监委网站", "李张光", "simplified", True),
    "004": ("狠抓落實促發展", "蘭州市全面開展“工作落實年”紀實", "甘肅日報", "侯若志", "traditional", False),
}


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_seed_metadata(seed_articles, key):
    a = seed_articles[key]
    got = (a.title, a.subtitle, a.outlet, a.author, a.script, a.title_derived)
    assert got == EXPECTED[key]
    assert a.id.startswith(key + "_")
    assert a.source.endswith(a.id + ".txt")


def test_lead_and_caption_stay_paragraphs(seed_articles):
    a001, a003 = seed_articles["001"], seed_articles["003"]
    first = a001.paragraphs[0]
    assert a001.text[first.start : first.end].startswith("宝鸡市聚焦问题整改")
    caption = a003.paragraphs[0]
    assert a003.text[caption.start : caption.end].endswith("刘伟 摄")


def test_headings_attach_to_the_paragraph_they_head(seed_articles):
    a = seed_articles["002"]
    headed = [p for p in a.paragraphs if p.heading]
    texts = [a.text[p.heading.start : p.heading.end] for p in headed]
    assert "對準問題開刀\n當下治長久立" in texts
    p = headed[texts.index("對準問題開刀\n當下治長久立")]
    assert p.start == p.heading.start
    assert a.text[p.heading.end + 1 : p.end].startswith("形式主義、官僚主義和懶政問題")
    # a heading is never a paragraph of its own
    assert all(a.text[q.start : q.end] != "對準問題開刀" for q in a.paragraphs)
    a004 = seed_articles["004"]
    assert any(
        a004.text[p.heading.start : p.heading.end] == "“責任清單”倒逼行政效能"
        for p in a004.paragraphs
        if p.heading
    )


def test_paragraphs_are_ordered_and_inside_text(seed_articles):
    for a in seed_articles.values():
        ends = 0
        for p in a.paragraphs:
            assert ends <= p.start < p.end <= len(a.text)
            ends = p.end


def test_low_quality_paragraphs_flagged(seed_articles):
    a = seed_articles["004"]
    flagged = [a.text[p.start : p.end] for p in a.paragraphs if p.low_quality]
    assert any("規;ㄖ幚砭" in t for t in flagged)
    assert not any(p.low_quality for p in seed_articles["000"].paragraphs)


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("河北日報記者郭猛", ("河北日報", "郭猛")),
        ("中央纪委国家监委网站 李张光", ("中央纪委国家监委网站", "李张光")),
        ("記者 戴宏 安寅東", ("", "戴宏、安寅東")),
        ("这是一个普通的括号说明", None),
        ("局長", None),
    ],
)
def test_parse_byline(fragment, expected):
    assert parse_byline(fragment) == expected


def test_derive_title():
    assert derive_title("短导语。后面的句子。") == "短导语"
    long = "宝鸡市聚焦问题整改,采取“四动四改”实措,抓住要害,集中发力,形成合力。"
    assert derive_title(long) == "宝鸡市聚焦问题整改,采取“四动四改”实措"
    assert len(derive_title("一" * 100)) == 31  # hard cut with an ellipsis
