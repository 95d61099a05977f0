"""The patterns of question analysis (:mod:`rag.extract.qtype`) and of the entities follow-ups read
(:mod:`rag.extract.entities`): question phrases by kind, the units a number question names, date expressions,
surnames, foreign names, organisation suffixes (Simplified text)."""

from __future__ import annotations

import re

__all__ = [
    "CN_DIGITS",
    "COMPOUND_SURNAMES",
    "DATE_RE",
    "FOREIGN_NAME",
    "MAGNITUDE",
    "NOUNISH",
    "ORG_SUFFIX",
    "PUNCT",
    "SURNAMES",
    "UNITS",
    "WH_RE",
]


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

# the unit a number question names (多少人, 多少亿元), dates, names, organisations
CN_DIGITS = "零〇一二两三四五六七八九十百千万亿"
MAGNITUDE = "(?:万亿|亿|万|千|百)"
UNITS = (
    "平方公里|平方千米|平方米|平方英里|立方米|百分点|公里|千米|千克|公斤|公顷|美元|港元|港币|欧元|日元|英镑|新台币|台币|"
    "人民币|元|小时|分钟|秒钟|季度|年度|个月|周年|世纪|年代|人次|架次|英里|英尺|厘米|毫米|米|吨|克|斤|亩|倍|户|名|辆|"
    "套|台|座|条|篇|部|所|只|头|张|届|批|期|场|起|例|份|支|间|层|栋|株|处|种|位|首|集|章|卷|册|季|点|分|度|岁|天|周|"
    "年|月|日|号|时|秒|个|人|次|件|家|项|站|线|号线|票|枚|颗|轮|球|码|段|节|门|艘|架|匹|只|对|双|幅|%|‰|℃"
)
DATE_RE = re.compile(
    rf"(?:公元前?)?(?:\d{{1,4}}|[{CN_DIGITS}]{{2,4}})年(?:代(?:[初中末]期?|末)?)?(?:\d{{1,2}}|[{CN_DIGITS}]{{1,3}})?(?:月份?)?"
    rf"(?:(?:\d{{1,2}}|[{CN_DIGITS}]{{1,3}})[日号])?(?:[上下]午|凌晨|晚间?|早上)?"
    rf"|(?:\d{{1,2}}|[{CN_DIGITS}]{{1,3}})(?:[-~～—–－至到](?:\d{{1,2}}|[{CN_DIGITS}]{{1,3}}))?月"
    rf"(?:(?:\d{{1,2}}|[{CN_DIGITS}]{{1,3}})[日号])?(?:[上下]午|凌晨|晚间?)?"
    rf"|(?:公元前?)?(?:\d{{1,2}}|[{CN_DIGITS}]{{1,3}})世纪(?:\d{{2}}年代)?(?:[初中末]期?|上半叶|下半叶)?"
)
FOREIGN_NAME = re.compile(r"[\u4e00-\u9fff]{1,8}(?:[·・•][\u4e00-\u9fff]{1,10})+")
COMPOUND_SURNAMES = frozenset(
    "上官 欧阳 司马 诸葛 东方 皇甫 令狐 慕容 司徒 夏侯 尉迟 公孙 长孙 宇文 独孤 端木 南宫 西门 "
    "申屠 澹台".split()
)
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔"
    "钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤巩虞"
    "岳闵柳易乔左常葛康伍牛甘蒙祝谷阎童洪施安倪殷温骆樊鲁屈柴翟庞聂章焦齐包苗詹耿凌关宁俞邢华裴单管尚"
    "车欧戚纪景卜霍房滕艾栾冉盛邬晏仇阮蓝路"
)
ORG_SUFFIX = re.compile(
    r"[\u4e00-\u9fffA-Za-z]{1,12}(?:公司|集团|大学|学院|中学|小学|委员会|银行|协会|学会|研究院|研究所|医院|法院|检察院|"
    r"政府|报社|日报|电视台|出版社|俱乐部|基金会|联盟|组织|办公室|委|局|厅|部|署|队)$"
)
PUNCT = set("，,。.！!？?；;：:、\"'“”‘’「」『』《》（）()[]【】…—-~～·\n\t ")
# jieba tags of nouns and noun-like words
NOUNISH = {"n", "nr", "nrfg", "nrt", "ns", "nt", "nz", "ng", "eng", "vn", "an", "b", "j", "l", "i", "s"}
