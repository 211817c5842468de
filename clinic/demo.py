"""`flask demo`: a demo counselor with couples, answers and sessions, to see the app full."""

from __future__ import annotations

import random
import secrets
from datetime import date, datetime, timedelta
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import delete, func, select

from . import attention
from .catalog import worksheets
from .counselors import add_counselor
from .dates import today as practice_today
from .db import alembic_config, get_db, utcnow
from .mail.queue import invite
from .models import (
    Assignment,
    AuditEvent,
    CounselingSession,
    Counselor,
    Couple,
    Message,
    Partner,
    SessionNote,
)
from .passwords import hash_password
from .records.erase import erase
from .rounds import assign, start_round
from .safety import raise_flag
from .worksheets.answers import concerns
from .worksheets.model import Worksheet
from .worksheets.samples import sample_answers

DEMO_EMAIL = "demo@example.org"
COUPLES = [
    ("Sam & Alex", "Sam", "Alex", 0.8),
    ("Jordan & Casey", "Jordan", "Casey", 0.2),
    ("Priya & Tom", "Priya", "Tom", 0.5),
    ("Lee & Morgan", "Lee", "Morgan", 0.6),
    ("Rosa & Dani", "Rosa", "Dani", 0.4),
]


def has_real_data() -> bool:
    db = get_db()
    others = select(func.count()).select_from(Counselor).where(Counselor.email != DEMO_EMAIL)
    return bool(db.scalar(others))


def clear_demo(counselor: Counselor) -> None:
    """Remove the demo counselor's couples and everything under them, as deleting a couple
    does, whatever was added to them since; then the counselor's own messages and events."""
    db = get_db()
    for couple in db.scalars(select(Couple).where(Couple.counselor_id == counselor.id)).all():
        erase(couple)
    db.execute(delete(Message).where(Message.counselor_id == counselor.id))
    db.execute(delete(AuditEvent).where(AuditEvent.counselor_id == counselor.id))
    db.flush()


def _submit(
    assignment: Assignment, partner: Partner, answers: dict[str, Any], when: datetime, ws: Worksheet
) -> None:
    response = assignment.response_of(partner)
    assert response is not None
    response.answers = answers
    response.submitted_answers = answers
    response.started_at = response.updated_at = response.submitted_at = when
    found = concerns(ws, answers)
    response.concern = bool(found)
    link = next(link for link in assignment.links if link.partner_id == partner.id)
    link.sent_at = link.first_opened_at = when - timedelta(hours=2)
    if found:
        raise_flag(response, found, link_id=link.id).raised_at = when


def build_demo(counselor: Counselor, rng: random.Random) -> None:
    """Several couples over the past ten weeks: sessions, answers, one of everything."""
    library = worksheets()
    today = practice_today()
    for index, (label, first, second, lean) in enumerate(COUPLES):
        couple = Couple(counselor=counselor, label=label, created_at=utcnow() - timedelta(weeks=11))
        couple.partners = [
            Partner(position=1, display_name=first, email=f"{first.lower()}@example.org"),
            Partner(position=2, display_name=second, email=f"{second.lower()}@example.org"),
        ]
        get_db().add(couple)
        get_db().flush()
        history = [
            "before-we-meet",
            "emotional-intimacy",
            "physical-closeness",
            "emotional-intimacy",
            "quality-time",
        ]
        given = history[: 4 + index % 2]
        for week, slug in enumerate(given):
            ws = library[slug]
            when = utcnow() - timedelta(weeks=9 - 2 * week, hours=rng.randint(1, 40))
            assignment = assign(couple, slug, when.date() + timedelta(days=7), None)
            assignment.created_at = assignment.round.created_at = when
            for link in assignment.links:
                link.created_at = when
            worried = index == 1 and slug == "before-we-meet"
            drift = 0.1 * week if index != 1 else -0.05 * week
            for position, partner in enumerate(couple.partners):
                partner_lean = lean + drift + (0.2 if position else -0.2)
                answers = sample_answers(ws, rng, partner_lean, worried=worried and not position)
                if "safe_contact" in answers:  # email is fine, but for the worried partner
                    answers["safe_contact"] = "neither" if worried and not position else "yes"
                _submit(assignment, partner, answers, when + timedelta(days=2 + position), ws)
            if week < len(given) - 1 and not worried:  # the latest one waits for review
                assignment.reviewed_at = when + timedelta(days=5)
                _session(couple, assignment, when.date() + timedelta(days=6), rng)
        _pending(couple, index, today, library)
        attention.recompute(couple)
    get_db().flush()


