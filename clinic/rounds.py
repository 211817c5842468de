"""Giving a couple worksheets together: the form and its checks, a round of assignments, one
link per partner for all of them, and the invitations the app emails. No views: the pages are
assignments.py and sessions.py; the caller commits."""

from __future__ import annotations

from datetime import date, timedelta

from flask import flash
from wtforms import DateField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Length

from . import attention, links
from .audit import record
from .catalog import snapshot, worksheets
from .dates import today as practice_today
from .db import get_db
from .forms import CheckboxListField, Form
from .mail.queue import invite, why_not
from .mail.sending import send_now
from .models import Assignment, Couple, Message, Partner, Response, Round
from .safety import go_ahead, needing_caution
from .worksheets.model import Worksheet


def reasonable_due_date(_form: Form, field: DateField) -> None:
    """From today to two years out: a due date, not a typo."""
    today = practice_today()
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
            self.due_on.data = practice_today() + timedelta(days=7)

    def offer_email(self, couple: Couple) -> AssignmentForm:
        """Offer to email each partner the app may email; on by default for a fresh form."""
        # Every partner is a valid choice: one who cannot be emailed by the time the form is
        # sent (they just said email is unsafe) gets a link to copy, not an error.
        self.email_to.choices = [(str(p.id), p.display_name) for p in couple.partners]
        if not self.is_submitted():
            self.email_to.data = [str(p.id) for p, reason in email_offer(couple) if reason is None]
        return self


def assign(
    couple: Couple, slug: str, due_on: date, note: str | None, *, work: Round | None = None
) -> Assignment:
    """Give a couple a worksheet with one empty response per partner. Without a round, it is a
    round of its own and each partner gets a link to it."""
    version = snapshot(worksheets()[slug])
    alone = work is None
    if work is None:
        work = Round(couple=couple)
        get_db().add(work)
    assignment = Assignment(
        couple=couple, round=work, worksheet_version=version, due_on=due_on, note=note
    )
    get_db().add(assignment)
    for partner in couple.partners:
        assignment.responses.append(Response(partner=partner, answers={}))
    attention.assigned(assignment)
    if alone:
        for partner in couple.partners:
            links.issue_link(work, partner)
    record("assign", assignment)
    return assignment


def email_offer(couple: Couple) -> list[tuple[Partner, str | None]]:
    """Each partner, with why the app cannot email them now (None: it can)."""
    return [(partner, why_not(partner)) for partner in couple.partners]


def start_round(
    couple: Couple,
    slugs: list[str],
    due_on: date,
    note: str | None,
    *,
    email_to: set[int],
    session_id: int | None = None,
) -> tuple[list[Assignment], list[Message]]:
    """Assign these worksheets together. Partners in email_to (ids) who may be emailed get an
    invitation with their link and reminders; the others get a link shown once to copy."""
    work = Round(couple=couple)
    get_db().add(work)
    made = []
    for slug in dict.fromkeys(slugs):
        assignment = assign(couple, slug, due_on, note, work=work)
        assignment.session_id = session_id
        made.append(assignment)
    messages = []
    for partner, reason in email_offer(couple):
        emailed = partner.id in email_to and reason is None
        work.member(partner).reminders = emailed
        if emailed:
            messages.append(invite(work, partner))
        else:
            links.issue_link(work, partner)
    get_db().flush()
    return made, messages


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


def flash_assigned(made: list[Assignment], messages: list[Message]) -> None:
    if len(messages) < len(made[0].couple.partners):
        flash("Assigned. Copy the link below for each partner who gets no email, and send it.")
    else:
        flash("Assigned.")
    report_sending(messages)
