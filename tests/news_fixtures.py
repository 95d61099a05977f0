"""News files with known metadata, made here (nothing downloaded): saved pages in the layouts of real news
sites (Xinhua, People's Daily, Sina, Sohu, NetEase, China News, The Paper, CNA and the Liberty Times in
Traditional Chinese; GB2312/GBK and Big5 pages among them), pages whose date is only in the URL or nowhere,
plain-text files with datelines, and JSONL/CSV archives. Each comes with its gold ``published`` and ``outlet``.

Used by the ingest tests and by ``benchmarks/news_meta.py`` (which measures how many dates and outlets are
read right, and that no date is invented).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rag.ingest.scripts import to_traditional

__all__ = ["STORIES", "Case", "write_archives", "write_pages", "write_texts"]

STORIES: dict[str, tuple[str, list[str]]] = {
    "solar": (
        "兰州新区光伏产业园一期项目建成投产",
        [
            "兰州新区光伏产业园一期项目日前建成投产，项目总投资12.6亿元，装机容量达到300兆瓦，预计年发电量4.2亿千瓦时。",
            "据介绍，产业园采用“光伏+储能”模式建设，配套建设储能电站60兆瓦，可满足周边12家企业的生产用电需求。",
            "兰州新区有关负责人表示，下一步将加快二期项目建设，力争到2025年底全区新能源装机规模突破1000兆瓦。",
            "项目投产后，每年可节约标准煤约13万吨，减少二氧化碳排放约35万吨，对推动当地绿色低碳发展具有重要意义。",
        ],
    ),
    "kiwi": (
        "眉县猕猴桃种植面积达30.2万亩",
        [
            "记者从宝鸡市农业农村局获悉，眉县猕猴桃种植面积已达30.2万亩，年产量超过52万吨，综合产值突破50亿元。",
            "近年来，眉县坚持把猕猴桃产业作为富民强县的主导产业，建成标准化示范园86个，带动全县4.1万户果农增收。",
            "在猕猴桃交易市场，来自各地的客商正在挑选果品。果农王建国说，今年每斤收购价比去年高出两毛钱。",
            "眉县还积极发展电商销售，全县猕猴桃电商企业达到1200多家，线上销售额占总销售额的三分之一以上。",
        ],
    ),
    "port": (
        "秦皇岛港前两月货物吞吐量同比增长4.3%",
        [
            "今年前两个月，秦皇岛港累计完成货物吞吐量3265万吨，同比增长4.3%，其中煤炭运输量占比超过六成。",
            "为保障能源运输畅通，秦皇岛港优化船舶调度，平均在港停时压缩至1.8天，较去年同期缩短0.4天。",
            "港口集团相关负责人介绍，今年将继续推进智慧港口建设，计划投资3.5亿元改造自动化装卸设备。",
            "与此同时，秦皇岛港集装箱航线增至18条，外贸集装箱量同比增长11.6%，港口综合服务能力持续提升。",
        ],
    ),
    "rare": (
        "包头稀土新材料产业产值突破500亿元",
        [
            "记者从包头市工业和信息化局了解到，去年全市稀土新材料产业产值突破500亿元，同比增长21.5%。",
            "包头市已形成稀土冶炼分离、功能材料、终端应用较为完整的产业链，规模以上稀土企业达到86家。",
            "稀土高新区负责人说，园区今年计划引进项目40个以上，重点发展永磁电机、储氢材料等终端产品。",
            "业内人士认为，随着新能源汽车和风电产业快速发展，稀土永磁材料的市场需求将保持较快增长。",
        ],
    ),
    "metro": (
        "成都地铁19号线二期工程全线贯通",
        [
            "成都地铁19号线二期工程全线贯通，线路全长43.2公里，设车站10座，建成后将实现天府国际机场与中心城区快速连接。",
            "据施工单位介绍，19号线二期是成都首条最高运行时速达到160公里的市域快线，全程运行时间约35分钟。",
            "目前，成都地铁运营里程已达558公里，日均客运量超过600万乘次，在全国城市中位居前列。",
            "成都轨道交通集团表示，将全力推进铺轨和设备安装工作，确保线路按期开通运营。",
        ],
    ),
    "taichung": (
        "台中捷運綠線日均運量突破3萬人次",
        [
            "台中捷運公司今天表示，捷運綠線上月日均運量突破3萬人次，創下通車以來新高，較去年同期成長18%。",
            "捷運公司指出，假日運量成長最為明顯，高鐵台中站與文心森林公園站是進出站人次最多的兩個車站。",
            "為因應運量成長，捷運公司將在尖峰時段增加班次，班距由8分鐘縮短為6分鐘，並持續優化轉乘服務。",
            "台中市交通局表示，捷運藍線已完成綜合規劃，預計明年送交中央審議，期盼早日動工興建。",
        ],
    ),
}


@dataclass(frozen=True)
class Case:
    """One fixture file and what it says: the gold date ("" when the file gives none) and outlet."""

    path: Path  # the file (an archive's row: the archive, and ``title`` names the row)
    published: str
    outlet: str
    layout: str
    title: str = ""


def _paras(paragraphs: list[str], tag: str = "p") -> str:
    return "\n".join(f"<{tag}>{p}</{tag}>" for p in paragraphs)


_NAV = '<div class="nav"><a href="/">首页</a> <a href="/politics/">时政</a> <a href="/local/">地方</a> <a href="/finance/">财经</a></div>'
_RELATED = (
    '<div class="related"><h3>相关新闻</h3><ul><li><a href="/a1.htm">2021-06-18 我省启动新一轮农村人居环境整治</a></li>'
    '<li><a href="/a2.htm">2020年11月02日 全市重点项目集中开工</a></li></ul></div>'
)
_FOOTER = '<div class="footer"><p>版权所有 本网站所刊登的各种新闻、信息和各种专题专栏资料，均为本网版权所有</p><p>京ICP备00000000号</p></div>'


def _page(head: str, body: str, charset: str = "utf-8") -> str:
    furniture = [_NAV, _RELATED, _FOOTER]
    if charset == "big5":  # a Taiwan site: navigation and footer in Traditional too
        furniture = [to_traditional(f).replace("啓", "啟").replace("爲", "為") for f in furniture]
    nav, related, footer = furniture
    return (
        f'<!DOCTYPE html><html><head><meta charset="{charset}">{head}</head><body>{nav}{body}{related}'
        f"{footer}</body></html>"
    )


def _people(t: str, ps: list[str], day: str, outlet: str, charset: str = "utf-8") -> str:
    y, m, d = day.split("-")
    head = (
        f'<title>{t}--地方--人民网</title><meta name="publishdate" content="{day}">'
        f'<meta name="source" content="来源：{outlet}"><meta name="author" content="李华">'
    )
    body = (
        f'<div class="text_title"><h1>{t}</h1><div class="box01"><div class="col-1-1 fl">{y}年{m}月{d}日08:21 | '
        f'来源：<a href="http://www.people.com.cn/">{outlet}</a></div></div></div>'
        f'<div class="rm_txt_con">{_paras(ps)}</div><div class="edit">(责编：王芳、刘洋)</div>'
    )
    return _page(head, body, charset)


# layouts as (head, body[, lead]) templates: {t} title, {ps} paragraphs, {day} ISO date, {y} {m} {d} (and {mi}
# {di} without zeros), {outlet}; a lead opens the first paragraph (a wire dateline or byline)
_TEMPLATES = {
    "xinhua": (
        "<title>{t}-新华网</title>",
        '<div class="header"><h1><span class="title">{t}</span></h1><div class="header-time left"><span class="year">'
        '<em> {y}</em></span> <span class="day"><em> {m}</em>/<em>{d}</em></span> <span class="time"> 10:25:34'
        '</span></div><div class="source">来源：{outlet}</div></div><div id="detail">{ps}</div>',
        "新华社北京{mi}月{di}日电（记者 张晓明）",
    ),
    "cna": (
        '<title>{t} | 地方 | 中央社 CNA</title><meta property="og:site_name" content="中央社 CNA">'
        '<meta itemprop="datePublished" content="{y}/{m}/{d} 10:25">',
        '<div class="centralContent"><h1><span>{t}</span></h1><div class="updatetime"><span>{y}/{m}/{d} 10:25</span>'
        '</div><div class="paragraph">{ps}</div></div>',
        "（中央社記者林志明台中{di}日電）",
    ),
    "ltn": (
        '<title>{t} - 自由時報電子報</title><meta property="og:site_name" content="{outlet}">',
        '<div class="whitecon"><h1>{t}</h1><span class="time">{y}/{m}/{d} 10:25</span><div class="text">{ps}</div></div>',
        "〔記者黃美玲／台中報導〕",
    ),
    "sina": (
        '<title>{t}|新浪新闻</title><meta property="article:published_time" content="{day}T10:25:00+08:00">'
        '<meta property="og:site_name" content="新浪新闻"><meta name="mediaid" content="{outlet}">',
        '<h1 class="main-title">{t}</h1><div class="date-source"><span class="date">{y}年{m}月{d}日 10:25</span>'
        '<a class="source" href="#">{outlet}</a></div><div class="article" id="article">{ps}'
        '<p class="show_author">责任编辑：赵敏</p></div>',
    ),
    "sohu": (
        '<title>{t}_搜狐新闻</title><meta itemprop="datePublished" content="{day} 10:25">'
        '<meta name="mediaid" content="{outlet}"><meta property="og:site_name" content="搜狐">',
        '<div class="text-title"><h1>{t}</h1><div class="article-info"><span class="time" id="news-time">{day} 10:25'
        '</span><span data-role="original-link">来源: <a href="#">{outlet}</a></span></div></div>'
        '<article class="article" id="mp-editor">{ps}<p>返回搜狐，查看更多</p></article>',
    ),
    "netease": (
        "<title>{t}_网易新闻</title>",
        '<div class="post_main"><h1 class="post_title">{t}</h1><div class="post_info">{day} 10:25:00　来源: '
        '<a href="#">{outlet}</a></div><div class="post_body">{ps}</div></div>',
    ),
    "chinanews": (
        "<title>{t}-中新网</title>",
        '<div class="content"><h1>{t}</h1><div class="left-t">{y}年{m}月{d}日 10:25　来源：{outlet}</div>'
        '<div class="left_zw">{ps}</div></div>',
    ),
    "url-only": (
        '<title>{t}</title><link rel="canonical" href="http://www.example-news.cn/local/{y}-{m}/{d}/c_1129414371.htm">'
        '<meta property="og:site_name" content="{outlet}">',
        '<div class="article"><h1>{t}</h1>{ps}</div>',
    ),
    "undated": (
        '<title>{t}</title><meta property="og:site_name" content="{outlet}">',
        '<div class="article"><h1>{t}</h1>{ps}</div>',
    ),
}


def _templated(name: str, charset: str = "utf-8") -> Callable[..., str]:
    head, body, *lead = _TEMPLATES[name]

    def make(t: str, ps: list[str], day: str, outlet: str) -> str:
        y, m, d = day.split("-")
        fields = {"t": t, "day": day, "y": y, "m": m, "d": d, "mi": int(m), "di": int(d), "outlet": outlet}
        first = "".join(lead).format(**fields) + ps[0]
        fields["ps"] = _paras([first, *ps[1:]])
        return _page(head.format(**fields), body.format(**fields), charset)

    return make


def _thepaper(t: str, ps: list[str], day: str, outlet: str) -> str:
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": t,
        "datePublished": f"{day}T02:25:00Z",
        "publisher": {"@type": "Organization", "name": outlet},
        "author": {"@type": "Person", "name": "陈静"},
    }
    head = f'<title>{t}_澎湃新闻</title><script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>'
    body = f'<div class="news_txt"><h1>{t}</h1>{_paras(ps)}</div>'
    return _page(head, body)


# layout -> (page maker, encoding of the saved file, outlet the page names, whether the page gives a date)
LAYOUTS: dict[str, tuple[Callable[..., str], str, str, bool]] = {
    "xinhua": (_templated("xinhua"), "utf-8", "新华网", True),
    "people": (_people, "utf-8", "人民网－人民日报", True),
    "people-gbk": (lambda *a: _people(*a, charset="gbk"), "gbk", "人民网－人民日报", True),
    "sina": (_templated("sina"), "utf-8", "新华网", True),
    "sohu": (_templated("sohu"), "utf-8", "澎湃新闻", True),
    "netease": (_templated("netease"), "utf-8", "央视新闻客户端", True),
    "chinanews-gb2312": (_templated("chinanews", "gb2312"), "gb2312", "中国新闻网", True),
    "thepaper": (_thepaper, "utf-8", "澎湃新闻", True),
    "cna-big5": (_templated("cna", "big5"), "big5", "中央社", True),
    "ltn-big5": (_templated("ltn", "big5"), "big5", "自由時報電子報", True),
    "url-only": (_templated("url-only"), "utf-8", "例子新闻网", True),
    "undated": (_templated("undated"), "utf-8", "例子新闻网", False),
}
_DAYS = ("2023-03-05", "2022-11-18", "2021-07-02")
_MAINLAND = ("solar", "kiwi", "port", "rare", "metro")


def write_pages(folder: Path) -> list[Case]:
    """Three saved pages per layout (:data:`LAYOUTS`), each a different story and date."""
    folder.mkdir(parents=True, exist_ok=True)
    cases = []
    for n, (layout, (make, encoding, outlet, dated)) in enumerate(LAYOUTS.items()):
        for i, day in enumerate(_DAYS):
            key = "taichung" if encoding == "big5" else _MAINLAND[(n + i) % len(_MAINLAND)]
            title, paragraphs = STORIES[key]
            if encoding == "big5" and i:  # the same Traditional story on other days: vary the headline
                title = f"{title}（{i}）"
            markup = make(title, paragraphs, day, outlet)
            path = folder / f"{layout}-{i}.html"
            path.write_bytes(markup.encode(encoding))
            gold_outlet = "中央社" if layout == "cna-big5" else outlet
            cases.append(Case(path, day if dated else "", gold_outlet, layout))
    return cases


def write_texts(folder: Path) -> list[Case]:
    """Plain-text articles: a header dateline and source line, a wire dateline (no year: no date), a
    byline only, a story with dates only inside its sentences (no date)."""
    folder.mkdir(parents=True, exist_ok=True)
    t, ps = STORIES["port"]
    files = {
        "dateline.txt": (
            f"{t}\n发布时间：2023-07-21 09:30　来源：中国新闻网\n" + "\n".join(ps),
            "2023-07-21",
            "中国新闻网",
        ),
        "wire.txt": (f"{t}\n新华社石家庄3月5日电（记者 张晓明）" + "\n".join(ps), "", "新华社"),
        "byline.txt": (f"{t}\n河北日报记者 郭猛\n" + "\n".join(ps), "", "河北日报"),
        "inline-dates.txt": (
            f"{t}\n2023年3月20日，港口集团召开会议。" + "\n".join(ps) + "\n（原载2022年5月刊）",
            "",
            "",
        ),
        "footer-date.txt": (
            f"{t}\n" + "\n".join(ps) + "\n（2019年06月30日 来源：秦皇岛日报）",
            "2019-06-30",
            "秦皇岛日报",
        ),
    }
    cases = []
    for name, (text, day, outlet) in files.items():
        (folder / name).write_text(text, encoding="utf-8")
        cases.append(Case(folder / name, day, outlet, "text"))
    return cases


def write_archives(folder: Path) -> list[Case]:
    """A JSONL archive (``content``/``pubdate``/``source`` aliases) and a GBK CSV (``标题``/``正文``/``日期``/
    ``来源``), one row per story; their cases name the archive and the row's title."""
    folder.mkdir(parents=True, exist_ok=True)
    cases = []
    lines = []
    for i, key in enumerate(_MAINLAND):
        t, ps = STORIES[key]
        day = _DAYS[i % len(_DAYS)]
        lines.append({"title": t, "content": "\n".join(ps), "pubdate": f"{day} 08:00:00", "source": "新华网",
                      "url": f"http://www.news.cn/local/{day[:7]}/{day[8:]}/c_{i}.htm"})  # fmt: skip
        cases.append(Case(folder / "archive.jsonl", day, "新华网", "jsonl", t))
    (folder / "archive.jsonl").write_text(
        "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in lines), encoding="utf-8"
    )
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["标题", "正文", "日期", "来源", "作者"])
    for i, key in enumerate(_MAINLAND):
        t, ps = STORIES[key]
        day = _DAYS[(i + 1) % len(_DAYS)]
        writer.writerow([t, "\n".join(ps), day.replace("-", "/"), "人民日报", "李华"])
        cases.append(Case(folder / "archive.csv", day, "人民日报", "csv", t))
    (folder / "archive.csv").write_bytes(buf.getvalue().encode("gbk"))
    return cases


