"""Assigning worksheets to a couple, and managing each partner's private link."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from wtforms import DateField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Length

from . import links
from .access import get_assignment_or_404, get_couple_or_404, get_link_or_404
from .audit import record
from .catalog import snapshot, worksheets
from .dates import day
from .db import get_db, utcnow
from .forms import CheckboxListField, Form
from .models import Assignment, Couple, Response
from .safety import go_ahead, needing_caution
from .security import login_required
from .worksheets.model import Worksheet

bp = Blueprint("assignments", __name__)

def reasonable_due_date(_form: Form, field: DateField) -> None:
    """From today to two years out: a due date, not a typo."""
    today = utcnow().date()
    if field.data and field.data < today:
        raise ValidationError("Please choose today or a later date.")
    if field.data and field.data > today + timedelta(days=731):
        raise ValidationError("Please choose a date within the next two years.")


class AssignmentForm(Form):
    worksheets = CheckboxListField(
        "Worksheets", validators=[DataRequired(message="Please choose at least one worksheet.")]
    )
    due_on = DateField(
        "Due date",
        validators=[InputRequired(message="Please give a due date."), reasonable_due_date],
    )
    note = TextAreaField(
        "A note to the couple (optional)",
        description="Both partners see it above the first question.",
        validators=[Length(max=1000)],
    )
    caution_reason = TextAreaField(
        "Why this joint work is right now",
        description="Needed only for the worksheets named above. Goes into the audit log.",
        validators=[Length(max=1000)],
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.worksheets.choices = [
            (ws.slug, f"{ws.title} ({ws.estimated_minutes} min)") for ws in worksheets().values()
        ]
        if self.due_on.data is None and not self.due_on.raw_data:  # a fresh form, not a post
            self.due_on.data = utcnow().date() + timedelta(days=7)


class DueForm(Form):
    due_on = DateField(
        "New due date",
        validators=[InputRequired(message="Please give a due date."), reasonable_due_date],
    )


def assign(couple: Couple, slug: str, due_on: date, note: str | None) -> Assignment:
    """Give a couple a worksheet: one link and one empty response per partner."""
    version = snapshot(worksheets()[slug])
    assignment = Assignment(couple=couple, worksheet_version=version, due_on=due_on, note=note)
    get_db().add(assignment)
    for partner in couple.partners:
        assignment.responses.append(Response(partner=partner, answers={}))
        links.issue_link(assignment, partner)
    record("assign", assignment)
    return assignment


def caution_list(couple: Couple) -> list[Worksheet]:
    """The worksheets that would need the counselor's confirmation for this couple now."""
    return needing_caution(couple, list(worksheets().values()))


def confirmed(couple: Couple, form: AssignmentForm) -> bool:
    """False, with the message on the form, when a chosen worksheet needs a reason and has none."""
    assert form.worksheets.data is not None
    chosen = [worksheets()[slug] for slug in form.worksheets.data]
    if needing_caution(couple, chosen) and not (form.caution_reason.data or "").strip():
        form.caution_reason.errors = [
            "Please say why this joint work is right while the safety concern is open."
        ]
        return False
    return True


def assign_many(
    couple: Couple, form: AssignmentForm, *, session_id: int | None = None
) -> list[Assignment]:
    """Each worksheet chosen in the form, once and in the order given, from the couple page or
    a session (session_id); the caller commits."""
    assert form.worksheets.data is not None and form.due_on.data is not None  # the caller validated
    note = (form.note.data or "").strip() or None
    made = []
    for slug in dict.fromkeys(form.worksheets.data):
        assignment = assign(couple, slug, form.due_on.data, note)
        assignment.session_id = session_id
        if needing_caution(couple, [worksheets()[slug]]):
            go_ahead(assignment, "assign_despite_flag", (form.caution_reason.data or "").strip())
        made.append(assignment)
    return made


@bp.get("/couples/<id:couple_id>/assignments/new")
@login_required
def new(couple_id: int) -> ResponseReturnValue:
    couple = get_couple_or_404(couple_id)
    return _new(couple, AssignmentForm())


def _new(couple: Couple, form: AssignmentForm, status: int = 200) -> ResponseReturnValue:
    return render_template(
        "assignments/new.html", couple=couple, form=form, caution=caution_list(couple)
    ), status


