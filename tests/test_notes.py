"""Notes that hold up: changed freely until the counselor signs the session, locked after, with
addenda that carry their author and time; laid out free or by SOAP, DAP or BIRP headings, on the
page and in both copies of the summary."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from clinic import create_app
from clinic.db import get_db, utcnow
from clinic.models import AuditEvent, CounselingSession, SessionAddendum, SessionNote

from .conftest import FIXTURES, _config


def text_of(response) -> str:
    return " ".join(response.get_data(as_text=True).split())


def pdf_text(response) -> str:
    assert response.mimetype == "application/pdf", response.get_data(as_text=True)[:300]
    reader = PdfReader(io.BytesIO(response.data))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def couple_copy(client, session_id: int):
    page = client.get(f"/sessions/{session_id}/couple-copy").get_data(as_text=True)
    keep = re.findall(r'name="keep" value="([^"]+)"', page)
    return client.post(f"/sessions/{session_id}/couple-copy", data={"keep": keep})


def actions(app) -> list[str]:
    with app.app_context():
        return list(get_db().scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


@pytest.fixture
def meeting(client, counselor, make_couple) -> int:
    """A session with one shared note and one for the counselor only."""
    couple = make_couple(counselor)
    today = utcnow().date().isoformat()
    client.post(
        f"/couples/{couple}/sessions",
        data={"held_on": today, "note": "Shared first", "shared": "y"},
    )
    client.post("/sessions/1/notes", data={"text": "Kept to myself"})
    return 1


def test_a_note_can_be_changed_before_signing(app, client, meeting):
    form = text_of(client.get("/sessions/1/notes/2/edit"))
    assert "Kept to myself</textarea>" in form
    response = client.post("/sessions/1/notes/2", data={"text": "Kept, and changed", "shared": ""})
    assert response.headers["Location"] == "/sessions/1#notes"
    page = text_of(client.get("/sessions/1"))
    assert "Kept, and changed" in page and "Kept to myself" not in page and "changed " in page
    with app.app_context():
        note = get_db().get(SessionNote, 2)
        assert (note.text, note.shared, note.updated_at is not None) == (
            "Kept, and changed",
            False,
            True,
        )
    assert actions(app)[-1] == "update_note"


@pytest.mark.parametrize(
    ("text", "message"),
    [("   ", "Please write the note first."), ("y" * 4001, "longer than 4000")],
)
def test_a_bad_change_keeps_what_was_typed(app, client, meeting, text, message):
    response = client.post("/sessions/1/notes/2", data={"text": text, "shared": "y"})
    assert response.status_code == 400
    page = text_of(response)
    assert message in page
    assert f"{text.strip()}</textarea>" in page
    assert '<input checked id="shared" name="shared"' in response.get_data(as_text=True)
    with app.app_context():
        assert get_db().get(SessionNote, 2).text == "Kept to myself"


def test_signing_asks_first_then_locks_the_notes(app, client, meeting, clock):
    page = text_of(client.get("/sessions/1"))
    assert "Sign the session…" in page and "Change this note" in page
    confirm = text_of(client.get("/sessions/1/sign"))
    assert "can no longer be changed or deleted" in confirm
    with app.app_context():
        assert get_db().get(CounselingSession, 1).signed_at is None  # looking signs nothing
    response = client.post("/sessions/1/sign")
    assert response.headers["Location"] == "/sessions/1#notes"
    page = text_of(client.get("/sessions/1"))
    assert "Signed</span> by Counselor 1" in page and "The notes are locked." in page
    assert "Change this note" not in page and "Delete this note" not in page
    assert 'href="/sessions/1/edit"' not in page
    with app.app_context():
        meeting = get_db().get(CounselingSession, 1)
        assert (meeting.signed_by_id, meeting.signed_at) == (1, clock.now)
    assert actions(app)[-1] == "sign_session"

    # Nothing changes a signed note: not a change, not a delete, not a new note.
    client.post("/sessions/1/notes/2/delete")
    late = client.post("/sessions/1/notes/2", data={"text": "Rewritten later"})
    assert late.status_code == 409
    late_page = text_of(late)
    assert "signed while you were writing" in late_page
    assert "Rewritten later</textarea>" in late_page  # waiting in the addendum form
    client.post("/sessions/1/notes", data={"text": "One more"})
    assert "This session was signed" in text_of(
        client.get("/sessions/1/edit", follow_redirects=True)
    )
    with app.app_context():
        notes = get_db().scalars(select(SessionNote).order_by(SessionNote.id)).all()
        assert [n.text for n in notes] == ["Shared first", "Kept to myself"]
    assert client.post("/sessions/1/sign").status_code == 302  # a second signature changes nothing
    with app.app_context():
        assert get_db().get(CounselingSession, 1).signed_at == clock.now


def test_after_signing_a_change_is_an_addendum_with_author_and_time(app, client, meeting, clock):
    client.post("/sessions/1/sign")
    clock.advance(hours=20)
    client.post(
        "/login", data={"email": "counselor1@example.org", "password": "correct horse battery"}
    )
    empty = client.post("/sessions/1/addenda", data={"addendum": " "})
    assert empty.status_code == 400 and "Please write the addendum first." in text_of(empty)
    client.post("/sessions/1/addenda", data={"addendum": "Called them: all well.", "shared": "y"})
    client.post("/sessions/1/addenda", data={"addendum": "My own follow-up."})
    page = text_of(client.get("/sessions/1"))
    assert (
        'Addendum</strong> <span class="muted">by Counselor 1,' in page
        and "Called them: all well." in page
    )
    with app.app_context():
        rows = get_db().scalars(select(SessionAddendum).order_by(SessionAddendum.id)).all()
        assert [(a.text, a.shared, a.author_id, a.created_at) for a in rows] == [
            ("Called them: all well.", True, 1, clock.now),
            ("My own follow-up.", False, 1, clock.now),
        ]
    assert actions(app)[-1] == "add_addendum"

    mine = pdf_text(client.get("/sessions/1/summary-counselor.pdf"))
    for text in ("Shared first", "Kept to myself", "Called them: all well.", "My own follow-up."):
        assert text in mine
    assert "Signed by Counselor 1" in mine and "Addendum by Counselor 1" in mine
    theirs = pdf_text(couple_copy(client, 1))
    assert "Shared first" in theirs and "Called them: all well." in theirs
    assert "Kept to myself" not in theirs and "My own follow-up." not in theirs
    preview = text_of(client.get("/sessions/1/couple-copy"))
    assert "Called them: all well." in preview and "My own follow-up." not in preview


def test_addenda_wait_for_the_signature(app, client, meeting):
    client.post("/sessions/1/addenda", data={"addendum": "Too early"})
    with app.app_context():
        assert get_db().scalars(select(SessionAddendum)).all() == []


@pytest.fixture
def other_session(app, make_counselor, make_couple):
    """Another counselor's session with a note."""
    couple = make_couple(make_counselor("lee@example.org"), label="Kim & Jo")
    with app.app_context():
        meeting = CounselingSession(couple_id=couple, held_on=utcnow().date())
        meeting.notes = [SessionNote(text="Lee's note")]
        get_db().add(meeting)
        get_db().commit()
        return meeting.id


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("get", "/sessions/{s}/notes/{n}/edit", {}),
        ("post", "/sessions/{s}/notes/{n}", {"text": "mine now"}),
        ("post", "/sessions/{s}/notes/{n}/delete", {}),
        ("post", "/sessions/{s}/notes", {"text": "mine now"}),
        ("get", "/sessions/{s}/sign", {}),
        ("post", "/sessions/{s}/sign", {}),
        ("post", "/sessions/{s}/addenda", {"addendum": "mine now"}),
    ],
)
def test_another_counselors_session_and_notes_are_not_found(
    app, client, counselor, other_session, method, url, data
):
    with app.app_context():
        note = get_db().scalars(select(SessionNote)).one().id
    response = getattr(client, method)(url.format(s=other_session, n=note), data=data)
    assert response.status_code == 404
    with app.app_context():
        meeting = get_db().get(CounselingSession, other_session)
        assert [n.text for n in meeting.notes] == ["Lee's note"]
        assert meeting.signed_at is None and meeting.addenda == []


