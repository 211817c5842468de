"""Counseling sessions: date, notes (shared or counselor-only), next steps, what was discussed."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import joinedload, selectinload
from wtforms import BooleanField, DateField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Length

from . import attention
from .access import get_couple_or_404, get_session_or_404
from .audit import record
from .dates import day
from .db import get_db, utcnow
from .forms import CheckboxListField, Form
from .history import assignments_where, couple_assignments
from .links import only_this_computer, take_fresh_tokens
from .models import Assignment, CounselingSession, Couple, SessionNote
from .rounds import (
    AssignmentForm,
    assign_many,
    caution_list,
    confirmed,
    email_offer,
    flash_assigned,
)
from .security import login_required

bp = Blueprint("sessions", __name__)
NOTE_MAX = 4000


def within_ten_years(_form: Form, field: DateField) -> None:
    if field.data and abs((field.data - utcnow().date()).days) > 3653:
        raise ValidationError("Please give a date within ten years of today.")


class SessionForm(Form):
    held_on = DateField(
        "Date of the session",
        validators=[InputRequired("Please give a date."), within_ten_years],
    )
    discussed = CheckboxListField("Worksheets you talked about", coerce=int)
    next_steps = TextAreaField(
        "Agreed next steps",
        description="Goes into both copies of the summary.",
        validators=[Length(max=2000)],
    )
    note = TextAreaField("A note (optional)", validators=[Length(max=NOTE_MAX)])
    shared = BooleanField("The couple may see this note")

    def __init__(self, couple: Couple, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.discussed.choices = [
            (a.id, f"{a.worksheet_version.title} (assigned {day(a.created_at, 'short')})")
            for a in couple_assignments(couple)
        ]


class NoteForm(Form):
    text = TextAreaField(
        "New note", validators=[DataRequired("Please write the note first."), Length(max=NOTE_MAX)]
    )
    shared = BooleanField("The couple may see this note")


def _apply(form: SessionForm, meeting: CounselingSession) -> None:
    assert form.held_on.data is not None  # InputRequired
    meeting.held_on = form.held_on.data
    meeting.next_steps = (form.next_steps.data or "").strip()
    chosen = set(form.discussed.data or [])
    meeting.discussed = [a for a in couple_assignments(meeting.couple) if a.id in chosen]


@bp.get("/couples/<id:couple_id>/sessions/new")
@login_required
def new(couple_id: int) -> ResponseReturnValue:
    couple = get_couple_or_404(couple_id)
    form = SessionForm(couple, held_on=utcnow().date())
    return render_template("sessions/new.html", couple=couple, form=form)


@bp.post("/couples/<id:couple_id>/sessions")
@login_required
def create(couple_id: int) -> ResponseReturnValue:
    couple = get_couple_or_404(couple_id)
    form = SessionForm(couple)
    if not form.validate_on_submit():
        return render_template("sessions/new.html", couple=couple, form=form), 400
    meeting = CounselingSession(couple=couple, held_on=form.held_on.data)
    _apply(form, meeting)
    note = (form.note.data or "").strip()
    if note:
        meeting.notes.append(SessionNote(text=note, shared=form.shared.data))
    get_db().add(meeting)
    attention.sessions_changed(couple)
    record("create_session", meeting)
    get_db().commit()
    flash("Session saved.")
    return redirect(url_for("sessions.show", session_id=meeting.id))


# What the session's page shows of it, loaded with it in two queries.
WITH_NOTES = (
    joinedload(CounselingSession.couple).joinedload(Couple.partners),
    joinedload(CounselingSession.couple).joinedload(Couple.flags),
    joinedload(CounselingSession.notes),
    # Its own query: joined through session_assignment, SQLite would read all of that table.
    selectinload(CounselingSession.discussed).joinedload(Assignment.worksheet_version),
)


def _show(
    meeting: CounselingSession,
    note_form: NoteForm | None = None,
    assign_form: AssignmentForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    return render_template(
        "sessions/show.html",
        meeting=meeting,
        couple=meeting.couple,
        # Forms not being posted start fresh, not from the other form's fields.
        note_form=note_form or NoteForm(formdata=None),
        assign_form=(assign_form or AssignmentForm(formdata=None)).offer_email(meeting.couple),
        offer=email_offer(meeting.couple),
        only_here=only_this_computer(),
        assigned_here=assignments_where(Assignment.session_id == meeting.id),
        fresh=take_fresh_tokens(),
        today=utcnow().date(),
        caution=caution_list(meeting.couple),
    ), status


@bp.get("/sessions/<id:session_id>")
@login_required
def show(session_id: int) -> ResponseReturnValue:
    return _show(get_session_or_404(session_id, *WITH_NOTES))


@bp.get("/sessions/<id:session_id>/edit")
@login_required
def edit(session_id: int) -> ResponseReturnValue:
    meeting = get_session_or_404(session_id)
    form = SessionForm(
        meeting.couple,
        held_on=meeting.held_on,
        next_steps=meeting.next_steps,
        discussed=[a.id for a in meeting.discussed],
    )
    return render_template("sessions/edit.html", meeting=meeting, couple=meeting.couple, form=form)


@bp.post("/sessions/<id:session_id>")
@login_required
def update(session_id: int) -> ResponseReturnValue:
    meeting = get_session_or_404(session_id)
    form = SessionForm(meeting.couple)
    if not form.validate_on_submit():
        return render_template(
            "sessions/edit.html", meeting=meeting, couple=meeting.couple, form=form
        ), 400
    _apply(form, meeting)
    attention.sessions_changed(meeting.couple)
    record("update_session", meeting)
    get_db().commit()
    flash("Saved.")
    return redirect(url_for("sessions.show", session_id=meeting.id))


@bp.post("/sessions/<id:session_id>/notes")
@login_required
def add_note(session_id: int) -> ResponseReturnValue:
    meeting = get_session_or_404(session_id)
    form = NoteForm()
    if not form.validate_on_submit():
        return _show(meeting, note_form=form, status=400)
    assert form.text.data is not None  # DataRequired
    meeting.notes.append(SessionNote(text=form.text.data.strip(), shared=form.shared.data))
    record("add_note", meeting)
    get_db().commit()
    flash("Note added.")
    return redirect(url_for("sessions.show", session_id=meeting.id) + "#notes")


@bp.post("/sessions/<id:session_id>/notes/<id:note_id>/delete")
@login_required
def delete_note(session_id: int, note_id: int) -> ResponseReturnValue:
    meeting = get_session_or_404(session_id)
    note = next((n for n in meeting.notes if n.id == note_id), None)
    if note is None:
        abort(404)
    meeting.notes.remove(note)
    record("delete_note", meeting)
    get_db().commit()
    flash("Note deleted.")
    return redirect(url_for("sessions.show", session_id=meeting.id) + "#notes")


@bp.post("/sessions/<id:session_id>/assign")
@login_required
def assign_next(session_id: int) -> ResponseReturnValue:
    """Assign the next worksheets straight from the session, in one step."""
    meeting = get_session_or_404(session_id)
    form = AssignmentForm().offer_email(meeting.couple)
    if meeting.couple.archived_at is not None:
        form.form_errors.append("This couple is archived. Restore them to assign worksheets.")
        return _show(meeting, assign_form=form, status=400)
    if not form.validate_on_submit() or not confirmed(meeting.couple, form):
        return _show(meeting, assign_form=form, status=400)
    made, messages = assign_many(meeting.couple, form, session_id=meeting.id)
    get_db().commit()
    flash_assigned(made, messages)
    return redirect(url_for("sessions.show", session_id=meeting.id) + "#next")
