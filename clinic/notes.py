"""A session's notes: write, change and delete them until the counselor signs the session;
signing locks them, and anything after is an addendum with its author and time."""

from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from .access import get_note_or_404, get_session_or_404
from .audit import record
from .db import get_db, utcnow
from .models import CounselingSession, SessionAddendum, SessionNote
from .noteforms import AddendumForm, NoteForm, check_setting, note_form
from .security import login_required
from .sessions import show_page, signed_already
from .summaries.renders import forget_session

bp = Blueprint("notes", __name__)


def init_app(app: Flask) -> None:
    check_setting(app.config["NOTE_STRUCTURE"])


def _back(meeting: CounselingSession, message: str) -> ResponseReturnValue:
    flash(message)
    return redirect(url_for("sessions.show", session_id=meeting.id) + "#notes")


def _late(meeting: CounselingSession, form: NoteForm) -> ResponseReturnValue:
    """Note text posted after the session was signed (from a page opened before): nothing is
    lost, it waits in the addendum form to be checked and added."""
    addendum = AddendumForm(formdata=None, addendum=form.typed(), shared=form.shared.data)
    addendum.form_errors.append(
        "This session was signed while you were writing, so the notes are locked. What you "
        "wrote is in the addendum below: check it and add it."
    )
    return show_page(meeting, addendum=addendum, status=409)


def _store(note: SessionNote, form: NoteForm) -> None:
    note.text = form.typed()
    note.shared = form.shared.data
    note.structure = form.key
    note.sections = form.sections() or None


@bp.post("/sessions/<id:session_id>/notes")
@login_required
def create(session_id: int) -> ResponseReturnValue:
    meeting = get_session_or_404(session_id, for_update=True)
    form = note_form(meeting.note_structure, label="New note")
    if meeting.signed:
        return _late(meeting, form)
    if not form.validate_on_submit():
        return show_page(meeting, note=form, status=400)
    note = SessionNote()
    _store(note, form)
    meeting.notes.append(note)
    record("add_note", meeting)
    get_db().commit()
    return _back(meeting, "Note added.")


@bp.get("/sessions/<id:session_id>/notes/<id:note_id>/edit")
@login_required
def edit(session_id: int, note_id: int) -> ResponseReturnValue:
    meeting = get_session_or_404(session_id)
    note = get_note_or_404(meeting, note_id)
    if meeting.signed:
        return signed_already(meeting)
    values = {f"part_{name}": text for name, text in (note.sections or {}).items()}
    form = note_form(note.structure, data={"text": note.text, "shared": note.shared, **values})
    return render_template("notes/edit.html", meeting=meeting, note=note, form=form)


@bp.post("/sessions/<id:session_id>/notes/<id:note_id>")
@login_required
def update(session_id: int, note_id: int) -> ResponseReturnValue:
    meeting = get_session_or_404(session_id, for_update=True)
    note = get_note_or_404(meeting, note_id)
    form = note_form(note.structure)
    if meeting.signed:
        return _late(meeting, form)
    if not form.validate_on_submit():
        return render_template("notes/edit.html", meeting=meeting, note=note, form=form), 400
    _store(note, form)
    note.updated_at = utcnow()
    record("update_note", meeting)
    get_db().commit()
    forget_session(meeting.id)  # no PDF kept on disk still holds the note's old words
    return _back(meeting, "Note saved.")


@bp.post("/sessions/<id:session_id>/notes/<id:note_id>/delete")
@login_required
def delete(session_id: int, note_id: int) -> ResponseReturnValue:
    meeting = get_session_or_404(session_id, for_update=True)
    note = get_note_or_404(meeting, note_id)
    if meeting.signed:
        return signed_already(meeting)
    meeting.notes.remove(note)
    record("delete_note", meeting)
    get_db().commit()
    forget_session(meeting.id)  # no PDF kept on disk still holds the deleted note
    return _back(meeting, "Note deleted.")


@bp.get("/sessions/<id:session_id>/sign")
@login_required
def confirm_sign(session_id: int) -> ResponseReturnValue:
    """What signing means, before the counselor does it."""
    meeting = get_session_or_404(session_id)
    if meeting.signed:
        return signed_already(meeting)
    return render_template("notes/sign.html", meeting=meeting, couple=meeting.couple)


@bp.post("/sessions/<id:session_id>/sign")
@login_required
def sign(session_id: int) -> ResponseReturnValue:
    meeting = get_session_or_404(session_id, for_update=True)
    if meeting.signed:
        return signed_already(meeting)
    meeting.signed_at = utcnow()
    meeting.signed_by_id = current_user.id
    record("sign_session", meeting)
    get_db().commit()
    return _back(
        meeting, "Session signed. Its notes are locked; add an addendum for anything later."
    )


@bp.post("/sessions/<id:session_id>/addenda")
@login_required
def add_addendum(session_id: int) -> ResponseReturnValue:
    meeting = get_session_or_404(session_id, for_update=True)
    form = AddendumForm()
    if not meeting.signed:  # the page offers addenda only once signed
        return _back(meeting, "Sign the session first; until then, change the notes instead.")
    if not form.validate_on_submit():
        return show_page(meeting, addendum=form, status=400)
    assert form.addendum.data is not None  # DataRequired
    meeting.addenda.append(
        SessionAddendum(
            text=form.addendum.data.strip(), shared=form.shared.data, author_id=current_user.id
        )
    )
    record("add_addendum", meeting)
    get_db().commit()
    return _back(meeting, "Addendum added.")
