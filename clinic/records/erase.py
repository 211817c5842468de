"""Deleting a couple for good: every row that holds their data, in one transaction, and the
summary PDFs kept of their sessions."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from ..db import get_db
from ..models import CounselingSession, Couple
from ..summaries.renders import forget_session
from .tables import COUPLE_ROWS, table


def counts(couple: Couple) -> dict[str, int]:
    """How many rows of each table hold this couple's data."""
    db = get_db()
    return {
        name: db.scalar(select(func.count()).select_from(table(name)).where(rows(couple.id))) or 0
        for name, rows in COUPLE_ROWS.items()
    }


def erase(couple: Couple) -> None:
    """Delete the couple's rows, children first; the caller records the event and commits.
    Audit events keep their ids and actions, which hold nothing the couple wrote."""
    db = get_db()
    couple_id = couple.id
    for session_id in db.scalars(
        select(CounselingSession.id).where(CounselingSession.couple_id == couple_id)
    ):
        forget_session(session_id)  # their summary PDFs kept in the instance folder
    db.expunge(couple)  # the rows go below, not through the session's copy of them
    for name, rows in reversed(COUPLE_ROWS.items()):
        db.execute(delete(table(name)).where(rows(couple_id)))
