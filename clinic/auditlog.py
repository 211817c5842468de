"""The audit log, for admins: every event, newest first, filtered by counselor, couple,
action and dates, a page at a time. Events show ids and actions, never what clients wrote."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, current_app, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import Select, func, select
from wtforms import DateField, IntegerField, SelectField, ValidationError
from wtforms.validators import NumberRange, Optional

from .counselors import admin_required
from .dates import viewer_zone
from .db import get_db
from .forms import Form
from .models import AuditEvent, Counselor

bp = Blueprint("auditlog", __name__, url_prefix="/audit")
PER_PAGE = 50

# What each action reads as; an action missing here shows as it is stored.
ACTIONS = {
    "sign_in": "Signed in",
    "sign_in_failed": "Wrong password",
    "second_factor_failed": "Wrong sign-in code",
    "use_recovery_code": "Used a recovery code",
    "confirm_identity": "Confirmed it was them",
    "confirm_identity_failed": "Failed to confirm it was them",
    "sign_out": "Signed out",
    "sign_out_everywhere": "Signed out everywhere",
    "enable_second_factor": "Turned on two-step sign-in",
    "disable_second_factor": "Turned off two-step sign-in",
    "new_recovery_codes": "Made new recovery codes",
    "change_time_zone": "Changed their time zone",
    "change_password": "Changed their password",
    "set_password": "Given a new password on the server",
    "reset_second_factor": "Reset a colleague's two-step sign-in",
    "create_first_counselor": "Set up the practice",
    "create_counselor": "Added a counselor",
    "deactivate_counselor": "Deactivated a counselor",
    "activate_counselor": "Reactivated a counselor",
    "create_couple": "Added a couple",
    "update_couple": "Changed a couple",
    "archive_couple": "Archived a couple",
    "restore_couple": "Restored a couple",
    "export_couple": "Exported a couple's data",
    "delete_couple": "Deleted a couple",
    "assign": "Assigned a worksheet",
    "change_due_date": "Changed a due date",
    "close_assignment": "Closed a worksheet",
    "issue_link": "Made a new link",
    "send_link": "Marked a link sent",
    "revoke_link": "Revoked a link",
    "open_link": "Partner opened their link",
    "submit_response": "Partner sent answers",
    "view_answers": "Looked at answers",
    "review_assignment": "Marked answers reviewed",
    "create_session": "Recorded a session",
    "update_session": "Changed a session",
    "add_note": "Added a note",
    "delete_note": "Deleted a note",
    "update_note": "Changed a note",
    "sign_session": "Signed a session",
    "add_addendum": "Added an addendum",
    "export_counselor_summary": "Made the counselor's PDF",
    "export_couple_summary": "Made the couple's PDF",
}


class AuditFilterForm(Form):
    """The filters, read from the page's address: a GET form, so no CSRF token."""

    class Meta:
        csrf = False

    counselor = SelectField("Counselor", default="")
    couple = IntegerField(
        "Couple number",
        description="As in the address of their page: /couples/12",
        validators=[
            Optional(),
            NumberRange(min=1, max=2**31 - 1, message="Please give a number like 12."),
        ],
    )
    action = SelectField("What happened", default="")
    since = DateField("From", validators=[Optional()])
    until = DateField("To", validators=[Optional()])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        db = get_db()
        counselors = db.execute(select(Counselor.id, Counselor.name).order_by(Counselor.name))
        # Value-to-label dicts: the form of choices WTForms keeps (tuples are deprecated).
        self.counselor.choices = {"": "Anyone", **{str(i): name for i, name in counselors}}
        stored = set(db.scalars(select(AuditEvent.action).distinct()))
        labels = sorted((ACTIONS.get(a, a), a) for a in stored | set(ACTIONS))
        self.action.choices = {"": "Anything", **{action: label for label, action in labels}}

    def validate_until(self, field: DateField) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError("Please choose a day on or after the From day.")


def _filtered(form: AuditFilterForm) -> Select[AuditEvent]:
    query = select(AuditEvent)
    if form.counselor.data:
        query = query.where(AuditEvent.counselor_id == int(form.counselor.data))
    if form.couple.data:
        query = query.where(AuditEvent.couple_id == form.couple.data)
    if form.action.data:
        query = query.where(AuditEvent.action == form.action.data)
    if form.since.data:
        query = query.where(AuditEvent.at >= _midnight(form.since.data))
    if form.until.data:
        query = query.where(AuditEvent.at < _midnight(form.until.data + timedelta(days=1)))
    return query


def _midnight(day: date) -> datetime:
    """The start of that day where the admin reads the log: the days they pick are theirs."""
    return datetime.combine(day, time(), tzinfo=viewer_zone())


@bp.get("/")
@admin_required
def index() -> ResponseReturnValue:
    form = AuditFilterForm(formdata=request.args)
    retention_days = current_app.config["AUDIT_RETENTION_DAYS"]
    if not form.validate():
        return render_template(
            "auditlog/index.html", form=form, pages=0, retention_days=retention_days
        ), 400
    db = get_db()
    query = _filtered(form)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    events = db.scalars(
        query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    names = {i: name for i, name in db.execute(select(Counselor.id, Counselor.name))}
    filters = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "auditlog/index.html",
        form=form,
        events=events,
        names=names,
        actions=ACTIONS,
        total=total,
        page=page,
        pages=pages,
        filters=filters,
        retention_days=retention_days,
    )
