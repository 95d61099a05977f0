"""What the chat UI shows, built from escaped pieces only (no Gradio here, so it is easy to test).

Article and user text goes through ``html.escape`` (HTML panels) or ``md_escape`` (chat messages, which Gradio
renders as Markdown) before any markup is put around it, so a document holding HTML or script shows as text.
Highlights come from the citation offsets and are built around escaped pieces, never by searching HTML.
"""

from __future__ import annotations

import html
import itertools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rag.app.render_text import attribution, dated, reprint_line
from rag.types import Answer, Article, Citation

__all__ = [
    "NOT_FOUND",
    "SOURCES_CSS",
    "SOURCES_PLACEHOLDER",
    "answer_markdown",
    "articles_html",
    "closest_html",
    "error_markdown",
    "highlight_html",
    "history_pairs",
    "md_escape",
    "md_unescape",
    "message_text",
    "one_line",
    "safe_filename",
    "sources_html",
]

NOT_FOUND = "没有在资料中找到答案"
ANSWER_PREFIX = "答案："
RESOLVED_PREFIX = "按上文理解为："
SOURCES_PLACEHOLDER = '<div class="rag-empty">提问后，这里会显示答案引用的原文段落。</div>'

# Markdown: every ASCII punctuation character gets a backslash (CommonMark allows it for each), except `&<>`,
# which become entities so that the raw message never holds a tag.
_MD_SPECIAL = re.compile(r"[!-/:-@\[-`{-~]")
_MD_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_MD_UNESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])|&(amp|lt|gt);")
_MD_UNENTITY = {"amp": "&", "lt": "<", "gt": ">"}


def md_escape(text: str) -> str:
    """``text`` as Markdown that renders exactly as ``text`` (no emphasis, links, HTML, lists or LaTeX)."""
    return _MD_SPECIAL.sub(lambda m: _MD_ENTITIES.get(m.group(), "\\" + m.group()), text)


def md_unescape(text: str) -> str:
    """Inverse of ``md_escape``: ``md_unescape(md_escape(s)) == s`` for every string."""
    return _MD_UNESCAPE.sub(lambda m: m.group(1) if m.group(1) else _MD_UNENTITY[m.group(2)], text)


def one_line(text: str, limit: int | None = None) -> str:
    """Whitespace runs collapsed to one space; cut to ``limit`` characters with an ellipsis."""
    text = re.sub(r"\s+", " ", text).strip()
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def _where(outlet: str, paragraph: int, published: str = "") -> str:
    return " · ".join(p for p in (outlet, published, f"第 {paragraph} 段") if p)


def _marks(citations: Sequence[Citation]) -> str:
    return "".join(f"\\[{c.number}\\]" for c in citations)


def _emphasise(sentence: str, short: str) -> str:
    """The sentence as Markdown with the first occurrence of the short answer in bold."""
    sentence, short = one_line(sentence), one_line(short)
    at = sentence.find(short) if short else -1
    if at < 0:
        return md_escape(sentence)
    before, after = sentence[:at], sentence[at + len(short) :]
    return f"{md_escape(before)}<strong>{md_escape(short)}</strong>{md_escape(after)}"


def _all_citations(answer: Answer) -> list[Citation]:
    cited = list(answer.citations) + [c for alt in answer.alternatives for c in alt.citations]
    return sorted({c.number: c for c in cited}.values(), key=lambda c: c.number)


def answer_markdown(answer: Answer) -> str:
    """The chat message: the short answer in bold, the supporting sentence, numbered citations; or the
    not-found message with the closest passages. Bold is ``<strong>``: ``**`` fails beside CJK punctuation."""
    lines: list[str] = []
    if answer.notice:
        lines += [f"<em>{md_escape(answer.notice)}</em>", ""]
    if answer.resolved_question and answer.resolved_question != answer.question:
        lines += [f"<em>{RESOLVED_PREFIX}{md_escape(one_line(answer.resolved_question))}</em>", ""]
    if not answer.found:
        lines.append(f"<strong>{NOT_FOUND}。</strong>")
        if answer.closest:
            lines += ["", "最接近的段落（仅供参考）："]
            for i, hit in enumerate(answer.closest[:3], start=1):
                where = f"《{md_escape(one_line(hit.title, 40))}》第 {hit.paragraph} 段"
                lines.append(f"{i}\\. {where}：{md_escape(one_line(hit.text, 70))}")
        return "\n".join(lines)
    if answer.answer:
        short = md_escape(one_line(dated(answer.answer, answer)))
        lines += [f"{ANSWER_PREFIX}<strong>{short}</strong> {_marks(answer.citations[:1])}", ""]
    if answer.sentence:
        sentence = dated(answer.sentence, answer)
        lines.append(f"> {_emphasise(sentence, dated(answer.answer, answer))} {_marks(answer.citations)}")
    if answer.citations and (said := attribution(answer.citations[0], answer.script)):
        lines += ["", f"<em>{md_escape(said)}</em>"]
    for alt in answer.alternatives:
        text = md_escape(one_line(alt.answer or alt.sentence, 80))
        if text:
            lines += ["", f"另一种说法：<strong>{text}</strong> {_marks(alt.citations)}"]
    cited = _all_citations(answer)
    if cited:
        lines += ["", "来源："]
        for c in cited:
            title = md_escape(one_line(c.title, 60))
            where = md_escape(_where(c.outlet, c.paragraph, c.published))
            also = reprint_line(c, answer.script)
            lines.append(
                f"\\[{c.number}\\] 《{title}》 {where}"
                + (f"（{md_escape(one_line(also, 120))}）" if also else "")
            )
    if answer.confidence:
        lines += ["", f"<em>可信度 {round(answer.confidence * 100)}\\%</em>"]
    return "\n".join(lines)


