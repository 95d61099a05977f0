"""The patterns that question analysis and answer candidates share: question phrases by kind, number,
date, name and quote expressions, place and organisation suffixes, jieba tag families (Simplified text)."""

from __future__ import annotations

import re

__all__ = [
    "ANCHOR_CHARS",
    "CLAUSE_MARKS",
    "CN_DIGITS",
    "CN_NUM",
    "COMPOUND_SURNAMES",
    "DATE_RE",
    "DATE_UNITS",
    "FOREIGN_NAME",
    "HAN_WORD",
    "KINDS",
    "MAGNITUDE",
    "NAME_DOTS",
    "NAME_TAGS",
    "NOUNISH",
    "NUM",
    "NUMBER_RE",
    "ORG_NOUNS",
    "ORG_SUFFIX",
    "ORG_TAGS",
    "PERCENT_CN",
    "PERCENT_HINT",
    "PERSON_TAGS",
    "PLACE_NOUNS",
    "PLACE_SUFFIX",
    "PLACE_TAGS",
    "PUNCT",
    "QUOTE_RE",
    "RANGE",
    "REASON_RE",
    "SPACED_NAME",
    "SURNAMES",
    "TITLE_NAME",
    "UNITS",
    "WH_RE",
]

KINDS = ("person", "number", "date", "place", "org", "name", "reason", "manner", "other")

# ----------------------------------------------------------------------------------------------------------
# question phrases, most specific first (one alternation: the first alternative matching at a position wins)

