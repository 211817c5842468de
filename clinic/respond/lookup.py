"""Finding a partner's own response in one indexed query: the response with its assignment and
worksheet version, and a working link of theirs that this browser started with.

The statements are built once, with bound parameters (response_id, started, now), so a request
only runs them: a partner's page and each autosave skip building the query every time."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, Select, bindparam, select
from sqlalchemy.orm import contains_eager

from ..db import get_db, utcnow
from ..models import Assignment, Link, Response, WorksheetVersion


def _own(*columns: Any) -> Select[Any]:
    """columns of the response and the newest of the started links that opens it and still
    works."""
    return (
        select(*columns)
        .join(Response.assignment)
        .join(
            Link,
            (Link.round_id == Assignment.round_id) & (Link.partner_id == Response.partner_id),
        )
        .where(
            Response.id == bindparam("response_id"),
            Link.id.in_(bindparam("started", expanding=True)),
            Link.revoked_at.is_(None),
            Link.expires_at > bindparam("now"),
        )
        .order_by(Link.id.desc())
        .limit(1)
    )


OWN = _own(Response, Link).options(
    contains_eager(Response.assignment)
    .joinedload(Assignment.worksheet_version, innerjoin=True)
    .defer(WorksheetVersion.source)  # read only for a version no longer current
)
# Locking the response and its assignment (on SQLite: taking the write lock) until the commit,
# so two partners sending at once, or a send and a review, take turns.
OWN_FOR_UPDATE = OWN.with_for_update(of=[Response, Assignment])

# What an autosave needs, as plain values: no objects to load, track and flush. It runs on the
# session's connection, so the ORM has nothing to do for it.
FOR_AUTOSAVE = (
    _own(
        Response.answers,
        Response.section,
        Response.submitted_at,
        Assignment.reviewed_at,
        Assignment.closed_at,
        Assignment.worksheet_version_id.label("version_id"),
        WorksheetVersion.slug,
        WorksheetVersion.version,
        Link.id.label("link_id"),
        Link.last_used_at,
    )
    .join(Assignment.worksheet_version)
    .with_for_update(of=[Response, Assignment])
)


def _params(response_id: int, started: list[int]) -> dict[str, Any]:
    return {"response_id": response_id, "started": started, "now": utcnow()}


def own_response(
    response_id: int, started: list[int], *, for_update: bool = False
) -> tuple[Response, Link] | None:
    """The response and the newest of the started links (ids) that opens it and still works,
    or None. for_update locks the response and its assignment until the commit."""
    if not started:
        return None
    query = OWN_FOR_UPDATE if for_update else OWN
    found = get_db().execute(query, _params(response_id, started)).first()
    return None if found is None else (found[0], found[1])


def own_for_autosave(response_id: int, started: list[int]) -> Row[Any] | None:
    """FOR_AUTOSAVE's row for the response, locked until the commit, or None."""
    if not started:
        return None
    return get_db().connection().execute(FOR_AUTOSAVE, _params(response_id, started)).first()
