"""Partner links: make, find, revoke and re-issue them, and the public address they are built
from. Tokens are shown once (or sent once) and never stored."""

from __future__ import annotations

import ipaddress
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app, has_request_context, request, session
from sqlalchemy import select

from . import throttle
from .audit import record
from .dates import practice_time
from .db import get_db, utcnow
from .models import Assignment, Link, Partner, Round, RoundPartner
from .tokens import hash_token, new_token, plausible

FRESH_KEY = "fresh_links"  # link id -> token, kept in the counselor's session until shown once


def expiry_for(due_on: date) -> datetime:
    """A link works until the end of the due day (the practice's) plus the grace period."""
    days = current_app.config["LINK_EXPIRY_DAYS"]
    return practice_time(due_on + timedelta(days=days + 1), 0)


def round_expiry(work: Round) -> datetime:
    """A round's link lives as long as its latest open worksheet needs it."""
    open_ones = [a for a in work.assignments if a.closed_at is None] or work.assignments
    return expiry_for(max(a.due_on for a in open_ones))


def issue_link(
    work: Round | Assignment, partner: Partner, *, keep: bool = True
) -> tuple[Link, str]:
    """A new link for this partner to their worksheets of the round (the caller commits);
    returns it with its token. keep: hand the token to the counselor's page once."""
    if isinstance(work, Assignment):
        work = work.round
    token, token_hash = new_token()
    work.member(partner)
    link = Link(round=work, partner=partner, token_hash=token_hash, expires_at=round_expiry(work))
    get_db().add(link)
    get_db().flush()
    if keep:
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


def revoke_all(work: Round, partner: Partner) -> None:
    for other in work.links:
        if other.partner_id == partner.id:
            revoke(other)


def reissue(link: Link, *, forget_code: bool = False) -> tuple[Link, str]:
    """Revoke every working link of this partner in the round and make them a new one.

    Their code stays (it guards every link of the round) unless the counselor clears it,
    for a partner who forgot it; then the next Start chooses a new one.
    """
    revoke_all(link.round, link.partner)
    member = link.member
    throttle.clear(code_key(member))  # the counselor acted: earlier wrong codes no longer count
    if forget_code:
        clear_code(member)
    new_link, token = issue_link(link.round, link.partner)
    record("issue_link", new_link)
    return new_link, token


def clear_code(member: RoundPartner) -> None:
    """Forget a partner's code (they forgot it); the next Start on a new link chooses one.
    Only the counselor does this, after revoking the partner's links, and it is audited."""
    throttle.clear(code_key(member))
    if member.pin_hash is not None:
        member.pin_hash = None
        member.other_browser_at = None
        record("clear_partner_code", member)


def code_key(member: RoundPartner) -> str:
    """The throttle key counting wrong codes for one partner's round."""
    return f"code:round:{member.round_id}:partner:{member.partner_id}"


def public_base() -> str:
    """Where partners reach this app: PUBLIC_URL, else the address of this request."""
    base = str(current_app.config.get("PUBLIC_URL") or "")
    if not base and has_request_context():
        base = request.host_url
    return base.rstrip("/")


def external_url(endpoint: str, **values: Any) -> str:
    """A full address for a page, built from PUBLIC_URL, in a request or a command alike."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return public_base() + path


def link_url(token: str) -> str:
    return external_url("respond.welcome", token=token)


def only_this_computer() -> bool:
    """True when links would be built from a loopback address: they open on no other device."""
    if current_app.config.get("PUBLIC_URL") or not has_request_context():
        return False
    host = request.host.rsplit(":", 1)[0].strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
