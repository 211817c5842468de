"""The session summary PDF, as the counselor downloads it: two copies, nothing leaked."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from clinic.db import get_db, utcnow
from clinic.models import CounselingSession, SessionNote

SAM = {
    "close": 5,
    "often": "daily",
    "touch": {"hugs": 5, "hands": 2},
    "wish": "Sam wish canary",
    "afraid": "unsure",
}
ALEX = {
    "close": 2,
    "often": "weekly",
    "touch": {"hugs": 3, "hands": 2},
    "wish": "Alex wish canary",
    "afraid": "yes",
}


@pytest.fixture
def meeting(app, counselor, make_couple, make_assignment, submit_answers):
    couple = make_couple(counselor)
    assignment_id, _ = make_assignment(couple)
    submit_answers(assignment_id, 1, SAM)
    submit_answers(assignment_id, 2, ALEX)
    with app.app_context():
        from clinic.models import Assignment

        meeting = CounselingSession(
            couple_id=couple, held_on=utcnow().date(), next_steps="Walk twice this week."
        )
        meeting.discussed = [get_db().get(Assignment, assignment_id)]
        meeting.notes = [
            SessionNote(text="Shared note canary", shared=True),
            SessionNote(text="Counselor only canary", shared=False),
        ]
        get_db().add(meeting)
        get_db().commit()
        return meeting.id


def pdf_text(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def test_counselor_copy_holds_everything(client, meeting):
    response = client.get(f"/sessions/{meeting}/summary-counselor.pdf")
    text = pdf_text(response)
    for expected in (
        "Sam wish canary",
        "Alex wish canary",
        "Shared note canary",
        "Counselor only canary",
        "Walk twice this week.",
        "Do you feel safe?",
        "Not sure",
        "Gap 3",
        "Two parts",
        "When to seek more help",
        "Session notes shared with the couple",
    ):
        assert expected in text, expected
    assert "Page 1 of" in text
    assert response.headers["Cache-Control"] == "no-store"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="session-summary-')
    assert "Sam" not in disposition and "Alex" not in disposition


def test_couple_copy_leaves_out_private_answers_and_notes(client, meeting):
    text = pdf_text(client.get(f"/sessions/{meeting}/summary-couple.pdf"))
    assert "Sam wish canary" in text and "Shared note canary" in text
    assert "Counselor only canary" not in text
    assert "Do you feel safe?" not in text and "Not sure" not in text
    assert "Couple" in text and "copy" in text


def test_pdf_metadata_names_no_one(client, meeting):
    response = client.get(f"/sessions/{meeting}/summary-counselor.pdf")
    info = PdfReader(io.BytesIO(response.data)).metadata
    values = " ".join(str(v) for v in (info or {}).values())
    assert "Sam" not in values and "Alex" not in values and "canary" not in values


def test_the_pdf_shows_the_configured_help_text(make_app, counselor, make_couple, app):
    other = make_app(SEEK_HELP_TEXT="Call the Riverside line at 555 0100.")
    client = other.test_client()
    client.post(
        "/login", data={"email": "counselor1@example.org", "password": "correct horse battery"}
    )
    couple = make_couple(counselor)
    with app.app_context():
        meeting = CounselingSession(couple_id=couple, held_on=utcnow().date())
        get_db().add(meeting)
        get_db().commit()
        meeting_id = meeting.id
    text = pdf_text(client.get(f"/sessions/{meeting_id}/summary-couple.pdf"))
    assert "Call the Riverside line at 555 0100." in text


def test_unknown_copy_is_404(client, meeting):
    assert client.get(f"/sessions/{meeting}/summary-everyone.pdf").status_code == 404


def test_too_large_a_summary_is_refused_with_a_message(app, client, meeting, monkeypatch):
    from clinic.summaries import pdf

    monkeypatch.setattr(pdf, "MAX_CHARS", 50)
    response = client.get(f"/sessions/{meeting}/summary-counselor.pdf", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "too large to make into a PDF" in html


@pytest.mark.parametrize("copy", ["counselor", "couple"])
def test_another_counselors_summary_is_404(app, client, meeting, make_counselor, copy):
    other = make_counselor("other@example.org")
    stranger = app.test_client()
    stranger.post(
        "/login", data={"email": "other@example.org", "password": "correct horse battery"}
    )
    assert other
    response = stranger.get(f"/sessions/{meeting}/summary-{copy}.pdf")
    assert response.status_code == 404
    assert response.mimetype != "application/pdf"
