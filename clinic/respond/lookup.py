"""Finding a partner's own response in one indexed query: the response with its assignment and
worksheet version, and a working link of theirs that this browser started with."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from ..db import get_db, utcnow
from ..models import Assignment, Link, Response, WorksheetVersion


def own_response(
    response_id: int, started: list[int], *, for_update: bool = False
) -> tuple[Response, Link] | None:
    """The response and the newest of the started links (ids) that opens it and still works,
    or None. for_update locks the response and its assignment (on SQLite: takes the write lock)
    until the commit, so two partners sending at once, or a send and a review, take turns."""
    if not started:
        return None
    query = (
        select(Response, Link)
        .join(Response.assignment)
        .join(
            Link,
            (Link.round_id == Assignment.round_id) & (Link.partner_id == Response.partner_id),
        )
        .where(
            Response.id == response_id,
            Link.id.in_(started),
            Link.revoked_at.is_(None),
            Link.expires_at > utcnow(),
        )
        .options(
            contains_eager(Response.assignment)
            .joinedload(Assignment.worksheet_version, innerjoin=True)
            .defer(WorksheetVersion.source)  # read only for a version no longer current
        )
        .order_by(Link.id.desc())
        .limit(1)
    )
    found = (
        get_db()
        .execute(query.with_for_update(of=[Response, Assignment]) if for_update else query)
        .first()
    )
    return None if found is None else (found[0], found[1])
