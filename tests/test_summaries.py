"""The session summary PDF, as the counselor downloads it: two copies, nothing leaked."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from clinic.db import get_db, utcnow
from clinic.models import AuditEvent, CounselingSession, SafetyFlag, SessionNote

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


def couple_copy(client, meeting_id: int, *, drop: tuple[str, ...] = (), reason: str = ""):
    """The couple's copy as a counselor makes it: everything ticked on the page, less drop."""
    page = client.get(f"/sessions/{meeting_id}/couple-copy").get_data(as_text=True)
    kept = [v for v in re.findall(r'name="keep" value="([^"]+)"', page) if v not in drop]
    return client.post(f"/sessions/{meeting_id}/couple-copy", data={"keep": kept, "reason": reason})


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
        "Gap of 3",
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
    text = pdf_text(couple_copy(client, meeting, reason="Spoke with Sam alone first."))
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
    text = pdf_text(couple_copy(client, meeting_id))
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


def test_the_counselor_sees_what_the_couple_copy_holds_first(client, meeting):
    assert (
        client.get(f"/sessions/{meeting}/summary-couple.pdf")
        .headers["Location"]
        .endswith(f"/sessions/{meeting}/couple-copy")
    )
    page = client.get(f"/sessions/{meeting}/couple-copy").get_data(as_text=True)
    for shown in ("Sam wish canary", "Alex wish canary", "Shared note canary", "Walk twice"):
        assert shown in page
    for hidden in ("Do you feel safe?", "Counselor only canary", "Not sure"):
        assert hidden not in page
    assert 'value="q1:afraid"' not in page  # a private question cannot be put in


def test_a_question_or_worksheet_left_out_is_not_in_the_couple_copy(client, meeting):
    text = pdf_text(couple_copy(client, meeting, drop=("q1:wish",), reason="Safety plan made."))
    assert "Sam wish canary" not in text and "Alex wish canary" not in text
    assert "Sam" in text and "How close do you feel?" in text
    text = pdf_text(couple_copy(client, meeting, drop=("a1",), reason="Safety plan made."))
    assert "How close do you feel?" not in text and "Two parts" not in text
    assert "Shared note canary" in text


def test_an_open_flag_asks_why_before_the_couple_copy_and_logs_it(app, client, meeting):
    refused = couple_copy(client, meeting)
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "A safety concern on this couple is open" in page
    assert 'value="a1" checked' in page  # the choices are kept
    pdf_text(couple_copy(client, meeting, reason="Sam agreed after a call alone."))
    with app.app_context():
        event = (
            get_db()
            .scalars(select(AuditEvent).where(AuditEvent.action == "couple_copy_despite_flag"))
            .one()
        )
        assert event.detail == "Sam agreed after a call alone." and event.target_id == meeting
        flag = get_db().scalars(select(SafetyFlag)).one()
        flag.acknowledged_at = utcnow()
        flag.note = "Safety plan made."
        get_db().commit()
    assert couple_copy(client, meeting).status_code == 200  # acted on: no reason needed


def test_open_flags_and_crisis_resources_in_the_pdfs(make_app, counselor, meeting):
    app = make_app(
        CRISIS_RESOURCES=[
            {"name": "Riverside crisis line", "number": "555 0199", "when": "Any hour."}
        ]
    )
    client = app.test_client()
    client.post(
        "/login", data={"email": "counselor1@example.org", "password": "correct horse battery"}
    )
    counselor_text = pdf_text(client.get(f"/sessions/{meeting}/summary-counselor.pdf"))
    assert "Safety concerns not yet acted on" in counselor_text
    assert "Needs attention Sam answered with concern in Two parts" in counselor_text
    assert "Riverside crisis line: 555 0199" in counselor_text
    couple_text = pdf_text(couple_copy(client, meeting, reason="Plan agreed."))
    assert "Riverside crisis line: 555 0199" in couple_text
    assert "Needs attention" not in couple_text and "concern" not in couple_text
