"""A couple's work read back from the database: their assignments, each one's two sent answer
sets compared, and scores over time where a worksheet was given more than once."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Select,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import joinedload, selectinload

from .catalog import stored_worksheet
from .dates import local_date, viewer_zone
from .db import get_db
from .models import Assignment, CounselingSession, Couple, Response, Round
from .worksheets.compare import Trend, TrendPoint, WorksheetReview, build_review, scores


def couple_assignments(couple: Couple) -> list[Assignment]:
    """Newest first, with what their pages show loaded in the same few queries."""
    query = (
        select(Assignment)
        .where(Assignment.couple_id == couple.id)
        .options(
            selectinload(Assignment.round).selectinload(Round.links),
            selectinload(Assignment.responses),
            selectinload(Assignment.worksheet_version),
        )
        .order_by(Assignment.created_at.desc(), Assignment.id.desc())
    )
    return list(get_db().scalars(query))


TIMELINE_ROWS = 20  # entries on a page of a couple's timeline
RECENT = 10  # the newest worksheets the couple's page lists beside the open ones
TREND_POINTS = 24  # the newest answered worksheets the progress charts draw from


@dataclass(frozen=True)
class CouplePage:
    """What the couple's page shows, read in four queries at any length of history."""

    worksheets: list[Assignment]  # open ones and the newest few, newest first
    timeline: list[tuple[date, str, Any]]  # (day, "assignment" or "session", row), newest first
    page: int
    pages: int
    trends: list[tuple[str, str, tuple[Trend, ...]]]


def _zone_day(column: Any, zone: str) -> ColumnElement[Any]:
    """The day a datetime column's time fell on in zone: a date on PostgreSQL, "YYYY-MM-DD" on
    SQLite, where a date column holds the same text. Either sorts with a date column."""
    if _on_postgresql():
        return cast(func.timezone(zone, column), Date)
    return func.zone_day(column, zone)  # clinic.sqlite


def _on_postgresql() -> bool:
    return get_db().get_bind().dialect.name == "postgresql"