def test_a_note_of_another_session_is_not_found_through_mine(client, meeting, other_session):
    assert client.get("/sessions/1/notes/3/edit").status_code == 404


@pytest.fixture
def soap_app(make_app):
    return make_app(WORKSHEET_DIRS=[str(FIXTURES)], NOTE_STRUCTURE="soap")


def test_the_practices_structure_lays_out_a_note_with_its_headings(soap_app, make_couple):
    from clinic.models import Counselor
    from clinic.passwords import hash_password

    from .conftest import PASSWORD

    with soap_app.app_context():
        get_db().add(
            Counselor(email="s@example.org", name="Sol", password_hash=hash_password(PASSWORD))
        )
        get_db().commit()
    client = soap_app.test_client()
    client.post("/login", data={"email": "s@example.org", "password": PASSWORD})
    with soap_app.app_context():
        from clinic.models import Couple, Partner

        couple = Couple(counselor_id=1, label="Sam & Alex")
        couple.partners = [
            Partner(position=1, display_name="Sam"),
            Partner(position=2, display_name="Alex"),
        ]
        get_db().add(couple)
        get_db().commit()
    new = text_of(client.get("/couples/1/sessions/new"))
    for heading in ("Subjective", "Objective", "Assessment", "Plan"):
        assert f">{heading}</label>" in new
    assert '<option selected value="soap">' in new
    today = utcnow().date().isoformat()
    client.post(
        "/couples/1/sessions",
        data={
            "held_on": today,
            "note_structure": "soap",
            "part_subjective": "Both say mornings are tense.",
            "part_plan": "Ten quiet minutes at breakfast.",
            "shared": "y",
        },
    )
    with soap_app.app_context():
        note = get_db().scalars(select(SessionNote)).one()
        assert note.structure == "soap"
        assert note.sections == {
            "subjective": "Both say mornings are tense.",
            "plan": "Ten quiet minutes at breakfast.",
        }
        assert note.text == (
            "Subjective\nBoth say mornings are tense.\n\nPlan\nTen quiet minutes at breakfast."
        )
    page = text_of(client.get("/sessions/1"))
    assert '<h3 class="note-heading">Subjective</h3> <p class="prewrap">Both say mornings' in page
    assert "Objective</h3>" not in page  # an empty heading is left out
    mine = pdf_text(client.get("/sessions/1/summary-counselor.pdf"))
    assert "Subjective Both say mornings are tense. Plan Ten quiet minutes at breakfast." in mine
    theirs = pdf_text(couple_copy(client, 1))
    assert "Subjective Both say mornings are tense." in theirs


