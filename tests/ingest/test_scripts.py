from rag.ingest.scripts import detect_script, matching_view, to_simplified, to_traditional


def test_taiwan_and_hong_kong_variants_fold():
    assert to_simplified("臺灣的裡面") == "台湾的里面"
    assert to_simplified("內蒙古日報") == "内蒙古日报"
    assert to_simplified("宝鸡市") == "宝鸡市"


def test_view_offsets_point_at_original_characters():
    original = "蘭州市總投資2.58億元"
    view = matching_view(original)
    i = view.simplified.index("亿元")
    s, e = view.original_span(i, i + 2)
    assert original[s:e] == "億元"


def test_detect_script(seed_articles):
    assert detect_script("蘭州市對項目給予全程呵護") == "traditional"
    assert detect_script("兰州市对项目给予全程呵护") == "simplified"
    assert detect_script("蘭州市對項目給予全程呵護。兰州市对项目给予全程呵护。") == "mixed"
    assert to_traditional("发展") == "發展"
