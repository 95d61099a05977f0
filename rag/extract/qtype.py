"""Question typing and candidate answer spans, by rules (no trained reader).

Everything here reads Simplified text (callers convert first; offsets stay 1:1 with the matching view).

* :func:`analyse_question` finds the question phrase (谁, 多少, 什么时候, 哪里, 什么, ...) and from it the
  kind of answer wanted (person, number, date, place, org, name, reason, manner), the unit a number should
  carry (``多少人`` -> 人, ``增长了多少`` -> %), and the words just before and after the question phrase,
  which an answer sentence often repeats around the answer (``…是由[谁]开发的`` ~
  ``…是由光荣和ω-force开发的``).
* :func:`candidates` lists spans of a sentence that could be the short answer: number and date expressions
  (regexes), entities and noun-phrase chunks (jieba part-of-speech tags, on a private tokenizer), quoted names
  (《》「」“”), and the *slot* between the question's left and right context where the sentence has both.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jieba.posseg

__all__ = [
    "KINDS",
    "Anchors",
    "Candidate",
    "QuestionInfo",
    "analyse_question",
    "anchor_scores",
    "anchors",
    "candidates",
    "date_spans",
    "entity_kind",
    "pos_tags",
    "pos_tokenizer",
    "quick_fit",
    "sentence_candidates",
    "type_fit",
]

KINDS = ("person", "number", "date", "place", "org", "name", "reason", "manner", "other")

# ----------------------------------------------------------------------------------------------------------
# question phrases, most specific first (one alternation: the first alternative matching at a position wins)

_ORG_NOUNS = (
    "公司|集团|机构|组织|部门|单位|大学|学院|学校|团体|政党|党派|球队|俱乐部|银行|企业|媒体|报纸|报社|电视台|"
    "电台|乐队|乐团|出版社|厂商|厂|法院|政府|委员会|协会|联盟|基金会|医院|军队|部队|队"
)
_PLACE_NOUNS = "省份|省|城市|市|县|区|国家|国|地区|州|镇|乡|村|岛|洲|地点|地方|位置|城|港口|机场|车站|山|河"
_WH_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        "date",
        r"什么时候|什么时间|什么日子|何时|何年|何日|哪一?天|哪一?日|哪一?年|哪一?个?月份?|几月几[日号]|几月|几号|"
        r"几点|哪个?朝代|什么朝代|哪个?年代|什么年代|哪个?时期|什么时期|哪个?时代|什么时代|哪个?世纪|哪个?季度|"
        r"多久以前|多少年前|哪一?届",
    ),
    ("org", rf"哪一?[家个所支]?(?:{_ORG_NOUNS})|什么(?:{_ORG_NOUNS})|哪家"),
    (
        "place",
        rf"哪里|哪儿|何处|何地|(?<=[在从到去])哪(?![一个些年天月位种部本首项条家所])|什么地方|哪一?[个座片]?(?:{_PLACE_NOUNS})|什么(?:{_PLACE_NOUNS})",
    ),
    (
        "person",
        r"谁|哪一?位|什么人|何人|哪些人|哪一?个人|哪名|哪一?个演员|哪一?个(?:作者|人物|球员|歌手|导演)",
    ),
    (
        "number",
        r"多少|几(?![乎])|多大|多高|多长|多远|多重|多久|多深|多宽|多厚|多快|多少钱|百分之几|第几|多"
        r"(?=[平米公千万亿元吨])",
    ),
    (
        "reason",
        r"(?<![封称作成改选任定认视列名立])为什么(?!官|职|名|称|头衔|用途|角色|身份)|为何|什么原因|何故|怎么会|因为什么|原因是什么|原因",
    ),
    ("manner", r"怎么样|怎样|怎么|如何|什么样|哪些方面|何种方式"),
    ("name", r"叫什么|什么|哪一?[个些部本首种类项条支款座张篇件样句名]|哪|何"),
)
_WH_RE = re.compile("|".join(f"(?P<{kind}>{pattern})" for kind, pattern in _WH_PATTERNS))
_PERCENT_HINT = re.compile(r"比例|占比|百分|增长|增幅|增速|下降|降幅|上涨|涨幅|提高了|比重|率")

# number expressions: digits (with separators, decimals, ranges) or Chinese numerals, magnitude, unit
_CN_DIGITS = "零〇一二两三四五六七八九十百千万亿"
_CN_NUM = rf"[零〇一二两三四五六七八九十][{_CN_DIGITS}]*(?:点[{_CN_DIGITS}]+)?"
_NUM = rf"(?:\d+(?:,\d{{3}})*(?:\.\d+)?|{_CN_NUM})"
_RANGE = r"(?:[-~～—–－至到]|或)"
_MAGNITUDE = "(?:万亿|亿|万|千|百)"
_UNITS = (
    "平方公里|平方千米|平方米|平方英里|立方米|百分点|公里|千米|千克|公斤|公顷|美元|港元|港币|欧元|日元|英镑|新台币|台币|"
    "人民币|元|小时|分钟|秒钟|季度|年度|个月|周年|世纪|年代|人次|架次|英里|英尺|厘米|毫米|米|吨|克|斤|亩|倍|户|名|辆|"
    "套|台|座|条|篇|部|所|只|头|张|届|批|期|场|起|例|份|支|间|层|栋|株|处|种|位|首|集|章|卷|册|季|点|分|度|岁|天|周|"
    "年|月|日|号|时|秒|个|人|次|件|家|项|站|线|号线|票|枚|颗|轮|球|码|段|节|门|艘|架|匹|只|对|双|幅|%|‰|℃"
)
_NUMBER_RE = re.compile(
    rf"(?:第|约|近|逾|超过|达)?(?P<num>{_NUM}(?:{_RANGE}{_NUM})?)(?:多|余)?(?P<mag>{_MAGNITUDE})?(?:多|余)?"
    rf"(?P<unit>(?:{_UNITS})(?:{_UNITS})?)?"
)
_REASON_RE = re.compile(
    r"(?:因为|由于|因(?![此而素]))(?P<r>[^。；;！？!?]{2,60}?)(?=[，,]?(?:所以|因此|因而|故|才|而)|[。；;，,]|$)"
)
_PERCENT_CN = re.compile(rf"百分之[{_CN_DIGITS}点]+")
_DATE_RE = re.compile(
    rf"(?:公元前?)?(?:\d{{1,4}}|[{_CN_DIGITS}]{{2,4}})年(?:代(?:[初中末]期?|末)?)?(?:\d{{1,2}}|[{_CN_DIGITS}]{{1,3}})?(?:月份?)?"
    rf"(?:(?:\d{{1,2}}|[{_CN_DIGITS}]{{1,3}})[日号])?(?:[上下]午|凌晨|晚间?|早上)?"
    rf"|(?:\d{{1,2}}|[{_CN_DIGITS}]{{1,3}})(?:[-~～—–－至到](?:\d{{1,2}}|[{_CN_DIGITS}]{{1,3}}))?月"
    rf"(?:(?:\d{{1,2}}|[{_CN_DIGITS}]{{1,3}})[日号])?(?:[上下]午|凌晨|晚间?)?"
    rf"|(?:公元前?)?(?:\d{{1,2}}|[{_CN_DIGITS}]{{1,3}})世纪(?:\d{{2}}年代)?(?:[初中末]期?|上半叶|下半叶)?"
)
_DATE_UNITS = ("年", "月", "日", "号", "世纪", "年代", "月份")
_QUOTE_RE = re.compile(
    r"《[^《》\n]{1,40}》|「[^「」\n]{1,40}」|“[^“”\n]{1,40}”|『[^『』\n]{1,40}』|\"[^\"\n]{1,40}\""
)
_NAME_DOTS = frozenset("·・•")
_FOREIGN_NAME = re.compile(r"[\u4e00-\u9fff]{1,8}(?:[·・•][\u4e00-\u9fff]{1,10})+")
_TITLE_NAME = re.compile(
    r"(?:书记|市长|省长|县长|区长|镇长|局长|部长|厅长|处长|科长|主任|主席|总理|总统|经理|董事长|总裁|校长|院长|"
    r"负责人|委员|代表|记者|教授|主编|队长|会长|社长|秘书长|常委|干部)[:：]?(?P<name>(?:上官|欧阳|司马|诸葛|东方|皇甫|"
    r"令狐|慕容|司徒|夏侯|尉迟|公孙|长孙|宇文|独孤|端木|南宫|西门)?[\u4e00-\u9fff]{2,3}?)"
    r"(?=[，,。、；;：:“”\"（(）)说表指介告坦认强感称答回等的在对于主同向0-9\s]|$)"
)
_COMPOUND_SURNAMES = frozenset(
    "上官 欧阳 司马 诸葛 东方 皇甫 令狐 慕容 司徒 夏侯 尉迟 公孙 长孙 宇文 独孤 端木 南宫 西门 "
    "申屠 澹台".split()
)
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔"
    "钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤巩虞"
)
_SPACED_NAME = re.compile(r"(?<![\u4e00-\u9fff])[\u4e00-\u9fff][ \u3000][\u4e00-\u9fff](?![\u4e00-\u9fff])")
_PLACE_SUFFIX = re.compile(
    r"[\u4e00-\u9fff]{1,8}(?:省|市|县|区|镇|乡|村|州|旗|盟|岛|港|湾|山|河|江|湖|街道|社区)$"
)
_ORG_SUFFIX = re.compile(
    r"[\u4e00-\u9fffA-Za-z]{1,12}(?:公司|集团|大学|学院|中学|小学|委员会|银行|协会|学会|研究院|研究所|医院|法院|检察院|"
    r"政府|报社|日报|电视台|出版社|俱乐部|基金会|联盟|组织|办公室|委|局|厅|部|署|队)$"
)
_HAN_WORD = re.compile(r"[\u4e00-\u9fff]+")
_PUNCT = set("，,。.！!？?；;：:、\"'“”‘’「」『』《》（）()[]【】…—-~～·\n\t ")
_CLAUSE_MARKS = "，,。；;：:！!？?\n"

# jieba tags: what each kind of entity looks like
_PERSON_TAGS = {"nr", "nrfg", "nrt"}
_PLACE_TAGS = {"ns"}
_ORG_TAGS = {"nt"}
_NAME_TAGS = {"nz", "eng"}
_NOUNISH = {"n", "nr", "nrfg", "nrt", "ns", "nt", "nz", "ng", "eng", "vn", "an", "b", "j", "l", "i", "s"}


@dataclass(frozen=True)
class QuestionInfo:
    """What a question asks for. Offsets index ``text`` (the Simplified question)."""

    text: str
    kind: str  # one of KINDS
    unit: str = ""  # unit a number answer should carry ("%", "人", "亿元"...), "" if none
    wh_start: int = -1  # the question phrase, -1 when none was found
    wh_end: int = -1
    head: str = ""  # the noun right after the question phrase (哪个[公司]), which names the answer's class
    left: tuple[str, ...] = ()  # up to 3 words before the question phrase, nearest first
    right: tuple[str, ...] = ()  # up to 3 words after it (after the head noun), nearest first

    @property
    def wants_span(self) -> bool:
        """Whether a short answer (rather than only a sentence) fits this kind of question."""
        return self.kind not in ("reason", "manner", "other")


_ANCHOR_CHARS = set("是由在于为被叫称向从将把以")
_HEAD_KIND = (
    (re.compile(rf"(?:{_ORG_NOUNS})$"), "org"),
    (re.compile(rf"(?:{_PLACE_NOUNS})$"), "place"),
    (
        re.compile(r"(?:人|人物|作者|演员|歌手|导演|球员|教练|皇帝|国王|总统|主席|作家|画家|诗人|科学家)$"),
        "person",
    ),
    (re.compile(r"(?:时间|日期|年份|时候|年代|时期|朝代)$"), "date"),
)


def analyse_question(text: str) -> QuestionInfo:
    """The kind of answer ``text`` (Simplified) asks for, and where its question phrase sits."""
    matches = [
        m
        for m in _WH_RE.finditer(text)
        if not (m.group() == "何" and text[m.start() - 1 : m.start()] == "任")
    ]
    telling = [m for m in matches if m.group() not in ("哪", "何")]
    match = (telling or matches or [None])[0]
    if match is None:
        return QuestionInfo(text, "other")
    kind = match.lastgroup or "other"
    start, end = match.span()
    wh = match.group()
    if (
        kind == "name"
        and re.fullmatch(r"叫什么|什么", wh)
        and re.search(r"名字|姓名|本名|原名|真名|字号", text[end : end + 4])
    ):
        kind = "person" if re.search(r"他|她|此人|其", text[:start]) else "name"
    if kind == "name" and text[end : end + 1] == "人" and wh == "什么":
        kind = "person"
    unit = ""
    if kind == "number":
        m = re.match(rf"(?:{_MAGNITUDE})?(?:{_UNITS})", text[end : end + 6])
        if m:
            unit = m.group()
            end += len(unit)
        elif _PERCENT_HINT.search(text):
            unit = "%"
        if wh == "第几" or text[max(0, start - 1) : start] == "第":
            unit = unit or "第"
    tags = [t for t in pos_tags(text) if t[0].strip() and t[0] not in _PUNCT]
    head = ""
    if kind in ("name", "org", "place", "person"):
        m = re.match(r"[一二两三四五六七八九几]?[个位家种部本首项条支款座张篇件样名所些只]?", text[end:])
        at = end + (m.end() if m else 0)
        nxt = next((t for t in tags if t[2] <= at < t[3] or t[2] == at), None)
        if nxt is not None and nxt[1] in _NOUNISH and nxt[2] >= at:
            head = nxt[0]
            end = nxt[3]
            for pattern, head_kind in _HEAD_KIND:
                if kind == "name" and pattern.search(head):
                    kind = head_kind
                    break
        elif at > end:
            end = at
    left = _side_words(text, tags, 0, start, -1)
    right = _side_words(text, tags, end, len(text), 1)
    return QuestionInfo(text, kind, unit, start, end, head, left, right)


def _side_words(
    text: str, tags: list[tuple[str, str, int, int]], start: int, end: int, step: int
) -> tuple[str, ...]:
    """Up to 3 words of ``text[start:end]`` nearest the question phrase (tokens cut at the range's edges)."""
    out: list[str] = []
    for _word, _tag, s, e in tags if step > 0 else reversed(tags):
        s, e = max(s, start), min(e, end)
        if e <= s:
            continue
        out.append(text[s:e])
        if len(out) == 3:
            break
    return tuple(out)


# ----------------------------------------------------------------------------------------------------------
# part of speech


@cache
def pos_tokenizer() -> jieba.posseg.POSTokenizer:
    """A private jieba POS tokenizer (built on first use, about a second; never the global jieba)."""
    import jieba
    import jieba.posseg

    from rag.keyword import DOMAIN_WORDS, default_tokenizer

    logging.getLogger("jieba").setLevel(logging.WARNING)  # its "Building prefix dict ..." chatter
    # The default keyword tokenizer has loaded jieba's dictionary and added DOMAIN_WORDS (its default user
    # words) exactly as add_word(word, tag="n") would here: copy its tables, tag the words, and skip loading the
    # dictionary a second time (≈1 s).
    base = default_tokenizer().jieba()
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ, tokenizer.total, tokenizer.initialized = dict(base.FREQ), base.total, True
    tokenizer.user_word_tag_tab.update(dict.fromkeys(DOMAIN_WORDS, "n"))
    # POSTokenizer(tokenizer) would parse jieba's tag dictionary again (≈1.2 s); importing jieba.posseg has
    # already parsed it for the module's own tokenizer, so take a copy of that table instead
    pos = object.__new__(jieba.posseg.POSTokenizer)
    pos.tokenizer = tokenizer
    pos.word_tag_tab = dict(jieba.posseg.dt.word_tag_tab)  # our DOMAIN_WORDS tags are merged in on first cut
    pos.lcut("初始化")
    return pos


def pos_tags(text: str) -> list[tuple[str, str, int, int]]:
    """``(word, tag, start, end)`` for ``text``."""
    out = []
    pos = 0
    for pair in pos_tokenizer().lcut(text):
        word, tag = pair.word, pair.flag
        out.append((word, tag, pos, pos + len(word)))
        pos += len(word)
    return out


def date_spans(text: str) -> list[tuple[int, int]]:
    """Spans of date expressions (2020年3月20日, 1-9月, 19世纪, 1970年代初期) in ``text``."""
    return [
        m.span() for m in _DATE_RE.finditer(text) if any(c.isdigit() or c in _CN_DIGITS for c in m.group())
    ]


def entity_kind(word: str, tag: str = "") -> str:
    """person / place / org / date / number / name / other for a word and its jieba tag."""
    if not word:
        return "other"
    if _DATE_RE.fullmatch(word) or tag == "t":
        return "date"
    if _NUMBER_RE.fullmatch(word) and any(ch.isdigit() or ch in _CN_DIGITS for ch in word[:2]):
        return "number"
    table = pos_tokenizer().word_tag_tab
    if tag in _PLACE_TAGS or (_PLACE_SUFFIX.fullmatch(word) and len(word) >= 3 and tag not in _PERSON_TAGS):
        return "place"
    if any(table.get(word + suffix) == "ns" for suffix in ("市", "省", "县", "区")):
        return "place"
    if tag in _ORG_TAGS or (_ORG_SUFFIX.fullmatch(word) and len(word) >= 3):
        return "org"
    if tag in _PERSON_TAGS or _FOREIGN_NAME.fullmatch(word):
        return "person"
    if tag in _NAME_TAGS:
        return "name"
    return "other"


# ----------------------------------------------------------------------------------------------------------
# candidate spans


@dataclass(frozen=True)
class Candidate:
    """A possible short answer: ``text[start:end]`` of the analysed sentence."""

    start: int
    end: int
    text: str
    kind: str  # person / place / org / number / date / name / phrase / clause
    source: str  # regex / pos / quote / slot / chunk
    unit: str = ""


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink a span past leading/trailing punctuation and spaces (brackets of 《》 kept when balanced)."""
    while start < end and text[start] in _PUNCT and text[start] not in "《「“『":
        start += 1
    while start < end and text[end - 1] in _PUNCT and text[end - 1] not in "》」”』":
        end -= 1
    while start < end and text[start] in "《「“『" and text[end - 1] not in "》」”』":
        start += 1
    while start < end and text[end - 1] in "》」”』" and text[start] not in "《「“『":
        end -= 1
    return start, end


def _regex_candidates(text: str) -> list[Candidate]:
    out: list[Candidate] = []
    dates: list[tuple[int, int]] = []
    for m in _DATE_RE.finditer(text):
        if m.end() - m.start() >= 2 and any(c.isdigit() or c in _CN_DIGITS for c in m.group()):
            out.append(Candidate(m.start(), m.end(), m.group(), "date", "regex"))
            dates.append(m.span())
    for m in _NUMBER_RE.finditer(text):
        num = m.group("num")
        if not num or (not any(c.isdigit() for c in num) and not m.group("unit") and not m.group("mag")):
            continue  # a bare Chinese numeral (一, 十) is rarely an answer
        if not any(c.isdigit() for c in num) and len(num) == 1 and not m.group("unit"):
            continue
        start, end = m.start(), m.end()
        if any(s <= start and end <= e for s, e in dates):
            continue
        unit = (m.group("mag") or "") + (m.group("unit") or "")
        kind = "date" if m.group("unit") in _DATE_UNITS and not m.group("mag") else "number"
        out.append(Candidate(start, end, text[start:end], kind, "regex", unit))
    for m in _PERCENT_CN.finditer(text):
        out.append(Candidate(m.start(), m.end(), m.group(), "number", "regex", "%"))
    for m in _QUOTE_RE.finditer(text):
        out.append(Candidate(m.start(), m.end(), m.group(), "name", "quote"))
    for m in _REASON_RE.finditer(text):  # 因为X(，所以…): X answers 为什么
        out.append(Candidate(m.start("r"), m.end("r"), m.group("r"), "clause", "reason"))
    for m in _SPACED_NAME.finditer(text):  # 陈 刚 (names spaced to line up in lists)
        out.append(Candidate(m.start(), m.end(), m.group(), "person", "regex"))
    for m in _TITLE_NAME.finditer(text):
        out.append(Candidate(m.start("name"), m.end("name"), m.group("name"), "person", "regex"))
    return out


def _pos_candidates(text: str, tags: list[tuple[str, str, int, int]]) -> list[Candidate]:
    out: list[Candidate] = []
    n = len(tags)
    i = 0
    while i < n:  # entities: runs of the same entity tag family (虞/nr 海燕/nr -> 虞海燕)
        word, tag, start, end = tags[i]
        family = (
            "person"
            if tag in _PERSON_TAGS
            else "place"
            if tag in _PLACE_TAGS
            else "org"
            if tag in _ORG_TAGS
            else "name"
            if tag in _NAME_TAGS
            else "date"
            if tag == "t"
            else ""
        )
        j = i + 1
        if (
            word in _COMPOUND_SURNAMES
            and j < n
            and 1 <= len(tags[j][0]) <= 2
            and _HAN_WORD.fullmatch(tags[j][0])
        ):
            family, tag = "person", "nr"  # 上官/n 吉庆/ns -> 上官吉庆
            j += 1
        if family:
            while j < n:
                tag2 = tags[j][1]
                same = (
                    (family == "person" and tag2 in _PERSON_TAGS)
                    or (
                        family == "place"
                        and (tag2 in _PLACE_TAGS or tags[j][0] in ("省", "市", "县", "区", "镇"))
                    )
                    or (family in ("org", "name") and tag2 in _NAME_TAGS | _ORG_TAGS)
                    or (family == "date" and tag2 == "t")
                )
                if not same:
                    break
                j += 1
            end = tags[j - 1][3]
            if (
                family == "person"
                and j - i == 1
                and len(word) == 1
                and j < n
                and tags[j][1] in ("n", "nz", "a")
            ):
                end = tags[j][3]  # a surname tagged apart from its given name: 高/nr 锦明/n
                j += 1
            if family == "person" and i > 0 and tags[i - 1][0] in _SURNAMES and len(text[start:end]) <= 2:
                start = tags[i - 1][2]  # 刘/zg 光辉/nr -> 刘光辉
            if family == "person" and pos_tokenizer().word_tag_tab.get(text[start:end] + "市") == "ns":
                family = "place"  # 秦皇岛/nr is a city
            if family != "date" or end - start >= 2:
                kind = family if family != "name" else "name"
                out.append(Candidate(start, end, text[start:end], kind, "pos"))
        i = max(j, i + 1)
    for k, (word, *_) in enumerate(tags):  # 雷蒙/nr ·/x 钱德勒/nr -> 雷蒙·钱德勒
        if word in _NAME_DOTS and 0 < k < n - 1 and k - 1 >= 0:
            if k >= 2 and tags[k - 2][0] in _NAME_DOTS:
                continue  # a later dot of a name already taken from its first dot
            first, last = k - 1, k + 1
            while last + 2 < n and tags[last + 1][0] in _NAME_DOTS:
                last += 2
            if all(
                _HAN_WORD.fullmatch(tags[i][0]) and len(tags[i][0]) <= 5 for i in range(first, last + 1, 2)
            ):
                a, b = tags[first][2], tags[last][3]
                out.append(Candidate(a, b, text[a:b], "person", "pos"))
    # noun-phrase chunks: runs of noun-ish tokens joined by 和/与/及/、 (光荣和ω-force); X的Y variants too
    i = 0
    while i < n:
        if tags[i][1] not in _NOUNISH and not (
            tags[i][1] == "x" and tags[i][0].strip() and tags[i][0] not in _PUNCT
        ):
            i += 1
            continue
        j = i
        while j < n:
            word, tag = tags[j][0], tags[j][1]
            nounish = (
                tag in _NOUNISH
                or tag in ("m", "q", "a")
                or (tag == "x" and word.strip() and word not in _PUNCT)
            )
            joiner = (
                word in ("和", "与", "及", "、", "以及", "或") and j + 1 < n and tags[j + 1][1] in _NOUNISH
            )
            if not (nounish or joiner or word in ("-", "·")):
                break
            j += 1
        start, end = _trim(text, tags[i][2], tags[j - 1][3])
        if end - start >= 2:
            out.append(Candidate(start, end, text[start:end], "phrase", "chunk"))
            if (
                i >= 2 and tags[i - 1][0] == "的" and tags[i - 2][1] in _NOUNISH
            ):  # X的Y: also the span with its modifier
                k = i - 2
                while (
                    k > 0
                    and tags[k - 1][1] in _NOUNISH | {"f", "a", "m", "q"}
                    and tags[k - 1][0] not in _PUNCT
                ):
                    k -= 1
                s2 = tags[k][2]
                if end - s2 <= 20:
                    out.append(Candidate(s2, end, text[s2:end], "phrase", "chunk"))
        i = max(j, i + 1)
    return out


def _find_all(text: str, needle: str) -> list[int]:
    out = []
    at = text.find(needle)
    while at >= 0:
        out.append(at)
        at = text.find(needle, at + 1)
    return out


@dataclass(frozen=True)
class Anchors:
    """Where the question's neighbouring words occur in a sentence: ``lefts`` are (end offset, weight) of
    words that precede the question phrase, ``rights`` (start offset, weight) of words that follow it; the
    word right next to the question phrase weighs most."""

    lefts: tuple[tuple[int, float], ...]
    rights: tuple[tuple[int, float], ...]


def _usable(word: str, rank: int) -> bool:
    return len(word) >= 2 or (rank == 0 and word in _ANCHOR_CHARS)


def anchors(text: str, info: QuestionInfo) -> Anchors:
    """The question's left and right neighbour words found in ``text`` (a long word that is not found is
    looked for by its dictionary sub-words: 合作开发 -> 合作, 开发)."""
    lefts: list[tuple[int, float]] = []
    rights: list[tuple[int, float]] = []
    for side, words in ((lefts, info.left), (rights, info.right)):
        for rank, word in enumerate(words):
            if not _usable(word, rank):
                continue
            places = [(p, word, 1.0) for p in _find_all(text, word)]
            if not places and len(word) >= 3:
                places = [(p, w, 0.7) for w in _subwords(word) for p in _find_all(text, w)]
            for p, w, factor in places:
                weight = factor * _anchor_weight(w, rank)
                side.append((p + len(w), weight) if side is lefts else (p, weight))
    return Anchors(tuple(lefts), tuple(rights))


@lru_cache(maxsize=4096)
def _subwords(word: str) -> tuple[str, ...]:
    """Dictionary sub-words of ``word`` (at least two characters), e.g. 合作开发 -> 合作, 开发."""
    return tuple(
        sorted({w for w in pos_tokenizer().tokenizer.cut_for_search(word) if 2 <= len(w) < len(word)})
    )


def _anchor_weight(word: str, rank: int) -> float:
    """1 for the word next to the question phrase, less for farther ones and for one-character words."""
    return (0.5 if len(word) == 1 else 1.0) / (1 + rank)


def anchor_scores(found: Anchors, start: int, end: int) -> tuple[float, float]:
    """(left, right) in 0..1: whether a question neighbour word ends just before ``start`` / starts just after
    ``end`` (within 2 characters), 1 for the word nearest the question phrase, less for farther ones."""
    left = max((weight for p, weight in found.lefts if 0 <= start - p <= 2), default=0.0)
    right = max((weight for p, weight in found.rights if 0 <= p - end <= 2), default=0.0)
    return left, right


def _slot_candidates(text: str, info: QuestionInfo, found: Anchors) -> list[Candidate]:
    """Spans framed the way the question frames its question phrase: after one of its left words and before
    one of its right words (at most 40 characters apart, within a clause), or from a left word to the clause
    end."""
    out: list[Candidate] = []
    for left, _ in found.lefts:
        ends = sorted(p for p, _ in found.rights if left < p <= left + 40)
        stop = left
        while stop < len(text) and text[stop] not in _CLAUSE_MARKS:
            stop += 1
        ends = [p for p in ends if p <= stop]
        for right in ends[:1]:
            a, b = _trim(text, left, right)
            if b > a and not any(len(w) >= 2 and w in text[a:b] for w in info.left + info.right):
                out.append(Candidate(a, b, text[a:b], "slot", "slot"))
        if not ends and stop - left <= 40:
            a, b = _trim(text, left, stop)
            if b > a:
                out.append(Candidate(a, b, text[a:b], "clause", "slot"))
    if not found.lefts:
        for right, _ in found.rights:
            start = right
            while start > 0 and text[start - 1] not in _CLAUSE_MARKS:
                start -= 1
            if right - start <= 40:
                a, b = _trim(text, start, right)
                if b > a:
                    out.append(Candidate(a, b, text[a:b], "clause", "slot"))
    return out


def sentence_candidates(text: str) -> list[Candidate]:
    """The candidates of ``text`` that do not depend on the question (numbers, dates, entities, chunks): the
    part of speech work, worth caching per sentence."""
    return _regex_candidates(text) + _pos_candidates(text, pos_tags(text))


def candidates(
    text: str,
    info: QuestionInfo,
    static: list[Candidate] | None = None,
    found: Anchors | None = None,
) -> list[Candidate]:
    """Candidate short answers in the Simplified sentence ``text`` (deduplicated by span, first kind kept);
    ``static``: its :func:`sentence_candidates` when already known."""
    static = sentence_candidates(text) if static is None else static
    found = anchors(text, info) if found is None else found
    spans = static + _slot_candidates(text, info, found)
    seen: dict[tuple[int, int], Candidate] = {}
    for c in spans:
        start, end = _trim(text, c.start, c.end)
        if end <= start:
            continue
        key = (start, end)
        if key not in seen:
            seen[key] = Candidate(start, end, text[start:end], c.kind, c.source, c.unit)
    return list(seen.values())


def quick_fit(text: str, info: QuestionInfo) -> float:
    """Best :func:`type_fit` among the regex-found numbers, dates, names and quotes of ``text`` that the
    question does not itself contain: a cheap answer-type signal for every sentence (no part of speech)."""
    if info.kind not in ("number", "date", "person", "name"):
        return 0.0
    best = 0.0
    for c in _regex_candidates(text):
        if c.text not in info.text:
            best = max(best, type_fit(info, c))
    return best


_FIT: dict[str, dict[str, float]] = {
    "person": {"person": 1.0, "name": 0.4, "phrase": 0.3, "org": 0.2, "slot": 0.5, "quote": 0.2},
    "place": {"place": 1.0, "org": 0.3, "name": 0.3, "phrase": 0.4, "slot": 0.5},
    "org": {"org": 1.0, "name": 0.5, "phrase": 0.5, "place": 0.3, "slot": 0.5},
    "date": {"date": 1.0, "number": 0.2, "slot": 0.3, "phrase": 0.1},
    "number": {"number": 1.0, "date": 0.3, "slot": 0.3},
    "name": {
        "name": 0.8,
        "phrase": 0.8,
        "org": 0.7,
        "person": 0.6,
        "place": 0.6,
        "slot": 0.8,
        "number": 0.2,
        "date": 0.2,
        "clause": 0.3,
    },
    "reason": {"clause": 1.0, "slot": 0.8, "phrase": 0.3},
    "manner": {"clause": 1.0, "slot": 0.8, "phrase": 0.4, "name": 0.3},
    "other": {"slot": 0.6, "clause": 0.5, "phrase": 0.5, "name": 0.5},
}


def type_fit(info: QuestionInfo, candidate: Candidate) -> float:
    """0..1: how well a candidate's kind (and unit) fits what the question asks for."""
    fit = _FIT.get(info.kind, _FIT["other"]).get(candidate.kind, 0.0)
    if candidate.source == "quote" and info.kind in ("name", "other"):
        fit = max(fit, 0.9)
    if info.kind == "number" and candidate.kind == "number" and info.unit:
        if info.unit == "%":
            fit = (
                1.0
                if candidate.text.endswith(("%", "‰"))
                or "百分之" in candidate.text
                or "百分点" in candidate.text
                else 0.5
            )
        elif info.unit == "第":
            fit = 1.0 if candidate.text.startswith("第") else 0.6
        elif candidate.unit and (candidate.unit.endswith(info.unit) or info.unit.endswith(candidate.unit)):
            fit = 1.0
        else:
            fit = 0.4 if candidate.unit else 0.7
    return fit
