"""Safety first: flags that stay until a counselor acts, caution before joint work, contact
safety, and private gaps kept out of the joint list."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from clinic.db import get_db, utcnow
from clinic.models import Assignment, AuditEvent, SafetyFlag

from .conftest import start_link

WORRIED = {"close": 3, "afraid": "unsure"}


def due(days: int = 7) -> str:
    return (utcnow().date() + timedelta(days=days)).isoformat()


@pytest.fixture
def flagged(counselor, make_couple, make_assignment, submit_answers):
    """Sam & Alex, with Sam's sent answer raising a safety flag: (couple id, assignment id)."""
    couple = make_couple(counselor)
    assignment_id, _ = make_assignment(couple)
    submit_answers(assignment_id, 1, WORRIED)
    return couple, assignment_id


def test_a_safety_answer_raises_a_flag_seen_wherever_the_counselor_looks(app, client, flagged):
    couple, assignment_id = flagged
    with app.app_context():
        flag = get_db().scalars(select(SafetyFlag)).one()
        assert (flag.partner.display_name, flag.question_ids) == ("Sam", ["afraid"])
    dashboard = client.get("/").get_data(as_text=True)
    assert "Safety concerns to act on" in dashboard
    assert "Sam answered a safety question with concern" in dashboard
    for page in (f"/couples/{couple}", f"/assignments/{assignment_id}/review"):
        html = client.get(page).get_data(as_text=True)
        assert "Safety concern: act before joint work" in html
        assert "Do you feel safe?" in html


def test_marking_reviewed_keeps_the_flag_and_acknowledging_keeps_its_history(app, client, flagged):
    couple, assignment_id = flagged
    client.post(f"/assignments/{assignment_id}/review")
    assert "Safety concerns to act on" in client.get("/").get_data(as_text=True)
    refused = client.post(f"/couples/{couple}/flags/1/acknowledge", data={"note": "  "})
    assert refused.status_code == 400
    assert "Please say briefly what was done." in refused.get_data(as_text=True)
    done = client.post(
        f"/couples/{couple}/flags/1/acknowledge", data={"note": "Called Sam alone; plan made."}
    )
    assert done.status_code == 302
    assert "Safety concerns to act on" not in client.get("/").get_data(as_text=True)
    page = client.get(f"/couples/{couple}").get_data(as_text=True)
    assert "Safety concern: act before joint work" not in page
    assert "Safety concerns acted on" in page and "Called Sam alone; plan made." in page
    assert "Acknowledged by Counselor 1" in page
    with app.app_context():
        flag = get_db().get(SafetyFlag, 1)
        assert flag.acknowledged_by_id == 1 and flag.acknowledged_at is not None
        actions = get_db().scalars(select(AuditEvent.action)).all()
        assert "raise_safety_flag" in actions and "acknowledge_safety_flag" in actions


def test_sending_again_with_concern_adds_to_the_open_flag(app, flagged, submit_answers):
    _, assignment_id = flagged
    submit_answers(assignment_id, 1, {**WORRIED, "close": 4})
    with app.app_context():
        assert len(get_db().scalars(select(SafetyFlag)).all()) == 1


def test_another_counselors_flag_is_404(app, flagged, make_counselor):
    couple, _ = flagged
    make_counselor("other@example.org")
    stranger = app.test_client()
    stranger.post(
        "/login", data={"email": "other@example.org", "password": "correct horse battery"}
    )
    response = stranger.post(f"/couples/{couple}/flags/1/acknowledge", data={"note": "x"})
    assert response.status_code == 404
    with app.app_context():
        assert get_db().get(SafetyFlag, 1).acknowledged_at is None


def test_no_flag_reaches_the_partner(app, counselor, make_couple, make_assignment, submit_answers):
    couple = make_couple(counselor)
    first, _ = make_assignment(couple)
    submit_answers(first, 1, WORRIED)
    _, (sam_token, alex_token) = make_assignment(couple)
    for token in (sam_token, alex_token):
        partner = app.test_client()
        page = partner.get(start_link(partner, token)).get_data(as_text=True)
        assert "concern" not in page.lower() and "flag" not in page.lower()


