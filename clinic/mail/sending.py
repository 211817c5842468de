"""Sending the outbox: claim due messages, send each outside any transaction, record what
happened. Safe on several machines at once: a sender claims due rows in a short transaction
(SELECT ... FOR UPDATE SKIP LOCKED: on PostgreSQL row locks; on SQLite the read takes the write
lock first, so claims follow one another), marks them "sending" with a lease, commits, and
only then talks to the mail server. Each message is therefore sent by one sender; one whose
sender died mid-way is tried again when the lease ends.

A partner's message carries a fresh link made when it goes out: tokens are never stored, so the
row keeps only which link it was."""

from __future__ import annotations

import smtplib
from collections import Counter
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, or_, select

from ..dates import today
from ..db import get_db, utcnow
from ..links import external_url, issue_link, link_url
from ..models import Counselor, Link, Message
from ..safety import contact_refused
from .compose import compose
from .queue import (
    PARTNER_KINDS,
    address_of,
    digest_assignments,
    digest_until,
    schedule_digests,
    schedule_reminders,
    still_to_send,
)
from .senders import NotConfigured, Outgoing, Refused, sender_for

LEASE = timedelta(minutes=10)


def claim(ids: list[int] | None = None, limit: int = 50) -> list[Message]:
    """Take the due messages (or these ones) for this sender, and commit the claim."""
    db = get_db()
    now = utcnow()
    query = (
        select(Message)
        .where(
            or_(
                and_(Message.status == "queued", Message.next_try_at <= now),
                and_(Message.status == "sending", Message.claimed_until < now),
            )
        )
        .order_by(Message.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if ids is not None:
        query = query.where(Message.id.in_(ids))
    claimed = list(db.scalars(query))
    for message in claimed:
        message.status = "sending"
        message.claimed_until = now + LEASE
        message.attempts += 1
    db.commit()
    return claimed


def deliver(message: Message) -> str:
    """Send one claimed message and record what happened; returns its new status."""
    db = get_db()
    reason = _skip_reason(message)
    if reason:
        message.status, message.reason, message.claimed_until = "skipped", reason, None
        db.commit()
        return message.status
    link: Link | None = None
    try:
        if message.kind in PARTNER_KINDS:
            if not current_app.config.get("PUBLIC_URL"):
                raise NotConfigured("PUBLIC_URL is not set, so a link would not open elsewhere.")
            assert message.round is not None and message.partner is not None
            link, token = issue_link(message.round, message.partner, keep=False)
            message.link_id = link.id
            outgoing = _compose(message, link_url(token))
        else:
            outgoing = _compose(message, "")
        # The link works before the partner can click it, and no transaction (on SQLite, the
        # write lock) stays open while the mail server takes its time.
        db.commit()
        answer = sender_for(message.channel).send(outgoing)
    except Refused as exc:
        _failed(message, link, str(exc), final=True)
    except (NotConfigured, OSError, smtplib.SMTPException) as exc:
        _failed(message, link, _describe(exc), final=False)
    else:
        now = utcnow()
        message.status, message.sent_at, message.claimed_until = "sent", now, None
        message.last_error = None
        message.reason = answer
        if link is not None:
            link.sent_at = now
    db.commit()
    return message.status


def _skip_reason(message: Message) -> str | None:
    if message.kind not in PARTNER_KINDS:
        return None if message.recipient else "The counselor has no email address."
    assert message.round is not None and message.partner is not None
    member = message.round.member(message.partner)
    if not still_to_send(member, reminding=message.kind == "reminder"):
        return f"{message.partner.display_name} has sent everything, or it was closed."
    if message.kind == "reminder" and not member.reminders:
        return "Reminders are off for this partner."
    if not address_of(message.partner, message.channel):
        return f"{message.partner.display_name} has no email address."
    return contact_refused(message.partner, message.channel)


def _compose(message: Message, url: str) -> Outgoing:
    if message.kind in PARTNER_KINDS:
        assert message.round is not None and message.partner is not None
        member = message.round.member(message.partner)
        waiting = still_to_send(member, reminding=message.kind == "reminder")
        due = min(a.due_on for a in waiting)
        link = get_db().get(Link, message.link_id)
        return compose(
            message.kind,
            message.recipient,
            partner_name=message.partner.display_name,
            counselor_name=message.round.couple.counselor.name,
            url=url,
            count=len(waiting),
            due=due,
            overdue=due < today(),
            until=link.expires_at if link else None,
        )
    counselor = get_db().get(Counselor, message.counselor_id)
    assert counselor is not None
    if message.kind == "both_sent":
        assert message.assignment is not None
        review = external_url("reviews.show", assignment_id=message.assignment.id)
        return compose(
            "both_sent", message.recipient, counselor_name=counselor.name, review_url=review
        )
    if message.kind == "digest":
        until = digest_until(message.created_at)
        urls = [
            external_url("reviews.show", assignment_id=a.id)
            for a in digest_assignments(counselor, until)
        ]
        return compose("digest", message.recipient, counselor_name=counselor.name, review_urls=urls)
    return compose(message.kind, message.recipient)


def _failed(message: Message, link: Link | None, error: str, *, final: bool) -> None:
    """Record a failed try: retry later with back-off, or give up for good."""
    db = get_db()
    if link is not None:  # never sent, so never seen: it goes
        message.link_id = None
        db.delete(link)
    backoff = [int(m) for m in current_app.config["MAIL_RETRY_MINUTES"]]
    message.last_error = error[:500]
    message.claimed_until = None
    if final or message.attempts > len(backoff):
        message.status = "failed"
        message.next_try_at = None
    else:
        message.status = "queued"
        message.next_try_at = utcnow() + timedelta(minutes=backoff[message.attempts - 1])


def _describe(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"The mail server refused the login: {exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"The mail server answered {exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "The mail server refused the address for now: " + "; ".join(
            f"{code} {_text(text)}" for code, text in exc.recipients.values()
        )
    if isinstance(exc, ConnectionRefusedError):
        return "The mail server could not be reached (connection refused)."
    if isinstance(exc, TimeoutError):
        return "The mail server did not answer in time."
    return str(exc) or type(exc).__name__


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else value


def send_due() -> Counter[str]:
    """Queue what the schedule says is due, then send every due message; counts by status."""
    schedule_reminders()
    schedule_digests()
    results: Counter[str] = Counter()
    while batch := claim():
        for message in batch:
            results[deliver(message)] += 1
    return results


def send_now(messages: list[Message]) -> list[Message]:
    """Try these just-queued messages at once (after the counselor's request); whatever fails
    stays in the outbox for send-due. Returns the ones that did not go out."""
    ids = [m.id for m in messages]
    if not ids:
        return []
    for message in claim(ids):
        deliver(message)
    db = get_db()
    return [m for m in db.scalars(select(Message).where(Message.id.in_(ids))) if m.status != "sent"]
