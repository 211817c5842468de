"""Sessions: notes shareable or counselor-only, next steps, discussed worksheets, assigning next."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from clinic.db import get_db, utcnow
from clinic.models import Assignment, CounselingSession, SessionNote


def today() -> str:
    return utcnow().date().isoformat()


@pytest.fixture
def couple(counselor, make_couple):
    return make_couple(counselor)


def test_record_a_session_with_a_note(app, client, couple, make_assignment):
    assignment_id, _ = make_assignment(couple)
    response = client.post(
        f"/couples/{couple}/sessions",
        data={
            "held_on": today(),
            "discussed": [str(assignment_id)],
            "next_steps": "Two walks a week.",
            "note": "Both seemed relaxed.",
            "shared": "y",
        },
    )
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Two walks a week." in html and "Both seemed relaxed." in html
    assert "Shared with the couple" in html
    assert f'href="/assignments/{assignment_id}/review"' in html
    with app.app_context():
        meeting = get_db().scalars(select(CounselingSession)).one()
        assert [a.id for a in meeting.discussed] == [assignment_id]
        assert [(n.text, n.shared) for n in meeting.notes] == [("Both seemed relaxed.", True)]


def test_notes_are_counselor_only_unless_marked(app, client, couple):
    client.post(f"/couples/{couple}/sessions", data={"held_on": today()})
    client.post("/sessions/1/notes", data={"text": "Private thought"})
    client.post("/sessions/1/notes", data={"text": "For them", "shared": "y"})
    with app.app_context():
        notes = get_db().scalars(select(SessionNote).order_by(SessionNote.id)).all()
        assert [(n.text, n.shared) for n in notes] == [
            ("Private thought", False),
            ("For them", True),
        ]
    html = client.get("/sessions/1").get_data(as_text=True)
    assert "Counselor only" in html


@pytest.mark.parametrize(
    "data,message",
    [
        ({"held_on": ""}, "Please give a date."),
        ({"held_on": "someday"}, "Not a valid date value."),
        ({"held_on": "9999-12-31"}, "within ten years"),
        ({"held_on": "today", "note": "x" * 4001}, "longer than 4000"),
        ({"held_on": "today", "discussed": ["999"]}, "is not a valid choice"),
    ],
)
def test_bad_session_input_is_explained_and_kept(app, client, couple, data, message):
    if data["held_on"] == "today":  # read when the test runs, on the fake clock
        data = {**data, "held_on": today()}
    response = client.post(f"/couples/{couple}/sessions", data={"next_steps": "keep me", **data})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and "keep me</textarea>" in html
    with app.app_context():
        assert get_db().scalars(select(CounselingSession)).all() == []


def test_empty_note_is_refused_in_place(client, couple):
    client.post(f"/couples/{couple}/sessions", data={"held_on": today()})
    response = client.post("/sessions/1/notes", data={"text": "  "})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Please write the note first." in html
    # One summary, above the note's form, for the page's script to move the focus to.
    assert html.count("data-error-summary") == 1
    assert html.index("data-error-summary") < html.index('action="/sessions/1/notes"')
    # The other form on the page still offers its usual due date, a week out.
    week = (utcnow().date() + timedelta(days=7)).isoformat()
    assert f'name="due_on" required type="date" value="{week}"' in html


def test_edit_session_and_delete_note(app, client, couple):
    client.post(f"/couples/{couple}/sessions", data={"held_on": today(), "note": "Oops"})
    client.post("/sessions/1", data={"held_on": "2026-11-20", "next_steps": "Rest"})
    client.post("/sessions/1/notes/1/delete")
    with app.app_context():
        meeting = get_db().get(CounselingSession, 1)
        assert (meeting.held_on.isoformat(), meeting.next_steps, meeting.notes) == (
            "2026-11-20",
            "Rest",
            [],
        )


def test_assign_next_from_the_session(app, client, couple):
    client.post(f"/couples/{couple}/sessions", data={"held_on": today()})
    due = (utcnow().date() + timedelta(days=365)).isoformat()
    response = client.post(
        "/sessions/1/assign", data={"worksheets": ["quality-time", "two-parts"], "due_on": due}
    )
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert len(set(re.findall(r"/l/([A-Za-z0-9_-]{43})", html))) == 2  # one per partner
    assert "Assigned from this session" in html
    with app.app_context():
        assigned = get_db().scalars(select(Assignment)).all()
        assert {a.session_id for a in assigned} == {1}


def test_assign_next_errors_stay_on_the_session(client, couple):
    client.post(f"/couples/{couple}/sessions", data={"held_on": today()})
    response = client.post("/sessions/1/assign", data={"due_on": today()})
    assert response.status_code == 400
    assert "Please choose at least one worksheet." in response.get_data(as_text=True)


def test_timeline_and_progress_chart(app, client, couple, make_assignment, submit_answers, clock):
    first, _ = make_assignment(couple)
    submit_answers(first, 1, {"close": 2})
    submit_answers(first, 2, {"close": 4})
    clock.advance(days=14)
    second, _ = make_assignment(couple)
    submit_answers(second, 1, {"close": 5})
    with app.app_context():
        get_db().add(CounselingSession(couple_id=couple, held_on=clock.now.date()))
        get_db().commit()
    client.post(
        "/login", data={"email": "counselor1@example.org", "password": "correct horse battery"}
    )
    html = client.get(f"/couples/{couple}").get_data(as_text=True)
    assert "Timeline" in html and "Session" in html
    assert html.count("Assigned <a") == 2
    assert "Progress over time" not in html  # the test worksheet has no scores


def test_progress_chart_for_a_repeated_worksheet(
    app, client, counselor, make_couple, make_assignment, submit_answers
):
    couple = make_couple(counselor)
    for values in ((2, 3), (4, 5)):
        assignment_id, _ = make_assignment(couple, slug="quality-time")
        submit_answers(assignment_id, 1, {"time_enough": values[0], "time_present": values[0]})
        submit_answers(assignment_id, 2, {"time_enough": values[1], "time_present": values[1]})
    html = client.get(f"/couples/{couple}").get_data(as_text=True)
    assert "Progress over time" in html
    assert "<svg" in html and "<table" in html
    chart = html.split("Progress over time")[1]
    assert "Sam" in chart and "Alex" in chart
    assert ">2<" in chart and ">5<" in chart  # the table alternative holds the numbers


SESSION_URLS = [
    ("get", "/couples/{couple}/sessions/new"),
    ("post", "/couples/{couple}/sessions"),
    ("get", "/sessions/{session}"),
    ("get", "/sessions/{session}/edit"),
    ("post", "/sessions/{session}"),
    ("post", "/sessions/{session}/notes"),
    ("post", "/sessions/{session}/notes/{note}/delete"),
    ("post", "/sessions/{session}/assign"),
]


@pytest.mark.parametrize("method,url", SESSION_URLS)
def test_another_counselors_session_is_404(
    app, client, counselor, make_counselor, make_couple, method, url
):
    other = make_counselor("other@example.org")
    couple = make_couple(other, label="Not yours")
    with app.app_context():
        meeting = CounselingSession(couple_id=couple, held_on=utcnow().date(), next_steps="Theirs")
        meeting.notes.append(SessionNote(text="secret canary"))
        get_db().add(meeting)
        get_db().commit()
        ids = {"couple": couple, "session": meeting.id, "note": meeting.notes[0].id}
    data = {"held_on": today(), "text": "x", "worksheets": ["two-parts"], "due_on": today()}
    response = getattr(client, method)(url.format(**ids), data=data)
    assert response.status_code == 404
    assert "secret canary" not in response.get_data(as_text=True)
    with app.app_context():
        meeting = get_db().get(CounselingSession, ids["session"])
        assert meeting.next_steps == "Theirs" and len(meeting.notes) == 1
        assert get_db().scalars(select(Assignment)).all() == []