def error_markdown(message: str) -> str:
    return f"<strong>出错了：</strong>{md_escape(message)}"


# chat history (Gradio messages) back to plain turns -------------------------------------------------------


def message_text(message: Mapping[str, Any]) -> str:
    """The text of a Chatbot message: content is a string or a list of ``{"type": "text", "text": ...}``."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, Mapping):
        content = [content]
    parts = []
    for part in content or ():
        if isinstance(part, str):
            parts.append(part)
        elif isinstance(part, Mapping) and isinstance(part.get("text"), str):
            parts.append(part["text"])
    return "\n".join(parts)


def _answer_of(markdown: str) -> str:
    """The short answer (else the supporting sentence) read back from an ``answer_markdown`` message."""
    for line in markdown.splitlines():
        line = line.strip()
        if line.startswith(f"{ANSWER_PREFIX}<strong>"):
            return md_unescape(line.removeprefix(f"{ANSWER_PREFIX}<strong>").split("</strong>")[0])
        if line.startswith("> "):
            sentence = line[2:].replace("<strong>", "").replace("</strong>", "")
            return md_unescape(re.sub(r"(\\\[\d+\\\])+$", "", sentence).strip())
    return ""


def history_pairs(messages: Iterable[Mapping[str, Any]], *, escaped: bool = True) -> list[tuple[str, str]]:
    """Earlier turns as (question as asked, answer) pairs, for ``rag.extract.answer_from(history=...)``: the
    answer is the short answer, else the supporting sentence, else "" (nothing found, an error, or a reply
    that is no ``answer_markdown``). ``escaped``: the user's messages are ``md_escape``-d (the chat UI's are;
    an OpenAI client's are plain text)."""
    pairs: list[tuple[str, str]] = []
    question: str | None = None
    for message in messages:
        role = message.get("role")
        if role == "user":
            text = message_text(message)
            question = md_unescape(text) if escaped else text
        elif role == "assistant" and question is not None:
            pairs.append((question, _answer_of(message_text(message))))
            question = None
    return pairs


# HTML panels ----------------------------------------------------------------------------------------------


Span = tuple[int, int]


def highlight_html(text: str, offset: int, quote: Span | None, answer: Span | None) -> str:
    """``text`` (starting at article offset ``offset``) escaped, the quote in ``<mark class="rag-quote">``
    and the short answer in ``<mark class="rag-answer">``, nested inside the quote mark where they overlap."""
    n = len(text)

    def local(span: Span | None) -> Span:
        if span is None:
            return (0, 0)
        s, e = max(0, span[0] - offset), min(n, span[1] - offset)
        return (s, e) if s < e else (0, 0)

    q, a = local(quote), local(answer)
    out: list[str] = []
    in_quote = False
    for s, e in itertools.pairwise(sorted({0, n, *q, *a})):
        quoted = q[0] <= s < q[1]
        if quoted != in_quote:
            out.append('<mark class="rag-quote">' if quoted else "</mark>")
            in_quote = quoted
        piece = html.escape(text[s:e])
        out.append(f'<mark class="rag-answer">{piece}</mark>' if a[0] <= s < a[1] else piece)
    if in_quote:
        out.append("</mark>")
    return "".join(out)


def _window(article: Article, start: int, end: int, context: int = 160) -> tuple[int, int]:
    """The paragraph(s) holding ``[start, end)``, cut to ``context`` characters on each side when longer."""
    paras = [p for p in article.paragraphs if p.start < max(end, start + 1) and p.end > start]
    lo = min((p.start for p in paras), default=start)
    hi = max((p.end for p in paras), default=end)
    return max(lo, start - context), min(hi, end + context)


