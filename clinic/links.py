"""Partner links: make, find, revoke and re-issue them. Tokens are shown once and never stored."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import current_app, session
from sqlalchemy import select

from .audit import record
from .db import get_db, utcnow
from .models import Assignment, Link, Partner
from .tokens import hash_token, new_token, plausible

FRESH_KEY = "fresh_links"  # link id -> token, kept in the counselor's session until shown once


def expiry_for(due_on: date) -> datetime:
    """A link works until the end of the due day plus the configured grace period."""
    days = current_app.config["LINK_EXPIRY_DAYS"]
    return datetime.combine(due_on + timedelta(days=days + 1), time(), tzinfo=UTC)


def issue_link(assignment: Assignment, partner: Partner) -> tuple[Link, str]:
    """A new link for this partner (the caller commits); returns it with its token."""
    token, token_hash = new_token()
    link = Link(
        assignment=assignment,
        partner=partner,
        token_hash=token_hash,
        expires_at=expiry_for(assignment.due_on),
    )
    get_db().add(link)
    get_db().flush()
    remember_fresh(link, token)
    return link, token


def remember_fresh(link: Link, token: str) -> None:
    fresh = dict(session.get(FRESH_KEY, {}))
    fresh[str(link.id)] = token
    session[FRESH_KEY] = fresh


def take_fresh_tokens() -> dict[int, str]:
    """Tokens made in this counselor's last request, handed out once for copying."""
    return {int(key): token for key, token in session.pop(FRESH_KEY, {}).items()}


def find_link(token: str) -> Link | None:
    """The usable link for a token, or None for unknown, revoked and expired alike."""
    if not plausible(token):
        return None
    link = get_db().scalar(select(Link).where(Link.token_hash == hash_token(token)))
    if link is None or not link.usable(utcnow()):
        return None
    return link


def revoke(link: Link) -> None:
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        record("revoke_link", link)


def reissue(link: Link) -> tuple[Link, str]:
    """Revoke every working link of this partner and make them a new one."""
    for other in link.assignment.links:
        if other.partner_id == link.partner_id:
            revoke(other)
    new_link, token = issue_link(link.assignment, link.partner)
    record("issue_link", new_link)
    return new_link, token