def _session(couple: Couple, assignment: Assignment, held_on: date, rng: random.Random) -> None:
    meeting = CounselingSession(
        couple=couple,
        held_on=held_on,
        next_steps=rng.choice(
            [
                "One phone-free evening each week. Try a ten-minute check-in after dinner.",
                "Each of you names one small thing that helps you feel close, and asks for it.",
                "Take a walk together twice this week and notice what made it easy.",
            ]
        ),
        discussed=[assignment],
    )
    meeting.notes = [
        SessionNote(
            text="Warm session. Both could name a recent moment of feeling close.",
            shared=True,
            created_at=datetime.combine(held_on, datetime.min.time(), tzinfo=utcnow().tzinfo),
        ),
        SessionNote(
            text="Watch for withdrawal when work stress comes up; revisit next time.",
            shared=False,
            created_at=datetime.combine(held_on, datetime.min.time(), tzinfo=utcnow().tzinfo),
        ),
    ]
    get_db().add(meeting)


def _pending(couple: Couple, index: int, today: date, library: dict[str, Worksheet]) -> None:
    """Leave each couple in a different state, so the dashboard has something in every list."""
    ws = library["balancing-both"]
    if index == 0:  # both answered, waiting for review
        assignment = assign(couple, ws.slug, today + timedelta(days=3), None)
        for position, partner in enumerate(couple.partners):
            answers = sample_answers(ws, random.Random(index + position), 0.3 + 0.5 * position)
            _submit(assignment, partner, answers, utcnow() - timedelta(hours=5 - position), ws)
    elif index == 2:  # overdue, one partner done
        # Overdue: send-due reminds the partner who has not sent (3 days after the due date).
        assignment = assign(couple, ws.slug, today - timedelta(days=3), None)
        assignment.created_at = assignment.round.created_at = utcnow() - timedelta(days=10)
        first = couple.partners[0]
        _submit(
            assignment,
            first,
            sample_answers(ws, random.Random(7), 0.6),
            utcnow() - timedelta(days=4),
            ws,
        )
    elif index == 3:  # sent but never opened
        assign(couple, "mindful-moments", today + timedelta(days=6), "Notice one moment a day.")
    elif index == 4:  # two worksheets in one round, invitations waiting for send-due
        made, _ = start_round(
            couple,
            ["quality-time", "communicating-needs"],
            today + timedelta(days=5),
            None,
            email_to=set(),
        )
        for partner in couple.partners:
            made[0].round.member(partner).reminders = True
            invite(made[0].round, partner)


@click.command("demo")
@click.option("--force", is_flag=True, help="Add demo data even though real accounts exist.")
@with_appcontext
def demo_command(force: bool) -> None:
    """Create (or refresh) a demo counselor with couples, answers and sessions."""
    from alembic import command  # only the commands that migrate import it: it is slow

    # A fresh database gets its tables first.
    command.upgrade(alembic_config(current_app.config["DATABASE_URL"]), "head")
    db = get_db()
    if has_real_data() and not force:
        raise click.ClickException(
            "This database has real counselor accounts. Use a fresh database for the demo, "
            "or add --force to put the demo counselor beside them."
        )
    password = secrets.token_urlsafe(12)
    counselor = db.scalar(select(Counselor).where(Counselor.email == DEMO_EMAIL))
    if counselor is None:
        counselor = add_counselor("Robin Demo", DEMO_EMAIL, password)
    else:
        clear_demo(counselor)
        counselor.password_hash = hash_password(password)
        counselor.active = True
    with current_app.test_request_context():  # links are made as in a counselor's request
        build_demo(counselor, random.Random(2026))
        db.commit()
    click.echo("Demo data is ready. Sign in at /login with:")
    click.echo(f"    email:    {DEMO_EMAIL}")
    click.echo(f"    password: {password}")