def _scores_html(hit: Any | None, citation: Citation | None = None) -> str:
    rows: list[tuple[str, str]] = []
    if hit is not None:
        rows += [
            ("综合得分", f"{hit.score:.3f}"),
            ("向量相似度（dense）", f"{hit.dense_score:.3f}"),
            ("关键词得分（BM25）", f"{hit.keyword_score:.3f}"),
            ("命中的关键词", "、".join(hit.matched_terms) or "无"),
        ]
    elif citation is not None:
        rows.append(("引用得分", f"{citation.score:.3f}"))
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    return f'<details class="rag-scores"><summary>检索分数</summary><table>{body}</table></details>'


def _hit_for(citation: Citation, hits: Sequence[Any]) -> Any | None:
    """The retrieved passage a citation quotes from (for its scores)."""
    same = [h for h in hits if h.article_id == citation.article_id]
    inside = [h for h in same if h.start <= citation.start < h.end]
    return (inside or [h for h in same if h.paragraph == citation.paragraph] or [None])[0]


def _link(url: str) -> str:
    """A source's address as a link (http and https only; anything else is shown as text)."""
    if not url:
        return ""
    if re.match(r"^https?://", url, re.I):
        href = html.escape(url, quote=True)
        return f' · <a class="rag-url" href="{href}" target="_blank" rel="noopener noreferrer">{html.escape(one_line(url, 60))}</a>'
    return f" · {html.escape(one_line(url, 60))}"


def _also_html(citation: Citation | None) -> str:
    """ "同时刊载": the other outlets that ran the story, each with its date and a link to its copy."""
    if citation is None or not citation.also:
        return ""
    items = []
    for a in citation.also:
        name = html.escape(" ".join(p for p in (a["outlet"] or a["article_id"], a["published"]) if p))
        items.append(f"<li>{name}{_link(a['url'])}</li>")
    return f'<div class="rag-also">同时刊载：<ul>{"".join(items)}</ul></div>'


def _card(
    number: str, title: str, meta: str, body: str, scores: str, kind: str = "", url: str = "", also: str = ""
) -> str:
    return (
        f'<section class="rag-card{kind}">'
        f'<div class="rag-card-head"><span class="rag-num">{html.escape(number)}</span>'
        f'<span class="rag-title">{html.escape(title)}</span></div>'
        f'<div class="rag-meta">{html.escape(meta)}{_link(url)}</div>'
        f'<div class="rag-para">{body}</div>{also}{scores}</section>'
    )


def _citation_body(c: Citation, article: Article | None) -> str:
    has_answer = c.answer_start is not None and c.answer_end is not None
    answer = (c.answer_start, c.answer_end) if has_answer else None
    if article is None:  # removed since the answer was given: show the stored quote
        return highlight_html(c.quote, c.start, (c.start, c.end), answer)  # type: ignore[arg-type]
    lo, hi = _window(article, c.start, c.end)
    before = "…" if lo > 0 and article.text[lo - 1] != "\n" else ""
    after = "…" if hi < len(article.text) and article.text[hi] != "\n" else ""
    return before + highlight_html(article.text[lo:hi], lo, (c.start, c.end), answer) + after  # type: ignore[arg-type]


def sources_html(answer: Answer, articles: Mapping[str, Article], hits: Sequence[Any] | None = None) -> str:
    """The sources panel: a card per citation (title, outlet, paragraph number, the paragraph with the quote
    and the short answer highlighted, retrieval scores on demand, from ``hits`` or else ``answer.closest``);
    the closest passages when nothing was found."""
    hits = answer.closest if hits is None else hits
    if not answer.found:
        return closest_html(answer.closest, note=f"{NOT_FOUND}。最接近的段落：")
    cards = [
        _card(
            f"[{c.number}]",
            c.title,
            _where(c.outlet, c.paragraph, c.published),
            _citation_body(c, articles.get(c.article_id)),
            _scores_html(_hit_for(c, hits), c),
            url=c.url,
            also=_also_html(c),
        )
        for c in _all_citations(answer)
    ]
    if not cards:
        return SOURCES_PLACEHOLDER
    return f'<div class="rag-sources"><div class="rag-head">引用来源</div>{"".join(cards)}</div>'


def closest_html(hits: Sequence[Any], note: str = "") -> str:
    """Retrieved passages as cards (shown when a question has no answer)."""
    cards = [
        _card(
            f"#{h.rank}",
            h.title,
            _where(h.outlet, h.paragraph, getattr(h, "published", "")),
            html.escape(h.text),
            _scores_html(h),
            " rag-closest",
            url=getattr(h, "url", ""),
        )
        for h in hits
    ] or ['<div class="rag-empty">资料库中没有相关段落。</div>']
    head = f'<div class="rag-head">{html.escape(note)}</div>' if note else ""
    return f'<div class="rag-sources">{head}{"".join(cards)}</div>'