ORG_NOUNS = (
    "公司|集团|机构|组织|部门|单位|大学|学院|学校|团体|政党|党派|球队|俱乐部|银行|企业|媒体|报纸|报社|电视台|"
    "电台|乐队|乐团|出版社|厂商|厂|法院|政府|委员会|协会|联盟|基金会|医院|军队|部队|队"
)
PLACE_NOUNS = "省份|省|城市|市|县|区|国家|国|地区|州|镇|乡|村|岛|洲|地点|地方|位置|城|港口|机场|车站|山|河"
_WH_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        "date",
        r"什么时候|什么时间|什么日子|何时|何年|何日|哪一?天|哪一?日|哪一?年|哪一?个?月份?|几月几[日号]|几月|几号|"
        r"几点|哪个?朝代|什么朝代|哪个?年代|什么年代|哪个?时期|什么时期|哪个?时代|什么时代|哪个?世纪|哪个?季度|"
        r"多久以前|多少年前|哪一?届",
    ),
    ("org", rf"哪一?[家个所支]?(?:{ORG_NOUNS})|什么(?:{ORG_NOUNS})|哪家"),
    (
        "place",
        rf"哪里|哪儿|何处|何地|(?<=[在从到去])哪(?![一个些年天月位种部本首项条家所])|什么地方|哪一?[个座片]?(?:{PLACE_NOUNS})|什么(?:{PLACE_NOUNS})",
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
WH_RE = re.compile("|".join(f"(?P<{kind}>{pattern})" for kind, pattern in _WH_PATTERNS))
PERCENT_HINT = re.compile(r"比例|占比|百分|增长|增幅|增速|下降|降幅|上涨|涨幅|提高了|比重|率")

# number expressions: digits (with separators, decimals, ranges) or Chinese numerals, magnitude, unit
CN_DIGITS = "零〇一二两三四五六七八九十百千万亿"
CN_NUM = rf"[零〇一二两三四五六七八九十][{CN_DIGITS}]*(?:点[{CN_DIGITS}]+)?"
NUM = rf"(?:\d+(?:,\d{{3}})*(?:\.\d+)?|{CN_NUM})"
RANGE = r"(?:[-~～—–－至到]|或)"
MAGNITUDE = "(?:万亿|亿|万|千|百)"
UNITS = (
    "平方公里|平方千米|平方米|平方英里|立方米|百分点|公里|千米|千克|公斤|公顷|美元|港元|港币|欧元|日元|英镑|新台币|台币|"
    "人民币|元|小时|分钟|秒钟|季度|年度|个月|周年|世纪|年代|人次|架次|英里|英尺|厘米|毫米|米|吨|克|斤|亩|倍|户|名|辆|"
    "套|台|座|条|篇|部|所|只|头|张|届|批|期|场|起|例|份|支|间|层|栋|株|处|种|位|首|集|章|卷|册|季|点|分|度|岁|天|周|"
    "年|月|日|号|时|秒|个|人|次|件|家|项|站|线|号线|票|枚|颗|轮|球|码|段|节|门|艘|架|匹|只|对|双|幅|%|‰|℃"
)
NUMBER_RE = re.compile(
    rf"(?:第|约|近|逾|超过|达)?(?P<num>{NUM}(?:{RANGE}{NUM})?)(?:多|余)?(?P<mag>{MAGNITUDE})?(?:多|余)?"
    rf"(?P<unit>(?:{UNITS})(?:{UNITS})?)?"
)
REASON_RE = re.compile(
    r"(?:因为|由于|因(?![此而素]))(?P<r>[^。；;！？!?]{2,60}?)(?=[，,]?(?:所以|因此|因而|故|才|而)|[。；;，,]|$)"
)
PERCENT_CN = re.compile(rf"百分之[{CN_DIGITS}点]+")
DATE_RE = re.compile(
    rf"(?:公元前?)?(?:\d{{1,4}}|[{CN_DIGITS}]{{2,4}})年(?:代(?:[初中末]期?|末)?)?(?:\d{{1,2}}|[{CN_DIGITS}]{{1,3}})?(?:月份?)?"
    rf"(?:(?:\d{{1,2}}|[{CN_DIGITS}]{{1,3}})[日号])?(?:[上下]午|凌晨|晚间?|早上)?"
    rf"|(?:\d{{1,2}}|[{CN_DIGITS}]{{1,3}})(?:[-~～—–－至到](?:\d{{1,2}}|[{CN_DIGITS}]{{1,3}}))?月"
    rf"(?:(?:\d{{1,2}}|[{CN_DIGITS}]{{1,3}})[日号])?(?:[上下]午|凌晨|晚间?)?"
    rf"|(?:公元前?)?(?:\d{{1,2}}|[{CN_DIGITS}]{{1,3}})世纪(?:\d{{2}}年代)?(?:[初中末]期?|上半叶|下半叶)?"
)
DATE_UNITS = ("年", "月", "日", "号", "世纪", "年代", "月份")
QUOTE_RE = re.compile(
    r"《[^《》\n]{1,40}》|「[^「」\n]{1,40}」|“[^“”\n]{1,40}”|『[^『』\n]{1,40}』|\"[^\"\n]{1,40}\""
)
NAME_DOTS = frozenset("·・•")
FOREIGN_NAME = re.compile(r"[\u4e00-\u9fff]{1,8}(?:[·・•][\u4e00-\u9fff]{1,10})+")
TITLE_NAME = re.compile(
    r"(?:书记|市长|省长|县长|区长|镇长|局长|部长|厅长|处长|科长|主任|主席|总理|总统|经理|董事长|总裁|校长|院长|"
    r"负责人|委员|代表|记者|教授|主编|队长|会长|社长|秘书长|常委|干部)[:：]?(?P<name>(?:上官|欧阳|司马|诸葛|东方|皇甫|"
    r"令狐|慕容|司徒|夏侯|尉迟|公孙|长孙|宇文|独孤|端木|南宫|西门)?[\u4e00-\u9fff]{2,3}?)"
    r"(?=[，,。、；;：:“”\"（(）)说表指介告坦认强感称答回等的在对于主同向0-9\s]|$)"
)
COMPOUND_SURNAMES = frozenset(
    "上官 欧阳 司马 诸葛 东方 皇甫 令狐 慕容 司徒 夏侯 尉迟 公孙 长孙 宇文 独孤 端木 南宫 西门 "
    "申屠 澹台".split()
)
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔"
    "钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤巩虞"
)
SPACED_NAME = re.compile(r"(?<![\u4e00-\u9fff])[\u4e00-\u9fff][ \u3000][\u4e00-\u9fff](?![\u4e00-\u9fff])")
PLACE_SUFFIX = re.compile(
    r"[\u4e00-\u9fff]{1,8}(?:省|市|县|区|镇|乡|村|州|旗|盟|岛|港|湾|山|河|江|湖|街道|社区)$"
)
ORG_SUFFIX = re.compile(
    r"[\u4e00-\u9fffA-Za-z]{1,12}(?:公司|集团|大学|学院|中学|小学|委员会|银行|协会|学会|研究院|研究所|医院|法院|检察院|"
    r"政府|报社|日报|电视台|出版社|俱乐部|基金会|联盟|组织|办公室|委|局|厅|部|署|队)$"
)
HAN_WORD = re.compile(r"[\u4e00-\u9fff]+")
PUNCT = set("，,。.！!？?；;：:、\"'“”‘’「」『』《》（）()[]【】…—-~～·\n\t ")
CLAUSE_MARKS = "，,。；;：:！!？?\n"

# jieba tags: what each kind of entity looks like
PERSON_TAGS = {"nr", "nrfg", "nrt"}
PLACE_TAGS = {"ns"}
ORG_TAGS = {"nt"}
NAME_TAGS = {"nz", "eng"}
NOUNISH = {"n", "nr", "nrfg", "nrt", "ns", "nt", "nz", "ng", "eng", "vn", "an", "b", "j", "l", "i", "s"}
# one-character words that may still anchor an answer next to the question phrase (是由[X], 在[X])
ANCHOR_CHARS = frozenset("是由在于为被叫称向从将把以")
