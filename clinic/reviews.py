"""Both partners' answers to one assignment, side by side, with the gaps called out."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import joinedload

from . import attention
from .access import get_assignment_or_404
from .audit import record
from .db import get_db, utcnow
from .history import review_of
from .models import Assignment, Couple
from .security import login_required

bp = Blueprint("reviews", __name__)

# What the review shows, loaded with the assignment in one query.
WITH_ANSWERS = (
    joinedload(Assignment.couple).joinedload(Couple.partners),
    joinedload(Assignment.couple).joinedload(Couple.flags),
    joinedload(Assignment.responses),
    joinedload(Assignment.worksheet_version),
)


@bp.get("/assignments/<id:assignment_id>/review")
@login_required
def show(assignment_id: int) -> ResponseReturnValue:
    assignment = get_assignment_or_404(assignment_id, *WITH_ANSWERS)
    page = render_template(
        "reviews/show.html",
        assignment=assignment,
        couple=assignment.couple,
        review=review_of(assignment),
    )
    # The look is recorded once the page is made, so the write is short and the rows read
    # above are not read again after the commit.
    record("view_answers", assignment)
    get_db().commit()
    return page


@bp.post("/assignments/<id:assignment_id>/review")
@login_required
def mark_reviewed(assignment_id: int) -> ResponseReturnValue:
    """Mark it reviewed: from now on the partners can read their answers but not change them."""
    assignment = get_assignment_or_404(assignment_id, for_update=True)
    if assignment.reviewed_at is None:
        assignment.reviewed_at = utcnow()
        attention.settle(assignment)
        record("review_assignment", assignment)
        get_db().commit()
    flash("Marked as reviewed. Answers already sent are now locked.")
    return redirect(url_for("reviews.show", assignment_id=assignment.id))