# reprints -------------------------------------------------------------------------------------------------

# same topic as each seed, in other words (written for this fixture): never a reprint of the seed
REWORDED = {
    "000": "秦皇島市委書記朱政學日前接受採訪時表示，秦皇島把2020年確定為作風建設提質年，要求黨員幹部帶頭攻堅克難，確保各項任務圓滿收官。他說，全市將以專項整治為抓手，推動作風紀律持續好轉，為經濟社會發展提供堅強保證。",
    "001": "陕西宝鸡围绕教育实践活动中查摆出的问题，推行领导带头、上下联动的整改办法，把群众反映强烈的信访问题逐件交办，并建立整改清单和责任台账，限期销号，群众满意度明显提升，干部作风进一步转变。",
    "002": "包頭市近日部署強化作風建設學習實踐活動，重點整治形式主義、官僚主義和懶政怠政問題，要求各級幹部轉變作風、擔當作為，以良好作風推動高質量發展，讓企業和群眾切實感受到變化。",
    "003": "多地纪委监委近期聚焦不担当、不作为、乱作为、假作为问题开展专项整治，成都、长沙、滨州等地通过室组地联动、专项监督检查等方式，推动党员干部干事创业，为高质量发展营造良好环境。",
    "004": "蘭州市以“工作落實年”活動為抓手，建立責任清單和督查問責機制，推動重點項目加快建設，全市幹部作風明顯轉變，一批民生工程提前完工，群眾對政府工作的滿意度不斷提高。",
}
_EDITS = (
    ("表示", "指出"), ("目前", "当前"), ("积极", "主动"), ("要求", "强调"), ("坚持", "始终坚持"), ("进一步", "更加"),
    ("开展", "推进"), ("工作", "各项工作"), ("问题", "突出问题"), ("干部", "党员干部"), ("全市", "全市上下"),
)  # fmt: skip


