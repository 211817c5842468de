"""A worksheet's blank as a PDF to print, for a couple who prefer paper or for use in the room:
boxes to tick, lines to write on, a name and date line for the partner who fills it in.

Rendered like the session summaries (clinic/summaries/pdf.py): our own template with its CSS
inlined, the locked fetcher that serves nothing from outside, a tagged PDF. The blank holds no
client data, only the worksheet, so the same worksheet version always gives the same bytes.
"""

from __future__ import annotations

import re
from typing import Any

from flask import render_template
from markupsafe import Markup

from . import ROOT
from .summaries.pdf import CSS_COMMENT_RE, INDENT_RE, write_pdf
from .worksheets.model import Question, Worksheet

TEMPLATE = "library/blank.html"
CSS_PATH = ROOT / "templates" / "library" / "blank.css"
# Lines to write on: a one-line answer gets room for a sentence or two, a long one for a
# paragraph. Paper has no character limit, so these follow what a person writes by hand.
LINES = {"text": 2, "long_text": 7}
PRIVATE_NOTE = "Only your counselor will see this answer."


def help_text(question: Question) -> str:
    """The question's help, without a private note it repeats (the blank says that already)."""
    if question.private and question.help.startswith(PRIVATE_NOTE):
        return question.help[len(PRIVATE_NOTE) :].strip()
    return question.help


def blank_html(worksheet: Worksheet) -> str:
    """The blank as one self-contained HTML document (needs an app context)."""
    html = render_template(
        TEMPLATE,
        worksheet=worksheet,
        # Our own stylesheet, read from the package.
        css=Markup(CSS_COMMENT_RE.sub("", CSS_PATH.read_text(encoding="utf-8"))),
        lines=LINES,
        help_text=help_text,
    )
    return INDENT_RE.sub("\n", html)


def render_blank(worksheet: Worksheet, *, fetcher: Any = None) -> bytes:
    """The blank as a tagged PDF (PDF/UA-1), kept by content like the summaries, within the same
    render limit. Needs an app context; may raise RendersBusy."""
    label = f"Blank worksheet {worksheet.slug}"
    return write_pdf(
        blank_html(worksheet), label, fetcher=fetcher, keep_as=f"blank-{worksheet.slug}"
    )


def blank_filename(worksheet: Worksheet) -> str:
    """physical-closeness-blank-1a2b3c4d.pdf: the slug and the version it shows."""
    version = re.sub(r"[^A-Za-z0-9]", "", worksheet.version)[:8]
    return f"{worksheet.slug}-blank-{version}.pdf"
