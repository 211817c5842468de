"""Assigning worksheets to a couple, and managing each partner's private links, reminders and
messages. What assigning does is in rounds.py."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from wtforms import BooleanField, DateField
from wtforms.validators import InputRequired

from . import attention, links
from .access import get_assignment_or_404, get_couple_or_404, get_link_or_404, get_member_or_404
from .audit import record
from .dates import day, today
from .db import get_db, utcnow
from .forms import Form
from .mail.queue import invite, messages_about, why_not
from .models import Couple
from .rounds import (
    AssignmentForm,
    assign_many,
    caution_list,
    confirmed,
    email_offer,
    flash_assigned,
    reasonable_due_date,
    report_sending,
)
from .security import login_required

bp = Blueprint("assignments", __name__)


class DueForm(Form):
    due_on = DateField(
        "New due date",
        validators=[InputRequired(message="Please give a due date."), reasonable_due_date],
    )


@bp.get("/couples/<id:couple_id>/assignments/new")
@login_required
def new(couple_id: int) -> ResponseReturnValue:
    couple = get_couple_or_404(couple_id)
    return _new(couple, AssignmentForm())


def _new(couple: Couple, form: AssignmentForm, status: int = 200) -> ResponseReturnValue:
    return render_template(
        "assignments/new.html",
        couple=couple,
        form=form.offer_email(couple),
        caution=caution_list(couple),
        offer=email_offer(couple),
        only_here=links.only_this_computer(),
    ), status


@bp.post("/couples/<id:couple_id>/assignments")
@login_required
def create(couple_id: int) -> ResponseReturnValue:
    couple = get_couple_or_404(couple_id)
    form = AssignmentForm().offer_email(couple)
    if couple.archived_at is not None:
        form.form_errors.append("This couple is archived. Restore them to assign worksheets.")
        return _new(couple, form, 400)
    if not form.validate_on_submit() or not confirmed(couple, form):
        return _new(couple, form, 400)
    made, messages = assign_many(couple, form)
    get_db().commit()
    flash_assigned(made, messages)
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
        today=today(),
        messages=messages_about(assignment),
    )


@bp.post("/assignments/<id:assignment_id>/links/<id:link_id>/revoke")
@login_required
def revoke_link(assignment_id: int, link_id: int) -> ResponseReturnValue:
    link = get_link_or_404(get_assignment_or_404(assignment_id), link_id)
    links.revoke_all(link.round, link.partner)
    get_db().commit()
    flash(f"{link.partner.display_name}'s links no longer work. You can issue a new one.")
    return redirect(url_for("assignments.show", assignment_id=assignment_id))


@bp.post("/assignments/<id:assignment_id>/links/<id:link_id>/reissue")
@login_required
def reissue_link(assignment_id: int, link_id: int) -> ResponseReturnValue:
    assignment = get_assignment_or_404(assignment_id)
    link = get_link_or_404(assignment, link_id)
    if assignment.closed_at is not None:
        flash("This assignment is closed, so it gets no new links.")
        return redirect(url_for("assignments.show", assignment_id=assignment_id))
    clear_code = request.form.get("clear_code") == "1"
    name = link.partner.display_name
    if request.form.get("email") == "1" and why_not(link.partner) is None:
        links.revoke_all(link.round, link.partner)
        if clear_code:
            links.clear_code(link.member)
        message = invite(link.round, link.partner)
        get_db().commit()
        report_sending([message])
    else:
        links.reissue(link, forget_code=clear_code)
        get_db().commit()
        flash(f"A new link for {name} is below. The old ones stop working.")
    if clear_code:
        flash(f"{name}'s code is cleared: the next Start chooses a new one.")
    return redirect(url_for("assignments.show", assignment_id=assignment_id))


class RemindersForm(Form):
    on = BooleanField("Reminders")


@bp.post("/assignments/<id:assignment_id>/reminders")
@login_required
def reminders(assignment_id: int) -> ResponseReturnValue:
    """Switch reminders about this worksheet on or off, for both partners."""
    assignment = get_assignment_or_404(assignment_id)
    assignment.reminders = RemindersForm().on.data
    record("reminders_on" if assignment.reminders else "reminders_off", assignment)
    get_db().commit()
    flash("Reminders about this worksheet are " + ("on." if assignment.reminders else "off."))
    return redirect(url_for("assignments.show", assignment_id=assignment_id))


@bp.post("/assignments/<id:assignment_id>/members/<id:member_id>/reminders")
@login_required
def partner_reminders(assignment_id: int, member_id: int) -> ResponseReturnValue:
    """Switch reminders on or off for one partner, for the worksheets assigned with this one."""
    member = get_member_or_404(get_assignment_or_404(assignment_id), member_id)
    member.reminders = RemindersForm().on.data
    record("reminders_on" if member.reminders else "reminders_off", member)
    get_db().commit()
    state = "on" if member.reminders else "off"
    flash(f"Reminders for {member.partner.display_name} are {state}.")
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
            today=today(),
            messages=messages_about(assignment),
        ), 400
    assert form.due_on.data is not None  # InputRequired
    assignment.due_on = form.due_on.data
    for link in assignment.links:
        if link.revoked_at is None:
            link.expires_at = links.round_expiry(assignment.round)
    record("change_due_date", assignment)
    get_db().commit()
    flash(f"Now due {day(assignment.due_on)}.")
    return redirect(url_for("assignments.show", assignment_id=assignment_id))


@bp.post("/assignments/<id:assignment_id>/close")
@login_required
def close(assignment_id: int) -> ResponseReturnValue:
    assignment = get_assignment_or_404(assignment_id, for_update=True)
    if assignment.closed_at is None:
        assignment.closed_at = utcnow()
        attention.settle(assignment)
        record("close_assignment", assignment)
        get_db().commit()
    flash("Closed. The partners can no longer change their answers.")
    return redirect(url_for("assignments.show", assignment_id=assignment_id))
