"""The chat UI's backend: the shared index (loaded lazily, reloaded when it changes on disk) and the documents
in it (upload with checks, incremental indexing with progress, removal). No Gradio here.

Uploaded files are kept in the uploads folder under their safe names, and an uploaded article's id is its file
stem, so rebuilding the index from ``seeds/`` plus the uploads folder gives the same articles back.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rag.app import render_html as R
from rag.app.fetched import fetch_lines
from rag.app.live import LiveIndex, live_index
from rag.app.messages import document_reason
from rag.errors import DocumentError, RagError
from rag.extract import pipeline
from rag.extract.followup import resolve_followup
from rag.index import BuildReport, Index, WriteOptions, live_generation_name, update_index
from rag.index.migrate import MilvusCopy
from rag.ingest.archive import ARCHIVE_SUFFIXES
from rag.ingest.files import read_article, read_documents
from rag.reader import load_reader
from rag.search import MAX_QUESTION_CHARS, Hit, prepare_question, retrieve_from
from rag.settings import default_data_dir, default_docs_dir, default_index_dir
from rag.types import Answer, Article

__all__ = [
    "MAX_K",
    "MAX_UPLOAD_BYTES",
    "UPLOAD_SUFFIXES",
    "ArticleEntry",
    "Backend",
    "FileOutcome",
    "Removal",
    "UploadReport",
    "too_large_message",
]

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
UPLOAD_SUFFIXES = (".txt", ".md", ".html", ".htm", ".docx", ".pdf", ".jsonl", ".csv")
MAX_K = 20
_STAGES = {  # rag.index progress messages, in Chinese
    "embedding": "计算段落和句子向量",
    "writing": "写入索引",
    "done": "完成",
}
Progress = Callable[[float, str], None]
Turns = Sequence[tuple[str, str]]


@dataclass(frozen=True)
class FileOutcome:
    """What became of one uploaded file; ``message`` is the line the 文档 tab shows for it."""

    name: str  # the file's name as given, on one line
    status: str  # "added" | "updated" | "duplicate" (same text as an indexed article) | "refused"
    message: str
    article_id: str = ""  # the id it has (added, updated) or the article it duplicates
    title: str = ""
    code: str = ""  # why it was refused: a DocumentError code (rag.errors), or "unreadable"


@dataclass(frozen=True)
class UploadReport:
    """An upload: one outcome per file and, when something was indexed, the index's size after it."""

    files: tuple[FileOutcome, ...]
    indexed: bool = False
    articles: int = 0
    chunks: int = 0

    def messages(self) -> list[str]:
        size = [f"索引现有 {self.articles} 篇文章、{self.chunks} 个段落块。"] if self.indexed else []
        return [f.message for f in self.files] + size


@dataclass(frozen=True)
class Removal:
    """An article removed, and the index's size after it."""

    article_id: str
    title: str
    articles: int
    chunks: int

    @property
    def message(self) -> str:
        return f"已移除《{self.title}》。索引现有 {self.articles} 篇文章、{self.chunks} 个段落块。"


@dataclass(frozen=True)
class ArticleEntry:
    """One indexed article, as the 文档 tab lists it."""

    id: str
    title: str
    outlet: str
    script: str
    chunks: int
    uploaded: bool
    published: str = ""  # ISO date ("" when unknown)
    url: str = ""