def couple_page(couple: Couple, page: int) -> CouplePage:
    """One page of the couple's timeline (sessions and worksheets given, newest first, each
    worksheet on the day it was given where the counselor is), the worksheets the page lists
    and the progress charts."""
    db = get_db()
    zone = viewer_zone()
    given = Assignment.couple_id == couple.id
    held = CounselingSession.couple_id == couple.id
    entries = union_all(
        select(
            _zone_day(Assignment.created_at, getattr(zone, "key", None) or "UTC").label("day"),
            literal(0).label("kind"),
            Assignment.id.label("id"),
        ).where(given),
        select(CounselingSession.held_on, literal(1), CounselingSession.id).where(held),
    ).subquery()
    # Counted without the days: each costs a time zone conversion.
    counted = union_all(
        select(Assignment.id).where(given), select(CounselingSession.id).where(held)
    )
    total = select(func.count()).select_from(counted.subquery()).scalar_subquery()
    query = (
        select(entries.c.kind, entries.c.id, total)
        .order_by(entries.c.day.desc(), entries.c.kind.desc(), entries.c.id.desc())
        .limit(TIMELINE_ROWS)
    )
    found = db.execute(query.offset((page - 1) * TIMELINE_ROWS)).all()
    if not found and page > 1:  # past the end: the last page
        page = max(1, -(-(db.scalar(select(total)) or 0) // TIMELINE_ROWS))
        found = db.execute(query.offset((page - 1) * TIMELINE_ROWS)).all()
    pages = max(1, -(-found[0][2] // TIMELINE_ROWS)) if found else 1
    on_page = [(kind, entry_id) for kind, entry_id, _ in found]
    newest = (
        select(Assignment.id)
        .where(Assignment.couple_id == couple.id)
        .order_by(Assignment.created_at.desc(), Assignment.id.desc())
        .limit(RECENT)
        .subquery()
    )
    # All the couple's, first: an index narrows it to them before the rest is looked at.
    assignments = assignments_where(
        (Assignment.couple_id == couple.id)
        & or_(
            Assignment.id.in_([entry_id for kind, entry_id in on_page if kind == 0]),
            Assignment.id.in_(select(newest.c.id)),
            Assignment.waiting_on.is_not(None),
            Assignment.id.in_(_answered(couple)),
        )
    )
    session_ids = [entry_id for kind, entry_id in on_page if kind == 1]
    meetings: dict[int, CounselingSession] = {}
    if session_ids:
        sessions = (
            select(CounselingSession)
            .where(CounselingSession.id.in_(session_ids))
            .options(
                joinedload(CounselingSession.notes),
                # Its own query: joined, SQLite would read the whole link table first.
                selectinload(CounselingSession.discussed).joinedload(Assignment.worksheet_version),
            )
        )
        meetings = {m.id: m for m in db.scalars(sessions).unique()}
    by_id = {a.id: a for a in assignments}
    recent = {a.id for a in assignments[:RECENT]}  # the newest are all among those loaded
    timeline: list[tuple[date, str, Any]] = [
        (local_date(by_id[i].created_at, zone), "assignment", by_id[i])
        if kind == 0
        else (meetings[i].held_on, "session", meetings[i])
        for kind, i in on_page
    ]
    return CouplePage(
        worksheets=[a for a in assignments if a.waiting_on is not None or a.id in recent],
        timeline=timeline,
        page=page,
        pages=pages,
        trends=couple_trends(assignments),
    )


def assignments_where(condition: ColumnElement[bool]) -> list[Assignment]:
    query = (
        select(Assignment)
        .where(condition)
        .options(
            joinedload(Assignment.round).joinedload(Round.links),
            joinedload(Assignment.responses),
            joinedload(Assignment.worksheet_version),
        )
        .order_by(Assignment.created_at.desc(), Assignment.id.desc())
    )
    return list(get_db().scalars(query).unique())


def summary_assignments(couple: Couple, after: date | None, until: date) -> list[Assignment]:
    """Newest first, the couple's worksheets a session's summary can show: those given from
    the day after `after` (the session before, if any) to `until` (a day to spare on each
    side, for time zones; the caller picks by the practice's days), and the newest answered
    ones its charts draw from. So a summary costs the same at any length of history."""
    given = Assignment.created_at < datetime.combine(until + timedelta(days=2), time(), UTC)
    if after is not None:
        start = datetime.combine(after - timedelta(days=1), time(), UTC)
        given = given & (Assignment.created_at >= start)
    return assignments_where(
        (Assignment.couple_id == couple.id) & (given | Assignment.id.in_(_answered(couple)))
    )


def _answered(couple: Couple) -> Select[tuple[int]]:
    """Ids of the couple's newest worksheets with answers sent, for the progress charts."""
    sent = exists().where(
        Response.assignment_id == Assignment.id, Response.submitted_at.is_not(None)
    )
    answered = (
        select(Assignment.id)
        .where(Assignment.couple_id == couple.id, sent)
        .order_by(Assignment.created_at.desc(), Assignment.id.desc())
        .limit(TREND_POINTS)
        .subquery()
    )
    return select(answered.c.id)


def review_of(
    assignment: Assignment, *, include_private: bool = True, trends: tuple[Trend, ...] = ()
) -> WorksheetReview:
    """What each partner sent (not their drafts), compared."""
    first, second = assignment.couple.partners
    responses = [assignment.response_of(first), assignment.response_of(second)]
    sent = [r.submitted_answers if r is not None and r.submitted_at else None for r in responses]
    return build_review(
        stored_worksheet(assignment.worksheet_version),
        (first.display_name, second.display_name),
        sent[0],
        sent[1],
        submitted=(
            responses[0].submitted_at if responses[0] else None,
            responses[1].submitted_at if responses[1] else None,
        ),
        include_private=include_private,
        trends=trends,
    )


def couple_trends(assignments: list[Assignment]) -> list[tuple[str, str, tuple[Trend, ...]]]:
    """Scores per partner over time, for each worksheet this couple answered more than once,
    from the newest TREND_POINTS answered (assignments: newest first), so the charts cost the
    same at any length of history."""
    answered = [a for a in assignments if any(r.submitted_at for r in a.responses)]
    by_slug: dict[str, list[Assignment]] = defaultdict(list)
    for assignment in sorted(answered[:TREND_POINTS], key=lambda a: (a.created_at, a.id)):
        by_slug[assignment.worksheet_version.slug].append(assignment)
    charts = []
    for slug, repeated in by_slug.items():
        if len(repeated) < 2:
            continue
        latest = stored_worksheet(repeated[-1].worksheet_version)
        if not latest.scores:
            continue
        per_time = [_sent_scores(a) for a in repeated]
        trends = tuple(
            Trend(
                score.label,
                tuple(
                    TrendPoint(a.created_at, first.get(score.label), second.get(score.label))
                    for a, (first, second) in zip(repeated, per_time, strict=True)
                ),
            )
            for score in latest.scores
        )
        charts.append((slug, latest.title, trends))
    return charts


def _sent_scores(assignment: Assignment) -> tuple[dict[str, float | None], ...]:
    """Each partner's scores (by label) in what they sent for this worksheet, in its own
    version: a chart needs the scores alone, not the whole comparison."""
    worksheet = stored_worksheet(assignment.worksheet_version)
    found = []
    for partner in assignment.couple.partners:
        response = assignment.response_of(partner)
        sent = response.submitted_answers if response and response.submitted_at else None
        values = scores(worksheet, sent)
        found.append({score.label: values.get(score.id) for score in worksheet.scores})
    return tuple(found)
