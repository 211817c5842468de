"""The outbox: the practice's recent messages and failures, and trying one again now. A
counselor sees their own messages; an admin sees the whole practice's."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import Select, case, select
from sqlalchemy.orm import joinedload

from .access import get_message_or_404
from .audit import record
from .db import get_db, utcnow
from .mail.sending import send_now
from .models import Message, Round
from .security import login_required

bp = Blueprint("outbox", __name__)
SHOWN = 100


def _visible() -> Select[Message]:
    query = select(Message)
    if not current_user.is_admin:
        query = query.where(Message.counselor_id == current_user.id)
    return query


@bp.get("/outbox")
@login_required
def index() -> ResponseReturnValue:
    """Failures and waiting messages first, then the most recent."""
    problems = request.args.get("show") == "problems"
    query = _visible().options(
        joinedload(Message.partner), joinedload(Message.round).selectinload(Round.assignments)
    )
    if problems:
        query = query.where(Message.status.in_(["failed", "queued", "sending"]))
    waiting_first = case((Message.status.in_(["failed", "queued"]), 0), else_=1)
    messages = get_db().scalars(query.order_by(waiting_first, Message.id.desc()).limit(SHOWN))
    return render_template(
        "outbox/index.html", messages=list(messages), problems=problems, now=utcnow()
    )


@bp.post("/outbox/<id:message_id>/retry")
@login_required
def retry(message_id: int) -> ResponseReturnValue:
    """Try a waiting or failed message again at once (after fixing the settings, say)."""
    message = get_message_or_404(message_id)
    if message.status in ("queued", "failed"):
        message.status, message.next_try_at = "queued", utcnow()
        record("retry_message", message)
        get_db().commit()
        if send_now([message]):
            flash(f"Not sent: {message.last_error or message.reason}")
        else:
            flash(f"Sent to {message.recipient}.")
    return redirect(url_for("outbox.index"))
