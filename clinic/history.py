"""A couple's work read back from the database: their assignments, each one's two sent answer
sets compared, and scores over time where a worksheet was given more than once."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .catalog import stored_worksheet
from .db import get_db
from .models import Assignment, Couple, Round
from .worksheets.compare import Trend, TrendPoint, WorksheetReview, build_review


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
    """Scores per partner over time, for each worksheet this couple answered more than once."""
    by_slug: dict[str, list[Assignment]] = defaultdict(list)
    for assignment in sorted(assignments, key=lambda a: (a.created_at, a.id)):
        if any(r.submitted_at for r in assignment.responses):
            by_slug[assignment.worksheet_version.slug].append(assignment)
    charts = []
    for slug, repeated in by_slug.items():
        if len(repeated) < 2:
            continue
        latest = stored_worksheet(repeated[-1].worksheet_version)
        if not latest.scores:
            continue
        per_time = [review_of(a) for a in repeated]
        trends = tuple(
            Trend(
                score.label,
                tuple(
                    TrendPoint(a.created_at, *_score(review, score.label))
                    for a, review in zip(repeated, per_time, strict=True)
                ),
            )
            for score in latest.scores
        )
        charts.append((slug, latest.title, trends))
    return charts


def _score(review: WorksheetReview, label: str) -> tuple[float | None, float | None]:
    line = next((s for s in review.scores if s.label == label), None)
    return (line.a, line.b) if line else (None, None)