@bp.post("/couples/<id:couple_id>/assignments")
@login_required
def create(couple_id: int) -> ResponseReturnValue:
    couple = get_couple_or_404(couple_id)
    form = AssignmentForm()
    if couple.archived_at is not None:
        form.form_errors.append("This couple is archived. Restore them to assign worksheets.")
        return _new(couple, form, 400)
    if not form.validate_on_submit() or not confirmed(couple, form):
        return _new(couple, form, 400)
    made = assign_many(couple, form)
    get_db().commit()
    flash("Assigned. Copy each partner's link below and send it to them.")
    if len(made) == 1:
        return redirect(url_for("assignments.show", assignment_id=made[0].id))
    return redirect(url_for("couples.show", couple_id=couple.id) + "#assignments")


@bp.get("/assignments/<id:assignment_id>")
@login_required
def show(assignment_id: int) -> ResponseReturnValue:
    assignment = get_assignment_or_404(assignment_id)
    return render_template(
        "assignments/show.html",
        assignment=assignment,
        couple=assignment.couple,
        fresh=links.take_fresh_tokens(),
        due_form=DueForm(due_on=assignment.due_on),
        today=utcnow().date(),
    )


@bp.post("/assignments/<id:assignment_id>/links/<id:link_id>/revoke")
@login_required
def revoke_link(assignment_id: int, link_id: int) -> ResponseReturnValue:
    link = get_link_or_404(get_assignment_or_404(assignment_id), link_id)
    links.revoke(link)
    get_db().commit()
    flash(f"{link.partner.display_name}'s link no longer works. You can issue a new one.")
    return redirect(url_for("assignments.show", assignment_id=assignment_id))


@bp.post("/assignments/<id:assignment_id>/links/<id:link_id>/reissue")
@login_required
def reissue_link(assignment_id: int, link_id: int) -> ResponseReturnValue:
    assignment = get_assignment_or_404(assignment_id)
    link = get_link_or_404(assignment, link_id)
    if assignment.closed_at is not None:
        flash("This assignment is closed, so it gets no new links.")
    else:
        links.reissue(link)
        get_db().commit()
        flash(f"A new link for {link.partner.display_name} is below. The old one stops working.")
    return redirect(url_for("assignments.show", assignment_id=assignment_id))


@bp.post("/assignments/<id:assignment_id>/links/<id:link_id>/sent")
@login_required
def mark_sent(assignment_id: int, link_id: int) -> ResponseReturnValue:
    """Called by the copy and email buttons (and their no-script fallback)."""
    link = get_link_or_404(get_assignment_or_404(assignment_id), link_id)
    if link.sent_at is None:
        link.sent_at = utcnow()
        record("send_link", link)
        get_db().commit()
    if request.form.get("background") == "1":
        return "", 204  # the script's call: the page stays as it is, links and all
    return redirect(url_for("assignments.show", assignment_id=assignment_id))


@bp.post("/assignments/<id:assignment_id>/due")
@login_required
def extend(assignment_id: int) -> ResponseReturnValue:
    assignment = get_assignment_or_404(assignment_id)
    form = DueForm()
    if not form.validate_on_submit():
        return render_template(
            "assignments/show.html",
            assignment=assignment,
            couple=assignment.couple,
            fresh={},
            due_form=form,
            today=utcnow().date(),
        ), 400
    assert form.due_on.data is not None  # InputRequired
    assignment.due_on = form.due_on.data
    for link in assignment.links:
        if link.revoked_at is None:
            link.expires_at = links.expiry_for(assignment.due_on)
    record("change_due_date", assignment)
    get_db().commit()
    flash(f"Now due {day(assignment.due_on)}.")
    return redirect(url_for("assignments.show", assignment_id=assignment_id))


@bp.post("/assignments/<id:assignment_id>/close")
@login_required
def close(assignment_id: int) -> ResponseReturnValue:
    assignment = get_assignment_or_404(assignment_id)
    if assignment.closed_at is None:
        assignment.closed_at = utcnow()
        record("close_assignment", assignment)
        get_db().commit()
    flash("Closed. The partners can no longer change their answers.")
    return redirect(url_for("assignments.show", assignment_id=assignment_id))
