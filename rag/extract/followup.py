"""Follow-up questions, resolved against the previous question by two explainable rules.

* **Substitution** — ``那X呢？`` / ``X呢？`` / ``那么X怎么样？`` (a short question asking nothing of its own):
  ``X`` replaces the previous question's entity of the same kind (a place for a place, a date for a date, a
  person for a person); failing that, the previous question's first entity; and when ``X`` is not an entity
  at all (``固定资产投资呢？``), the noun the previous question asked about (the last noun before its
  question phrase). ``秦皇岛市委书记是谁？`` + ``那宝鸡呢？`` -> ``宝鸡市委书记是谁？``.
* **Pronoun** — ``它 他 她 其 该市 该县 该区 该省 该地 此人 当地 …`` stand for the previous question's main
  entity (a person for 他/她/此人, preferring the previous *answer* when that question asked 谁; a place for
  该市/当地). ``兰州市上半年生产总值是多少？`` + ``它的投资增长了多少？`` -> ``兰州市的投资增长了多少？``.

Anything else is left as asked. Work happens on the Simplified view; the caller converts for display.
History items may be question strings, ``(question, answer)`` pairs, or :class:`rag.types.Answer` objects;
earlier turns are resolved first, so a chain of follow-ups keeps its topic.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rag.extract.qtype import analyse_question, date_spans, entity_kind, pos_tags
from rag.ingest.scripts import to_simplified
from rag.search.question import MAX_QUESTION_CHARS

__all__ = ["Resolution", "history_turns", "resolve_followup"]

_ENTITY_KINDS = ("place", "org", "person", "date")
_SUBSTITUTION = re.compile(
    r"^(?:那么|那|还有|然后|再问一下|再问|请问)?[,，\s]*(?P<x>[^,，。？?！!]{1,20}?)"
    r"(?:的情况|的呢|怎么样|又如何|如何|又是多少|呢|吗)+[\s？?。！!]*$"
)
_LEADING_THAT = re.compile(r"^(?:那么|那)[,，\s]*(?P<x>[^,，。？?！!]{1,20}?)[\s？?。！!]*$")
# pronoun -> the kind of entity it prefers ("" = any), and a suffix the referent should carry
_PRONOUNS: dict[str, tuple[str, str]] = {
    "该市": ("place", "市"),
    "该县": ("place", "县"),
    "该区": ("place", "区"),
    "该省": ("place", "省"),
    "该镇": ("place", "镇"),
    "该地": ("place", ""),
    "当地": ("place", ""),
    "这座城市": ("place", ""),
    "这个城市": ("place", ""),
    "该城市": ("place", ""),
    "该公司": ("org", ""),
    "该机构": ("org", ""),
    "该组织": ("org", ""),
    "此人": ("person", ""),
    "他": ("person", ""),
    "她": ("person", ""),
    "它": ("", ""),
    "其": ("", ""),
}
_PRONOUN_RE = re.compile("|".join(sorted(map(re.escape, _PRONOUNS), key=len, reverse=True)))
_NOT_PRONOUN = re.compile(r"其[中他它余实次后间]|尤其|极其|与其|其所|他们|她们|它们|其他|吉他|他人|他乡|其乐")
_ADMIN_SUFFIX = "市省县区镇"


@dataclass(frozen=True)
class Resolution:
    """A question after follow-up resolution (Simplified). ``rule`` is "" when it was left as asked."""

    question: str
    rule: str = ""  # "substitution" | "pronoun" | ""
    replaced: str = ""  # what in the previous question (or the pronoun) was replaced
    by: str = ""  # what replaced it

    @property
    def changed(self) -> bool:
        return bool(self.rule)

    def explain(self) -> str:
        if self.rule == "substitution":
            return f"追问：把上一问的“{self.replaced}”换成“{self.by}”"
        if self.rule == "pronoun":
            return f"追问：“{self.replaced}”指上一问的“{self.by}”"
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


def _entities(text: str) -> list[tuple[str, str, int, int]]:
    """(word, kind, start, end) of the place/org/person/date entities in a Simplified question, in order."""
    dates = date_spans(text)
    out = [(text[s:e], "date", s, e) for s, e in dates]
    for word, tag, start, end in pos_tags(text):
        if any(s < end and start < e for s, e in dates):
            continue
        kind = entity_kind(word, tag)
        if kind in _ENTITY_KINDS:
            out.append((word, kind, start, end))
    return sorted(out, key=lambda e: e[2])


def _kind_of(x: str) -> str:
    kind = entity_kind(x)
    if kind in _ENTITY_KINDS:
        return kind
    tags = [t for t in pos_tags(x) if t[0].strip()]
    if len(tags) == 1:
        kind = entity_kind(tags[0][0], tags[0][1])
        return kind if kind in _ENTITY_KINDS else "other"
    kinds = {entity_kind(w, t) for w, t, _, _ in tags}
    return "date" if kinds == {"date"} else "other"


def _fit_suffix(x: str, previous: str, end: int) -> str:
    """``宝鸡市`` replacing ``秦皇岛`` in ``秦皇岛市委…`` drops its 市 (the previous text carries one)."""
    if x and x[-1] in _ADMIN_SUFFIX and previous[end : end + 1] == x[-1]:
        return x[:-1]
    return x


def _substitute(x: str, previous: str) -> Resolution | None:
    kind = _kind_of(x)
    entities = _entities(previous)
    if kind != "other":
        same = [e for e in entities if e[1] == kind]
        pool = same or [e for e in entities if e[1] != "date"]
        if pool:
            word, _, start, end = pool[0]
            new = _fit_suffix(x, previous, end)
            return Resolution(previous[:start] + new + previous[end:], "substitution", word, x)
        return None
    info = analyse_question(previous)
    limit = info.wh_start if info.wh_start >= 0 else len(previous)
    nouns = [
        (w, s, e)
        for w, t, s, e in pos_tags(previous[:limit])
        if t in ("n", "vn", "l", "nz", "j", "an") and entity_kind(w, t) not in _ENTITY_KINDS and len(w) >= 2
    ]
    if not nouns:
        return None
    word, start, end = nouns[-1]
    return Resolution(previous[:start] + x + previous[end:], "substitution", word, x)


def _pronoun(question: str, previous: str, previous_answer: str) -> Resolution | None:
    tags = pos_tags(question)
    for m in _PRONOUN_RE.finditer(question):
        pronoun = m.group()
        if any(n.start() <= m.start() < n.end() for n in _NOT_PRONOUN.finditer(question)):
            continue
        if len(pronoun) == 1 and not any(s == m.start() and w == pronoun for w, _, s, _ in tags):
            continue  # part of a longer word
        prefer, suffix = _PRONOUNS[pronoun]
        referent = ""
        if prefer == "person" and previous_answer and analyse_question(previous).kind == "person":
            referent = previous_answer
        else:
            entities = [e for e in _entities(previous) if e[1] != "date"]
            chosen = [e for e in entities if e[1] == prefer] if prefer else entities
            if not prefer:
                chosen = [e for e in entities if e[1] != "person"] or entities
            if chosen:
                referent = chosen[0][0]
                if suffix and not referent.endswith(suffix):
                    referent += suffix
        if referent:
            resolved = question[: m.start()] + referent + question[m.end() :]
            return Resolution(resolved, "pronoun", pronoun, referent)
    return None


def _resolve_one(question: str, previous: str, previous_answer: str) -> Resolution:
    info = analyse_question(question)
    m = _SUBSTITUTION.match(question) or (_LEADING_THAT.match(question) if info.kind == "other" else None)
    if m and (info.kind == "other" or info.wh_start >= m.end("x")) and len(question) <= 24:
        x = m.group("x").strip()
        found = _substitute(x, previous) if x and x not in _PRONOUNS else None
        if found is not None:
            return found
    found = _pronoun(question, previous, previous_answer)
    return found if found is not None else Resolution(question)


def resolve_followup(question: str, history: Iterable[Any] | None = None) -> Resolution:
    """Resolve ``question`` against the earlier turns in ``history`` (see the module doc); Simplified out."""
    question = to_simplified(question)
    previous, previous_answer = "", ""
    for q, a in history_turns(history):
        q = to_simplified(q[:MAX_QUESTION_CHARS])  # as much of an earlier question as was read
        previous = _resolve_one(q, previous, previous_answer).question if previous else q
        previous_answer = to_simplified(a)
    if not previous:
        return Resolution(question)
    return _resolve_one(question, previous, previous_answer)
