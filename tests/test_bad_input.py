"""Odd input everywhere a counselor types: a clear message or stored cleanly, never a 500."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from clinic.db import get_db, utcnow
from clinic.models import Assignment, CounselingSession, Counselor, Couple, SessionNote

ODD = "A\x00B\x07C\x1b[31m \u202etxt.exe 😀 <i>x</i>"
CLEAN = "ABC[31m \u202etxt.exe 😀 <i>x</i>"


def test_couple_label(app, client, counselor):
    data = {"label": ODD, "partner1_name": ODD, "partner2_name": "Alex"}
    assert client.post("/couples", data=data).status_code == 302
    with app.app_context():
        couple = get_db().scalars(select(Couple)).one()
        assert couple.label == CLEAN
        assert couple.partners[0].display_name == CLEAN
    page = client.get(f"/couples/{couple.id}").get_data(as_text=True)
    assert "&lt;i&gt;x&lt;/i&gt;" in page


def test_counselor_name_and_login_email(app, client, counselor, auth):
    data = {
        "name": ODD,
        "email": "kim\x00@example.org",
        "password": "twelve chars ok",
        "confirm": "twelve chars ok",
    }
    assert client.post("/counselors/", data=data).status_code == 302
    auth.logout()
    response = auth.login("kim\x00@example.org", "twelve chars ok")
    assert response.status_code == 302
    with app.app_context():
        kim = get_db().scalar(select(Counselor).where(Counselor.email == "kim@example.org"))
        assert kim.name == CLEAN


@pytest.mark.parametrize("email", ["\x00", "a\x00@b.c", "x" * 300])
def test_login_with_odd_emails(client, make_counselor, email):
    make_counselor()
    response = client.post("/login", data={"email": email, "password": "whatever at all"})
    assert response.status_code == 400


def test_session_texts(app, client, counselor, make_couple, make_assignment):
    couple = make_couple(counselor)
    make_assignment(couple)
    response = client.post(
        f"/couples/{couple}/sessions",
        data={"held_on": utcnow().date().isoformat(), "next_steps": ODD, "note": ODD},
    )
    assert response.status_code == 302
    client.post("/sessions/1/notes", data={"text": ODD, "shared": "y"})
    due = utcnow().date().isoformat()
    client.post(
        "/sessions/1/assign", data={"worksheets": ["two-parts"], "due_on": due, "note": ODD}
    )
    with app.app_context():
        meeting = get_db().get(CounselingSession, 1)
        assert meeting.next_steps == CLEAN
        assert {n.text for n in get_db().scalars(select(SessionNote))} == {CLEAN}
        notes = get_db().scalars(select(Assignment.note).where(Assignment.session_id == 1)).all()
        assert notes == [CLEAN]


@pytest.mark.parametrize("q", ["\x00", "%", "_", "\\", "😀" * 200, "' OR 1=1 --"])
def test_dashboard_search(client, counselor, make_couple, q):
    make_couple(counselor)
    response = client.get("/", query_string={"q": q})
    assert response.status_code == 200


@pytest.mark.parametrize("due", ["0000-01-01", "9999-12-31", "2026-02-30", "-1", "\x00"])
def test_odd_due_dates(client, counselor, make_couple, due):
    couple = make_couple(counselor)
    response = client.post(
        f"/couples/{couple}/assignments", data={"worksheets": ["two-parts"], "due_on": due}
    )
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert "date" in response.get_data(as_text=True)
