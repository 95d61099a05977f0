"""The answer as plain text for a terminal (``python -m rag ask``), in the asker's script."""

from __future__ import annotations

from rag.types import Answer, Citation

__all__ = ["format_answer"]

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


def _source_line(c: Citation, label: dict[str, str]) -> str:
    where = label["para"].format(c.paragraph) if c.paragraph > 0 else label["heading"]
    parts = [c.title or c.article_id, c.outlet, where]
    return f"[{c.number}] " + " · ".join(p for p in parts if p)


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
                lines.append(f"  - {h.title} · 第{h.paragraph}段：{text[:80]}{'…' if len(text) > 80 else ''}")
        return "\n".join(lines)
    marks = "".join(f"[{c.number}]" for c in answer.citations)
    if answer.answer:
        lines.append(f"{label['answer']}：{answer.answer} {marks}")
    lines.append(f"{label['basis']}：“{answer.sentence}”{'' if answer.answer else ' ' + marks}")
    for alt in answer.alternatives:
        alt_marks = "".join(f"[{c.number}]" for c in alt.citations)
        lines.append(f"{label['alt']}：{alt.answer} {alt_marks}（“{alt.sentence}”）")
    lines.append(f"{label['sources']}：")
    for c in (*answer.citations, *(c for alt in answer.alternatives for c in alt.citations)):
        lines.append("  " + _source_line(c, label))
    lines.append(f"{label['confidence']}：{answer.confidence:.2f}")
    return "\n".join(lines)
