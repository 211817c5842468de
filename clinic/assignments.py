"""Assigning worksheets to a couple, and managing each partner's private link."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from wtforms import BooleanField, DateField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Length

from . import links
from .access import get_assignment_or_404, get_couple_or_404, get_link_or_404, get_member_or_404
from .audit import record
from .catalog import worksheets
from .dates import day
from .db import get_db, utcnow
from .forms import CheckboxListField, Form
from .mail.queue import invite, send_now, why_not
from .models import Assignment, Couple, Message
from .rounds import email_offer, start_round
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
    email_to = CheckboxListField("Email the links")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.worksheets.choices = [
            (ws.slug, f"{ws.title} ({ws.estimated_minutes} min)") for ws in worksheets().values()
        ]
        self.email_to.choices = []
        if self.due_on.data is None and not self.due_on.raw_data:  # a fresh form, not a post
            self.due_on.data = utcnow().date() + timedelta(days=7)

    def offer_email(self, couple: Couple) -> AssignmentForm:
        """Offer to email each partner the app may email; on by default for a fresh form."""
        can = [str(partner.id) for partner, reason in email_offer(couple) if reason is None]
        self.email_to.choices = [(value, value) for value in can]
        if not self.is_submitted():
            self.email_to.data = can
        return self


class DueForm(Form):
    due_on = DateField(
        "New due date",
        validators=[InputRequired(message="Please give a due date."), reasonable_due_date],
    )


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
) -> tuple[list[Assignment], list[Message]]:
    """Each worksheet chosen in the form, once and in the order given, as one round with one
    link per partner, from the couple page or a session (session_id); returns the assignments
    and the invitations queued. The caller commits."""
    assert form.worksheets.data is not None and form.due_on.data is not None  # the caller validated
    note = (form.note.data or "").strip() or None
    email_to = {int(value) for value in form.email_to.data or []}
    made, messages = start_round(
        couple,
        form.worksheets.data,
        form.due_on.data,
        note,
        email_to=email_to,
        session_id=session_id,
    )
    for assignment in made:
        if needing_caution(couple, [assignment_worksheet(assignment)]):
            go_ahead(assignment, "assign_despite_flag", (form.caution_reason.data or "").strip())
    return made, messages


def assignment_worksheet(assignment: Assignment) -> Worksheet:
    return worksheets()[assignment.worksheet_version.slug]


def report_sending(messages: list[Message]) -> None:
    """Send the invitations now and tell the counselor how it went; failures wait in the
    outbox for send-due, with the server's answer shown."""
    names = {m.id: m.partner.display_name for m in messages if m.partner is not None}
    waiting = send_now(messages)
    sent = [names[m.id] for m in messages if m not in waiting]
    if sent:
        flash(f"Emailed the link to {' and '.join(sent)}.")
    for message in waiting:
        name = names[message.id]
        if message.status == "skipped":
            flash(f"{name}'s email was not sent: {message.reason}")
        else:
            error = message.last_error or "unknown error"
            flash(
                f"{name}'s email could not be sent yet ({error}). It waits in the outbox and "
                "is tried again."
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


def flash_assigned(made: list[Assignment], messages: list[Message]) -> None:
    if len(messages) < len(made[0].couple.partners):
        flash("Assigned. Copy the link below for each partner who gets no email, and send it.")
    else:
        flash("Assigned.")
    report_sending(messages)


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
        messages=messages_of(assignment),
    )


def messages_of(assignment: Assignment) -> list[Message]:
    """The round's messages to the partners and this assignment's to the counselor, newest first."""
    from sqlalchemy import or_, select

    return list(
        get_db().scalars(
            select(Message)
            .where(
                or_(
                    Message.round_id == assignment.round_id,
                    Message.assignment_id == assignment.id,
                )
            )
            .order_by(Message.id.desc())
        )
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
            today=utcnow().date(),
            messages=messages_of(assignment),
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
    assignment = get_assignment_or_404(assignment_id)
    if assignment.closed_at is None:
        assignment.closed_at = utcnow()
        record("close_assignment", assignment)
        get_db().commit()
    flash("Closed. The partners can no longer change their answers.")
    return redirect(url_for("assignments.show", assignment_id=assignment_id))
