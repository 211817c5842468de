"""The PDF session summary: the counselor's copy (everything) and the couple's copy."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from ..access import get_session_or_404
from ..audit import record
from ..db import get_db
from ..security import login_required
from .document import COPIES, build_document
from .pdf import SummaryTooLarge, render_summary, summary_filename

bp = Blueprint("summaries", __name__)


@bp.get("/sessions/<id:session_id>/summary-<copy>.pdf")
@login_required
def download(session_id: int, copy: str) -> ResponseReturnValue:
    meeting = get_session_or_404(session_id)
    if copy not in COPIES:
        abort(404)
    document = build_document(meeting, copy)
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