def test_a_caution_worksheet_asks_why_while_a_flag_is_open(app, client, flagged):
    couple, _ = flagged
    form = client.get(f"/couples/{couple}/assignments/new").get_data(as_text=True)
    assert "A safety concern on Sam &amp; Alex is open" in form
    assert "Physical closeness map" in form.split("A safety concern")[1]
    data = {"worksheets": ["physical-closeness"], "due_on": due()}
    refused = client.post(f"/couples/{couple}/assignments", data=data)
    assert refused.status_code == 400
    assert "Please say why this joint work is right" in refused.get_data(as_text=True)
    with app.app_context():
        assert len(get_db().scalars(select(Assignment)).all()) == 1
    reason = "Both asked for it; Sam confirmed alone that touch work feels safe."
    assert (
        client.post(
            f"/couples/{couple}/assignments", data={**data, "caution_reason": reason}
        ).status_code
        == 302
    )
    with app.app_context():
        event = (
            get_db()
            .scalars(select(AuditEvent).where(AuditEvent.action == "assign_despite_flag"))
            .one()
        )
        assert event.detail == reason and event.target_type == "assignment"


def test_other_worksheets_and_acted_on_flags_need_no_reason(app, client, flagged):
    couple, _ = flagged
    plain = {"worksheets": ["quality-time"], "due_on": due()}
    assert client.post(f"/couples/{couple}/assignments", data=plain).status_code == 302
    client.post(f"/couples/{couple}/flags/1/acknowledge", data={"note": "Safety plan made."})
    touch = {"worksheets": ["physical-closeness"], "due_on": due()}
    assert client.post(f"/couples/{couple}/assignments", data=touch).status_code == 302
    form = client.get(f"/couples/{couple}/assignments/new").get_data(as_text=True)
    assert "A safety concern" not in form


def test_assigning_from_a_session_asks_too(app, client, flagged):
    couple, _ = flagged
    client.post(f"/couples/{couple}/sessions", data={"held_on": utcnow().date().isoformat()})
    data = {"worksheets": ["balancing-both"], "due_on": due()}
    refused = client.post("/sessions/1/assign", data=data)
    assert refused.status_code == 400
    assert "Please say why this joint work is right" in refused.get_data(as_text=True)


def _with_emails(client, couple: int, sam: str, alex: str) -> int:
    """Give the partners email addresses, as the counselor would on the couple's edit page."""
    names = {"label": "Sam & Alex", "partner1_name": "Sam", "partner2_name": "Alex"}
    client.post(f"/couples/{couple}", data={**names, "partner1_email": sam, "partner2_email": alex})
    return couple


def _fresh_link_page(client, couple: int) -> str:
    response = client.post(
        f"/couples/{couple}/assignments", data={"worksheets": ["quality-time"], "due_on": due()}
    )
    return client.get(response.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize(
    "answer,email_offered", [("neither", False), ("text_only", False), ("email_only", True)]
)
def test_no_email_offered_to_a_partner_who_said_it_is_unsafe(
    app, client, counselor, make_couple, make_assignment, submit_answers, answer, email_offered
):
    couple = _with_emails(client, make_couple(counselor), "sam@example.org", "alex@example.org")
    meet, _ = make_assignment(couple, slug="before-we-meet")
    submit_answers(meet, 1, {"safe_contact": answer})
    page = _fresh_link_page(client, couple)
    assert ("mailto:sam%40example.org" in page) is email_offered
    assert ("Sam said on" in page and "email from the practice is not safe" in page) is (
        not email_offered
    )
    assert "mailto:alex%40example.org" in page  # Alex said nothing against it


def test_the_latest_contact_answer_decides(
    app, client, counselor, make_couple, make_assignment, submit_answers, clock
):
    couple = _with_emails(client, make_couple(counselor), "sam@example.org", "")
    first, _ = make_assignment(couple, slug="before-we-meet")
    submit_answers(first, 1, {"safe_contact": "yes"})
    clock.advance(days=3)
    second, _ = make_assignment(couple, slug="before-we-meet")
    submit_answers(second, 1, {"safe_contact": "neither"})
    assert "mailto:sam" not in _fresh_link_page(client, couple)


def test_private_gaps_are_not_in_the_joint_box(
    client, counselor, make_couple, make_assignment, submit_answers
):
    couple = make_couple(counselor)
    assignment_id, _ = make_assignment(couple, slug="before-we-meet")
    submit_answers(assignment_id, 1, {"commitment": 1, "hopeful": 1})
    submit_answers(assignment_id, 2, {"commitment": 5, "hopeful": 5})
    page = client.get(f"/assignments/{assignment_id}/review").get_data(as_text=True)
    joint = re.search(r'id="gaps-title">(.*?)</section>', page, re.S)[1]
    private = re.search(r'id="private-gaps-title">(.*?)</section>', page, re.S)[1]
    assert "How much do you want this relationship to work?" not in joint
    assert "How much do you want this relationship to work?" in private
    assert "for you only" in page
    assert "hopeful" in joint or "How hopeful" in joint