def _body(article) -> list[str]:  # type: ignore[no-untyped-def]
    return [article.text[p.start : p.end] for p in article.paragraphs]


def _light_edits(paragraphs: list[str]) -> list[str]:
    """A copy editor's touch: words swapped (each up to twice), the last sentence of the two longest paragraphs
    dropped, some commas in ASCII."""
    text = "\n".join(paragraphs)
    for old, new in _EDITS:
        for a, b in ((old, new), (to_traditional(old), to_traditional(new))):
            text = text.replace(a, b, 2)
    out = text.split("\n")
    for longest in sorted(range(len(out)), key=lambda i: -len(out[i]))[:2]:
        sentences = [s for s in out[longest].split("。") if s]
        if len(sentences) > 2:
            out[longest] = "。".join(sentences[:-1]) + "。"
    return [p.replace("，", ",", 2) for p in out]


def _truncated(paragraphs: list[str], share: float, keep: int = 0) -> list[str]:
    total, out = sum(map(len, paragraphs)), []
    for i, p in enumerate(paragraphs):
        if sum(map(len, out)) >= share * total and i > keep:
            break
        out.append(p)
    return out


def _other_number(paragraphs: list[str]) -> tuple[list[str], int]:
    """The body with its first number of two or more digits changed, and the paragraph it is in."""
    import re

    for i, p in enumerate(paragraphs):
        m = re.search(r"\d{2,}", p)
        if m:
            changed = str(int(m.group()) + 7)
            return [*paragraphs[:i], p[: m.start()] + changed + p[m.end() :], *paragraphs[i + 1 :]], i
    raise ValueError("no number to change")


