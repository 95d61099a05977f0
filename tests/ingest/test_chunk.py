from hypothesis import given, settings
from hypothesis import strategies as st

from rag.ingest.article import parse_article
from rag.ingest.chunk import ChunkParams, chunk_article, split_sentences
from rag.ingest.scripts import matching_view

CHINESE = st.sampled_from(
    list("的一是在不了有和人这中大为上个国我以要他时来用們們說學會經濟發展內蒙古蘭州寶雞")
)
PUNCT = st.sampled_from(list("，。！？；：、“”‘’（）《》…—!?;:,.()\"' "))
ASCII = st.sampled_from(list("abcXYZ0123456789%-"))
TEXT = st.lists(st.one_of(CHINESE, CHINESE, CHINESE, PUNCT, ASCII, st.just("\n")), max_size=600).map("".join)


def test_seed_chunks_exact(seed_articles):
    for a in seed_articles.values():
        chunks = chunk_article(a)
        assert chunks
        for c in chunks:
            assert a.text[c.start : c.end] == c.text
            assert 1 <= c.paragraph <= len(a.paragraphs)
            assert len(c.text) <= 400
            assert [c.start, c.end] == [c.sentences[0].start, c.sentences[-1].end]


def test_closing_quote_stays_with_sentence():
    t = "他说：“好。”然后走了！“是吗？”她问。3.2%的增长……结束"
    assert [t[s.start : s.end] for s in split_sentences(t)] == [
        "他说：“好。”",
        "然后走了！",
        "“是吗？”",
        "她问。",
        "3.2%的增长……",
        "结束",
    ]


def test_long_paragraph_split_on_sentences():
    sentence = "这是一个用于测试的句子，长度大约二十个字。"
    a = parse_article("标题\n" + sentence * 40, article_id="x", source="x")
    chunks = chunk_article(a, ChunkParams(max_chars=100, min_chars=10))
    assert len(chunks) > 1
    assert all(c.text.endswith("。") for c in chunks)
    assert all(c.paragraph == 1 for c in chunks)


def test_short_paragraph_merges_with_neighbour():
    a = parse_article(
        "标题\n短的一段。\n" + "较长的一段文字，内容足够多，超过合并的下限。" * 4, article_id="x", source="x"
    )
    chunks = chunk_article(a, ChunkParams(max_chars=200, min_chars=20))
    assert len(chunks) == 1
    assert chunks[0].text.startswith("短的一段。\n较长的")
    assert chunks[0].paragraph == 1


@settings(max_examples=150, deadline=None)
@given(TEXT)
def test_sentences_cover_text(text):
    spans = split_sentences(text)
    assert "".join(text[s.start : s.end] for s in spans) == text
    assert all(s.start < s.end for s in spans)


@settings(max_examples=150, deadline=None)
@given(TEXT, st.integers(min_value=20, max_value=300))
def test_chunks_cover_paragraphs_in_order(text, max_chars):
    a = parse_article(text, article_id="h", source="h")
    chunks = chunk_article(a, ChunkParams(max_chars=max_chars, min_chars=max_chars // 4))
    pos = 0
    for c in chunks:
        assert a.text[c.start : c.end] == c.text
        assert c.start >= pos
        assert len(c.text) <= max_chars
        pos = c.end
    covered = "".join(c.text for c in chunks)
    body = "".join(a.text[p.start : p.end] for p in a.paragraphs)
    assert covered.replace("\n", "") == body.replace("\n", "")


@settings(max_examples=150, deadline=None)
@given(TEXT)
def test_simplified_view_maps_inside_original(text):
    view = matching_view(text)
    assert len(view.to_original) == len(view.simplified) + 1
    assert list(view.to_original) == sorted(view.to_original)
    for i in range(len(view.simplified)):
        assert 0 <= view.to_original[i] < len(text)
    if text:
        s, e = view.original_span(0, len(view.simplified))
        assert (s, e) == (0, len(text))
