"""Session summary PDFs: a Jinja template with its CSS inlined, rendered by WeasyPrint, which
fetches nothing from disk or network.

The layout runs in the render process (clinic.render_process). WeasyPrint is imported only
where a PDF is laid out (_laid_out), never at start-up: it costs about half a second. The
render process's module, and multiprocessing with it, is imported with the first PDF too.
"""

from __future__ import annotations

import io
import re
from typing import Any

from flask import current_app, render_template
from markupsafe import Markup

from .. import ROOT
from ..dates import in_zone, practice_zone, viewer_zone
from ..worksheets.answers import display
from .document import SummaryDocument
from .fetcher import make_fetcher
from .renders import make_pdf

CSS_PATH = ROOT / "templates" / "summaries" / "summary.css"
TEMPLATE = "summaries/summary.html"

# The largest summary we agree to render. bench/pdf.py renders summaries right at these limits,
# with every answer at its longest and unbroken 'words' among them (see docs/benchmarks.md):
# each must stay within 5 s and 400 MB. Characters count everything the layout has to set.
MAX_CHARS = 50_000
MAX_ROWS = 400
# A line break in typed text starts a new line box however short the line: counted as a line's
# worth of characters in an answer column, so 25,000 one-letter lines cannot pass as 50,000
# characters (they would take the layout 20 s).
NEWLINE_CHARS = 30
# One chart costs the layout about as much as this many table rows.
ROWS_PER_CHART = 10


class SummaryTooLarge(ValueError):
    """The summary is too large to render in reasonable time; refused before any layout."""

    def __init__(self, chars: int, rows: int) -> None:
        self.chars, self.rows = chars, rows
        super().__init__(
            f"This summary is too large to make into a PDF: about {chars:,} characters in "
            f"{rows:,} rows, and the most we can lay out is {MAX_CHARS:,} characters and "
            f"{MAX_ROWS:,} rows. Discuss fewer worksheets in this session's summary, or shorten "
            "the notes."
        )


def _size(text: str) -> int:
    return len(text) + text.count("\n") * NEWLINE_CHARS


def summary_size(doc: SummaryDocument) -> tuple[int, int]:
    """(characters, rows): what the layout will have to set, counted without rendering."""
    texts: list[str] = [doc.practice, doc.counselor, doc.couple_label, *doc.names]
    texts += [doc.next_steps, doc.seek_help, *map(str, (*doc.notes, *doc.counselor_notes))]
    texts += [a.text for a in (*doc.addenda, *doc.counselor_addenda)]
    rows = len(doc.overview) + len(doc.notes) + len(doc.counselor_notes)
    rows += len(doc.addenda) + len(doc.counselor_addenda)
    for line in doc.overview:
        texts += [line.title, line.status_a, line.status_b]
    for review in doc.reviews:
        texts += [review.worksheet.title, *(s.title for s in review.worksheet.sections)]
        for row in review.rows:
            q = row.question
            texts += [row.item.label if row.item else q.prompt]
            texts += [display(q, row.a), display(q, row.b)]
        for g in review.guesses:
            texts += [g.target.prompt, g.item.label if g.item else ""]
            texts += [display(g.question, g.guess), display(g.target, g.actual)]
        texts += [s.label for s in review.scores]
        for m in review.mirrors:
            texts += [m.mirror.label, m.mine.prompt, m.view.prompt]
            texts += [display(m.mine, m.self_value), display(m.view, m.view_value)]
        rows += len(review.rows) + len(review.guesses) + len(review.scores) + len(review.mirrors)
        for trend in review.trends:
            texts.append(trend.label)
            rows += ROWS_PER_CHART + len(trend.points)
    return sum(map(_size, texts)), rows


def check_size(doc: SummaryDocument) -> None:
    """Raise SummaryTooLarge when doc is over the limits; cheap, so call it before any work."""
    chars, rows = summary_size(doc)
    if chars > MAX_CHARS or rows > MAX_ROWS:
        raise SummaryTooLarge(chars, rows)


def pdf_title(doc: SummaryDocument) -> str:
    """The PDF's metadata title: a date and an id, never a name or an answer."""
    return f"Session summary {doc.session_date.isoformat()} #{doc.document_id}"