def reprint_corpus(seed_articles: dict) -> tuple[list, list[set[str]]]:  # type: ignore[type-arg]
    """Articles made from the seeds, and the gold groups of reprints among them. Per seed: the seed; five
    reprints (another headline; light edits; truncated to 60 %; the other script; headline + edits + 80 % +
    other script) in other outlets; and two non-copies (a copy with one number changed, the same news in other
    words). The non-copies and the other seeds (three of them about 作风建设) are in no group."""
    from rag.ingest.article import parse_article
    from rag.ingest.meta import Meta
    from rag.ingest.scripts import to_simplified

    articles, groups = [], []
    for n, (key, seed) in enumerate(sorted(seed_articles.items())):
        body = _body(seed)
        other = to_simplified if seed.script == "traditional" else to_traditional
        changed, at = _other_number(body)
        variants = {
            "headline": (f"媒体聚焦：{seed.title[:12]}", body),
            "edits": (seed.title, _light_edits(body)),
            "truncated": (seed.title, _truncated(body, 0.6, keep=at)),
            "script": (other(seed.title), [other(p) for p in body]),
            "combined": (
                other(f"关注｜{seed.title[:10]}"),
                [other(p) for p in _truncated(_light_edits(body), 0.8, at)],
            ),
        }
        group = {seed.id}
        outlets = ("新浪网", "搜狐网", "网易新闻", "凤凰网", "腾讯新闻")
        for (name, (title, paragraphs)), outlet in zip(variants.items(), outlets, strict=True):
            aid = f"{key}-{name}"
            day = f"2023-0{n + 1}-1{len(group)}"
            articles.append(parse_article(f"{title}\n" + "\n".join(paragraphs), article_id=aid, source=aid,
                                          meta=Meta(published=day, outlet=outlet)))  # fmt: skip
            group.add(aid)
        groups.append(group)
        articles.append(seed)
        for name, paragraphs in (("number", changed), ("reworded", [REWORDED[key]])):
            aid = f"{key}-{name}"
            articles.append(parse_article(f"{seed.title}\n" + "\n".join(paragraphs), article_id=aid, source=aid,
                                          meta=Meta(published="2023-06-01", outlet="人民网")))  # fmt: skip
    return articles, groups


