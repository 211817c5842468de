"""The worksheets this app serves: loaded once at start-up, and each version stored the first
time it is assigned, so an old answer always renders against the questions it answered."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from . import ROOT
from .db import get_db
from .models import WorksheetVersion
from .worksheets.loader import load_library, parse_worksheet
from .worksheets.model import Worksheet


def init_app(app: Flask) -> None:
    """Load every worksheet once; a broken built-in one stops the app from starting."""
    extra = [Path(folder) for folder in app.config["WORKSHEET_DIRS"]]
    loaded, problems = load_library(ROOT / "worksheets", extra)
    for problem in problems:
        app.logger.warning("worksheet skipped: %s", problem)
    app.extensions["clinic.worksheets"] = loaded
    app.extensions["clinic.worksheet_problems"] = problems


def worksheets() -> dict[str, Worksheet]:
    found: dict[str, Worksheet] = current_app.extensions["clinic.worksheets"]
    return found


def problems() -> list[str]:
    """What was wrong with the practice's own worksheet files at start-up."""
    found: list[str] = current_app.extensions["clinic.worksheet_problems"]
    return found


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
    current = _current(row.slug, row.version)
    return current if current is not None else _parse_cached(row.source, row.slug)


def stored_worksheet_at(slug: str, version: str, version_id: int) -> Worksheet:
    """stored_worksheet of the version with these values, reading its stored text only when
    it is no longer the current version."""
    current = _current(slug, version)
    if current is not None:
        return current
    return stored_worksheet(get_db().get_one(WorksheetVersion, version_id))


def _current(slug: str, version: str) -> Worksheet | None:
    """The loaded worksheet, when it is still at this version."""
    current = worksheets().get(slug)
    return current if current is not None and current.version == version else None


@lru_cache(maxsize=128)
def _parse_cached(source: str, slug: str) -> Worksheet:
    return parse_worksheet(source, slug, f"{slug}.toml (stored version)")
