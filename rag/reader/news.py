"""Synthetic news-statistics examples for training the reader (``rag.reader.train --news N``).

CMRC 2018 and DRCD (Wikipedia) hold not one question of the kind economic news is asked most: 增长了多少
(the rate, not the amount printed beside it), 排第几, 高多少个百分点, nor one whose figure is missing from a
paragraph full of others. A reader trained on them answers 兰州上半年经济增速是多少？ with 926.18亿元.

This module writes paragraphs in the sentence forms of Chinese statistical bulletins — random places,
periods, indicators and numbers, a few indicators a paragraph, each with some of an amount, a growth rate, a
rank and a gap over a wider area — and asks about one slot of one indicator, in words that need not be the
paragraph's (规上 for 规模以上, 经济 for 生产总值). A quarter of the questions ask for a slot the paragraph
does not give (another indicator, or a rank it has not): unanswerable, as SQuAD 2.0 trains them. Seeded; no
text of a real article is used, and the places are none of the seed articles'.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from rag.reader.data import Example
from rag.reader.synthetic import Writer, example

__all__ = ["NEWS_VERSION", "news_examples"]

NEWS_VERSION = 2  # bump when what a seed generates changes (it is recorded in reader.json)

_PLACES = (
    "郑州 洛阳 开封 合肥 芜湖 南昌 赣州 昆明 曲靖 贵阳 遵义 太原 大同 石家庄 唐山 保定 邯郸 沧州 济南 青岛 烟台 潍坊 "
    "临沂 徐州 无锡 常州 扬州 温州 嘉兴 绍兴 台州 泉州 漳州 厦门 南宁 柳州 桂林 海口 西宁 银川 呼和浩特 鄂尔多斯 赤峰 "
    "哈尔滨 大庆 长春 沈阳 大连 鞍山 宜昌 襄阳 株洲 湘潭 岳阳 绵阳 德阳 宜宾 南充 汉中 榆林 延安 咸阳 天水 酒泉 张掖"
).split()
_COUNTIES = "新城区 高新区 经开区 城关区 东湖区 长安区 开发区 滨海新区 龙华区 西湖区".split()
_SCOPES = ("全省", "全区", "全国", "全省市州", "全省11个设区市", "全市各县区")
_PERIODS = ("今年上半年", "1-9月", "前三季度", "一季度", "1-8月", "去年全年", "今年以来", "1-5月", "2021年")
# indicator families: the forms a paragraph prints, the forms a question may use, unit, amount range
_INDICATORS: tuple[tuple[tuple[str, ...], tuple[str, ...], str, tuple[float, float]], ...] = (
    (("地区生产总值", "生产总值", "GDP"), ("生产总值", "GDP", "经济总量"), "亿元", (150, 9000)),
    (("固定资产投资",), ("固定资产投资", "固投"), "亿元", (80, 5000)),
    (("规模以上工业增加值", "规上工业增加值"), ("规上工业增加值", "工业增加值"), "亿元", (40, 3000)),
    (("社会消费品零售总额",), ("社会消费品零售总额", "社消零总额"), "亿元", (60, 4000)),
    (("一般公共预算收入",), ("一般公共预算收入", "财政收入"), "亿元", (10, 900)),
    (("外贸进出口总额", "进出口总额"), ("进出口总额", "外贸进出口"), "亿元", (20, 3000)),
    (("城镇居民人均可支配收入",), ("城镇居民人均可支配收入", "城镇居民收入"), "元", (18000, 62000)),
    (("农村居民人均可支配收入",), ("农村居民人均可支配收入", "农民收入"), "元", (6000, 30000)),
    (("实际利用外资",), ("实际利用外资", "利用外资"), "亿美元", (1, 60)),
    (("粮食总产量",), ("粮食总产量", "粮食产量"), "万吨", (30, 900)),
    (("接待国内外游客",), ("游客接待量", "接待游客"), "万人次", (200, 9000)),
    (("旅游总收入",), ("旅游总收入", "旅游收入"), "亿元", (20, 1500)),
    (("全社会用电量",), ("全社会用电量", "用电量"), "亿千瓦时", (20, 800)),
    (("金融机构人民币存款余额",), ("存款余额", "人民币存款余额"), "亿元", (500, 20000)),
    (("港口货物吞吐量",), ("港口货物吞吐量", "货物吞吐量"), "万吨", (500, 40000)),
    (("房地产开发投资",), ("房地产开发投资", "房地产投资"), "亿元", (30, 2000)),
)
_FILLERS = (
    "全市上下坚持稳中求进工作总基调，统筹推进各项工作。",
    "下一步，将继续加大项目建设力度，推动经济高质量发展。",
    "主要经济指标保持在合理区间，发展质量稳步提升。",
    "面对复杂严峻的外部环境，各项工作扎实推进。",
    "新动能加快成长，民生保障持续加强。",
)
_SLOTS = ("amount", "rate", "rank", "gap")
_QUESTIONS = {
    "amount": (
        "{x}{t}{m}是多少？",
        "{x}{t}{m}多少？",
        "{x}{t}完成{m}多少？",
        "{x}{t}的{m}达到了多少？",
        "{t}{x}{m}有多少？",
        "{x}{m}总量是多少？",
    ),
    "rate": (
        "{x}{t}{m}增长了多少？",
        "{x}{m}增速是多少？",
        "{x}{t}{m}同比增长多少？",
        "{x}{m}的增幅是多少？",
        "{x}{t}{m}比去年同期增长了百分之几？",
        "{x}{m}增长率是多少？",
        "{x}{t}{m}增长幅度有多大？",
    ),
    "fall": ("{x}{t}{m}下降了多少？", "{x}{m}降幅是多少？", "{x}{t}{m}同比下降多少？"),
    "rank": (
        "{x}{m}增幅在{s}排第几？",
        "{x}{m}增速居{s}第几位？",
        "{x}{m}在{s}排名第几？",
        "{x}的{m}增速排{s}第几名？",
    ),
    "gap": (
        "{x}{m}增速比{s}高多少个百分点？",
        "{x}{m}增速高于{s}平均水平多少？",
        "{x}{m}比{s}快多少个百分点？",
    ),
}
_ECONOMY = ("{x}{t}经济增长了多少？", "{x}经济增速是多少？", "{x}{t}经济增长多少？")  # the GDP family's rate
_ECONOMY_GAP = ("{x}经济增长比{s}高多少个百分点？", "{x}经济增速比{s}快多少？", "{x}经济增速高出{s}多少？")


@dataclass
class _Stat:
    family: int
    slots: dict[str, tuple[int, int]]  # slot -> characters of the paragraph
    falls: bool
    scope: str


def _city(place: str) -> str:
    return place if place.endswith("区") else place + "市"  # 高新区, not 高新区市


def _number(rng: random.Random, low: float, high: float) -> str:
    value = rng.uniform(low, high)
    return f"{value:.2f}" if rng.random() < 0.6 else str(round(value))


def _statement(rng: random.Random, w: Writer, family: int, lead: str) -> _Stat:
    forms, _, unit, (low, high) = _INDICATORS[family]
    form = rng.choice(forms)
    falls = rng.random() < 0.12
    scope = rng.choice(_SCOPES)
    slots: dict[str, tuple[int, int]] = {}
    change = "下降" if falls else "增长"
    rate = f"{rng.uniform(0.1, 25):.1f}%"
    pattern = rng.randrange(6)
    w.add(lead)
    if pattern in (0, 1, 2, 5):
        w.add(rng.choice(("实现", "完成", "", "达到")) + form if pattern != 5 else form)
        slots["amount"] = w.add(_number(rng, low, high) + unit)
        w.add(rng.choice(("，同比", "，", "，比上年同期")) + change)
        slots["rate"] = w.add(rate)
    else:
        w.add(form + rng.choice(("同比", "")) + change)
        slots["rate"] = w.add(rate)
    if not falls and pattern in (1, 3):
        w.add(rng.choice(("，增幅居", "，居", "，增速排名")) + scope)
        rank = rng.randint(1, 11)
        slots["rank"] = w.add(f"第{rank}位" if rng.random() < 0.7 else f"第{rank}")
    if not falls and pattern in (2, 4) and rng.random() < 0.35:
        # two gaps in one breath: 分别高于全国、全省4.3和2.0个百分点 (the unit printed once, after the second)
        pair = rng.sample(("全国", "全省", "全区", "全市"), 2)
        pair.sort(key=("全国", "全省", "全区", "全市").index)
        w.add(rng.choice(("，分别高于", "，分别高出", "，分别快于")) + "、".join(pair))
        gaps = [w.add(f"{rng.uniform(0.1, 9.9):.1f}")]
        w.add("和")
        gaps.append(w.add(f"{rng.uniform(0.1, 9.9):.1f}个百分点"))
        asked = rng.randrange(2)
        scope, slots["gap"] = pair[asked], gaps[asked]
    elif not falls and pattern in (2, 4):
        w.add(rng.choice((f"，高于{scope}平均水平", f"，高于{scope}", f"，比{scope}高", f"，快于{scope}")))
        slots["gap"] = w.add(f"{rng.uniform(0.1, 9.9):.1f}个百分点")
    return _Stat(family, slots, falls, scope)


def _paragraph(rng: random.Random, place: str, period: str) -> tuple[str, list[_Stat]]:
    w = Writer()
    if rng.random() < 0.4:
        w.add(rng.choice(_FILLERS))
    city = _city(place)
    w.add(rng.choice(("", "据统计，", f"记者从{city}统计局获悉，")) + period + "，")
    subject = rng.choice((city, place, "全市"))
    families = rng.sample(range(len(_INDICATORS)), rng.randint(2, 4))
    stats = []
    for n, family in enumerate(families):
        lead = subject if n == 0 else rng.choice(("；", "，", "；其中，", "。全市", "。" + subject))
        stats.append(_statement(rng, w, family, lead))
    w.add("。")
    if rng.random() < 0.4:
        w.add(rng.choice(_FILLERS))
    return w.text, stats


def _question(
    rng: random.Random, slot: str, family: int, place: str, period: str, scope: str, falls: bool
) -> str:
    asked = rng.choice(_INDICATORS[family][1])
    forms = _QUESTIONS["fall" if slot == "rate" and falls else slot]
    if slot == "rate" and family == 0 and not falls and rng.random() < 0.4:
        forms = _ECONOMY
    if slot == "gap" and family == 0 and rng.random() < 0.4:
        forms = _ECONOMY_GAP
    city = _city(place)
    x = rng.choice((place, city, city, ""))
    t = period if rng.random() < 0.5 else ""
    return rng.choice(forms).format(x=x, t=t, m=asked, s=scope)


def news_examples(n: int, seed: int) -> list[Example]:
    """``n`` synthetic questions with their paragraphs (about 3 in 4 answerable), deterministic in ``seed``."""
    rng = random.Random(f"news-{seed}")
    out: list[Example] = []
    while len(out) < n:
        i = len(out)
        place = rng.choice(_PLACES)
        if rng.random() < 0.15:
            place += rng.choice(_COUNTIES)
        period = rng.choice(_PERIODS)
        text, stats = _paragraph(rng, place, period)
        stat = rng.choice(stats)
        group = f"news/{seed}/{i}"
        if rng.random() < 0.25:  # unanswerable: an indicator not given, or a slot this one lacks
            given = {s.family for s in stats}
            missing = [s for s in _SLOTS if s not in stat.slots and s != "amount"]
            if missing and rng.random() < 0.4:
                slot, family = rng.choice(missing), stat.family
            else:
                slot, family = (
                    rng.choice(_SLOTS),
                    rng.choice([f for f in range(len(_INDICATORS)) if f not in given]),
                )
            question = _question(rng, slot, family, place, period, stat.scope, False)
            out.append(example(group, question, text, None))
            continue
        slot = rng.choice(list(stat.slots))
        question = _question(rng, slot, stat.family, place, period, stat.scope, stat.falls)
        out.append(example(group, question, text, stat.slots[slot]))
    return out
