"""Counseling sessions: date, next steps, what was discussed, the notes' layout; the session
page. The notes themselves, signing and addenda are notes.py."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.wrappers import Response
from wtforms import DateField, TextAreaField, ValidationError
from wtforms.validators import InputRequired, Length

from . import attention
from .access import get_couple_or_404, get_session_or_404
from .audit import record
from .dates import day, today
from .db import get_db
from .forms import CheckboxListField, Form
from .history import assignments_where, couple_assignments
from .links import only_this_computer, take_fresh_tokens
from .models import Assignment, CounselingSession, Couple, SessionNote
from .noteforms import AddendumForm, NoteForm, note_form, practice_structure, structure_field
from .rounds import (
    AssignmentForm,
    assign_many,
    caution_list,
    confirmed,
    email_offer,
    flash_assigned,
)
from .security import login_required
from .summaries.renders import forget_session

bp = Blueprint("sessions", __name__)


def within_ten_years(_form: Form, field: DateField) -> None:
    if field.data and abs((field.data - today()).days) > 3653:
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
    note_structure = structure_field()

    def __init__(self, couple: Couple, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.discussed.choices = [
            (a.id, f"{a.worksheet_version.title} (assigned {day(a.created_at, 'short')})")
            for a in couple_assignments(couple)
        ]


def _apply(form: SessionForm, meeting: CounselingSession) -> None:
    assert form.held_on.data is not None  # InputRequired
    meeting.held_on = form.held_on.data
    meeting.next_steps = (form.next_steps.data or "").strip()
    meeting.note_structure = form.note_structure.data or practice_structure()
    chosen = set(form.discussed.data or [])
    meeting.discussed = [a for a in couple_assignments(meeting.couple) if a.id in chosen]


@bp.get("/couples/<id:couple_id>/sessions/new")
@login_required
def new(couple_id: int) -> ResponseReturnValue:
    couple = get_couple_or_404(couple_id)
    form = SessionForm(couple, held_on=today(), note_structure=practice_structure())
    return render_template("sessions/new.html", couple=couple, form=form, note=first_note())


def first_note() -> NoteForm:
    """The new-session page's note, laid out as the practice's notes are."""
    return note_form(
        practice_structure(), text_name="note", label="A note (optional)", required=False
    )


@bp.post("/couples/<id:couple_id>/sessions")
@login_required
def create(couple_id: int) -> ResponseReturnValue:
    couple = get_couple_or_404(couple_id)
    form, note = SessionForm(couple), first_note()
    if not all([form.validate_on_submit(), note.validate()]):
        return render_template("sessions/new.html", couple=couple, form=form, note=note), 400
    meeting = CounselingSession(couple=couple, held_on=form.held_on.data)
    _apply(form, meeting)
    if note.typed():
        meeting.notes.append(
            SessionNote(
                text=note.typed(),
                shared=note.shared.data,
                structure=note.key,
                sections=note.sections() or None,
            )
        )
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


def show_page(
    meeting: CounselingSession,
    note: NoteForm | None = None,
    assign_form: AssignmentForm | None = None,
    status: int = 200,
    addendum: AddendumForm | None = None,
) -> ResponseReturnValue:
    return render_template(
        "sessions/show.html",
        meeting=meeting,
        couple=meeting.couple,
        # Forms not being posted start fresh, not from the other form's fields.
        note_form=note or note_form(meeting.note_structure, label="New note", formdata=None),
        addendum_form=addendum or AddendumForm(formdata=None),
        assign_form=(assign_form or AssignmentForm(formdata=None)).offer_email(meeting.couple),
        offer=email_offer(meeting.couple),
        only_here=only_this_computer(),
        assigned_here=assignments_where(Assignment.session_id == meeting.id),
        fresh=take_fresh_tokens(),
        today=today(),
        caution=caution_list(meeting.couple),
    ), status


@bp.get("/sessions/<id:session_id>")
@login_required
def show(session_id: int) -> ResponseReturnValue:
    return show_page(get_session_or_404(session_id, *WITH_NOTES))


def signed_already(meeting: CounselingSession) -> Response:
    """Back to a signed session, saying why nothing was changed."""
    flash(
        f"This session was signed on {day(meeting.signed_at, 'time')}, so it stays as it is. "
        "Add an addendum instead."
    )
    return redirect(url_for("sessions.show", session_id=meeting.id) + "#notes")


@bp.get("/sessions/<id:session_id>/edit")
@login_required
def edit(session_id: int) -> ResponseReturnValue:
    meeting = get_session_or_404(session_id)
    if meeting.signed:
        return signed_already(meeting)
    form = SessionForm(
        meeting.couple,
        held_on=meeting.held_on,
        next_steps=meeting.next_steps,
        discussed=[a.id for a in meeting.discussed],
        note_structure=meeting.note_structure,
    )
    return render_template("sessions/edit.html", meeting=meeting, couple=meeting.couple, form=form)


@bp.post("/sessions/<id:session_id>")
@login_required
def update(session_id: int) -> ResponseReturnValue:
    meeting = get_session_or_404(session_id, for_update=True)
    if meeting.signed:
        return signed_already(meeting)
    form = SessionForm(meeting.couple)
    if not form.validate_on_submit():
        return render_template(
            "sessions/edit.html", meeting=meeting, couple=meeting.couple, form=form
        ), 400
    _apply(form, meeting)
    attention.sessions_changed(meeting.couple)
    record("update_session", meeting)
    get_db().commit()
    forget_session(meeting.id)  # no PDF kept on disk still shows what it was before
    flash("Saved.")
    return redirect(url_for("sessions.show", session_id=meeting.id))


@bp.post("/sessions/<id:session_id>/assign")
@login_required
def assign_next(session_id: int) -> ResponseReturnValue:
    """Assign the next worksheets straight from the session, in one step."""
    meeting = get_session_or_404(session_id)
    form = AssignmentForm().offer_email(meeting.couple)
    if meeting.couple.archived_at is not None:
        form.form_errors.append("This couple is archived. Restore them to assign worksheets.")
        return show_page(meeting, assign_form=form, status=400)
    if not form.validate_on_submit() or not confirmed(meeting.couple, form):
        return show_page(meeting, assign_form=form, status=400)
    made, messages = assign_many(meeting.couple, form, session_id=meeting.id)
    get_db().commit()
    flash_assigned(made, messages)
    return redirect(url_for("sessions.show", session_id=meeting.id) + "#next")
