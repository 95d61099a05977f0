import math

import pytest

from rag.metrics import exact_match, f1_score, mixed_segmentation, mrr_at_k, percentile, recall_at_k

# Cases from the definition in CMRC 2018's official cmrc2018_evaluate.py (mixed_segmentation, remove_punctuation,
# find_lcs, calc_f1_score, calc_em_score).


def test_segmentation_is_one_token_per_han_character_and_treebank_words_for_the_rest():
    assert mixed_segmentation("Hello, 世界 GDP增长3.2%！", rm_punc=True) == [
        "hello",
        ",",
        "世",
        "界",
        "gdp",
        "增",
        "长",
        "3.2",
        "%",  # ASCII "," is not on the list: a token
    ]
    assert mixed_segmentation("《戰國無雙3》", rm_punc=True) == ["戰", "國", "無", "雙", "3"]
    # without rm_punc the listed punctuation stays, as tokens of its own
    assert mixed_segmentation("光荣和ω-force") == ["光", "荣", "和", "ω", "-", "force"]
    assert mixed_segmentation("光荣和ω-force", rm_punc=True) == ["光", "荣", "和", "ωforce"]
    assert mixed_segmentation("ＡＢＣ １２", rm_punc=True) == ["ａｂｃ", "１２"]  # no width folding
    assert mixed_segmentation("，。！", rm_punc=True) == []
    assert mixed_segmentation("don't stop") == ["do", "n't", "stop"]  # NLTK's Treebank rules


def test_f1_hand_computed():
    assert f1_score("北京大学", ["北京"]) == pytest.approx(2 / 3)  # P 2/4, R 2/2
    assert f1_score("在北京", ["北京市"]) == pytest.approx(2 / 3)  # common run 北京: P 2/3, R 2/3
    assert f1_score("the Nexon company", ["Nexon"]) == pytest.approx(0.5)  # P 1/3, R 1
    # the longest common *contiguous* run: 京北 vs 北京 shares one character at a time
    assert f1_score("京北", ["北京"]) == pytest.approx(0.5)
    assert f1_score("1966年生", ["1966年"]) == pytest.approx(0.8)  # P 2/3, R 1
    assert f1_score("上海", ["北京"]) == 0.0
    assert f1_score("", ["北京"]) == 0.0
    assert f1_score("北京", []) == 0.0


def test_f1_and_em_take_the_best_gold_answer():
    assert f1_score("1999年", ["1999", "1999年"]) == 1.0
    assert f1_score("1999年", ["1999"]) == pytest.approx(2 / 3)  # tokens 1999 年 vs 1999
    assert exact_match("1999年", ["1999", "1999年"]) == 1.0


def test_exact_match_removes_only_the_scripts_punctuation():
    assert exact_match("《战国无双3》", ["战国无双3"]) == 1.0
    assert exact_match(" Nexon公司 ", ["nexon公司"]) == 1.0  # lower-cased and stripped
    assert exact_match("Nexon 公司", ["nexon公司"]) == 0.0  # a space inside counts
    assert exact_match("３", ["3"]) == 0.0  # so does full width
    assert exact_match("光荣和ω-force", ["光荣和ωforce"]) == 1.0  # "-" is on the list
    assert exact_match("光荣", ["光荣和ω-force"]) == 0.0
    assert exact_match("他说…", ["他说"]) == 0.0  # the list has "……", not "…"
    assert exact_match("", ["北京"]) == 0.0
    assert exact_match("，", ["。"]) == 1.0  # both empty once the punctuation is gone, as in the script


def test_recall_and_mrr():
    ranks = [1, 3, None, 6]
    assert recall_at_k(ranks, 1) == 0.25
    assert recall_at_k(ranks, 5) == 0.5
    assert recall_at_k(ranks, 20) == 0.75
    assert mrr_at_k(ranks, 5) == pytest.approx((1 + 1 / 3) / 4)
    assert mrr_at_k(ranks, 20) == pytest.approx((1 + 1 / 3 + 1 / 6) / 4)
    assert recall_at_k([], 5) == 0.0 and mrr_at_k([], 5) == 0.0
    with pytest.raises(ValueError, match="k must be at least 1"):
        recall_at_k(ranks, 0)


def test_percentile_interpolates_like_numpy():
    assert percentile([4, 1, 3, 2], 50) == 2.5
    assert percentile([1, 2, 3, 4, 5], 95) == pytest.approx(4.8)
    assert percentile([10], 95) == 10
    assert percentile([1, 2, 3], 0) == 1 and percentile([1, 2, 3], 100) == 3
    assert math.isnan(percentile([], 50))
    with pytest.raises(ValueError):
        percentile([1], 101)