def summary_filename(doc: SummaryDocument) -> str:
    """session-summary-2026-11-27-<id>-counselor.pdf: a date, an id and the copy, no names."""
    safe_id = re.sub(r"[^A-Za-z0-9-]", "", doc.document_id) or "summary"
    return f"session-summary-{doc.session_date.isoformat()}-{safe_id}-{doc.copy}.pdf"


# A run of characters with no break opportunity costs WeasyPrint time in the square of its length
# (10,000 characters in a table cell: seconds). A zero-width space every few characters gives the
# line breaker places to break, so the cost stays linear; it shows nothing, and text extraction
# drops it. Chunks must fit the narrowest column, or overflow-wrap is back to searching.
LONG_RUN_RE = re.compile(r"[^\s\u200b]{30,}")
CHUNK = 8
ZWSP = "\u200b"


def breakable(text: str) -> str:
    """text with a zero-width space every 8 characters inside runs of 30 or more non-spaces."""
    return LONG_RUN_RE.sub(
        lambda m: ZWSP.join(m[0][i : i + CHUNK] for i in range(0, len(m[0]), CHUNK)), text
    )


def _answer(question: Any, value: Any) -> str:
    return breakable(display(question, value))


def _score(value: float | None) -> str:
    return "\u2014" if value is None else f"{value:g}"


# Template indentation: WeasyPrint's HTML parser reads every character, and no element of the
# summary uses white-space: pre or pre-wrap, so spaces after a line break never show.
INDENT_RE = re.compile(r"\n[ \t]+")
CSS_COMMENT_RE = re.compile(r"/\*.*?\*/", re.S)


def render_summary_html(doc: SummaryDocument) -> str:
    """The summary as one self-contained HTML document (needs an app context). The couple's
    copy reads in the practice's time zone, the counselor's in the counselor's."""
    with in_zone(practice_zone() if doc.for_couple else viewer_zone()):
        html = render_template(
            TEMPLATE,
            doc=doc,
            # Our own stylesheet, read from the package: never anything a person typed.
            css=Markup(CSS_COMMENT_RE.sub("", CSS_PATH.read_text(encoding="utf-8"))),
            title=pdf_title(doc),
            answer=_answer,
            t=breakable,
            score=_score,
        )
    return INDENT_RE.sub("\n", html)


def render_summary(
    doc: SummaryDocument, *, fetcher: Any = None, keep_as: str | None = None
) -> bytes:
    """The summary as a tagged PDF (PDF/UA-1). Needs an app context; may raise SummaryTooLarge,
    and RendersBusy when every render slot stays taken; keep_as: see write_pdf."""
    check_size(doc)
    html = render_summary_html(doc)
    return write_pdf(html, f"PDF summary #{doc.document_id}", fetcher=fetcher, keep_as=keep_as)


def write_pdf(html: str, label: str, *, fetcher: Any = None, keep_as: str | None = None) -> bytes:
    """Every PDF the app makes goes through here: self-contained HTML (any fonts from
    FONTS_DIR) to a tagged PDF, with no transaction open, within the render limit, and kept by
    content under keep_as (such as "session-12-couple"; None keeps nothing). label names the
    document in the log, never a person."""
    return make_pdf(html, lambda page: _weasyprint(page, label, fetcher), keep_as=keep_as)


def _weasyprint(html: str, label: str, fetcher: Any) -> bytes:
    """The PDF, laid out in the render process (clinic.render_process); a caller that passes a
    fetcher, to see what was fetched, has it laid out in this process."""
    if fetcher is None:
        from ..render_process import run as in_render_process

        size = max(1, int(current_app.config["PDF_RENDERS"]))
        data, refused = in_render_process(size, render_isolated, html)
    else:
        data, refused = _laid_out(html, fetcher), len(fetcher.refused)
    if refused:
        current_app.logger.warning("%s: refused %d fetch attempt(s)", label, refused)
    return data


def render_isolated(html: str) -> tuple[bytes, int]:
    """In the render process: the PDF, and how many fetches the locked fetcher refused."""
    fetcher = make_fetcher()
    return _laid_out(html, fetcher), len(fetcher.refused)


def _laid_out(html: str, fetcher: Any) -> bytes:
    from weasyprint import HTML

    out = io.BytesIO()
    # No base_url: a relative reference has nothing to resolve against, so it is never fetched.
    HTML(string=html, url_fetcher=fetcher).write_pdf(
        out, pdf_variant="pdf/ua-1", presentational_hints=False, custom_metadata=False
    )
    return out.getvalue()
