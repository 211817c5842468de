"""A large practice for bench/load.py: one counselor with N couples, each with ten worksheets
given over twenty weeks (answers, reviews, sessions with notes), written through the app's own
tables with bulk inserts, and one couple with a long history (the couple page's case).

Every couple's tenth and ninth worksheets are left in the states the dashboard lists: waiting
for review, overdue, closed, links never opened, a draft in progress.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, text

from clinic import attention
from clinic.catalog import snapshot, worksheets
from clinic.counselors import add_counselor
from clinic.db import get_db, utcnow
from clinic.links import expiry_for
from clinic.models import (
    Assignment,
    CounselingSession,
    Couple,
    Link,
    Partner,
    Response,
    Round,
    RoundPartner,
    SessionNote,
    searchable,
    session_assignment,
)
from clinic.tokens import hash_token
from clinic.worksheets.samples import sample_answers

EMAIL = "bench@example.org"
PASSWORD = "bench password 2026"
PER_COUPLE = 10
LONG_HISTORY = 100  # worksheets given to the first couple
CHUNK = 500  # couples per bulk insert
PARTNERS = 32  # partners' links kept for autosave: one for each of its 32 connections

TABLES: list[Any] = [
    Couple,
    Partner,
    Round,
    RoundPartner,
    Link,
    Assignment,
    Response,
    CounselingSession,
    SessionNote,
]


def token_of(link_id: int) -> str:
    """The bench knows every link's token: it is made from the link's id."""
    return f"bench-link-{link_id}"


@dataclass
class Seeded:
    """What the measurements need: the long-history couple, a review, the sessions whose
    summaries the exports make, and partner links of open worksheets for the partner's page and
    autosave."""

    couple_id: int = 0
    review_id: int = 0
    sessions: list[int] = field(default_factory=list)  # every session, for exports of each once
    partners: list[tuple[str, int, str]] = field(default_factory=list)  # token, response, slug


class Rows:
    """Rows for one chunk, table by table, with ids handed out here."""

    def __init__(self, next_ids: dict[str, int]) -> None:
        self.next_ids = next_ids
        self.rows: dict[str, list[dict[str, Any]]] = {m.__tablename__: [] for m in TABLES}
        self.rows["session_assignment"] = []

    def add(self, table: str, **values: Any) -> int:
        if table != "session_assignment":
            values["id"] = self.next_ids[table]
            self.next_ids[table] += 1
        self.rows[table].append(values)
        return int(values.get("id", 0))


def seed(couples: int, rng: random.Random | None = None) -> Seeded:
    """Add the bench counselor and their couples to an empty database (inside an app and
    request context); commits."""
    rng = rng or random.Random(15)
    db = get_db()
    counselor = add_counselor("Bench Counselor", EMAIL, PASSWORD)
    library = worksheets()
    versions = {slug: snapshot(ws) for slug, ws in library.items()}
    db.flush()
    answers = {
        slug: [sample_answers(ws, rng, lean / 10) for lean in range(1, 10)]
        for slug, ws in library.items()
    }
    next_ids = {m.__tablename__: (db.scalar(select(func.max(m.id))) or 0) + 1 for m in TABLES}
    seeded = Seeded()
    now = utcnow()
    slugs = sorted(library)
    for start in range(0, couples, CHUNK):
        rows = Rows(next_ids)
        for n in range(start, min(start + CHUNK, couples)):
            given = LONG_HISTORY if n == 0 else PER_COUPLE
            _couple(rows, n, counselor.id, given, now, slugs, versions, answers, seeded, rng)
        for table, values in rows.rows.items():
            if values:
                target = session_assignment if table == "session_assignment" else _model(table)
                db.execute(insert(target), values)
        db.commit()
    _after_bulk_inserts()
    first = db.get(Couple, seeded.couple_id)
    assert first is not None
    attention.recompute(first)
    db.commit()
    return seeded


def _model(table: str) -> Any:
    return next(m for m in TABLES if m.__tablename__ == table)


def _couple(
    rows: Rows,
    n: int,
    counselor_id: int,
    given: int,
    now: datetime,
    slugs: list[str],
    versions: dict[str, Any],
    answers: dict[str, list[dict[str, Any]]],
    seeded: Seeded,
    rng: random.Random,
) -> None:
    """One couple, their partners and their worksheets, the last two left open."""
    start = now - timedelta(weeks=2 * given + 1, hours=n % 97)
    label = f"{_name(n, 0)} & {_name(n, 1)} {n}"
    couple_id = rows.add(
        "couple",
        counselor_id=counselor_id,
        label=label,
        created_at=start,
        archived_at=None,
        last_activity_at=None,
        last_session_on=None,
        search_text=searchable(label, [_name(n, 0), _name(n, 1)]),  # no validators in bulk
    )
    partner_ids = [
        rows.add(
            "partner",
            couple_id=couple_id,
            position=position + 1,
            display_name=_name(n, position),
            email=f"{_name(n, position).lower()}.{n}@example.org",
        )
        for position in range(2)
    ]
    latest: datetime = start
    held: Any = None
    for k in range(given):
        created = start + timedelta(weeks=2 * k)
        state = "done" if k < given - 2 else ("late" if k == given - 2 else "new")
        if state == "new":
            created = now - timedelta(days=2, hours=n % 11)
        slug = slugs[(n + k) % len(slugs)]
        due = (created + timedelta(days=7)).date()
        kind = ("review", "late", "closed", "done")[n % 4] if state == "late" else state
        round_id = rows.add("round", couple_id=couple_id, created_at=created)
        assignment_id = rows.next_ids["assignment"]
        sent = {"done": 2, "review": 2, "late": 1, "closed": 1, "new": 0}[kind]
        opened = kind != "new" or n % 3 != 0
        for position, partner_id in enumerate(partner_ids):
            rows.add(
                "round_partner",
                round_id=round_id,
                partner_id=partner_id,
                pin_hash=None,
                other_browser_at=None,
                reminders=False,
            )
            link_id = rows.next_ids["link"]
            rows.add(
                "link",
                round_id=round_id,
                partner_id=partner_id,
                token_hash=hash_token(token_of(link_id)),
                created_at=created,
                expires_at=expiry_for(due),
                sent_at=created,
                first_opened_at=created + timedelta(hours=3) if opened else None,
                revoked_at=None,
                last_used_at=None,
            )
            done = position < sent
            chosen = rng.choice(answers[slug])
            when = created + timedelta(days=2 + position)
            response_id = rows.add(
                "response",
                assignment_id=assignment_id,
                partner_id=partner_id,
                answers=chosen if done or (opened and position == 0) else {},
                submitted_answers=chosen if done else None,
                section=0,
                started_at=created + timedelta(hours=3) if opened else None,
                updated_at=when if opened else None,
                submitted_at=when if done else None,
                concern=False,
            )
            if done:
                latest = max(latest, when)
            if kind == "new" and len(seeded.partners) < PARTNERS and n % 3 == 0:
                seeded.partners.append((token_of(link_id), response_id, slug))
        rows.add(
            "assignment",
            couple_id=couple_id,
            round_id=round_id,
            worksheet_version_id=versions[slug].id,
            due_on=due,
            note=None,
            created_at=created,
            reviewed_at=created + timedelta(days=5) if kind == "done" else None,
            closed_at=created + timedelta(days=9) if kind == "closed" else None,
            session_id=None,
            reminders=True,
            both_sent_at=created + timedelta(days=3) if sent == 2 else None,
            waiting_on={"review": "counselor", "late": "partners", "new": "partners"}.get(kind),
        )
        if kind == "review" and not seeded.review_id:  # both answered: the review's case
            seeded.review_id = assignment_id
        latest = max(latest, created)
        if state == "done" and k % 2 == 0:
            held = (created + timedelta(days=6)).date()
            session_id = rows.add(
                "counseling_session",
                couple_id=couple_id,
                held_on=held,
                next_steps="One phone-free evening this week; a walk on Sunday.",
                created_at=created + timedelta(days=6),
            )
            rows.add("session_assignment", session_id=session_id, assignment_id=assignment_id)
            for shared in (True, False):
                rows.add(
                    "session_note",
                    session_id=session_id,
                    text="Both named a recent moment of feeling close. " * (1 + k % 3),
                    shared=shared,
                    created_at=created + timedelta(days=6),
                )
            seeded.sessions.append(session_id)
    rows.rows["couple"][-1]["last_activity_at"] = latest
    rows.rows["couple"][-1]["last_session_on"] = held
    if n == 0:
        seeded.couple_id = couple_id


NAMES = ["Sam", "Alex", "Jo", "Lee", "Rae", "Lou", "Ari", "Bo", "Cy", "Dee", "Max", "Ola"]


def _name(n: int, position: int) -> str:
    return NAMES[(n * 7 + position * 5) % len(NAMES)]


def _after_bulk_inserts() -> None:
    """PostgreSQL hands out the next ids from sequences the bulk inserts went around, and
    learns the tables' sizes at once (as autovacuum would soon after on a real server)."""
    db = get_db()
    if db.get_bind().dialect.name != "postgresql":
        return
    for model in TABLES:
        table = model.__tablename__
        db.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"
            )
        )
    db.commit()
    with db.get_bind().connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
