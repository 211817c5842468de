"""The outbox: every message is a row, queued here (invitations, reminders on their schedule,
notes to the counselor) and sent by sending.py, from `send-due` or at once after the
counselor's request. A queued message holds no token and no client content."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import exists, or_, select
from sqlalchemy.exc import IntegrityError

from ..dates import local_date, practice_time, practice_zone
from ..db import get_db, utcnow
from ..models import (
    Assignment,
    Counselor,
    Couple,
    Message,
    Partner,
    Response,
    Round,
    RoundPartner,
)
from ..safety import contact_refused

PARTNER_KINDS = ("invitation", "reminder")


def address_of(partner: Partner, channel: str = "email") -> str | None:
    """Where this channel reaches the partner (a phone number, for a text channel)."""
    return partner.email if channel == "email" else None


def why_not(partner: Partner, channel: str = "email") -> str | None:
    """Why the practice cannot send this partner a message this way now, or None."""
    if channel == "email" and not current_app.config.get("MAIL_SERVER"):
        return "Email is not set up on this server (MAIL_SERVER)."
    if not current_app.config.get("PUBLIC_URL"):
        return "Links can only be sent once PUBLIC_URL is set."
    if not address_of(partner, channel):
        return f"{partner.display_name} has no email address."
    return contact_refused(partner, channel)


def invite(work: Round, partner: Partner, channel: str = "email") -> Message:
    """Queue this partner's invitation to the round (the caller commits)."""
    message = Message(
        counselor_id=work.couple.counselor_id,
        kind="invitation",
        channel=channel,
        round=work,
        partner=partner,
        recipient=address_of(partner, channel) or "",
        next_try_at=utcnow(),
    )
    get_db().add(message)
    return message


def still_to_send(member: RoundPartner, *, reminding: bool = False) -> list[Assignment]:
    """The round's open worksheets this partner has not sent (with reminders on, if reminding)."""
    return [
        a
        for a in member.round.assignments
        if a.closed_at is None
        and a.reviewed_at is None
        and (a.reminders or not reminding)
        and not _sent(a.response_of(member.partner))
    ]


def _sent(response: Response | None) -> bool:
    return response is not None and response.submitted_at is not None


def _add_unique(message: Message) -> bool:
    """Add a message whose key another sender may be adding at this moment; one of them wins."""
    db = get_db()
    if db.scalar(select(Message.id).where(Message.key == message.key)) is not None:
        return False
    try:
        with db.begin_nested():
            db.add(message)
    except IntegrityError:
        return False
    return True


def reminder_times(due_on: date) -> list[datetime]:
    """When reminders are due for a due date: REMINDER_DAYS around it, at REMINDER_HOUR on the
    practice's clock (the same local hour in summer and in winter)."""
    config = current_app.config
    days = sorted(int(d) for d in config["REMINDER_DAYS"])[: int(config["MAX_REMINDERS"])]
    hour = int(config["REMINDER_HOUR"])
    return [practice_time(due_on + timedelta(days=d), hour) for d in days]


def schedule_reminders() -> int:
    """Queue the reminders that are due now; returns how many. The latest step that has come
    counts (a sender that was down for days sends one reminder, not each it missed), and only a
    step after the round was assigned."""
    db = get_db()
    now = utcnow()
    members = db.scalars(
        select(RoundPartner).where(
            RoundPartner.reminders.is_(True),
            exists().where(
                Assignment.round_id == RoundPartner.round_id,
                Assignment.closed_at.is_(None),
                Assignment.reviewed_at.is_(None),
                Assignment.reminders.is_(True),
                Response.assignment_id == Assignment.id,
                Response.partner_id == RoundPartner.partner_id,
                Response.submitted_at.is_(None),
            ),
        )
    ).all()
    made = 0
    for member in members:
        waiting = still_to_send(member, reminding=True)
        if not waiting:
            continue
        times = reminder_times(min(a.due_on for a in waiting))
        steps = [i for i, at in enumerate(times) if member.round.created_at < at <= now]
        if not steps:
            continue
        partner = member.partner
        message = Message(
            counselor_id=member.round.couple.counselor_id,
            kind="reminder",
            round=member.round,
            partner=partner,
            recipient=address_of(partner) or "",
            next_try_at=now,
            key=f"reminder:{member.round_id}:{member.partner_id}:{steps[-1]}",
        )
        made += _add_unique(message)
    db.commit()
    return made


def note_both_sent(assignment: Assignment) -> None:
    """Tell the counselor both partners have sent (COUNSELOR_NOTICE "each"); the caller
    commits. Sending changed answers again tells them nothing new."""
    if current_app.config["COUNSELOR_NOTICE"] != "each" or assignment.submitted_count() < 2:
        return
    counselor = assignment.couple.counselor
    _add_unique(
        Message(
            counselor_id=counselor.id,
            kind="both_sent",
            assignment=assignment,
            recipient=counselor.email,
            next_try_at=utcnow(),
            key=f"both_sent:{assignment.id}",
        )
    )


def schedule_digests() -> int:
    """With COUNSELOR_NOTICE "daily": one message a day to each counselor with assignments both
    partners answered in the day before REMINDER_HOUR."""
    if current_app.config["COUNSELOR_NOTICE"] != "daily":
        return 0
    now = utcnow()
    at = digest_until(now)
    if now < at:
        return 0
    db = get_db()
    made = 0
    for counselor in db.scalars(select(Counselor).where(Counselor.active.is_(True))):
        if digest_assignments(counselor, at):
            made += _add_unique(
                Message(
                    counselor_id=counselor.id,
                    kind="digest",
                    recipient=counselor.email,
                    next_try_at=now,
                    key=f"digest:{counselor.id}:{at.date().isoformat()}",
                )
            )
    db.commit()
    return made


def digest_until(moment: datetime) -> datetime:
    """REMINDER_HOUR on the practice's day of moment: a daily digest covers the day before it."""
    hour = int(current_app.config["REMINDER_HOUR"])
    return practice_time(local_date(moment, practice_zone()), hour)


def digest_assignments(counselor: Counselor, until: datetime) -> list[Assignment]:
    since = until - timedelta(days=1)
    found = get_db().scalars(
        select(Assignment)
        .join(Couple, Assignment.couple_id == Couple.id)
        .where(Couple.counselor_id == counselor.id, Assignment.reviewed_at.is_(None))
        .where(
            exists().where(
                Response.assignment_id == Assignment.id,
                Response.submitted_at > since,
                Response.submitted_at <= until,
            )
        )
    )
    return [a for a in found if a.submitted_count() == 2]


def messages_about(assignment: Assignment) -> list[Message]:
    """The round's messages to the partners and this assignment's to the counselor, newest first."""
    return list(
        get_db().scalars(
            select(Message)
            .where(
                or_(
                    Message.round_id == assignment.round_id,
                    Message.assignment_id == assignment.id,
                )
            )
            .order_by(Message.id.desc())
        )
    )
