"""What waits on whom, kept on the rows so that each dashboard list is one indexed, limited query
whatever the size of a practice's history: an assignment's both_sent_at and waiting_on, a
couple's latest activity. Every change that moves them calls a function here; the caller
commits. Migration 0007 filled them in for the rows made before."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select

from .dates import local_date
from .db import get_db, utcnow
from .models import Assignment, CounselingSession, Couple, Response


def waiting_on(assignment: Assignment) -> str | None:
    """Whom an assignment waits on, from its rows: the partners, the counselor or nobody."""
    if assignment.closed_at is not None or assignment.reviewed_at is not None:
        return None
    return "counselor" if assignment.both_sent_at is not None else "partners"


def settle(assignment: Assignment) -> None:
    """Bring the assignment's dashboard state in line with its responses, review and closing."""
    sent = [r.submitted_at for r in assignment.responses if r.submitted_at is not None]
    if len(sent) < 2:
        assignment.both_sent_at = None
    elif assignment.both_sent_at is None:  # sending again later keeps the first moment
        assignment.both_sent_at = max(sent)
    assignment.waiting_on = waiting_on(assignment)


def touch(couple: Couple, moment: datetime) -> None:
    """Something happened with the couple: a worksheet given or answers sent."""
    if couple.last_activity_at is None or moment > couple.last_activity_at:
        couple.last_activity_at = moment


def assigned(assignment: Assignment) -> None:
    """A worksheet was given: it waits on the partners."""
    assignment.waiting_on = "partners"
    touch(assignment.couple, assignment.created_at or utcnow())


def sent(response: Response) -> None:
    """A partner sent answers: the assignment may now wait on the counselor."""
    assert response.submitted_at is not None
    settle(response.assignment)
    touch(response.assignment.couple, response.submitted_at)


def sessions_changed(couple: Couple) -> None:
    """A session was recorded, moved or removed: the latest session date, read again."""
    get_db().flush()
    couple.last_session_on = get_db().scalar(
        select(func.max(CounselingSession.held_on)).where(CounselingSession.couple_id == couple.id)
    )


def latest(couple: Couple) -> datetime | date | None:
    """The couple's last activity as the dashboard shows it: a date when a session came last."""
    moment = couple.last_activity_at
    held_on = couple.last_session_on
    if held_on is not None and (moment is None or held_on > local_date(moment)):
        return held_on
    return moment


def recompute(couple: Couple) -> None:
    """Everything here read again from the couple's rows: for data written with its times set
    by hand (the demo, the benchmarks' seed)."""
    db = get_db()
    db.flush()
    assignments = db.scalars(select(Assignment).where(Assignment.couple_id == couple.id)).all()
    for assignment in assignments:
        settle(assignment)
    moments = [a.created_at for a in assignments] + [
        r.submitted_at for a in assignments for r in a.responses if r.submitted_at is not None
    ]
    couple.last_activity_at = max(moments, default=None)
    sessions_changed(couple)
