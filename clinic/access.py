"""Every lookup of a counselor's data, checked against the signed-in counselor. Anything that is
not theirs answers 404, not 403, so nobody learns that another counselor's record exists."""

from __future__ import annotations

from typing import TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy.orm.interfaces import ORMOption

from .db import get_db
from .models import (
    Assignment,
    CounselingSession,
    Counselor,
    Couple,
    Link,
    Message,
    RoundPartner,
    SessionNote,
)

T = TypeVar("T")


def get_couple_or_404(couple_id: int, *options: ORMOption) -> Couple:
    """options: what the page shows of the couple, loaded with it (joinedload, say)."""
    couple = get_db().get(Couple, couple_id, options=options)
    if couple is None or couple.counselor_id != current_user.id:
        abort(404)
    return couple


def _get(model: type[T], ident: int, options: tuple[ORMOption, ...], for_update: bool) -> T | None:
    """model's row ident; for_update locks it (on SQLite: takes the write lock) and reads it
    afresh, for a view whose write depends on what it finds."""
    if not for_update:
        return get_db().get(model, ident, options=options)
    return get_db().get(model, ident, options=options, with_for_update=True, populate_existing=True)


def get_assignment_or_404(
    assignment_id: int, *options: ORMOption, for_update: bool = False
) -> Assignment:
    assignment = _get(Assignment, assignment_id, options, for_update)
    if assignment is None or assignment.couple.counselor_id != current_user.id:
        abort(404)
    return assignment


def get_link_or_404(assignment: Assignment, link_id: int) -> Link:
    """One of this (already checked) assignment's links."""
    link = next((link for link in assignment.links if link.id == link_id), None)
    if link is None:
        abort(404)
    return link


def get_member_or_404(assignment: Assignment, member_id: int) -> RoundPartner:
    """A partner's place in this (already checked) assignment's round."""
    member = next((m for m in assignment.round.members if m.id == member_id), None)
    if member is None:
        abort(404)
    return member


def get_message_or_404(message_id: int) -> Message:
    """A message of this counselor's, or for an admin, any of the practice's."""
    message = get_db().get(Message, message_id)
    if message is None or (message.counselor_id != current_user.id and not current_user.is_admin):
        abort(404)
    return message


def get_session_or_404(
    session_id: int, *options: ORMOption, for_update: bool = False
) -> CounselingSession:
    found = _get(CounselingSession, session_id, options, for_update)
    if found is None or found.couple.counselor_id != current_user.id:
        abort(404)
    return found


def get_note_or_404(meeting: CounselingSession, note_id: int) -> SessionNote:
    """One of this (already checked) session's notes."""
    note = next((n for n in meeting.notes if n.id == note_id), None)
    if note is None:
        abort(404)
    return note


def get_counselor_or_404(counselor_id: int) -> Counselor:
    """Any counselor account, for an admin; to anyone else no account exists."""
    counselor = get_db().get(Counselor, counselor_id)
    if counselor is None or not current_user.is_admin:
        abort(404)
    return counselor
