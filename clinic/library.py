"""The worksheet library: loading at start-up, version snapshots, and the counselor's preview."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, render_template
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from . import ROOT
from .db import get_db
from .models import WorksheetVersion
from .worksheets import Worksheet, load_library, parse_worksheet

bp = Blueprint("library", __name__, url_prefix="/worksheets")


def init_app(app: Flask) -> None:
    """Load every worksheet once; a broken built-in one stops the app from starting."""
    extra = [Path(folder) for folder in app.config["WORKSHEET_DIRS"]]
    worksheets, problems = load_library(ROOT / "worksheets", extra)
    for problem in problems:
        app.logger.warning("worksheet skipped: %s", problem)
    app.extensions["clinic.worksheets"] = worksheets
    app.extensions["clinic.worksheet_problems"] = problems


def worksheets() -> dict[str, Worksheet]:
    return current_app.extensions["clinic.worksheets"]


def get_worksheet_or_404(slug: str) -> Worksheet:
    worksheet = worksheets().get(slug)
    if worksheet is None:
        abort(404)
    return worksheet


def snapshot(worksheet: Worksheet) -> WorksheetVersion:
    """The stored copy of this exact version, made the first time the version is used."""
    db = get_db()
    query = select(WorksheetVersion).filter_by(slug=worksheet.slug, version=worksheet.version)
    found = db.scalar(query)
    if found is not None:
        return found
    row = WorksheetVersion(
        slug=worksheet.slug,
        version=worksheet.version,
        title=worksheet.title,
        source=worksheet.source,
    )
    try:
        with db.begin_nested():
            db.add(row)
    except IntegrityError:  # another request stored the same version a moment ago
        return db.scalars(query).one()
    return row


def stored_worksheet(row: WorksheetVersion) -> Worksheet:
    """The worksheet exactly as it was when this version was first used."""
    current = worksheets().get(row.slug)
    if current is not None and current.version == row.version:
        return current
    return _parse_cached(row.source, row.slug)


@lru_cache(maxsize=128)
def _parse_cached(source: str, slug: str) -> Worksheet:
    return parse_worksheet(source, slug, f"{slug}.toml (stored version)")


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    return render_template(
        "library/index.html",
        worksheets=worksheets().values(),
        problems=current_app.extensions["clinic.worksheet_problems"],
    )


@bp.get("/<slug>")
@login_required
def preview(slug: str) -> ResponseReturnValue:
    worksheet = get_worksheet_or_404(slug)
    return render_template("library/preview.html", worksheet=worksheet)