def articles_html(articles: Mapping[str, Article], counts: Mapping[str, int], uploaded: set[str]) -> str:
    """The indexed articles (uploads first) with their chunk counts."""
    if not articles:
        return '<div class="rag-empty">索引中还没有文章。</div>'
    rows = []
    for a in sorted(articles.values(), key=lambda a: (a.id not in uploaded, a.id)):
        cells = [
            f'<td class="rag-title">{html.escape(one_line(a.title, 60))}</td>',
            f"<td>{html.escape(a.outlet)}</td>",
            f"<td>{html.escape(a.published)}</td>",
            f'<td class="rag-id">{html.escape(a.id)}</td>',
            f'<td class="rag-n">{counts.get(a.id, 0)}</td>',
            f"<td>{'上传' if a.id in uploaded else '内置'}</td>",
        ]
        rows.append(f"<tr>{''.join(cells)}</tr>")
    total = sum(counts.get(a, 0) for a in articles)
    head = "".join(f"<th>{h}</th>" for h in ("标题", "来源", "日期", "编号", "块数", "类型"))
    return (
        f'<div class="rag-articles"><div class="rag-head">已索引 {len(articles)} 篇文章，共 {total} 个段落块'
        f"</div><table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def safe_filename(name: str, *, max_stem: int = 80) -> str:
    """A name safe to create in the uploads folder: the last path component (``../../x.txt`` gives ``x.txt``),
    characters other than letters, digits, ``_`` and ``-`` replaced by ``_``, the suffix in lower case."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", name or ""))[-1]
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = re.sub(r"[^\w\-]+", "_", stem).strip("._-")[:max_stem] or "upload"
    suffix = re.sub(r"[^a-z0-9]+", "", suffix.lower())[:10]
    return f"{stem}.{suffix}" if suffix else stem


# Scoped by Gradio to the gr.HTML component (css_template), so it travels with the app when embedded.
# No dollar-brace or backtick here: Gradio evaluates the template as a JavaScript template string.
SOURCES_CSS = """
.rag-sources, .rag-articles { font-size: 14px; line-height: 1.65; color: var(--body-text-color); }
.rag-head { font-weight: 600; margin: 2px 0 10px; color: var(--body-text-color-subdued); }
.rag-empty { color: var(--body-text-color-subdued); padding: 16px; text-align: center;
  border: 1px dashed var(--border-color-primary); border-radius: 8px; }
.rag-card { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 10px 12px;
  margin-bottom: 12px; background: var(--background-fill-secondary); }
.rag-card-head { display: flex; gap: 8px; align-items: baseline; }
.rag-num { font-weight: 700; color: var(--color-accent); white-space: nowrap; }
.rag-title { font-weight: 600; }
.rag-meta { font-size: 12px; color: var(--body-text-color-subdued); margin: 2px 0 6px; }
.rag-para { white-space: pre-wrap; word-break: break-word; }
.rag-closest .rag-para { max-height: 12em; overflow: auto; }
mark.rag-quote { background: #fff1b8; color: #1f1f1f; padding: 1px 0; border-radius: 2px; }
mark.rag-answer { background: #ffb066; color: #1f1f1f; font-weight: 700; padding: 1px 2px;
  border-radius: 3px; }
.rag-scores { margin-top: 6px; font-size: 12px; color: var(--body-text-color-subdued); }
.rag-scores summary { cursor: pointer; }
.rag-scores table, .rag-articles table { border-collapse: collapse; width: 100%; }
.rag-scores table, .rag-scores tr, .rag-scores th, .rag-scores td { border: none; background: none; }
.rag-scores th, .rag-scores td { text-align: left; padding: 1px 12px 1px 0; font-weight: normal; }
.rag-articles table, .rag-articles tr, .rag-articles th, .rag-articles td { border: none; background: none; }
.rag-articles th, .rag-articles td { text-align: left; padding: 6px 8px;
  border-bottom: 1px solid var(--border-color-primary); }
.rag-articles th { font-weight: 600; }
.rag-id { font-family: var(--font-mono); font-size: 12px; color: var(--body-text-color-subdued); }
.rag-n { text-align: right; }
.rag-url { color: var(--link-text-color); word-break: break-all; }
.rag-also { margin-top: 6px; font-size: 12px; color: var(--body-text-color-subdued); }
.rag-also ul { margin: 2px 0 0 18px; padding: 0; }
"""
