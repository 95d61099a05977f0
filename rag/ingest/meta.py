"""News metadata read from an article's own lines and its address: datelines and source lines
(``2023-07-21 09:30 来源：新华网``), wire datelines (``新华社北京3月5日电（记者 张三）``), author lines
(``作者：张三``, ``文/张三``), editor footers (``责任编辑：王五``, dropped from the body), and dates in news URLs
(``/2023-03/05/``, ``/2023/0305/``, ``/20230305/``).

:class:`Meta` carries what one source says; :meth:`Meta.over` lays one source over another (the precedence is
the caller's: :mod:`rag.ingest.article`). A date is taken only from a line that is *about* the article (a short
line holding a whole date with a clock time or a label such as 发布时间/来源, or nothing but the date), never from
a sentence of the story.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace

from rag.ingest.dates import find_dates, iso_date

__all__ = ["Meta", "clean_outlet", "is_footer_line", "meta_line", "url_date", "wire_dateline"]


@dataclass(frozen=True)
class Meta:
    """What one source says about an article ("" where it says nothing)."""

    published: str = ""  # ISO date
    outlet: str = ""
    author: str = ""
    url: str = ""
    title: str = ""

    def over(self, other: Meta) -> Meta:
        """This source's values, and ``other``'s where this one says nothing."""
        return replace(
            self, **{f.name: getattr(self, f.name) or getattr(other, f.name) for f in fields(self)}
        )


_SENTENCE_END = "。！？!?；;"
_LABEL = r"(?:来源|來源|稿源|出处|出處|发布时间|發布時間|發佈時間|发布日期|發佈日期|时间|時間|日期|更新时间|更新時間|作者|记者|記者|编辑|編輯)"
_SOURCE = re.compile(
    r"(?:来源|來源|稿源|出处|出處|转自|轉自)\s*[:：]\s*([^\s|｜/　,，:：()（）\[\]【】]{2,20})"
)
_AUTHOR = re.compile(
    r"(?:作者|撰文|记者|記者|文|图文|圖文)\s*[:：/|｜]\s*((?:[\u4e00-\u9fff·]{2,4}[ 、，,]*){1,4})(?=$|[\s|｜])"
)
_FOOTER = re.compile(
    r"^[（(\[【]?\s*(?:责任编辑|責任編輯|责编|責編|编辑|編輯|校对|校對|审核|審核|值班编辑|值班編輯|监制|監製)\s*[:：]"
)
_OUTLET_END = ("网", "網", "报", "報", "社", "台", "新闻", "新聞", "客户端", "客戶端", "频道", "頻道")
# 新华社北京3月5日电（记者 张三、李四）/ 中新网3月5日电 / 本报北京3月5日讯（记者 张三）
_WIRE = re.compile(
    r"^\s*(?:【|\[)?(?P<outlet>本报|本報|[\u4e00-\u9fff]{2,8}?(?:社|网|網|报|報|台|新闻|新聞))"
    r"(?P<place>[\u4e00-\u9fff]{2,6}?)?(?:(?P<month>\d{1,2})月(?P<day>\d{1,2})日)?[电電讯訊](?:】|\])?"
    r"(?:\s*[（(]\s*(?:(?:本报|本報)?(?:记者|記者|通讯员|通訊員)\s*)?(?P<author>[\u4e00-\u9fff·、 ]{2,20}?)\s*[)）])?"
)


def _names(text: str) -> str:
    parts = [p for p in re.split(r"[\s、，,]+", text.strip()) if p]
    ok = [p for p in parts if re.fullmatch(r"[\u4e00-\u9fff·]{2,4}", p)]
    return "、".join(ok) if ok and len(ok) == len(parts) else ""


def clean_outlet(name: str) -> str:
    """An outlet's name as shown: a Latin tag after a Chinese name dropped (``中央社 CNA`` -> ``中央社``)."""
    name = " ".join(name.split())
    m = re.fullmatch(r"(.*[\u4e00-\u9fff].*?)\s+[A-Za-z][A-Za-z0-9 .&-]*", name)
    return m.group(1).strip() if m else name


