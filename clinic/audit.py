"""Audit events: who did what to which record, when and from where. Events hold ids and
actions, never client text, so they can outlive a deleted couple."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app, has_request_context, request
from flask_login import current_user
from sqlalchemy import delete

from .db import Model, get_db, utcnow
from .models import AuditEvent


def record(
    action: str,
    target: Model,
    *,
    counselor_id: int | None = None,
    link_id: int | None = None,
) -> AuditEvent:
    """Add an audit event to the session; the caller's commit stores it with the change."""
    in_request = has_request_context()
    if counselor_id is None and link_id is None and in_request and current_user.is_authenticated:
        counselor_id = current_user.id
    if getattr(target, "id", 0) is None:
        get_db().flush()  # a new row gets its id here, so the event can name it
    event = AuditEvent(
        action=action,
        target_type=target.__tablename__,
        target_id=getattr(target, "id", None),
        couple_id=couple_of(target),
        counselor_id=counselor_id,
        link_id=link_id,
        address=request.remote_addr if in_request else None,
    )
    get_db().add(event)
    return event


def couple_of(target: Any) -> int | None:
    """The couple a record belongs to: itself, its couple_id, or its assignment's, session's or
    round's couple (links, responses, notes, a partner's place in a round, messages)."""
    if target.__tablename__ == "couple":
        return target.id  # type: ignore[no-any-return]
    couple_id = getattr(target, "couple_id", None)
    if couple_id is None:
        parent = (
            getattr(target, "assignment", None)
            or getattr(target, "session", None)
            or getattr(target, "round", None)
        )
        couple_id = getattr(parent, "couple_id", None)
    return couple_id


def purge_old_events() -> int:
    """Delete events older than AUDIT_RETENTION_DAYS (0 keeps them all); the caller commits."""
    days = current_app.config["AUDIT_RETENTION_DAYS"]
    if not days:
        return 0
    oldest = utcnow() - timedelta(days=days)
    done = get_db().execute(delete(AuditEvent).where(AuditEvent.at < oldest))
    return int(getattr(done, "rowcount", 0) or 0)