class Backend:
    """What the handlers share: the corpus (one index for all sessions, changed under a lock) and the uploads
    folder. Nothing per conversation lives here: a chat's history comes from its own Chatbot."""

    def __init__(
        self,
        index: Index | Path | str | None = None,
        data_dir: Path | str | None = None,
        *,
        store: str | None = None,
        reader: str | None = None,
    ) -> None:
        given = index if isinstance(index, Index) else None
        directory = given.directory if given is not None else index
        if directory is None and given is None:
            directory = default_index_dir()
        assert not isinstance(directory, Index)
        self.directory = Path(directory) if directory is not None else None
        self.data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
        self.store = store  # a Milvus URI (see rag.app.api.get_index); None: $RAG_STORE, else FAISS
        self.reader = reader  # a reader directory or HF QA model; None: $RAG_READER, else the shipped one
        self._given = given
        # an Index handed to us serves while its generation is live; after an update the directory is reloaded
        self._pinned = (
            (self._generation(), given) if given is not None and self.directory is not None else None
        )
        self._pin_lock = threading.Lock()
        self._write_lock = threading.Lock()  # one upload or removal at a time (update_index also flocks)

    def _generation(self) -> str:
        return live_generation_name(self.directory) if self.directory is not None else ""

    def _holder(self) -> LiveIndex:
        assert self.directory is not None
        return live_index(self.directory, self.store)

    def index(self) -> Index:
        """The live index: loaded on first use (built from seeds/ and the uploads if missing), reloaded when
        its generation changes on disk (:class:`rag.app.live.LiveIndex`, shared with ``rag.get_index``)."""
        if self.directory is None:
            assert self._given is not None
            return self._given
        with self._pin_lock:
            pinned = self._pinned
            if pinned is not None and pinned[0] == self._generation():
                return pinned[1]
            docs = [default_docs_dir()] + ([self.data_dir] if self.data_dir.is_dir() else [])
            fresh = self._holder().get(build_from=docs)
            if pinned is not None:
                fresh.adopt_embedder(pinned[1].loaded_embedder)  # keep the warm model
                self._pinned = None
            return fresh

    def warm_up(self) -> None:
        """Load the index, the model and the tokenizers, and answer one question, so that the first user's
        question is as fast as any other."""
        load_reader(self.reader).warm_up()
        pipeline.answer_from(self.index(), "秦皇岛市委书记是谁？", reader=load_reader(self.reader))

    def ask(
        self,
        question: str,
        history: Turns | None = None,
        k: int = 5,
        *,
        since: str | None = None,
        until: str | None = None,
        outlets: str | Sequence[str] | None = None,
    ) -> Answer:
        return pipeline.answer_from(
            self.index(), question, history=_cut(history), k=_clamp(k), reader=load_reader(self.reader),
            since=since, until=until, outlets=_names(outlets),
        )  # fmt: skip

    def retrieve(
        self,
        question: str,
        k: int = 5,
        *,
        since: str | None = None,
        until: str | None = None,
        outlets: str | Sequence[str] | None = None,
    ) -> list[Hit]:
        return retrieve_from(
            self.index(), question, _clamp(k), since=since, until=until, outlets=_names(outlets)
        )

    def outlets(self) -> list[str]:
        """The outlets of the indexed articles, most articles first (the UI's outlet choice)."""
        counts: dict[str, int] = {}
        for a in self.index().articles.values():
            if a.outlet:
                counts[a.outlet] = counts.get(a.outlet, 0) + 1
        return sorted(counts, key=lambda o: (-counts[o], o))

    def resolve(self, question: str, history: Turns | None) -> str:
        """The question a follow-up stands for after the conversation ``history`` (Simplified, as the search
        sees it), or "" when it stands for itself. An unusable question raises BadQuestionError."""
        text, _ = prepare_question(question)
        resolution = resolve_followup(text, _cut(history))
        return resolution.question if resolution.changed else ""

    def sources_html(self, answer: Answer) -> str:
        """The sources panel; the scores come from the answer's passages, else from retrieving again."""
        hits = list(answer.closest)
        if answer.found and not hits:
            try:
                hits = self.retrieve(answer.resolved_question or answer.question)
            except RagError:
                hits = []
        return R.sources_html(answer, self.index().articles, hits)

    # documents ---------------------------------------------------------------------------------------------

    def is_upload(self, source: str) -> bool:
        return Path(source).parent.resolve() == self.data_dir.resolve()

    def _listing(self) -> tuple[Index, dict[str, int], set[str]]:
        """The index, chunks per article and the uploaded articles' ids."""
        index = self.index()
        counts: dict[str, int] = {}
        for c in index.chunks:
            counts[c.article_id] = counts.get(c.article_id, 0) + 1
        uploaded = {a.id for a in index.articles.values() if self.is_upload(a.source)}
        return index, counts, uploaded

    def articles_html(self) -> str:
        index, counts, uploaded = self._listing()
        return R.articles_html(index.articles, counts, uploaded)

    def articles(self) -> list[ArticleEntry]:
        """The indexed articles (uploads first, then by id), with their chunk counts."""
        index, counts, uploaded = self._listing()
        ordered = sorted(index.articles.values(), key=lambda a: (a.id not in uploaded, a.id))
        return [
            ArticleEntry(
                a.id, a.title, a.outlet, a.script, counts.get(a.id, 0), a.id in uploaded, a.published, a.url
            )
            for a in ordered
        ]

    def choices(self) -> list[tuple[str, str]]:
        articles = sorted(self.index().articles.values(), key=lambda a: a.id)
        return [(f"{R.one_line(a.title, 40)}（{a.id}）", a.id) for a in articles]

    def _accept(self, path: Path, taken: set[str], index: Index) -> tuple[Path, list[Article], str]:
        """Check one uploaded file and read its articles (one, or an archive's rows) with the ids and source
        they will keep: the file's safe stem, its place in the uploads folder. Returns (that place, the
        articles, what was left out of an archive)."""
        name = R.safe_filename(path.name)
        suffix = Path(name).suffix
        if suffix not in UPLOAD_SUFFIXES:
            raise DocumentError(
                f"不支持的文件类型，只接受 {'、'.join(UPLOAD_SUFFIXES)}", code="unsupported_type"
            )
        size = path.stat().st_size
        if size > MAX_UPLOAD_BYTES:
            raise DocumentError(too_large_message(size), code="too_large")
        stem = Path(name).stem
        while stem in taken or (stem in index.articles and not self.is_upload(index.articles[stem].source)):
            stem += "_u"  # never replace a built-in article by uploading a file of the same name
        final = (self.data_dir / f"{stem}{suffix}").resolve()
        try:
            if suffix not in ARCHIVE_SUFFIXES:
                article = read_article(path, article_id=stem, max_bytes=MAX_UPLOAD_BYTES)
                return final, [replace(article, source=str(final))], ""
            with (
                tempfile.TemporaryDirectory() as tmp
            ):  # rows are named after the file: read it under its name
                staged = Path(tmp) / final.name
                shutil.copyfile(path, staged)
                read = read_documents(staged)
        except DocumentError as exc:
            raise DocumentError(f"无法读取（{document_reason(exc)}）", code=exc.code) from exc
        if not read.articles:
            raise DocumentError(f"无法读取（没有可用的行：{len(read.skipped)} 行有问题）", code="no_text")
        rows = [replace(a, source=a.source.replace(str(staged), str(final), 1)) for a in read.articles]
        left = f"，{len(read.skipped)} 行无法读取" if read.skipped else ""
        return final, rows, left

    def add_files(self, paths: Sequence[str | Path], progress: Progress) -> list[str]:
        """Index the accepted files, then keep them in the uploads folder; one message per file (the 文档
        tab's), then the index's size."""
        if self.directory is None:
            return ["这个索引只在内存中，不能加入文档。"]
        return self.add_documents(paths, progress).messages()

    def add_documents(self, paths: Sequence[str | Path], progress: Progress) -> UploadReport:
        """:meth:`add_files` as data. Raises RagError ``index_in_memory`` for an index with no directory, and
        the index's own errors (e.g. ``index_busy``) when it cannot be updated (then nothing is kept)."""
        index = self.index()
        if self.directory is None:
            raise RagError(
                "this index lives in memory only: documents cannot be added", code="index_in_memory"
            )
        outcomes: list[FileOutcome] = []
        accepted: list[tuple[Path, Path, list[Article]]] = []
        by_hash = {a.content_hash: a for a in index.articles.values()}
        for i, raw in enumerate(paths):
            path = Path(raw)
            shown = R.one_line(path.name)  # a name holding line breaks stays on its message's line
            progress(0.1 * i / max(1, len(paths)), "读取文件")
            try:
                taken = {final.stem for _, final, _ in accepted}
                final, articles, left = self._accept(path, taken, index)
            except (DocumentError, OSError) as exc:
                code = exc.code if isinstance(exc, DocumentError) else "unreadable"
                outcomes.append(FileOutcome(shown, "refused", f"{shown}：{exc}", code=code))
                continue
            if len(articles) == 1 and not left and final.suffix not in ARCHIVE_SUFFIXES:
                article = articles[0]
                same = by_hash.get(article.content_hash)
                if same is not None and same.id != article.id:
                    message = f"{shown}：内容与已有文章《{same.title}》相同，已跳过"
                    outcomes.append(FileOutcome(shown, "duplicate", message, same.id, same.title))
                    continue
                status, verb = ("updated", "已更新") if article.id in index.articles else ("added", "已加入")
                message = f"{shown}：{verb}《{article.title}》（编号 {article.id}）"
                outcomes.append(FileOutcome(shown, status, message, article.id, article.title))
            else:  # an archive: many articles, no one id
                message = f"{shown}：已加入 {len(articles)} 篇文章{left}"
                outcomes.append(FileOutcome(shown, "added", message))
            by_hash.update((a.content_hash, a) for a in articles)
            accepted.append((path, final, articles))
        if not accepted:
            return UploadReport(tuple(outcomes))
        report = self._index_accepted(accepted, index, progress)
        return UploadReport(tuple(outcomes), True, report.articles, report.chunks)

    def _index_accepted(
        self, accepted: list[tuple[Path, Path, list[Article]]], index: Index, progress: Progress
    ) -> BuildReport:
        """One update with every accepted article, then the files kept in the uploads folder."""

        def stage(fraction: float, message: str) -> None:
            label = next((v for k, v in _STAGES.items() if message.startswith(k)), "建立索引")
            progress(0.1 + 0.9 * fraction, label)

        assert self.directory is not None
        with self._write_lock:
            add = [a for _, _, articles in accepted for a in articles]
            self.data_dir.mkdir(
                parents=True, exist_ok=True
            )  # first, so the index records it as a docs folder
            options = WriteOptions(embedder=index.embedder, progress=stage, hook=MilvusCopy())
            report = update_index(self.directory, add=add, options=options)
            for path, final, articles in accepted:
                for article in articles:
                    old = index.articles.get(article.id)
                    if old is not None and old.source != article.source and self.is_upload(old.source):
                        Path(old.source).unlink(missing_ok=True)  # replaced by a file with another suffix
                shutil.copyfile(path, final)
        return report

    def add_urls(self, text: str, progress: Progress) -> list[str]:
        """Fetch the feeds or pages named one per line in ``text``, keep them as archives in the uploads
        folder's ``fetched/``, and index them; one message per failed URL."""
        index = self.index()
        if self.directory is None:
            return ["这个索引只在内存中，不能加入文档。"]
        lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
        if not lines:
            return ["请先输入订阅源或网址。"]
        progress(0.05, "抓取网页")
        written, failed = fetch_lines(self.data_dir / "fetched", lines)
        messages = [f"{R.one_line(s.source, 80)}：抓取失败（{s.reason}）" for s in failed]
        articles = [a for path in written for a in read_documents(path).articles]
        if not articles:
            return [*messages, "没有抓取到文章，索引没有改变。"]
        progress(0.5, "建立索引")
        with self._write_lock:
            options = WriteOptions(embedder=index.embedder, hook=MilvusCopy())
            built = update_index(self.directory, add=articles, options=options)
        messages.append(
            f"已抓取 {len(articles)} 篇文章。索引现有 {built.articles} 篇文章、{built.chunks} 个段落块。"
        )
        return messages

    def remove(self, article_id: str) -> str:
        """Remove an article from the index (and an upload's file); the 文档 tab's message."""
        if self.directory is None:
            return "这个索引只在内存中，不能移除文档。"
        if (article_id or "") not in self.index().articles:
            return "请先选择要移除的文章。"
        return self.remove_article(article_id).message

    def remove_article(self, article_id: str) -> Removal:
        """:meth:`remove` as data. Raises RagError ``unknown_article`` (no such article in the index) or
        ``index_in_memory``, and the index's own errors when it cannot be updated."""
        index = self.index()
        if self.directory is None:
            raise RagError(
                "this index lives in memory only: documents cannot be removed", code="index_in_memory"
            )
        article = index.articles.get(article_id or "")
        if article is None:
            raise RagError(f"no article {article_id!r} in the index", code="unknown_article")
        with self._write_lock:
            options = WriteOptions(embedder=index.embedder, hook=MilvusCopy())
            report = update_index(self.directory, remove=[article.id], options=options)
            if self.is_upload(article.source):
                Path(article.source).unlink(missing_ok=True)
        return Removal(article.id, article.title, report.articles, report.chunks)


def too_large_message(size: int) -> str:
    """What an upload over :data:`MAX_UPLOAD_BYTES` is told."""
    return f"文件太大（{size / 1e6:.1f} MB），上限是 {MAX_UPLOAD_BYTES // 2**20} MB"


def _cut(history: Turns | None) -> list[tuple[str, str]]:
    """Earlier turns cut as a question is: one 100,000-character turn must not slow down every later one."""
    return [(q[:MAX_QUESTION_CHARS], a[:MAX_QUESTION_CHARS]) for q, a in history or ()]


def _names(outlets: str | Sequence[str] | None) -> str | list[str] | None:
    """Outlet names as the UI and API send them: a list, a comma-separated string, or nothing."""
    if outlets is None or isinstance(outlets, str):
        return outlets or None
    return [o for o in outlets if isinstance(o, str)] or None


def _clamp(k: Any) -> int:
    try:
        return max(1, min(MAX_K, int(k)))
    except (TypeError, ValueError):
        return 5
