"""Synthetic work-report examples for training the reader (``rag.reader.train --reports N``).

Chinese government and party news counts things: 清退…312户、705人, 明确4个方面18项重点任务, 建立…等5项工作
机制, 排查问题216个、已办结180个, 查处…37起、处理52人. Its questions ask for one count by its measure word
(多少户, 几项, 几个方面) and expect the number with that word: ``312户``, not the list of households and
people, not the names of the mechanisms printed before 等5项. CMRC 2018 and DRCD (Wikipedia) hold few such
sentences, so a reader trained on them answers 建立了几项工作机制？ with the enumeration.

This module writes paragraphs of two to four such facts, for random places and organs, and asks about one
count in words that need not be the paragraph's (清退 asked as 取消, 办结 as 解决). A quarter of the questions
ask for a count the paragraph does not give: unanswerable, as SQuAD 2.0 trains them. Seeded; no text of a real
article is used, and none of the seed articles' places or counted nouns.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from rag.reader.data import Example
from rag.reader.synthetic import Writer, example

__all__ = ["REPORTS_VERSION", "report_examples"]

REPORTS_VERSION = 1  # bump when what a seed generates changes (it is recorded in reader.json)

_PLACES = "郑州 洛阳 合肥 南昌 昆明 贵阳 太原 唐山 保定 济南 潍坊 徐州 温州 泉州 南宁 柳州 银川 赤峰 大庆 长春 鞍山 宜昌 株洲 绵阳 汉中 榆林 天水 张掖".split()
_ORGANS = ("市纪委监委", "市委", "市委组织部", "市民政局", "市人社局", "市市场监管局", "市住建局")
# A fact: its sentence, where each slot {n1}… is a number followed by its measure word; the slots' numbers
# (in proportion: people no fewer than households, problems solved no more than found); questions per slot
_Fact = tuple[str, dict[str, int], dict[str, tuple[str, ...]]]


def _households(rng: random.Random) -> _Fact:
    obj = rng.choice(("困难补助对象", "临时救助对象", "特困供养对象", "危房改造对象", "惠农补贴对象"))
    verb, asked = rng.choice((("清退", "取消"), ("清理", "清退"), ("核减", "减少"), ("新纳入", "纳入")))
    return (
        f"{verb}不符合条件的{obj}{{n1}}户、{{n2}}人"
        if verb != "新纳入"
        else f"{verb}{obj}{{n1}}户、{{n2}}人",
        _grow(rng, "n1", "n2", rng.randint(20, 9000), 1.2, 3.5),
        {
            "n1": (f"{{x}}{asked}了多少户{obj}？", f"{{x}}{verb}的{obj}有多少户？", f"{asked}了几户{obj}？"),
            "n2": (f"{{x}}{verb}的{obj}涉及多少人？", f"{asked}了多少名{obj}？"),
        },
    )


def _aspects(rng: random.Random) -> _Fact:
    thing = rng.choice(("重点任务", "工作措施", "攻坚任务", "整改事项", "考核指标", "监督内容"))
    a, b = rng.sample(
        ("优化营商环境", "保障改善民生", "防范化解风险", "推动乡村振兴", "加强基层治理", "促进就业创业"), 2
    )
    verb = rng.choice(("明确", "梳理", "确定", "列出"))
    return (
        f"{verb}“{a}”“{b}”等{{n1}}个方面{{n2}}项{thing}",
        _grow(rng, "n1", "n2", rng.randint(3, 9), 2.0, 6.0),
        {
            "n1": (
                f"{{x}}{verb}的{thing}涉及几个方面？",
                f"{thing}分为几个方面？",
                f"{{x}}{verb}了几个方面的{thing}？",
            ),
            "n2": (f"{{x}}{verb}了多少项{thing}？", f"{thing}共有几项？", f"{{x}}{verb}了几项{thing}？"),
        },
    )


def _mechanisms(rng: random.Random) -> _Fact:
    thing = rng.choice(("工作机制", "联动机制", "管理制度", "配套制度", "服务举措"))
    items = rng.sample(
        ("首问负责", "限时办结", "情况通报", "定期调度", "跟踪问效", "一线督办", "台账管理"), 3
    )
    verb = rng.choice(("建立", "完善", "推行", "出台"))
    return (
        f"{verb}{'、'.join(items)}等{{n1}}项{thing}",
        {"n1": rng.randint(3, 15)},
        {"n1": (f"{{x}}{verb}了几项{thing}？", f"{{x}}{verb}了多少项{thing}？", f"{verb}的{thing}有几项？")},
    )


def _problems(rng: random.Random) -> _Fact:
    kind = rng.choice(("问题", "问题线索", "群众诉求", "信访事项", "安全隐患"))
    found, asked_found = rng.choice(
        (("排查", "排查出"), ("梳理", "梳理出"), ("发现", "发现"), ("收集", "收到"))
    )
    done, asked_done = rng.choice(
        (("整改", "整改"), ("办结", "解决"), ("化解", "化解"), ("销号", "整改到位"))
    )
    return (
        f"共{found}{kind}{{n1}}个，已{done}{{n2}}个",
        _grow(rng, "n1", "n2", rng.randint(30, 3000), 0.5, 0.98),
        {
            "n1": (f"{{x}}{asked_found}了多少个{kind}？", f"{{x}}共{found}{kind}多少个？"),
            "n2": (f"{{x}}已{asked_done}了多少个{kind}？", f"{kind}已{done}多少个？"),
        },
    )


def _cases(rng: random.Random) -> _Fact:
    kind = rng.choice(
        ("违反中央八项规定精神问题", "形式主义官僚主义问题", "群众身边腐败问题", "违规吃喝问题")
    )
    return (
        f"查处{kind}{{n1}}起，处理{{n2}}人，其中给予党纪政务处分{{n3}}人",
        {
            **_grow(rng, "n1", "n2", n := rng.randint(5, 400), 1.1, 1.8),
            "n3": max(1, round(n * rng.uniform(0.3, 0.9))),
        },
        {
            "n1": (f"{{x}}查处了多少起{kind}？", f"{{x}}查处{kind}几起？"),
            "n2": (f"{{x}}查处{kind}处理了多少人？", "处理了多少人？"),
            "n3": ("多少人受到党纪政务处分？", "{x}给予党纪政务处分多少人？"),
        },
    )


def _cadres(rng: random.Random) -> _Fact:
    level = rng.choice(("中层", "乡镇", "处级", "股级"))
    move = rng.choice(("调整岗位", "组织处理", "诫勉谈话"))
    return (
        f"对{{n1}}名履职不力的{level}干部{move}，提拔重用{{n2}}名实绩突出的干部",
        {"n1": rng.randint(2, 60), "n2": rng.randint(3, 150)},
        {
            "n1": (f"{{x}}对几名{level}干部{move}？", f"{{x}}有多少名履职不力的干部被{move}？"),
            "n2": ("{x}提拔重用了多少名干部？", "提拔重用了几名干部？"),
        },
    )


_FACTS: tuple[Callable[[random.Random], _Fact], ...] = (
    _households,
    _aspects,
    _mechanisms,
    _problems,
    _cases,
    _cadres,
)


def _grow(rng: random.Random, first: str, second: str, n: int, low: float, high: float) -> dict[str, int]:
    """Two counts, the second a random multiple of the first (people per household, solved per found)."""
    return {first: n, second: max(1, round(n * rng.uniform(low, high)))}


def _fill(w: Writer, sentence: str, numbers: dict[str, int]) -> dict[str, tuple[int, int]]:
    """Write ``sentence`` with each slot replaced by its number; slot -> the number with the measure word
    after it, in characters of the paragraph."""
    spans = {}
    pos = 0
    while (i := sentence.find("{", pos)) >= 0:
        j = sentence.index("}", i)
        w.add(sentence[pos:i])
        start, end = w.add(str(numbers[sentence[i + 1 : j]]))
        spans[sentence[i + 1 : j]] = (start, end + 1)
        pos = j + 1
    w.add(sentence[pos:])
    return spans


def report_examples(n: int, seed: int) -> list[Example]:
    """``n`` synthetic count questions with their paragraphs (about 3 in 4 answerable), deterministic in ``seed``."""
    rng = random.Random(f"reports-{seed}")
    out: list[Example] = []
    while len(out) < n:
        place = rng.choice(_PLACES)
        organ = rng.choice(_ORGANS)
        chosen = rng.sample(range(len(_FACTS)), rng.randint(2, 4))
        w = Writer()
        w.add(rng.choice(("", "今年以来，", "专项行动开展以来，")) + place + organ)
        facts: list[tuple[dict[str, tuple[int, int]], dict[str, tuple[str, ...]]]] = []
        for k, index in enumerate(chosen):
            sentence, numbers, questions = _FACTS[index](rng)
            w.add(rng.choice(("", "，") if k == 0 else ("；", "。", "，")))
            facts.append((_fill(w, sentence, numbers), questions))
        w.add("。")
        text = w.text
        group = f"reports/{seed}/{len(out)}"
        x = rng.choice((place, place + organ, "", ""))
        if rng.random() < 0.25:  # unanswerable: a count of a kind of fact the paragraph does not give
            absent = [i for i in range(len(_FACTS)) if i not in chosen]
            _, _, questions = _FACTS[rng.choice(absent)](rng)
            question = rng.choice(questions[rng.choice(list(questions))]).format(x=x)
            out.append(example(group, question, text, None))
            continue
        spans, questions = rng.choice(facts)
        slot = rng.choice(list(spans))
        question = rng.choice(questions[slot]).format(x=x)
        out.append(example(group, question, text, spans[slot]))
    return out
