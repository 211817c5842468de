"""Both partners' answers to one assignment, side by side, with the gaps called out."""

from __future__ import annotations

from collections import defaultdict

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from .assignments import get_assignment_or_404
from .audit import record
from .db import get_db, utcnow
from .library import stored_worksheet
from .models import Assignment
from .review import Trend, TrendPoint, WorksheetReview, build_review

bp = Blueprint("reviews", __name__)


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


@bp.get("/assignments/<id:assignment_id>/review")
@login_required
def show(assignment_id: int) -> ResponseReturnValue:
    assignment = get_assignment_or_404(assignment_id)
    return render_template(
        "reviews/show.html",
        assignment=assignment,
        couple=assignment.couple,
        review=review_of(assignment),
    )


@bp.post("/assignments/<id:assignment_id>/review")
@login_required
def mark_reviewed(assignment_id: int) -> ResponseReturnValue:
    """Mark it reviewed: from now on the partners can read their answers but not change them."""
    assignment = get_assignment_or_404(assignment_id)
    if assignment.reviewed_at is None:
        assignment.reviewed_at = utcnow()
        record("review_assignment", assignment)
        get_db().commit()
    flash("Marked as reviewed. Answers already sent are now locked.")
    return redirect(url_for("reviews.show", assignment_id=assignment.id))


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
