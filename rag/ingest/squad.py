"""SQuAD-format reading-comprehension files (SQuAD 1.1/2.0, CMRC 2018, DRCD): read, checked, as articles.

Low in the stack on purpose: evaluation reads these files, and so does a trained reader's training code.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.errors import RagError
from rag.ingest.scripts import detect_script
from rag.types import Article, Paragraph

__all__ = ["SquadAnswer", "SquadParagraph", "SquadQuestion", "SquadSet", "load_squad", "squad_articles"]


@dataclass(frozen=True)
class SquadAnswer:
    text: str
    answer_start: (
        int  # offset into the paragraph's context; -1 when the file gives none and the text is not found
    )


@dataclass(frozen=True)
class SquadParagraph:
    id: str
    title: str
    context: str


@dataclass(frozen=True)
class SquadQuestion:
    id: str
    question: str
    answers: tuple[SquadAnswer, ...]
    paragraph_id: str


@dataclass(frozen=True)
class SquadSet:
    path: str
    paragraphs: tuple[SquadParagraph, ...]
    questions: tuple[SquadQuestion, ...]


# ------------------------------------------------------------------------------------------------ reading


def _fail(path: Path, why: str) -> RagError:
    return RagError(
        f'{path} is not a SQuAD-format file ({why}); expected {{"data": [{{"title", "paragraphs": '
        f'[{{"context", "qas": [{{"question", "answers": [{{"text", "answer_start"}}]}}]}}]}}]}} '
        "as in CMRC 2018 or DRCD",
        code="squad_format",
        path=path,
    )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _answers(raw: Any, context: str) -> tuple[SquadAnswer, ...]:
    """Answers of one question. Accepts SQuAD dicts, CMRC-style plain strings, and missing offsets."""
    out: list[SquadAnswer] = []
    for a in raw if isinstance(raw, list) else []:
        text = a if isinstance(a, str) else _text(a.get("text")) if isinstance(a, dict) else ""
        if not text.strip():
            continue
        start = a.get("answer_start") if isinstance(a, dict) else None
        if isinstance(start, str) and start.strip().lstrip("-").isdigit():
            start = int(start)
        if (
            not isinstance(start, int)
            or isinstance(start, bool)
            or context[start : start + len(text)] != text
        ):
            start = context.find(text)  # offsets missing, or off by a few in the file: the first occurrence
        out.append(SquadAnswer(text, start))
    return tuple(out)


def load_squad(path: Path | str) -> SquadSet:
    """Read a SQuAD-like file: SQuAD 1.1/2.0, CMRC 2018 (``query_text``/``query_id`` spellings too), DRCD.

    A top-level list of articles is accepted as well as ``{"data": [...]}``. Paragraphs without an id get a
    stable one from a hash of their title and context; repeated ids get ``~2``, ``~3`` suffixes.
    """
    path = Path(path)
    try:
        raw = json.loads(path.read_bytes().decode("utf-8-sig"))
    except OSError as exc:
        raise RagError(f"cannot read {path}: {exc.strerror or exc}", code="unreadable", path=path) from exc
    except UnicodeDecodeError as exc:
        raise _fail(path, f"not UTF-8: {exc.reason} at byte {exc.start}") from exc
    except json.JSONDecodeError as exc:
        raise _fail(path, f"not JSON: {exc.msg} at line {exc.lineno}") from exc
    items = raw.get("data") if isinstance(raw, dict) else raw
    if not isinstance(items, list) or not items:
        raise _fail(path, "no non-empty 'data' list")
    paragraphs: list[SquadParagraph] = []
    questions: list[SquadQuestion] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("paragraphs"), list):
            raise _fail(path, f"data item {i} has no 'paragraphs' list")
        title = _text(item.get("title")).strip()
        for j, para in enumerate(item["paragraphs"]):
            context = para.get("context") if isinstance(para, dict) else None
            if not isinstance(context, str) or not isinstance(para.get("qas", []), list):
                raise _fail(
                    path, f"paragraph {j} of data item {i} has no 'context' text or its 'qas' is not a list"
                )
            if not context.strip():
                continue
            pid = str(para.get("id") or para.get("context_id") or "").strip()
            if not pid:
                pid = "p" + hashlib.sha256(f"{title}\0{context}".encode()).hexdigest()[:12]
            seen[pid] = seen.get(pid, 0) + 1
            if seen[pid] > 1:
                pid = f"{pid}~{seen[pid]}"
            paragraphs.append(SquadParagraph(pid, title, context))
            for k, qa in enumerate(para.get("qas", [])):
                if not isinstance(qa, dict):
                    raise _fail(path, f"question {k} of paragraph {pid} is not an object")
                question = _text(qa.get("question") or qa.get("query_text")).strip()
                if not question:
                    continue
                qid = str(qa.get("id") or qa.get("query_id") or f"{pid}-q{k}")
                questions.append(SquadQuestion(qid, question, _answers(qa.get("answers"), context), pid))
    if not paragraphs:
        raise _fail(path, "no paragraph with a context")
    return SquadSet(str(path), tuple(paragraphs), tuple(questions))


def squad_articles(squad: SquadSet) -> list[Article]:
    """One Article per paragraph: its text is the context unchanged, so gold ``answer_start`` indexes it."""
    articles = []
    for p in squad.paragraphs:
        digest = hashlib.sha256(f"{p.title}\0{p.context}".encode()).hexdigest()
        articles.append(
            Article(
                id=p.id,
                title=p.title,
                text=p.context,
                source=f"{Path(squad.path).name}#{p.id}",
                script=detect_script(p.context),
                paragraphs=(Paragraph(0, 0, len(p.context)),),
                content_hash=digest,
            )
        )
    return articles
