"""Finding a partner's own response in one indexed query: the response with its assignment and
worksheet version, and a working link of theirs that this browser started with.

The statements are built once, with bound parameters (response_id, now), so a request only runs
them: a partner's page and each autosave skip building the query every time. They read the
working links of the response's partner, newest first (one, or a few after a link was sent
again), and the browser's own is picked from those here: a list of ids in the SQL would have
the statement rewritten for each request."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Connection, Row, Select, bindparam, select
from sqlalchemy.orm import contains_eager

from ..db import get_db, utcnow
from ..models import Assignment, Link, Response, WorksheetVersion


def _own(*columns: Any) -> Select[Any]:
    """columns of the response and each link that opens it and still works, newest first."""
    return (
        select(*columns)
        .join(Response.assignment)
        .join(
            Link,
            (Link.round_id == Assignment.round_id) & (Link.partner_id == Response.partner_id),
        )
        .where(
            Response.id == bindparam("response_id"),
            Link.revoked_at.is_(None),
            Link.expires_at > bindparam("now"),
        )
        .order_by(Link.id.desc())
    )


OWN = _own(Response, Link).options(
    contains_eager(Response.assignment)
    .joinedload(Assignment.worksheet_version, innerjoin=True)
    .defer(WorksheetVersion.source)  # read only for a version no longer current
)
# Locking the response and its assignment (on SQLite: taking the write lock) until the commit,
# so two partners sending at once, or a send and a review, take turns.
OWN_FOR_UPDATE = OWN.with_for_update(of=[Response, Assignment])

# What an autosave needs, as plain values: no objects to load, track and flush. It is read first
# without a lock (autosave.py writes only if the row is unchanged), and with one when that write
# misses.
FOR_AUTOSAVE = _own(
    Response.answers,
    Response.section,
    Response.updated_at,
    Response.submitted_at,
    Assignment.reviewed_at,
    Assignment.closed_at,
    Assignment.worksheet_version_id.label("version_id"),
    WorksheetVersion.slug,
    WorksheetVersion.version,
    Link.id.label("link_id"),
    Link.last_used_at,
).join(Assignment.worksheet_version)
FOR_AUTOSAVE_LOCKED = FOR_AUTOSAVE.with_for_update(of=[Response, Assignment])


def _params(response_id: int) -> dict[str, Any]:
    return {"response_id": response_id, "now": utcnow()}


def _newest_started(
    rows: Iterable[Row[Any]], link_id: Callable[[Any], int], started: list[int]
) -> Any:
    """The first of rows (newest link first) whose link this browser started with, or None."""
    return next((row for row in rows if link_id(row) in started), None)


def own_response(
    response_id: int, started: list[int], *, for_update: bool = False
) -> tuple[Response, Link] | None:
    """The response and the newest of the started links (ids) that opens it and still works,
    or None. for_update locks the response and its assignment until the commit."""
    if not started:
        return None
    query = OWN_FOR_UPDATE if for_update else OWN
    rows = get_db().execute(query, _params(response_id)).all()
    found = _newest_started(rows, lambda row: row[1].id, started)
    return None if found is None else (found[0], found[1])


def own_for_autosave(
    connection: Connection, response_id: int, started: list[int], *, lock: bool
) -> Row[Any] | None:
    """FOR_AUTOSAVE's row for the response, or None; with lock, locked until the commit."""
    if not started:
        return None
    query = FOR_AUTOSAVE_LOCKED if lock else FOR_AUTOSAVE
    rows = connection.execute(query, _params(response_id)).all()
    return _newest_started(rows, lambda row: row.link_id, started)  # type: ignore[no-any-return]
