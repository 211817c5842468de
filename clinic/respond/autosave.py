"""A partner's page saving as they type, with the least work a save needs: one indexed lookup
and one update, and the link's "last used" written only when its minute has changed. No objects
are loaded, tracked or flushed.

The lookup takes no lock: the answers are merged while others write, and the update then
stores them only if the working copy is as it was read (its "saved at" moves forward with every
save) and the worksheet still takes answers. On SQLite that keeps the one write lock, which every
writer of the practice waits for, for the update and the commit alone. On PostgreSQL the lookup
and the update are each a transaction of their own (autocommit, with no BEGIN or COMMIT to
send): two round trips to the server where BEGIN, a locked read, the update and COMMIT took
four; the link's "last used", when written, is a third, after the answers are stored. There the
update locks what it checks, so a close, a review or a send under way is waited for and then
seen. When the update finds the copy changed, or the worksheet closed or reviewed, the save is
made again from a locked lookup in one transaction, as a button's save is, which then saves,
refuses or finds no response.

It makes the same checks and the same merge as a button's save, for the questions the page says
were touched; a button's post, which also moves between parts or sends, goes through the full
save in the views."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, bindparam, or_, select, update
from werkzeug.datastructures import MultiDict

from ..catalog import stored_worksheet_at
from ..db import get_engine
from ..models import Assignment, Link, Response, answers_locked
from .drafts import merge_draft, part_posted, questions_posted, stamp
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
# The same save, only if nobody has saved or sent since the copy was read and it is not locked
# now (models.answers_locked, in SQL). A close, a review or a send is either done, and seen here,
# or not begun: on SQLite the update runs under the one write lock; on PostgreSQL its subquery
# locks the response, then the assignment, as a send does (never the other way round, which
# could deadlock with one), waits for whoever holds them, and checks them as they were left.
_UNCHANGED = (
    select(Response.id)
    .join(Response.assignment)
    .where(
        Response.id == bindparam("response_id"),
        Response.updated_at.is_not_distinct_from(bindparam("seen_updated_at")),
        Response.submitted_at.is_not_distinct_from(bindparam("seen_submitted_at")),
        Assignment.closed_at.is_(None),
        or_(Assignment.reviewed_at.is_(None), Response.submitted_at.is_(None)),
    )
    .with_for_update(of=[Response, Assignment])
    .correlate(None)  # its own response table, not the update's
)
SAVE_IF_UNCHANGED = SAVE.where(Response.id == _UNCHANGED.scalar_subquery())
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
    browser has no working link to the response. It runs on a connection of its own, without
    the ORM's session: it has no objects for one to keep."""
    with get_engine().connect() as connection:
        return _save(connection, response_id, started, form)


def _save(
    connection: Connection, response_id: int, started: list[int], form: MultiDict[str, str]
) -> Autosaved | None:
    server = connection.dialect.name != "sqlite"
    for locked in (False, True):
        if server:  # the read and the conditional update in autocommit; the locked round not
            connection.rollback()  # (nothing to end: it only leaves SQLAlchemy's transaction)
            level = connection.default_isolation_level if locked else "AUTOCOMMIT"
            connection.execution_options(isolation_level=level)
        row = own_for_autosave(connection, response_id, started, lock=locked)
        if row is None:
            return None  # leaving the connection ends its transaction, if any
        if answers_locked(row.submitted_at, row.reviewed_at, row.closed_at):
            closed = row.closed_at is not None
            return Autosaved(False, message=closed_or_reviewed_message(closed=closed))
        worksheet = stored_worksheet_at(row.slug, row.version, row.version_id)
        index = part_posted(worksheet, form.get("section"))
        changed = form.getlist("changed") if "changed" in form else None
        questions = questions_posted(worksheet, index, changed)
        answers, errors = merge_draft(row.answers, worksheet, form, questions)
        # The part the partner is on, so their link resumes there; a part with problems keeps it.
        section = row.section if index is None or errors else index
        now = stamp(row.updated_at)
        values = dict(response_id=response_id, new_answers=answers, new_section=section, now=now)
        if locked:
            connection.execute(SAVE, values)
        else:
            values.update(seen_updated_at=row.updated_at, seen_submitted_at=row.submitted_at)
            if connection.execute(SAVE_IF_UNCHANGED, values).rowcount != 1:
                continue  # changed in between: merge into what is there now, locked
        if use_to_note(row.last_used_at, now):
            connection.execute(NOTE_USE, {"link_id": row.link_id, "now": now})
        connection.commit()
        return Autosaved(True, at=now, errors=errors)
    raise AssertionError("unreachable: the locked round always saves or returns")