def meta_line(line: str) -> Meta | None:
    """What a header or footer line says about the article, when it is such a line (else None): its date
    (with a clock time, a label, or alone), ``来源：`` outlet and ``作者：`` author."""
    stripped = line.strip().strip("|｜")
    if not stripped or len(stripped) > 90 or any(ch in stripped for ch in _SENTENCE_END):
        return None
    dates = find_dates(stripped)
    source = _SOURCE.search(stripped)
    author = _AUTHOR.search(stripped)
    labelled = re.search(_LABEL + r"\s*[:：]", stripped) is not None
    published = ""
    if dates:
        iso, start, end, timed = dates[0]
        rest = (stripped[:start] + stripped[end:]).strip(" |｜·:：-")
        alone = not re.search(r"[\u4e00-\u9fff]{6,}", re.sub(_LABEL, "", rest))  # little but the date
        if timed or labelled or alone:
            published = iso
    outlet = source.group(1).strip() if source else ""
    names = _names(author.group(1)) if author else ""
    if not (published or outlet or names):
        return None
    return Meta(published=published, outlet=outlet, author=names)


def is_footer_line(line: str) -> bool:
    """An editor's credit (``责任编辑：王五``, ``（编辑：李四）``): page furniture, not the article."""
    return bool(_FOOTER.match(line.strip())) and len(line.strip()) <= 40


# （中央社記者林志明台中5日電） / 〔記者黃美玲／台中報導〕
_TW_WIRE = re.compile(
    r"^\s*[（(]\s*(?P<outlet>[\u4e00-\u9fff]{2,6}?社)(?:記者|记者)(?P<author>[\u4e00-\u9fff]{2,3})"
    r"(?P<place>[\u4e00-\u9fff]{2,4}?)?\d{1,2}日[電电]\s*[)）]"
)
_TW_BYLINE = re.compile(
    r"^\s*[〔\[［【]\s*(?:記者|记者)(?P<author>[\u4e00-\u9fff]{2,4})\s*[／/]\s*[\u4e00-\u9fff]{2,8}[報报]導\s*[〕\]］】]"
)


def wire_dateline(paragraph: str) -> Meta | None:
    """The wire dateline opening a paragraph, ``新华社北京3月5日电（记者 张三）``, ``（中央社記者林志明台中5日電）``
    or ``〔記者黃美玲／台中報導〕``: outlet and author (a dateline gives no year, so no date)."""
    tw = _TW_WIRE.match(paragraph) or _TW_BYLINE.match(paragraph)
    if tw is not None:
        return Meta(outlet=tw.groupdict().get("outlet") or "", author=tw["author"])
    m = _WIRE.match(paragraph)
    if not m or not (m["month"] or m["place"]):
        return None
    outlet = m["outlet"]
    if outlet in ("本报", "本報"):
        outlet = ""
    elif not outlet.endswith(_OUTLET_END):
        return None
    author = _names(m["author"] or "")
    return Meta(outlet=outlet, author=author) if outlet or author else None


_URL_DATES = (
    re.compile(r"/((?:19|20)\d{2})-(\d{2})[/-](\d{2})/"),  # news.cn /2023-03/05/, sina /2023-03-05/
    re.compile(r"/((?:19|20)\d{2})/(\d{2})(\d{2})/"),  # people.com.cn /n1/2023/0305/
    re.compile(r"/((?:19|20)\d{2})(\d{2})(\d{2})/"),  # /20230305/
    re.compile(r"/((?:19|20)\d{2})/(\d{2})/(\d{2})/"),  # /2023/03/05/
    re.compile(r"[/_-]((?:19|20)\d{2})(\d{2})(\d{2})[_-]?\d*\.s?html?$"),  # /t20230305_123.html
)


def url_date(url: str) -> str:
    """The date a news URL holds in its path, else ""."""
    path = re.sub(r"^[a-z]+://[^/]+", "", url or "", flags=re.I).split("?")[0]
    for pattern in _URL_DATES:
        m = pattern.search(path)
        if m:
            day = iso_date(int(m[1]), int(m[2]), int(m[3]))
            if day:
                return day
    return ""
