"""Audit events: who did what to which record, when and from where."""

from __future__ import annotations

from flask import has_request_context, request
from flask_login import current_user

from .db import Model, get_db
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
        counselor_id=counselor_id,
        link_id=link_id,
        address=request.remote_addr if in_request else None,
    )
    get_db().add(event)
    return event
