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
    """Wildcards and odd text match literally: none of these is in "Sam & Alex"."""
    make_couple(counselor)
    make_couple(counselor, label="Kim & Lee", names=("Kim", "Lee"))
    page = client.get("/", query_string={"q": q}).get_data(as_text=True)
    if q == "\x00":  # nothing is left of it once cleaned: every couple shows
        assert "Sam &amp; Alex" in page and "Kim &amp; Lee" in page
    else:
        assert "Sam &amp; Alex" not in page and "Kim &amp; Lee" not in page
        assert "No couple matches" in page


@pytest.mark.parametrize(
    "due,message",
    [
        ("0000-01-01", "Not a valid date value."),
        ("9999-12-31", "Please choose a date within the next two years."),
        ("2026-02-30", "Not a valid date value."),
        ("-1", "Not a valid date value."),
        ("\x00", "Not a valid date value."),
    ],
)
def test_odd_due_dates_are_refused_in_place(app, client, counselor, make_couple, due, message):
    couple = make_couple(counselor)
    response = client.post(
        f"/couples/{couple}/assignments",
        data={"worksheets": ["two-parts"], "due_on": due, "note": "kept"},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and "kept</textarea>" in page
    with app.app_context():
        assert get_db().scalars(select(Assignment)).all() == []


def test_typed_text_is_stored_composed_and_search_finds_either_form(app, client, counselor):
    decomposed, composed = "Rene\u0301e & Zoe\u0308", "Ren\u00e9e & Zo\u00eb"
    data = {"label": decomposed, "partner1_name": "Rene\u0301e", "partner2_name": "Zoe\u0308"}
    assert client.post("/couples", data=data).status_code == 302
    with app.app_context():
        couple = get_db().scalars(select(Couple)).one()
        assert couple.label == composed
        assert couple.partners[0].display_name == "Ren\u00e9e"
    for query in ("Rene\u0301e", "Ren\u00e9e"):
        page = client.get("/", query_string={"q": query}).get_data(as_text=True)
        assert composed.replace("&", "&amp;") in page
