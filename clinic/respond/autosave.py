"""A partner's page saving as they type, with the least work a save needs: one indexed lookup
that locks the response and its assignment, one update, one commit, and the link's "last used"
written only when its minute has changed. No objects are loaded, tracked or flushed.

It makes the same checks and the same merge as a button's save, for the questions the page says
were touched; a button's post, which also moves between parts or sends, goes through the full
save in the views."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, update
from werkzeug.datastructures import MultiDict

from ..catalog import stored_worksheet_at
from ..db import get_db, utcnow
from ..models import Link, Response, answers_locked
from .drafts import merge_draft, part_posted, questions_posted
from .lookup import own_for_autosave
from .operations import closed_or_reviewed_message, use_to_note

SAVE = (
    update(Response)
    .where(Response.id == bindparam("response_id"))
    .values(
        answers=bindparam("new_answers"),
        section=bindparam("new_section"),
        updated_at=bindparam("now"),
    )
    .execution_options(synchronize_session=False)  # no objects loaded to bring up to date
)
NOTE_USE = (
    update(Link)
    .where(Link.id == bindparam("link_id"))
    .values(last_used_at=bindparam("now"))
    .execution_options(synchronize_session=False)
)


@dataclass(frozen=True)
class Autosaved:
    """What the page's script is told: saved at a time, with any problems; or why not."""

    saved: bool
    at: datetime | None = None
    errors: dict[str, str] = field(default_factory=dict)
    message: str | None = None


def autosave(response_id: int, started: list[int], form: MultiDict[str, str]) -> Autosaved | None:
    """Save the touched questions of a part into the working copy and commit; None when this
    browser has no working link to the response."""
    db = get_db()
    row = own_for_autosave(response_id, started)
    if row is None:
        db.rollback()
        return None
    if answers_locked(row.submitted_at, row.reviewed_at, row.closed_at):
        db.rollback()
        closed = row.closed_at is not None
        return Autosaved(False, message=closed_or_reviewed_message(closed=closed))
    worksheet = stored_worksheet_at(row.slug, row.version, row.version_id)
    index = part_posted(worksheet, form.get("section"))
    changed = form.getlist("changed") if "changed" in form else None
    questions = questions_posted(worksheet, index, changed)
    answers, errors = merge_draft(row.answers, worksheet, form, questions)
    # The part the partner is on, so their link resumes there; a part with problems keeps it.
    section = row.section if index is None or errors else index
    now = utcnow()
    db.connection().execute(
        SAVE,
        {"response_id": response_id, "new_answers": answers, "new_section": section, "now": now},
    )
    if use_to_note(row.last_used_at, now):
        db.connection().execute(NOTE_USE, {"link_id": row.link_id, "now": now})
    db.commit()
    return Autosaved(True, at=now, errors=errors)