def test_a_session_can_take_another_structure_and_old_notes_still_read(app, client, meeting):
    """The session's notes so far are free text; switched to BIRP, new notes get its headings."""
    client.post(
        "/sessions/1",
        data={"held_on": utcnow().date().isoformat(), "note_structure": "birp"},
    )
    page = text_of(client.get("/sessions/1"))
    for heading in ("Behavior", "Intervention", "Response", "Plan"):
        assert f">{heading}</label>" in page
    assert "Shared first" in page and "Kept to myself" in page
    empty = client.post("/sessions/1/notes", data={"part_behavior": " "})
    assert empty.status_code == 400 and "Please write under at least one heading." in text_of(empty)
    client.post(
        "/sessions/1/notes",
        data={"part_behavior": "Calm", "part_response": "x" * 4001, "part_plan": "Walks"},
    )
    kept = text_of(
        client.post(
            "/sessions/1/notes",
            data={"part_behavior": "Calm", "part_response": "x" * 4001, "part_plan": "Walks"},
        )
    )
    assert "Calm</textarea>" in kept and "Walks</textarea>" in kept
    client.post("/sessions/1/notes", data={"part_intervention": "Role play", "part_plan": "Walks"})
    with app.app_context():
        notes = get_db().scalars(select(SessionNote).order_by(SessionNote.id)).all()
        assert [(n.structure, n.sections) for n in notes] == [
            ("free", None),
            ("free", None),
            ("birp", {"intervention": "Role play", "plan": "Walks"}),
        ]
    edit = text_of(client.get("/sessions/1/notes/3/edit"))
    assert "Role play</textarea>" in edit and ">Intervention</label>" in edit
    mine = pdf_text(client.get("/sessions/1/summary-counselor.pdf"))
    assert "Intervention Role play Plan Walks" in mine and "Kept to myself" in mine


def test_an_unknown_note_structure_stops_start_up(database_url):
    with pytest.raises(
        RuntimeError,
        match='NOTE_STRUCTURE: \'soapy\' is not a note structure; use one of "free", "soap",',
    ):
        create_app(_config(database_url, NOTE_STRUCTURE="soapy"))


def test_a_view_that_changes_notes_reads_whether_the_session_is_signed_afresh(
    app, meeting, counselor
):
    """A note view that loaded the session before another request signed it must not go on to
    change it: the views lock the session and read it again (for_update)."""
    from flask_login import login_user

    from clinic.access import get_session_or_404
    from clinic.models import Counselor

    with app.test_request_context("/sessions/1/notes/2", method="POST"):
        login_user(get_db().get(Counselor, counselor))
        loaded = get_db().get(CounselingSession, 1)
        assert loaded is not None and not loaded.signed
        with app.app_context():  # another request signs it meanwhile
            other = get_db().get(CounselingSession, 1)
            other.signed_at, other.signed_by_id = utcnow(), counselor
            get_db().commit()
        assert not get_session_or_404(1).signed  # what this request had already read
        assert get_session_or_404(1, for_update=True) is loaded
        assert loaded.signed  # read again, under the lock
        get_db().rollback()
