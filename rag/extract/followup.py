"""Follow-up questions, resolved against the previous question by three explainable rules.

The entities of both questions (people, places, organisations, dates: :mod:`rag.extract.entities`) and the
previous question's *attribute* — the words it asks about, between its last entity and its predicate
(``秦皇岛1-9月[固定资产投资]增长了多少？``, ``秦皇岛[市委书记]是谁？``) — are what the rules move.

* **Substitution** — ``那X呢？`` / ``X呢？`` / ``那么X怎么样？`` (a short turn asking nothing of its own). Each
  entity ``X`` names replaces the previous question's entity of the same kind: a place for a place (a named one
  for a named one, at the same level where there is one: ``宝鸡`` replaces ``秦皇岛``, not ``各市``; ``全国`` a
  generic one), a person for a person, a date for a date (or, where there was none, goes in after the subject).
  What ``X`` says besides its entities and pronouns (``固定资产投资呢？``, ``那它的生产总值呢？``) replaces the
  attribute. ``在全省各市的比较中，秦皇岛…名列第几？`` + ``那宝鸡呢？`` -> ``在全省各市的比较中，宝鸡…名列第几？``.
* **Pronoun** — ``他 她 此人 这位书记`` stand for a person: the previous *answer* when that question asked 谁,
  else the person it named, else what it asked about (``秦皇岛市委书记``); ``该市 该区 当地 这里 …`` for its
  named place (of that level), or its answer when it asked where; ``它 其`` for its named place or organisation.
  ``兰州市上半年生产总值是多少？`` + ``它的投资增长了多少？`` -> ``兰州市的投资增长了多少？``.
* **Ellipsis** — a question that names no person, place or organisation of its own, asked after one that did:
  the previous subject is added (``秦皇岛…增长了多少？`` + ``市委书记是谁？`` -> ``秦皇岛市委书记是谁？``), a generic
  place of the same level stands for it (``全市…`` after a question about 宝鸡市), and a bare predicate takes the
  previous subject and attribute (``兰州市上半年生产总值是多少？`` + ``增长了多少？``).

Anything else is left as asked (a question naming its own entity is a new question). Work happens on the
Simplified view; the caller converts for display. History items may be question strings,
``(question, answer)`` pairs, or :class:`rag.types.Answer` objects; earlier turns are resolved first, so a chain
of follow-ups keeps its topic.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rag.extract.entities import ADMIN, Mention, Tag, looks_like_name, mentions
from rag.extract.qtype import QuestionInfo, analyse_question, pos_tags
from rag.ingest.scripts import to_simplified
from rag.search.question import MAX_QUESTION_CHARS

__all__ = ["Resolution", "history_turns", "resolve_followup"]

_LEAD = r"(?:好的|嗯|哦|谢谢|那么|那|还有|然后|另外|再问一下|再问|请问)"
_LEAD_RE = re.compile(rf"^(?:{_LEAD}[,，\s]*)+")
_SUBSTITUTION = re.compile(
    rf"^(?:{_LEAD}[,，\s]*)*(?P<x>[^,，。？?！!]{{1,20}}?)"
    r"(?:的情况|的呢|怎么样|又如何|如何|又是多少|又是谁|呢|吗)+[\s？?。！!]*$"
)
_LEADING_THAT = re.compile(
    rf"^(?:{_LEAD}[,，\s]*)*(?:那么|那)[,，\s]*(?P<x>[^,，。？?！!]{{1,20}}?)[\s？?。！!]*$"
)
# pronoun -> the kind of entity it stands for ("" = a place or organisation), and the level a place should have
_PRONOUNS: dict[str, tuple[str, str]] = {
    "该市": ("place", "市"),
    "该县": ("place", "县"),
    "该区": ("place", "区"),
    "该省": ("place", "省"),
    "该镇": ("place", "镇"),
    "该地": ("place", ""),
    "该地区": ("place", ""),
    "当地": ("place", ""),
    "本地": ("place", ""),
    "这里": ("place", ""),
    "这座城市": ("place", ""),
    "这个城市": ("place", ""),
    "该城市": ("place", ""),
    "该公司": ("org", ""),
    "该机构": ("org", ""),
    "该组织": ("org", ""),
    "该单位": ("org", ""),
    "该部门": ("org", ""),
    "此人": ("person", ""),
    "他": ("person", ""),
    "她": ("person", ""),
    "它": ("", ""),
    "其": ("", ""),
}
_ROLE_PRONOUN = (
    r"(?:这位|该|此)(?:书记|市长|县长|区长|省长|局长|部长|主任|负责人|领导|同志|嘉宾|委员|常委|主席|经理)"
)
_PRONOUN_RE = re.compile("|".join([_ROLE_PRONOUN, *sorted(map(re.escape, _PRONOUNS), key=len, reverse=True)]))
_NOT_PRONOUN = re.compile(r"其[中他它余实次后间]|尤其|极其|与其|其所|他们|她们|它们|其他|吉他|他人|他乡|其乐")
_ATTRIBUTE_TAGS = {"n", "vn", "nz", "eng", "j", "l", "an", "ng", "nt", "b", "i"}
_PREDICATE_WORDS = {"名列", "位列", "排名", "位居", "居", "排"}  # verbs jieba may tag as nouns
_NOT_SHORT_ANSWER = re.compile(r"[，,。；;！!？?\n]")


@dataclass(frozen=True)
class Resolution:
    """A question after follow-up resolution (Simplified). ``rule`` is "" when it was left as asked."""

    question: str
    rule: str = ""  # "substitution" | "pronoun" | "ellipsis" | ""
    replaced: str = ""  # what in the previous question (or the pronoun) was replaced; "" for an addition
    by: str = ""  # what replaced it, or what was added

    @property
    def changed(self) -> bool:
        return bool(self.rule)

    def explain(self) -> str:
        if self.rule == "substitution" and self.replaced:
            return f"追问：把上一问的“{self.replaced}”换成“{self.by}”"
        if self.rule == "substitution":
            return f"追问：在上一问里加上“{self.by}”"
        if self.rule == "pronoun":
            return f"追问：“{self.replaced}”指上一问的“{self.by}”"
        if self.rule == "ellipsis":
            return f"追问：接着上一问，补上“{self.by}”"
        return ""


def history_turns(history: Iterable[Any] | None) -> list[tuple[str, str]]:
    """``(question, answer)`` pairs from strings, pairs, or Answer-like objects (answer "" when unknown)."""
    turns: list[tuple[str, str]] = []
    for item in history or ():
        if isinstance(item, str):
            turns.append((item, ""))
        elif isinstance(item, Sequence) and len(item) == 2 and all(isinstance(x, str | None) for x in item):
            turns.append((item[0] or "", item[1] or ""))
        elif hasattr(item, "question"):
            question = getattr(item, "resolved_question", "") or item.question
            turns.append((question, getattr(item, "answer", "") or ""))
        else:
            raise TypeError(
                f"history items must be questions, (question, answer) pairs or Answers, not {item!r}"
            )
    return [(q, a) for q, a in turns if q and q.strip()]


@dataclass(frozen=True)
class _Question:
    text: str
    tags: list[Tag]
    info: QuestionInfo
    mentions: list[Mention]

    def of(self, *kinds: str, proper: bool | None = None) -> list[Mention]:
        return [m for m in self.mentions if m.kind in kinds and (proper is None or m.proper == proper)]

    def covered(self, start: int, end: int) -> bool:
        return any(m.start < end and start < m.end for m in self.mentions)


def _parse(text: str) -> _Question:
    tags = pos_tags(text)
    return _Question(text, tags, analyse_question(text, tags), mentions(text, tags))


def _words(q: _Question, start: int = 0) -> list[Tag]:
    return [t for t in q.tags if t[2] >= start and t[0].strip() and t[1] != "x"]


def _predicate(t: Tag) -> bool:
    return (t[1].startswith(("v", "d", "u")) and t[1] != "vn") or t[0] in _PREDICATE_WORDS


def _attribute(q: _Question) -> tuple[int, int] | None:
    """What ``q`` asks about: the nouns between its last entity (or clause start) and its predicate, else the
    object after its question phrase (刘光辉查处了多少名履责不力的[党员干部]？)."""
    limit = q.info.wh_start if q.info.wh_start >= 0 else len(q.text)
    tokens = [t for t in q.tags if t[3] <= limit and t[0].strip()]
    i = len(tokens) - 1
    while i >= 0 and not q.covered(tokens[i][2], tokens[i][3]) and _predicate(tokens[i]):
        i -= 1
    if i >= 0 and tokens[i][1] in _ATTRIBUTE_TAGS and not q.covered(tokens[i][2], tokens[i][3]):
        end = tokens[i][3]
        bounds = [m.end for m in q.mentions if m.end <= tokens[i][2]]
        bounds += [t[3] for t in tokens[:i] if t[1] in ("p", "x")]
        start = max(bounds, default=0)
    else:
        after = [t for t in q.tags if t[2] >= max(q.info.wh_end, 0) and t[0].strip() and t[1] != "x"]
        run: list[Tag] = []
        for t in reversed(after):
            if t[1] not in _ATTRIBUTE_TAGS or q.covered(t[2], t[3]):
                break
            run.insert(0, t)
        if q.info.wh_end < 0 or not run:
            return None
        start, end = run[0][2], run[-1][3]
    while start < end and q.text[start] in "的之":
        start += 1
    return (start, end) if start < end else None


def _fit(new: str, old: Mention | None, text: str, at: int, level: str) -> str:
    """``宝鸡市`` before ``市委…`` drops its 市; ``成都`` for ``长沙市`` takes one (成都 is a 市)."""
    if new and new[-1] in ADMIN and text[at : at + 1] == new[-1]:
        return new[:-1]
    if old is not None and old.kind == "place" and new and new[-1] not in ADMIN and old.text[-1] in ADMIN:
        if level == old.text[-1]:
            return new + level
    return new


def _slot(m: Mention, prev: _Question) -> tuple[int, int, str, str] | None:
    """Where entity ``m`` of a ``那X呢`` turn goes in the previous question: (start, end, text, replaced)."""
    same = prev.of(m.kind)
    if m.kind == "place":
        proper, generic = [p for p in same if p.proper], [p for p in same if not p.proper]
        level = [p for p in proper if m.level and p.level == m.level]
        same = level + proper + generic if m.proper else generic + proper
    if same:
        old = same[0]
        return old.start, old.end, _fit(m.text, old, prev.text, old.end, m.level), old.text
    if m.kind == "place" and not prev.of("place", "person", "org"):
        return 0, 0, _fit(m.text, None, prev.text, 0, m.level), ""
    if m.kind == "date":
        first = prev.mentions[0] if prev.mentions else None
        if first is not None and first.kind != "date" and first.start <= 1:
            at = first.end
        else:
            at = (_attribute(prev) or (0, 0))[0]
        return at, at, m.text, ""
    return None


def _pronouns(q: _Question) -> list[tuple[int, int, str, str]]:
    """(start, end, kind, level) of the pronouns in ``q`` (not 其中, 他们, ... ; 他 not inside a longer word)."""
    out = []
    for m in _PRONOUN_RE.finditer(q.text):
        word = m.group()
        if any(n.start() <= m.start() < n.end() for n in _NOT_PRONOUN.finditer(q.text)):
            continue
        if len(word) == 1 and not any(s == m.start() and w == word for w, _, s, _ in q.tags):
            continue
        kind, level = _PRONOUNS.get(word, ("person", ""))
        out.append((m.start(), m.end(), kind, level))
    return out


def _entity_and_attribute(
    x: str, named: list[Mention], pronouns: list[Any], prev: _Question
) -> Resolution | None:
    """``那九原区住建局局长呢？``: an entity and what is asked of it, in one piece, for the previous question's
    entity and attribute when those stand together too (包头市发改委重大项目办公室负责人是谁？)."""
    if len(named) != 1 or pronouns or named[0].start != 0 or named[0].end >= len(x):
        return None
    edit, span = _slot(named[0], prev), _attribute(prev)
    if edit is None or span is None or edit[0] == edit[1] or span[0] < edit[1]:
        return None
    gap = prev.text[edit[1] : span[0]]
    for org in prev.of("org"):  # 包头市[发改委]重大项目办公室负责人: the organisation is part of it
        if edit[1] <= org.start and org.end <= span[0]:
            gap = gap.replace(org.text, "", 1)
    if gap not in ("", "的"):
        return None
    old = prev.text[edit[0] : span[1]]
    text = prev.text[: edit[0]] + x.rstrip("的") + prev.text[span[1] :]
    return Resolution(text, "substitution", old, x)


def _substitute(x: str, prev: _Question) -> Resolution | None:
    xq = _parse(x)
    if xq.info.wh_start >= 0:
        return None
    pronouns = _pronouns(xq)
    named = [m for m in xq.mentions if not any(s < m.end and m.start < e for s, e, _, _ in pronouns)]
    if len(named) > 1 or (named and named[0].end < len(x)):
        named = [m for m in named if m.kind != "org"]  # 九原区[委组织部]部长: part of what is asked about
    if not named and not pronouns and looks_like_name(x):
        named = [Mention(x, "person", 0, len(x))]
    whole = _entity_and_attribute(x, named, pronouns, prev)
    if whole is not None:
        return whole
    cut = sorted([(m.start, m.end) for m in named] + [(s, e) for s, e, _, _ in pronouns])
    rest, pos = "", 0
    for s, e in cut:
        rest, pos = rest + x[pos:s], max(pos, e)
    rest = re.sub(r"^[的之和与、\s]+|[的之和与、\s]+$", "", rest + x[pos:])
    edits = []
    for m in named:
        edit = _slot(m, prev)
        if edit is None and m.kind == "org" and len(named) == 1:  # 那党组织呢？ an organisation asked about
            rest = x
            continue
        if edit is None:
            return None
        edits.append((*edit, m.text))
    if rest:
        words = [t for t in pos_tags(rest) if t[0].strip()]
        span = _attribute(prev)
        nouns = [t for t in words if t[1] in _ATTRIBUTE_TAGS]  # 经济增长 is one too; 那我走了 is not
        if span is None or not nouns or not (words[-1] in nouns or words[-1][1] == "v"):
            return None
        if words[-1] not in nouns and prev.text.startswith(words[-1][0], span[1]):
            rest = rest[: -len(words[-1][0])]  # 经济增长 before 增长了多少: once
        edits.append((span[0], span[1], rest, prev.text[span[0] : span[1]], rest))
    edits.sort()
    if not edits or any(a[1] > b[0] for a, b in itertools.pairwise(edits)):
        return None
    text = prev.text
    for start, end, new, _, _ in reversed(edits):
        text = text[:start] + new + text[end:]
    replaced = "、".join(e[3] for e in edits if e[3])
    return Resolution(text, "substitution", replaced, "、".join(e[4] for e in edits))


def _referent(kind: str, level: str, word: str, prev: _Question, answer: str) -> str:
    """What a pronoun of ``kind`` stands for in the previous question (and its answer); "" when unknown."""
    asked_who = prev.info.kind == "person"
    short = answer.strip() if len(answer.strip()) <= 12 and not _NOT_SHORT_ANSWER.search(answer) else ""
    if short and prev.info.kind in ("place", "org") and kind in ("", prev.info.kind):
        return short  # 哪个区？ 昆都仑区 + 该区…
    people = prev.of("person")
    if kind == "person" or (word == "其" and asked_who and short):
        if asked_who and short:
            return short
        if people:
            return people[0].text
        if asked_who:  # 秦皇岛市委书记是谁？ -> 秦皇岛市委书记
            subject = _LEAD_RE.sub("", prev.text[: prev.info.wh_start])
            subject = re.sub(r"[是为叫的，,\s]+$", "", subject)
            return subject if len(subject) >= 2 else ""
        return ""
    if kind == "place":
        places = prev.of("place", proper=True)
        chosen = [p for p in places if level and p.level == level] or places
        if not chosen:
            return ""
        text = chosen[0].text
        if level and text[-1] not in ADMIN and chosen[0].level in ("", level):
            text += level
        return text
    things = prev.of("org", proper=True) if kind == "org" else prev.of("place", "org", proper=True)
    return things[0].text if things else (people[0].text if people and not kind else "")


def _pronoun(q: _Question, prev: _Question, answer: str) -> Resolution | None:
    text, pairs = q.text, list[tuple[str, str]]()
    for start, end, kind, level in reversed(_pronouns(q)):
        referent = _referent(kind, level, q.text[start:end], prev, answer)
        if referent:
            text = text[:start] + referent + text[end:]
            pairs.insert(0, (q.text[start:end], referent))
    if not pairs:
        return None
    return Resolution(text, "pronoun", "、".join(p for p, _ in pairs), "、".join(r for _, r in pairs))


def _join(subject: str, body: str) -> str:
    return subject[:-1] + body if subject[-1:] in ADMIN and body[:1] == subject[-1] else subject + body


def _ellipsis(q: _Question, prev: _Question) -> Resolution | None:
    if q.info.wh_start < 0 or q.of("place", "person", "org", proper=True):
        return None
    topics = prev.of("place", "org", proper=True) or prev.of("person")
    topic = topics[0] if topics else None
    lead = _LEAD_RE.match(q.text)
    body_at = lead.end() if lead else 0
    words = _words(q, body_at)
    if topic is None or not words:
        return None
    body = q.text[body_at:]
    generic = next((m for m in q.of("place") if m.start == words[0][2]), None)
    if generic is not None and topic.kind == "place" and generic.level == topic.level:  # 全市 for 宝鸡市
        name = topic.text + (topic.level if topic.text[-1] not in ADMIN else "")
        return Resolution(
            q.text[: generic.start] + name + q.text[generic.end :], "ellipsis", generic.text, name
        )
    scope = [m for m in q.of("place") if m.level != topic.level]  # 全省 after 秦皇岛: where it is compared
    content = [
        t for t in words if t[1] in _ATTRIBUTE_TAGS and not any(m.start <= t[2] < m.end for m in scope)
    ]
    before = [t for t in words if t[3] <= q.info.wh_start]
    if not content and before and not any(t[1].startswith("r") for t in before):
        span = _attribute(prev)  # 兰州市上半年生产总值 + 增长了多少？ / 秦皇岛规上工业增加值 + 全省排第几？
        subject = prev.text[: span[1]] if span and span[0] >= topic.start else topic.text
        return Resolution(_join(subject, body), "ellipsis", "", subject)
    first = words[0]
    if generic is None and (
        first[1] in _ATTRIBUTE_TAGS or _predicate(first) or q.covered(first[2], first[3])
    ):
        return Resolution(_join(topic.text, body), "ellipsis", "", topic.text)  # 市委书记是谁？ / 提拔了…
    return None


def _resolve_one(question: str, prev: _Question, answer: str) -> Resolution:
    m = _SUBSTITUTION.match(question) or _LEADING_THAT.match(question)
    if m and m.group("x").strip():
        found = _substitute(m.group("x").strip(), prev)
        if found is not None:
            return found
    q = _parse(question)
    return _pronoun(q, prev, answer) or _ellipsis(q, prev) or Resolution(question)


def resolve_followup(question: str, history: Iterable[Any] | None = None) -> Resolution:
    """Resolve ``question`` against the earlier turns in ``history`` (see the module doc); Simplified out."""
    question = to_simplified(question)
    previous: _Question | None = None
    answer = ""
    for q, a in history_turns(history):
        q = to_simplified(q[:MAX_QUESTION_CHARS])  # as much of an earlier question as was read
        text = _resolve_one(q, previous, answer).question if previous is not None else q
        previous, answer = _parse(text[:MAX_QUESTION_CHARS]), to_simplified(a)
    if previous is None:
        return Resolution(question)
    return _resolve_one(question, previous, answer)
