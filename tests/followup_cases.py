"""Follow-up questions over the seed articles (``seeds/*.txt``), shared by the fast rewrite test
(``tests/extract/test_followup_cases.py``) and the benchmark (``benchmarks/followups.py``).

Each case is a conversation: the earlier turns (questions, or ``(question, answer)`` pairs as the chat passes them),
the new turn, and what the rewrite must make of it — one of the accepted rewrites (``expected``, compared in
Simplified without punctuation or spaces), or else words it must and must not contain (``must`` / ``must_not``).
Where the seeds answer the resolved question, ``answers`` holds the accepted short answers (CMRC 2018 EM, either
script) and ``article`` the prefix of the seed file that must be cited first; ``answers == ("",)`` means the seeds
do not answer it and the question must be refused. Kinds: ``place`` / ``person`` / ``date`` (``那X呢？``-style
substitution of an entity of that kind), ``attribute`` (a new attribute of the same entity), ``pronoun``,
``ellipsis`` (an omitted subject or predicate), ``chain`` (three or more turns), ``mixed`` (the turns in different
scripts), ``new`` (a full new question: left as asked).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.ingest.scripts import to_simplified

__all__ = ["CASES", "Case", "rewrite_ok"]

Turn = str | tuple[str, str]


@dataclass(frozen=True)
class Case:
    name: str
    kind: str
    history: tuple[Turn, ...]
    turn: str
    expected: tuple[str, ...] = ()  # accepted rewrites; () = judge by must / must_not
    must: tuple[str, ...] = ()
    must_not: tuple[str, ...] = ()
    answers: tuple[str, ...] = ()  # accepted short answers; ("",) = must be refused; () = not checked
    article: str = ""  # seed file prefix of the first citation


def _norm(text: str) -> str:
    return re.sub(r"[\s，,。.？?！!、“”\"：:；;（）()]", "", to_simplified(text))


def rewrite_ok(case: Case, resolved: str) -> bool:
    """Whether ``resolved`` (the question as the pipeline will ask it) is what ``case`` accepts."""
    text = _norm(resolved)
    if case.expected and text not in {_norm(e) for e in case.expected}:
        return False
    return all(_norm(w) in text for w in case.must) and not any(_norm(w) in text for w in case.must_not)


RANKING = "在全省各市的比較中，秦皇島規模以上工業產出的增量名列第幾？"

CASES: tuple[Case, ...] = (
    # --- 那X呢？ / X呢？: a place for a place --------------------------------------------------------------
    Case(
        "issue-13: the named city, not 各市",
        "place",
        (RANKING,),
        "那宝鸡呢？",
        ("在全省各市的比较中，宝鸡规模以上工业产出的增量名列第几？",),
        answers=("",),  # the Baoji article ranks nothing
    ),
    Case(
        "secretary, Qinhuangdao -> Baoji",
        "place",
        ("秦皇岛市委书记是谁？",),
        "那宝鸡呢？",
        ("宝鸡市委书记是谁？",),
        answers=("上官吉庆",),
        article="001",
    ),
    Case(
        "secretary, Lanzhou -> Qinhuangdao (Traditional)",
        "place",
        ("蘭州市委書記是誰？",),
        "那秦皇島呢？",
        ("秦皇岛市委书记是谁？",),
        answers=("朱政學",),
        article="000",
    ),
    Case(
        "discipline secretary, Changsha -> Chengdu",
        "place",
        (("长沙市纪委书记是谁？", "陈刚"),),
        "那成都呢？",
        ("成都市纪委书记是谁？", "成都纪委书记是谁？"),
        answers=("刘光辉",),
        article="003",
    ),
    Case(
        "discipline secretary, without 那",
        "place",
        ("长沙市纪委书记是谁？",),
        "滨州呢？",
        ("滨州市纪委书记是谁？", "滨州纪委书记是谁？"),
        answers=("巩洪波",),
        article="003",
    ),
    Case(
        "district head of organisation",
        "place",
        (("九原区委组织部部长是谁？", "郭俊丽"),),
        "那青山区呢？",
        ("青山区委组织部部长是谁？",),
        answers=("徐彩峰",),
        article="002",
    ),
    Case(
        "economic growth, Baoji -> Lanzhou",
        "place",
        ("宝鸡市经济增长了多少？",),
        "那兰州呢？",
        ("兰州市经济增长了多少？", "兰州经济增长了多少？"),
        answers=("8.6%",),
        article="004",
    ),
    Case(
        "a generic place for a generic place",
        "place",
        ("宝鸡市经济增长比全省高多少个百分点？",),
        "全国呢？",
        ("宝鸡市经济增长比全国高多少个百分点？",),
        answers=("4.3",),
        article="001",
    ),
    Case(
        "那么X怎么样",
        "place",
        ("九原区对几名不胜任现职工作的科级干部进行了岗位调整？",),
        "那么青山区怎么样？",
        ("青山区对几名不胜任现职工作的科级干部进行了岗位调整？",),
        answers=("",),
    ),
    # --- a person for a person ----------------------------------------------------------------------------
    Case(
        "which city's standing committee",
        "person",
        ("刘光辉是哪个市的市委常委？",),
        "那巩洪波呢？",
        ("巩洪波是哪个市的市委常委？",),
        answers=("滨州", "滨州市", "山东省滨州市"),
        article="003",
    ),
    Case(
        "which post",
        "person",
        ("徐彩峰担任什么职务？",),
        "那郭俊丽呢？",
        ("郭俊丽担任什么职务？",),
        answers=("九原区委组织部部长", "部长"),
        article="002",
    ),
    # --- a date for a date, or a date added ---------------------------------------------------------------
    Case(
        "year for year",
        "date",
        ("包头市2020年GDP是多少？",),
        "那2019年呢？",
        ("包头市2019年GDP是多少？",),
    ),
    Case(
        "first half for 1-9 months (no such figure)",
        "date",
        ("秦皇岛1-9月固定资产投资增长了多少？",),
        "那上半年呢？",
        ("秦皇岛上半年固定资产投资增长了多少？",),
        answers=("",),  # Lanzhou's first-half investment grew 14.87 %; Qinhuangdao gives only 1-9 months
    ),
    Case(
        "a date where the question had none",
        "date",
        ("兰州市固定资产投资是多少？",),
        "上半年呢？",
        ("兰州市上半年固定资产投资是多少？",),
        answers=("673.01亿元",),
        article="004",
    ),
    Case(
        "last year",
        "date",
        ("宝鸡市经济增长了多少？",),
        "去年呢？",
        ("宝鸡市去年经济增长了多少？",),
    ),
    # --- a new attribute of the same entity ---------------------------------------------------------------
    Case(
        "another investment figure",
        "attribute",
        ("秦皇島1-9月固定資產投資增長了多少？",),
        "那建设项目投资呢？",
        ("秦皇岛1-9月建设项目投资增长了多少？",),
        answers=("12.6%",),
        article="000",
    ),
    Case(
        "industrial value added",
        "attribute",
        (("秦皇岛1-9月固定资产投资增长了多少？", "3.2%"),),
        "规上工业增加值呢？",
        ("秦皇岛1-9月规上工业增加值增长了多少？",),
        answers=("5.4%",),
        article="000",
    ),
    Case(
        "GDP -> investment",
        "attribute",
        ("兰州市上半年生产总值是多少？",),
        "固定资产投资呢？",
        ("兰州市上半年固定资产投资是多少？",),
        answers=("673.01亿元",),
        article="004",
    ),
    Case(
        "那它的X呢",
        "attribute",
        ("兰州市上半年固定资产投资是多少？",),
        "那它的生产总值呢？",
        ("兰州市上半年生产总值是多少？", "兰州市上半年的生产总值是多少？"),
        answers=("926.18亿元",),
        article="004",
    ),
    Case(
        "the issue's question, another attribute",
        "attribute",
        (RANKING,),
        "那固定资产投资呢？",
        ("在全省各市的比较中，秦皇岛固定资产投资名列第几？",),
    ),
    Case(
        "mayor instead of secretary",
        "attribute",
        ("秦皇岛市委书记是谁？",),
        "那市长呢？",
        ("秦皇岛市长是谁？",),
        answers=("",),
    ),
    # --- pronouns -----------------------------------------------------------------------------------------
    Case(
        "它 = the city",
        "pronoun",
        ("兰州市上半年生产总值是多少？",),
        "它的固定资产投资增长了多少？",
        ("兰州市的固定资产投资增长了多少？",),
        answers=("14.87%",),
        article="004",
    ),
    Case(
        "它 = the named city, not 各市",
        "pronoun",
        (RANKING,),
        "它的固定资产投资增长了多少？",
        ("秦皇岛的固定资产投资增长了多少？",),
        answers=("3.2%",),
        article="000",
    ),
    Case(
        "他 = the previous answer",
        "pronoun",
        (("宝鸡市委书记是谁？", "上官吉庆"),),
        "他主持召开了几次交办会？",
        ("上官吉庆主持召开了几次交办会？",),
        answers=("3次",),
        article="001",
    ),
    Case(
        "他 with no answer known: the person asked about",
        "pronoun",
        ("秦皇岛市委书记是谁？",),
        "他提出把哪一年作为作风建设提质年？",
        must=("秦皇岛", "作风建设提质年"),
        must_not=("他",),
        answers=("2020年", "2020"),
        article="000",
    ),
    Case(
        "这位书记 = the previous answer",
        "pronoun",
        (("秦皇岛市委书记是谁？", "朱政学"),),
        "这位书记在哪家报纸开设了工作盘点专栏？",
        ("朱政学在哪家报纸开设了工作盘点专栏？",),
        answers=("秦皇岛日报",),
        article="000",
    ),
    Case(
        "该市",
        "pronoun",
        ("包头市政务服务指标在营商环境评估中取得了多少分？",),
        "该市有多少名党员干部查摆了问题？",
        ("包头市有多少名党员干部查摆了问题？",),
        answers=("20多万名",),
        article="002",
    ),
    Case(
        "当地",
        "pronoun",
        ("宝鸡市低保清理取消了多少户？",),
        "当地退还群众钱款物多少？",
        ("宝鸡市退还群众钱款物多少？", "宝鸡退还群众钱款物多少？"),
        answers=("1200多万元",),
        article="001",
    ),
    Case(
        "该区",
        "pronoun",
        ("九原区对几名不胜任现职工作的科级干部进行了岗位调整？",),
        "该区提拔了多少名副科级干部？",
        ("九原区提拔了多少名副科级干部？",),
        answers=("12名",),
        article="002",
    ),
    Case(
        "其 = the city",
        "pronoun",
        ("兰州市上半年固定资产投资是多少？",),
        "其增幅排全省市州第几位？",
        must=("兰州", "增幅"),
        must_not=("其",),
        answers=("第2位", "2"),
        article="004",
    ),
    Case(
        "此人 = the previous answer",
        "pronoun",
        (("九原区住建局局长是谁？", "金志强"),),
        "此人说没有压力就没有什么？",
        ("金志强说没有压力就没有什么？",),
        answers=("动力",),
        article="002",
    ),
    # --- an omitted subject or predicate ------------------------------------------------------------------
    Case(
        "only a predicate",
        "ellipsis",
        (("兰州市上半年生产总值是多少？", "926.18亿元"),),
        "增长了多少？",
        ("兰州市上半年生产总值增长了多少？",),
        answers=("8.6%",),
        article="004",
    ),
    Case(
        "全市 = the city of the conversation",
        "ellipsis",
        (("宝鸡市委书记是谁？", "上官吉庆"),),
        "全市已解决突出问题多少个？",
        must=("宝鸡", "解决突出问题"),
        answers=("946个",),
        article="001",
    ),
    Case(
        "no subject at all",
        "ellipsis",
        ("秦皇岛1-9月固定资产投资增长了多少？",),
        "市委书记是谁？",
        ("秦皇岛市委书记是谁？",),
        answers=("朱政学",),
        article="000",
    ),
    Case(
        "X呢 with nothing before it",
        "ellipsis",
        (),
        "那宝鸡呢？",
        ("那宝鸡呢？",),
    ),
    # --- full new questions: left as asked ----------------------------------------------------------------
    Case(
        "another city named in full",
        "new",
        ("秦皇岛市委书记是谁？",),
        "宝鸡市委书记是谁？",
        ("宝鸡市委书记是谁？",),
        answers=("上官吉庆",),
        article="001",
    ),
    Case(
        "another topic",
        "new",
        (("兰州市上半年生产总值是多少？", "926.18亿元"),),
        "包头市委什么时候印发了强化作风建设学习实践活动的实施方案？",
        ("包头市委什么时候印发了强化作风建设学习实践活动的实施方案？",),
        answers=("3月20日",),
        article="002",
    ),
    Case(
        "a full question ending in 呢",
        "new",
        ("长沙市纪委书记是谁？",),
        "滨州市纪委书记是谁呢？",
        ("滨州市纪委书记是谁呢？",),
        answers=("巩洪波",),
        article="003",
    ),
    Case(
        "a full question starting with 那么",
        "new",
        ("秦皇岛市委书记是谁？",),
        "那么兰州市上半年生产总值是多少？",
        ("那么兰州市上半年生产总值是多少？",),
        answers=("926.18亿元",),
        article="004",
    ),
    Case(
        "a full question in the other script",
        "new",
        ("宝鸡市低保清理取消了多少户？",),
        "蘭州建築垃圾資源化項目總投資多少？",
        ("兰州建筑垃圾资源化项目总投资多少？",),
        answers=("2.58億元",),
        article="004",
    ),
    Case(
        "a full question about a person's post",
        "new",
        (("兰州市委书记是谁？", "虞海燕"),),
        "蘭州市委農村工作辦公室副主任是誰？",
        ("兰州市委农村工作办公室副主任是谁？",),
        answers=("蔣偉川",),
        article="004",
    ),
    # --- chains -------------------------------------------------------------------------------------------
    Case(
        "three cities",
        "chain",
        ("秦皇岛市委书记是谁？", "那兰州呢？"),
        "那宝鸡呢？",
        ("宝鸡市委书记是谁？",),
        answers=("上官吉庆",),
        article="001",
    ),
    Case(
        "pronoun, then 该市",
        "chain",
        (("兰州市上半年生产总值是多少？", "926.18亿元"), ("它的固定资产投资增长了多少？", "14.87%")),
        "该市新签项目多少个？",
        ("兰州市新签项目多少个？",),
        answers=("613个",),
        article="004",
    ),
    Case(
        "substitution, then 他 = the last answer",
        "chain",
        (("长沙市纪委书记是谁？", "陈刚"), ("那滨州呢？", "巩洪波")),
        "他建立了几项协作机制？",
        ("巩洪波建立了几项协作机制？",),
        answers=("6项",),
        article="003",
    ),
    Case(
        "two attribute changes",
        "chain",
        ("秦皇岛1-9月固定资产投资增长了多少？", "那建设项目投资呢？"),
        "规上工业增加值呢？",
        ("秦皇岛1-9月规上工业增加值增长了多少？",),
        answers=("5.4%",),
        article="000",
    ),
    Case(
        "three districts, the last one unanswered",
        "chain",
        (("九原区委组织部部长是谁？", "郭俊丽"), ("那青山区呢？", "徐彩峰")),
        "那昆都仑区呢？",
        ("昆都仑区委组织部部长是谁？",),
        answers=("",),
    ),
    # --- the turns in different scripts -------------------------------------------------------------------
    Case(
        "Traditional history, Simplified turn",
        "mixed",
        ("秦皇島市委書記是誰？",),
        "那宝鸡呢？",
        ("宝鸡市委书记是谁？",),
        answers=("上官吉庆",),
        article="001",
    ),
    Case(
        "a pronoun in a turn of mixed characters",
        "mixed",
        ("兰州市上半年生产总值是多少？",),
        "它的固定資產投資增長了多少？",
        ("兰州市的固定资产投资增长了多少？",),
        answers=("14.87%",),
        article="004",
    ),
    Case(
        "Traditional answer in the history",
        "mixed",
        (("寶雞市委書記是誰？", "上官吉慶"),),
        "他主持召开了几次交办会？",
        ("上官吉庆主持召开了几次交办会？",),
        answers=("3次",),
        article="001",
    ),
    Case(
        "Simplified history, Traditional 他",
        "mixed",
        (("兰州市委书记是谁？", "虞海燕"),),
        "他在哪一天的動員部署大會上講話？",
        ("虞海燕在哪一天的动员部署大会上讲话？",),
        answers=("4月14日",),
        article="004",
    ),
)
