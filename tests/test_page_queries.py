"""Every page a counselor or partner opens often runs at most 8 SQL statements, and the same
number with a small practice as with a larger one whose couple has a long history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from clinic import attention
from clinic.db import get_db, utcnow
from clinic.models import CounselingSession, Couple, Partner, SessionNote
from clinic.rounds import assign

from .conftest import page_statements, start_link

MOST = 8


def grow(app: Flask, counselor_id: int, couples: int, history: int, start: int) -> None:
    """More couples with a worksheet each, and history more worksheets and sessions for the
    first couple (id 1): half answered and reviewed, a session with notes for every other one."""
    with app.test_request_context():
        db = get_db()
        today = utcnow().date()
        for n in range(start, start + couples):
            couple = Couple(counselor_id=counselor_id, label=f"Couple {n:05d}")
            couple.partners = [
                Partner(position=1, display_name=f"Pat{n}", email=f"pat{n}@example.org"),
                Partner(position=2, display_name=f"Kim{n}"),
            ]
            db.add(couple)
            db.flush()
            assign(couple, "two-parts", today + timedelta(days=n % 9 - 4), None)
        first = db.get(Couple, 1)
        assert first is not None
        for n in range(history):
            assignment = assign(first, "two-parts", today + timedelta(days=3), None)
            if n % 2:
                for response in assignment.responses:
                    response.answers = response.submitted_answers = {"close": 1 + n % 5}
                    response.submitted_at = utcnow()
                assignment.reviewed_at = utcnow()
                meeting = CounselingSession(couple=first, held_on=today, discussed=[assignment])
                meeting.notes = [
                    SessionNote(text=f"Note {n}"),
                    SessionNote(text="Shared", shared=True),
                ]
                db.add(meeting)
        attention.recompute(first)
        db.commit()


def statements(app: Flask, client: FlaskClient, path: str) -> int:
    return len(page_statements(app, client, path))


@pytest.fixture
def pages(
    app: Flask, client: FlaskClient, counselor: int, make_assignment: Callable[..., tuple]
) -> Callable[[], dict[str, int]]:
    """The statements each page runs, counted again at each call."""
    grow(app, counselor, couples=10, history=4, start=0)
    assignment_id, tokens = make_assignment(1)
    partner = app.test_client()
    partner_page = start_link(partner, tokens[0])
    client.post(
        "/couples/1/sessions", data={"held_on": utcnow().date().isoformat(), "note": "Hello"}
    )
    session_id = 3  # the first two came with the history

    def count() -> dict[str, int]:
        return {
            "dashboard": statements(app, client, "/"),
            "search": statements(app, client, "/?q=pat1"),
            "couple": statements(app, client, "/couples/1"),
            "review": statements(app, client, f"/assignments/{assignment_id}/review"),
            "session": statements(app, client, f"/sessions/{session_id}"),
            "partner": statements(app, partner, partner_page),
        }

    return count


def test_pages_run_few_statements_whatever_the_size(app, counselor, pages):
    small = pages()
    grow(app, counselor, couples=150, history=40, start=10)
    large = pages()
    assert all(count <= MOST for count in small.values()), small
    assert large == small