def pair_scores(found: list[list[str]], gold: list[set[str]]) -> dict[str, float]:
    """Precision and recall of the pairs put in one group (``found``) against the gold groups."""
    from itertools import combinations

    def pairs(groups) -> set:  # type: ignore[no-untyped-def]
        return {frozenset(p) for g in groups for p in combinations(sorted(g), 2)}

    got, want = pairs(found), pairs(gold)
    hit = len(got & want)
    return {
        "pairs_found": len(got),
        "pairs_gold": len(want),
        "precision": hit / len(got) if got else 1.0,
        "recall": hit / len(want) if want else 1.0,
    }


# dated corpus (filters, "latest") -------------------------------------------------------------------------

PORT_YEARS = {  # the same yearly report, three years, three outlets: the number changes
    "2021-03-05": ("新华网", "3012万吨"),
    "2022-03-06": ("人民日报", "3265万吨"),
    "2023-03-04": ("中国新闻网", "3418万吨"),
}
PORT_QUESTION = "秦皇岛港前两个月累计完成货物吞吐量多少？"


def port_report(day: str, amount: str) -> tuple[str, str]:
    title = f"秦皇岛港前两月货物吞吐量{amount}"
    body = (
        f"今年前两个月，秦皇岛港累计完成货物吞吐量{amount}，其中煤炭运输量占比超过六成。\n"
        "为保障能源运输畅通，秦皇岛港优化船舶调度，平均在港停时进一步压缩。\n"
        "港口集团相关负责人介绍，今年将继续推进智慧港口建设，改造自动化装卸设备。"
    )
    return title, body


def write_dated_corpus(folder: Path) -> Path:
    """``news.jsonl``: the port report of three years (three outlets, the number changing), a reprint of the
    newest under another headline on 新浪网, and the other stories (one a year, 2021-2023, 光明日报)."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for n, (day, (outlet, amount)) in enumerate(PORT_YEARS.items()):
        title, body = port_report(day, amount)
        rows.append({"id": f"port-{day[:4]}", "title": title, "text": body, "published": day, "outlet": outlet,
                     "url": f"http://news.example.cn/{day[:4]}/port{n}.html"})  # fmt: skip
    title, body = port_report("2023-03-04", "3418万吨")
    rows.append({"id": "port-2023-sina", "title": "媒体关注：秦皇岛港开年运输忙", "text": body,
                 "published": "2023-03-05", "outlet": "新浪网", "url": "http://news.sina.example/port.html"})  # fmt: skip
    for i, key in enumerate(("solar", "kiwi", "metro")):
        title, paragraphs = STORIES[key]
        rows.append({"id": key, "title": title, "text": "\n".join(paragraphs), "published": f"202{i + 1}-06-01",
                     "outlet": "光明日报"})  # fmt: skip
    path = folder / "news.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path
