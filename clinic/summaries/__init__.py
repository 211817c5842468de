"""The PDF session summary: the counselor's copy (everything) and the couple's copy."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from sqlalchemy import select

from .audit import record
from .couples import couple_assignments
from .db import get_db
from .models import CounselingSession
from .pdf import SummaryTooLarge, render_summary, summary_filename
from .reviews import couple_trends, review_of
from .sessions import get_session_or_404
from .summary_doc import COPIES, Copy, OverviewLine, SummaryDocument

bp = Blueprint("summaries", __name__)


def build_document(meeting: CounselingSession, copy: Copy) -> SummaryDocument:
    """Everything the PDF shows; the couple's copy leaves out private questions and notes."""
    couple = meeting.couple
    first, second = couple.partners
    for_couple = copy == "couple"
    assignments = couple_assignments(couple)
    previous = get_db().scalar(
        select(CounselingSession.held_on)
        .where(
            CounselingSession.couple_id == couple.id,
            CounselingSession.held_on < meeting.held_on,
        )
        .order_by(CounselingSession.held_on.desc())
        .limit(1)
    )
    since = [
        a
        for a in reversed(assignments)
        if (previous is None or a.created_at.date() > previous)
        and a.created_at.date() <= meeting.held_on
    ]
    overview = tuple(
        OverviewLine(
            title=a.worksheet_version.title,
            assigned_on=a.created_at.date(),
            due=a.due_on,
            status_a=a.partner_status(first),
            status_b=a.partner_status(second),
        )
        for a in since
    )
    trends = {slug: found for slug, _title, found in couple_trends(assignments)}
    reviews = tuple(
        review_of(
            a, include_private=not for_couple, trends=trends.get(a.worksheet_version.slug, ())
        )
        for a in sorted(meeting.discussed, key=lambda a: (a.created_at, a.id))
    )
    shared = tuple(n.text for n in meeting.notes if n.shared)
    kept = () if for_couple else tuple(n.text for n in meeting.notes if not n.shared)
    return SummaryDocument(
        practice=current_app.config["PRACTICE_NAME"],
        counselor=couple.counselor.name,
        couple_label=couple.label,
        session_date=meeting.held_on,
        copy=copy,
        names=(first.display_name, second.display_name),
        overview=overview,
        reviews=reviews,
        notes=shared,
        counselor_notes=kept,
        next_steps=meeting.next_steps,
        seek_help=current_app.config["SEEK_HELP_TEXT"],
        document_id=f"S{meeting.id}",
    )


@bp.get("/sessions/<id:session_id>/summary-<copy>.pdf")
@login_required
def pdf(session_id: int, copy: str) -> ResponseReturnValue:
    meeting = get_session_or_404(session_id)
    if copy not in COPIES:
        abort(404)
    document = build_document(meeting, copy)  # type: ignore[arg-type]
    try:
        data = render_summary(document)
    except SummaryTooLarge as error:
        flash(str(error))
        return redirect(url_for("sessions.show", session_id=meeting.id))
    record(f"export_{copy}_summary", meeting, counselor_id=current_user.id)
    get_db().commit()
    response = current_app.response_class(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{summary_filename(document)}"'
    response.headers["Cache-Control"] = "no-store"
    return response
