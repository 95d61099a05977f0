"""Word (``.docx``, python-docx) and PDF (``.pdf`` with a text layer, pypdf) articles to plain text.

A ``.docx`` gives its paragraphs (and table rows) one per line. A PDF's text comes line by line as laid out on
the page: lines are joined back into paragraphs (a line ends its paragraph where it ends a sentence short of
the full width, is much shorter than the page's lines, or the next one is indented), and page numbers go. A
PDF without a text layer (a scan) is refused with the advice to run OCR; so is an encrypted one.

The document's own title property is kept as a fallback title (used when the text opens with no headline);
its author and creation date are not: they name whoever made the file, not the article's byline or date.
"""

from __future__ import annotations

import logging
import re
import statistics
from pathlib import Path

from rag.errors import DocumentError
from rag.ingest.meta import Meta

__all__ = ["OFFICE_SUFFIXES", "read_docx", "read_pdf"]

OFFICE_SUFFIXES = (".docx", ".pdf")
_ENDS = "。！？!?”」』…"
_PAGE_NUMBER = re.compile(r"^[\s\-—–]*(?:第\s*\d+\s*页(?:\s*共\s*\d+\s*页)?|\d+(?:\s*/\s*\d+)?)[\s\-—–]*$")


def read_docx(path: Path) -> tuple[str, Meta]:
    """The paragraphs and table rows of a Word document, and its title property."""
    import docx  # deferred: only Word files pay for it
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise DocumentError(f"not a readable .docx file ({exc})", code="unreadable", path=str(path)) from exc
    except Exception as exc:  # zipfile.BadZipFile, lxml errors: a damaged package
        raise DocumentError(
            f"not a readable .docx file ({type(exc).__name__}: {exc})", code="unreadable", path=str(path)
        ) from exc
    lines = [p.text.strip() for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" ".join(cell.text.strip() for cell in row.cells if cell.text.strip()))
    title = (document.core_properties.title or "").strip()
    return "\n".join(line for line in lines if line), Meta(title=title)


def _reflow(lines: list[str]) -> list[str]:
    """PDF lines joined into paragraphs (module doc)."""
    lines = [line.rstrip() for line in lines if line.strip() and not _PAGE_NUMBER.match(line)]
    widths = [len(line.strip()) for line in lines if len(line.strip()) >= 10]
    full = statistics.median(widths) if widths else 0
    paragraphs: list[str] = []
    current = ""
    for i, line in enumerate(lines):
        current += line.strip()
        following = lines[i + 1] if i + 1 < len(lines) else ""
        short = len(line.strip()) < 0.8 * full
        below = len(line.strip()) < 0.95 * full
        ends = line.strip()[-1:] in _ENDS and below
        bare = below and not re.search(
            r"[，。、；！？,;!?]", line
        )  # a headline or dateline, not a wrapped sentence
        indented = bool(re.match(r"^(?:\s{2,}|\u3000)", following))
        if not following or short or ends or bare or indented:
            paragraphs.append(current)
            current = ""
    return paragraphs


def read_pdf(path: Path) -> tuple[str, Meta]:
    """The text layer of a PDF, as paragraphs, and its title property (module doc)."""
    import pypdf  # deferred: only PDFs pay for it

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # pypdf warns about every odd object
    name = str(path)
    try:
        reader = pypdf.PdfReader(name)
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError("is encrypted; save an unlocked copy", code="encrypted", path=name)
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata
        title = str(info.get("/Title") or "").strip() if info is not None else ""
    except DocumentError:
        raise
    except Exception as exc:  # pypdf raises many kinds for damaged files
        raise DocumentError(
            f"not a readable PDF ({type(exc).__name__}: {exc})", code="unreadable", path=name
        ) from exc
    lines = [line for page in pages for line in page.splitlines()]
    if sum(len(line.strip()) for line in lines) < 10:
        raise DocumentError(
            f"has no text layer ({len(pages)} pages of images only: a scan?); run OCR on it first",
            code="no_text_layer",
            path=name,
        )
    return "\n".join(_reflow(lines)), Meta(title=title)
