"""The PDF session summary: the counselor's copy (everything) and the couple's copy, whose
contents the counselor sees and chooses before it is made."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import TextAreaField
from wtforms.validators import Length

from ..access import get_session_or_404
from ..audit import record
from ..catalog import stored_worksheet
from ..db import get_db
from ..forms import Form
from ..models import CounselingSession
from ..safety import go_ahead, open_flags
from ..security import login_required
from .document import COPIES, LeaveOut, SummaryDocument, build_document, discussed
from .pdf import SummaryTooLarge, render_summary, summary_filename
from .renders import RendersBusy

bp = Blueprint("summaries", __name__)


class CoupleCopyForm(Form):
    reason = TextAreaField(
        "Why it is right to give the couple this copy now",
        description="Goes into the audit log, not into the copy.",
        validators=[Length(max=1000)],
    )


@bp.get("/sessions/<id:session_id>/summary-<copy>.pdf")
@login_required
def download(session_id: int, copy: str) -> ResponseReturnValue:
    meeting = get_session_or_404(session_id)
    if copy not in COPIES:
        abort(404)
    if copy == "couple":  # made only after the counselor has seen what it holds
        return redirect(url_for("summaries.couple_copy", session_id=meeting.id))
    return _pdf(meeting, build_document(meeting, copy))


@bp.get("/sessions/<id:session_id>/couple-copy")
@login_required
def couple_copy(session_id: int) -> ResponseReturnValue:
    """Exactly what the couple's copy will hold, each worksheet and question ticked to keep."""
    meeting = get_session_or_404(session_id)
    record("view_couple_copy", meeting)  # the page shows both partners' answers
    get_db().commit()
    return _choose(meeting, CoupleCopyForm(formdata=None), frozenset())


@bp.post("/sessions/<id:session_id>/couple-copy")
@login_required
def make_couple_copy(session_id: int) -> ResponseReturnValue:
    meeting = get_session_or_404(session_id)
    form = CoupleCopyForm()
    leave_out = _left_out(meeting, set(request.form.getlist("keep")))
    flagged = bool(open_flags(meeting.couple))
    reason = (form.reason.data or "").strip()
    if form.validate_on_submit() and flagged and not reason:
        form.reason.errors = [
            "A safety concern on this couple is open. Say why the copy is right to give now, or "
            "acknowledge the concern on the couple's page first."
        ]
    if form.errors:
        return _choose(meeting, form, leave_out, 400)
    document = build_document(meeting, "couple", leave_out)
    return _pdf(meeting, document, reason if flagged else None)


def _choose(
    meeting: CounselingSession, form: CoupleCopyForm, leave_out: LeaveOut, status: int = 200
) -> ResponseReturnValue:
    document = build_document(meeting, "couple")  # everything the copy may hold
    return render_template(
        "summaries/couple_copy.html",
        meeting=meeting,
        couple=meeting.couple,
        document=document,
        reviews=zip(discussed(meeting), document.reviews, strict=True),
        leave_out=leave_out,
        flagged=bool(open_flags(meeting.couple)),
        form=form,
    ), status


def _left_out(meeting: CounselingSession, kept: set[str]) -> LeaveOut:
    """Every worksheet ("a12") and question ("q12:close") the counselor unticked."""
    out: set[int | tuple[int, str]] = set()
    for assignment in discussed(meeting):
        if f"a{assignment.id}" not in kept:
            out.add(assignment.id)
        for question in stored_worksheet(assignment.worksheet_version).questions:
            if not question.private and f"q{assignment.id}:{question.id}" not in kept:
                out.add((assignment.id, question.id))
    return frozenset(out)


def _pdf(
    meeting: CounselingSession, document: SummaryDocument, despite_flag: str | None = None
) -> ResponseReturnValue:
    """Render with nothing written yet, so no transaction (on SQLite, no write lock) is open
    while the PDF is made; then log it (and why it went ahead despite an open flag) and commit."""
    try:
        data = render_summary(document, keep_as=f"session-{meeting.id}-{document.copy}")
    except SummaryTooLarge as error:
        flash(str(error))
        return redirect(url_for("sessions.show", session_id=meeting.id))
    if despite_flag is not None:
        go_ahead(meeting, "couple_copy_despite_flag", despite_flag)
    record(f"export_{document.copy}_summary", meeting, counselor_id=current_user.id)
    get_db().commit()
    response: Response = current_app.response_class(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{summary_filename(document)}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_errorhandler(RendersBusy)
def _busy(error: RendersBusy) -> ResponseReturnValue:
    """Every render slot stayed taken: a calm page, and when to try again."""
    again = request.full_path if request.method == "GET" else None
    return render_template("summaries/busy.html", again=again), 503, {
        "Retry-After": str(error.retry_after)
    }
