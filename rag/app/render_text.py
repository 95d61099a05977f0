"""The answer as plain text for a terminal (``python -m rag ask``), in the asker's script: where and when it
was reported (``据《甘肃日报》2015-09-28报道``), relative dates with the article's date beside them
(``今年（2015年）底``), sources with date, URL and the outlets that ran the same story."""

from __future__ import annotations

from rag.ingest.dates import annotate_relative_dates
from rag.ingest.scripts import to_traditional
from rag.types import Answer, Citation

__all__ = ["attribution", "dated", "format_answer", "reprint_line"]


def attribution(citation: Citation, script: str = "simplified") -> str:
    """Where and when the cited article reported it: ``据《甘肃日报》2015-09-28报道`` ("" when it says neither)."""
    outlet, day = citation.outlet, citation.published
    if outlet and day:
        text = f"据《{outlet}》{day}报道"
    elif outlet:
        text = f"据《{outlet}》报道"
    elif day:
        text = f"据{day}的报道"
    else:
        return ""
    return text.replace("据", "據").replace("报道", "報道") if script == "traditional" else text


def dated(text: str, answer: Answer) -> str:
    """``text`` of ``answer`` with its relative dates (今年, 上月, …) resolved against the first cited
    article's date."""
    return annotate_relative_dates(text, answer.citations[0].published) if answer.citations else text


def reprint_line(citation: Citation, script: str = "simplified") -> str:
    """ "also reported by": the other outlets that ran the cited story, with date and URL ("" when none)."""
    if not citation.also:
        return ""
    parts = [
        " ".join(p for p in (a["outlet"] or a["article_id"], a["published"], a["url"]) if p)
        for a in citation.also
    ]
    label = "同时刊载" if script != "traditional" else to_traditional("同时刊载")
    return f"{label}：" + "；".join(parts)


# ----------------------------------------------------------------------------------------------------------
# text output

_LABELS = {
    "simplified": {
        "answer": "答案",
        "basis": "依据",
        "sources": "来源",
        "confidence": "置信度",
        "para": "第{}段",
        "none": "没有找到能回答这个问题的内容。",
        "closest": "最接近的段落",
        "alt": "另一说法",
        "resolved": "理解为",
        "heading": "标题",
    },
    "traditional": {
        "answer": "答案",
        "basis": "依據",
        "sources": "來源",
        "confidence": "置信度",
        "para": "第{}段",
        "none": "沒有找到能回答這個問題的內容。",
        "closest": "最接近的段落",
        "alt": "另一說法",
        "resolved": "理解為",
        "heading": "標題",
    },
}


def _source_line(c: Citation, label: dict[str, str], script: str) -> str:
    where = label["para"].format(c.paragraph) if c.paragraph > 0 else label["heading"]
    parts = [c.title or c.article_id, c.outlet, c.published, where, c.url]
    line = f"[{c.number}] " + " · ".join(p for p in parts if p)
    also = reprint_line(c, script)
    return f"{line}\n      {also}" if also else line


def format_answer(answer: Answer) -> str:
    """The answer as text for a terminal: answer, quoted basis with citation numbers, sources."""
    label = _LABELS["traditional" if answer.script == "traditional" else "simplified"]
    lines: list[str] = []
    if answer.resolved_question:
        lines.append(f"（{label['resolved']}：{answer.resolved_question}）")
    if answer.notice:
        lines.append(f"（{answer.notice}）")
    if not answer.found:
        lines.append(label["none"])
        if answer.closest:
            lines.append(f"{label['closest']}：")
            for h in answer.closest:
                text = h.text.strip().replace("\n", " ")
                where = " · ".join(p for p in (h.title, h.outlet, h.published, f"第{h.paragraph}段") if p)
                lines.append(f"  - {where}：{text[:80]}{'…' if len(text) > 80 else ''}")
        return "\n".join(lines)
    marks = "".join(f"[{c.number}]" for c in answer.citations)
    if answer.answer:
        lines.append(f"{label['answer']}：{dated(answer.answer, answer)} {marks}")
    lines.append(
        f"{label['basis']}：“{dated(answer.sentence, answer)}”{'' if answer.answer else ' ' + marks}"
    )
    if answer.citations and (said := attribution(answer.citations[0], answer.script)):
        lines.append(said)
    for alt in answer.alternatives:
        alt_marks = "".join(f"[{c.number}]" for c in alt.citations)
        where = attribution(alt.citations[0], answer.script) if alt.citations else ""
        lines.append(
            f"{label['alt']}：{dated(alt.answer, alt)} {alt_marks}（“{alt.sentence}”{'，' + where if where else ''}）"
        )
    lines.append(f"{label['sources']}：")
    for c in (*answer.citations, *(c for alt in answer.alternatives for c in alt.citations)):
        lines.append("  " + _source_line(c, label, answer.script))
    lines.append(f"{label['confidence']}：{answer.confidence:.2f}")
    return "\n".join(lines)
