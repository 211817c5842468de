"""A couple's data in one zip: couple.json, every row of theirs by table (documented in the
README.md beside it), and both copies of each session's summary PDF."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime
from typing import Any

from flask import current_app
from sqlalchemy import select

from .. import ROOT
from ..dates import today
from ..db import get_db, utcnow
from ..models import CounselingSession, Couple, WorksheetVersion
from ..summaries.document import COPIES, build_document
from ..summaries.pdf import SummaryTooLarge, render_summary
from .tables import COUPLE_ROWS, NOT_EXPORTED, table

FORMAT = "clinic-couple-export"
FORMAT_VERSION = 1
README = ROOT / "docs" / "export.md"


def couple_data(couple: Couple) -> dict[str, Any]:
    """Every row of the couple's data, by table, with the worksheet versions they answered."""
    db = get_db()
    data: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": utcnow().isoformat(),
        "practice": current_app.config["PRACTICE_NAME"],
        "counselor": {
            "id": couple.counselor.id,
            "name": couple.counselor.name,
            "email": couple.counselor.email,
        },
    }
    for name, rows in COUPLE_ROWS.items():
        found = table(name)
        query = select(found).where(rows(couple.id)).order_by(*found.primary_key.columns)
        data[name] = [_row(name, row) for row in db.execute(query).mappings()]
    used = {row["worksheet_version_id"] for row in data["assignment"]}
    versions = select(WorksheetVersion.__table__).where(WorksheetVersion.id.in_(used))
    data["worksheet_version"] = [
        _row("worksheet_version", row)
        for row in db.execute(versions.order_by(WorksheetVersion.id)).mappings()
    ]
    return data


def _row(name: str, row: Any) -> dict[str, Any]:
    return {
        column: _plain(value)
        for column, value in row.items()
        if (name, column) not in NOT_EXPORTED
    }


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def export_zip(couple: Couple) -> tuple[bytes, str]:
    """The zip's bytes and its file name, which names no one (the couple's number only)."""
    data = couple_data(couple)
    folder = f"couple-{couple.id}"
    stamp = utcnow().timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:

        def add(name: str, content: str | bytes) -> None:
            archive.writestr(zipfile.ZipInfo(f"{folder}/{name}", date_time=stamp), content)

        add("README.md", README.read_text(encoding="utf-8"))
        data["summaries"] = []
        meetings = get_db().scalars(
            select(CounselingSession)
            .where(CounselingSession.couple_id == couple.id)
            .order_by(CounselingSession.held_on, CounselingSession.id)
        ).all()
        for meeting in meetings:
            for copy in COPIES:
                entry: dict[str, Any] = {"session_id": meeting.id, "copy": copy}
                try:
                    document = build_document(meeting, copy)
                    pdf = render_summary(document, keep_as=f"session-{meeting.id}-{copy}")
                except SummaryTooLarge as error:
                    entry.update(file=None, left_out=str(error))
                else:
                    entry["file"] = f"summaries/{meeting.held_on}-session-{meeting.id}-{copy}.pdf"
                    add(entry["file"], pdf)
                data["summaries"].append(entry)
        add("couple.json", json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return buffer.getvalue(), f"{folder}-{today()}.zip"
