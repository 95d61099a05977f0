"""Candidate short answers in a sentence, by rules: number and date expressions (regexes), entities and
noun-phrase chunks (jieba part-of-speech tags), quoted names (《》「」“”), and the *slot* between the question's
left and right context where the sentence has both; how well each fits the question (Simplified text)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rag.extract.patterns import (
    ANCHOR_CHARS,
    CLAUSE_MARKS,
    CN_DIGITS,
    COMPOUND_SURNAMES,
    DATE_RE,
    DATE_UNITS,
    HAN_WORD,
    NAME_DOTS,
    NAME_TAGS,
    NOUNISH,
    NUMBER_RE,
    ORG_TAGS,
    PERCENT_CN,
    PERSON_TAGS,
    PLACE_TAGS,
    PUNCT,
    QUOTE_RE,
    REASON_RE,
    SPACED_NAME,
    SURNAMES,
    TITLE_NAME,
)
from rag.extract.qtype import QuestionInfo, pos_tags, pos_tokenizer

__all__ = [
    "Anchors",
    "Candidate",
    "anchor_scores",
    "anchors",
    "candidates",
    "find_all",
    "quick_fit",
    "sentence_candidates",
    "type_fit",
]


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
    while start < end and text[start] in PUNCT and text[start] not in "《「“『":
        start += 1
    while start < end and text[end - 1] in PUNCT and text[end - 1] not in "》」”』":
        end -= 1
    while start < end and text[start] in "《「“『" and text[end - 1] not in "》」”』":
        start += 1
    while start < end and text[end - 1] in "》」”』" and text[start] not in "《「“『":
        end -= 1
    return start, end


def _regex_candidates(text: str) -> list[Candidate]:
    out: list[Candidate] = []
    dates: list[tuple[int, int]] = []
    for m in DATE_RE.finditer(text):
        if m.end() - m.start() >= 2 and any(c.isdigit() or c in CN_DIGITS for c in m.group()):
            out.append(Candidate(m.start(), m.end(), m.group(), "date", "regex"))
            dates.append(m.span())
    for m in NUMBER_RE.finditer(text):
        num = m.group("num")
        if not num or (not any(c.isdigit() for c in num) and not m.group("unit") and not m.group("mag")):
            continue  # a bare Chinese numeral (一, 十) is rarely an answer
        if not any(c.isdigit() for c in num) and len(num) == 1 and not m.group("unit"):
            continue
        start, end = m.start(), m.end()
        if any(s <= start and end <= e for s, e in dates):
            continue
        unit = (m.group("mag") or "") + (m.group("unit") or "")
        kind = "date" if m.group("unit") in DATE_UNITS and not m.group("mag") else "number"
        out.append(Candidate(start, end, text[start:end], kind, "regex", unit))
    for m in PERCENT_CN.finditer(text):
        out.append(Candidate(m.start(), m.end(), m.group(), "number", "regex", "%"))
    for m in QUOTE_RE.finditer(text):
        out.append(Candidate(m.start(), m.end(), m.group(), "name", "quote"))
    for m in REASON_RE.finditer(text):  # 因为X(，所以…): X answers 为什么
        out.append(Candidate(m.start("r"), m.end("r"), m.group("r"), "clause", "reason"))
    for m in SPACED_NAME.finditer(text):  # 陈 刚 (names spaced to line up in lists)
        out.append(Candidate(m.start(), m.end(), m.group(), "person", "regex"))
    for m in TITLE_NAME.finditer(text):
        out.append(Candidate(m.start("name"), m.end("name"), m.group("name"), "person", "regex"))
    return out


def _pos_candidates(text: str, tags: list[tuple[str, str, int, int]]) -> list[Candidate]:
    """Entities, dotted foreign names and noun-phrase chunks from the part-of-speech tags."""
    return [*_entity_candidates(text, tags), *_dotted_names(text, tags), *_phrase_candidates(text, tags)]


def _entity_candidates(text: str, tags: list[tuple[str, str, int, int]]) -> list[Candidate]:
    """Runs of the same entity tag family (虞/nr 海燕/nr -> 虞海燕), with the surname fixes jieba needs."""
    out: list[Candidate] = []
    n = len(tags)
    i = 0
    while i < n:  # entities: runs of the same entity tag family (虞/nr 海燕/nr -> 虞海燕)
        word, tag, start, end = tags[i]
        family = (
            "person"
            if tag in PERSON_TAGS
            else "place"
            if tag in PLACE_TAGS
            else "org"
            if tag in ORG_TAGS
            else "name"
            if tag in NAME_TAGS
            else "date"
            if tag == "t"
            else ""
        )
        j = i + 1
        if (
            word in COMPOUND_SURNAMES
            and j < n
            and 1 <= len(tags[j][0]) <= 2
            and HAN_WORD.fullmatch(tags[j][0])
        ):
            family, tag = "person", "nr"  # 上官/n 吉庆/ns -> 上官吉庆
            j += 1
        if family:
            while j < n:
                tag2 = tags[j][1]
                same = (
                    (family == "person" and tag2 in PERSON_TAGS)
                    or (
                        family == "place"
                        and (tag2 in PLACE_TAGS or tags[j][0] in ("省", "市", "县", "区", "镇"))
                    )
                    or (family in ("org", "name") and tag2 in NAME_TAGS | ORG_TAGS)
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
            if family == "person" and i > 0 and tags[i - 1][0] in SURNAMES and len(text[start:end]) <= 2:
                start = tags[i - 1][2]  # 刘/zg 光辉/nr -> 刘光辉
            if family == "person" and pos_tokenizer().word_tag_tab.get(text[start:end] + "市") == "ns":
                family = "place"  # 秦皇岛/nr is a city
            if family != "date" or end - start >= 2:
                kind = family if family != "name" else "name"
                out.append(Candidate(start, end, text[start:end], kind, "pos"))
        i = max(j, i + 1)
    return out


def _dotted_names(text: str, tags: list[tuple[str, str, int, int]]) -> list[Candidate]:
    """Names joined by a middle dot: 雷蒙/nr ·/x 钱德勒/nr -> 雷蒙·钱德勒."""
    out: list[Candidate] = []
    n = len(tags)
    for k, (word, *_) in enumerate(tags):  # 雷蒙/nr ·/x 钱德勒/nr -> 雷蒙·钱德勒
        if word in NAME_DOTS and 0 < k < n - 1 and k - 1 >= 0:
            if k >= 2 and tags[k - 2][0] in NAME_DOTS:
                continue  # a later dot of a name already taken from its first dot
            first, last = k - 1, k + 1
            while last + 2 < n and tags[last + 1][0] in NAME_DOTS:
                last += 2
            if all(
                HAN_WORD.fullmatch(tags[i][0]) and len(tags[i][0]) <= 5 for i in range(first, last + 1, 2)
            ):
                a, b = tags[first][2], tags[last][3]
                out.append(Candidate(a, b, text[a:b], "person", "pos"))
    return out


def _phrase_candidates(text: str, tags: list[tuple[str, str, int, int]]) -> list[Candidate]:
    """Noun-phrase chunks: runs of noun-ish tokens joined by 和/与/及/、 (光荣和ω-force); X的Y variants too."""
    out: list[Candidate] = []
    n = len(tags)
    # noun-phrase chunks: runs of noun-ish tokens joined by 和/与/及/、 (光荣和ω-force); X的Y variants too
    i = 0
    while i < n:
        if tags[i][1] not in NOUNISH and not (
            tags[i][1] == "x" and tags[i][0].strip() and tags[i][0] not in PUNCT
        ):
            i += 1
            continue
        j = i
        while j < n:
            word, tag = tags[j][0], tags[j][1]
            nounish = (
                tag in NOUNISH
                or tag in ("m", "q", "a")
                or (tag == "x" and word.strip() and word not in PUNCT)
            )
            joiner = (
                word in ("和", "与", "及", "、", "以及", "或") and j + 1 < n and tags[j + 1][1] in NOUNISH
            )
            if not (nounish or joiner or word in ("-", "·")):
                break
            j += 1
        start, end = _trim(text, tags[i][2], tags[j - 1][3])
        if end - start >= 2:
            out.append(Candidate(start, end, text[start:end], "phrase", "chunk"))
            if (
                i >= 2 and tags[i - 1][0] == "的" and tags[i - 2][1] in NOUNISH
            ):  # X的Y: also the span with its modifier
                k = i - 2
                while (
                    k > 0 and tags[k - 1][1] in NOUNISH | {"f", "a", "m", "q"} and tags[k - 1][0] not in PUNCT
                ):
                    k -= 1
                s2 = tags[k][2]
                if end - s2 <= 20:
                    out.append(Candidate(s2, end, text[s2:end], "phrase", "chunk"))
        i = max(j, i + 1)
    return out


def find_all(text: str, needle: str) -> list[int]:
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
    return len(word) >= 2 or (rank == 0 and word in ANCHOR_CHARS)


def anchors(text: str, info: QuestionInfo) -> Anchors:
    """The question's left and right neighbour words found in ``text`` (a long word that is not found is
    looked for by its dictionary sub-words: 合作开发 -> 合作, 开发)."""
    lefts: list[tuple[int, float]] = []
    rights: list[tuple[int, float]] = []
    for side, words in ((lefts, info.left), (rights, info.right)):
        for rank, word in enumerate(words):
            if not _usable(word, rank):
                continue
            places = [(p, word, 1.0) for p in find_all(text, word)]
            if not places and len(word) >= 3:
                places = [(p, w, 0.7) for w in _subwords(word) for p in find_all(text, w)]
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
        while stop < len(text) and text[stop] not in CLAUSE_MARKS:
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
            while start > 0 and text[start - 1] not in CLAUSE_MARKS:
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
