"""The audit log: every look at answers, every PDF and export, every change and every sign-in is
recorded with ids only; admins read it with filters and pages; old events are purged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from clinic.db import get_db, utcnow
from clinic.models import AuditEvent, CounselingSession, Link, SessionNote

from .conftest import PASSWORD

TODAY = "{today}"
COUPLE_FORM = {"label": "Kim & Jo", "partner1_name": "Kim", "partner2_name": "Jo"}


@pytest.fixture
def world(app, counselor, make_couple, make_assignment, submit_answers):
    """A couple with answers sent by one partner and a session with a note: their ids."""
    couple_id = make_couple(counselor)
    assignment_id, _ = make_assignment(couple_id)
    submit_answers(assignment_id, 1, {"close": 4, "wish": "walks"})
    with app.app_context():
        meeting = CounselingSession(couple_id=couple_id, held_on=utcnow().date())
        meeting.notes.append(SessionNote(text="A private note", shared=False))
        get_db().add(meeting)
        get_db().commit()
        session_id, note_id = meeting.id, meeting.notes[0].id
        link_id = get_db().scalars(select(Link.id).order_by(Link.id)).first()
    return {
        "couple": couple_id,
        "assignment": assignment_id,
        "session": session_id,
        "note": note_id,
        "link": link_id,
    }


# (method, url, form, the event's action, its target type): every counselor page that shows
# answers, makes a PDF or changes something.
A, S, L = "assignment", "counseling_session", "link"
ASSIGN = {"worksheets": "two-parts", "due_on": TODAY}
RECORDED = [
    ("get", "/assignments/{assignment}/review", None, "view_answers", A),
    ("get", "/sessions/{session}/summary-counselor.pdf", None, "export_counselor_summary", S),
    ("get", "/sessions/{session}/couple-copy", None, "view_couple_copy", S),
    ("post", "/sessions/{session}/couple-copy", {"keep": "a1"}, "export_couple_summary", S),
    ("post", "/couples", COUPLE_FORM, "create_couple", "couple"),
    ("post", "/couples/{couple}", COUPLE_FORM, "update_couple", "couple"),
    ("post", "/couples/{couple}/archive", {}, "archive_couple", "couple"),
    ("post", "/couples/{couple}/assignments", ASSIGN, "assign", A),
    ("post", "/assignments/{assignment}/due", {"due_on": TODAY}, "change_due_date", A),
    ("post", "/assignments/{assignment}/close", {}, "close_assignment", A),
    ("post", "/assignments/{assignment}/links/{link}/revoke", {}, "revoke_link", L),
    ("post", "/assignments/{assignment}/links/{link}/reissue", {}, "issue_link", L),
    ("post", "/assignments/{assignment}/links/{link}/sent", {}, "send_link", L),
    ("post", "/assignments/{assignment}/review", {}, "review_assignment", A),
    ("post", "/couples/{couple}/sessions", {"held_on": TODAY}, "create_session", S),
    ("post", "/sessions/{session}", {"held_on": TODAY}, "update_session", S),
    ("post", "/sessions/{session}/notes", {"text": "Talked"}, "add_note", S),
    ("post", "/sessions/{session}/notes/{note}/delete", {}, "delete_note", S),
    ("post", "/sessions/{session}/notes/{note}", {"text": "Talked more"}, "update_note", S),
    ("post", "/sessions/{session}/sign", {}, "sign_session", S),
    ("post", "/sessions/{session}/assign", ASSIGN, "assign", A),
]


@pytest.mark.parametrize("method,url,form,action,target", RECORDED)
def test_every_look_pdf_and_change_is_recorded(
    app, client, world, method, url, form, action, target
):
    with app.app_context():
        before = get_db().scalar(select(func.max(AuditEvent.id)))
    if form is not None:
        form = {k: v.format(today=utcnow().date().isoformat()) for k, v in form.items()}
    response = getattr(client, method)(url.format(**world), data=form)
    assert response.status_code in (200, 204, 302), response.get_data(as_text=True)[:500]
    with app.app_context():
        events = get_db().scalars(select(AuditEvent).where(AuditEvent.id > before)).all()
    assert [(e.action, e.target_type) for e in events][-1] == (action, target)
    event = events[-1]
    assert event.counselor_id == 1 and event.address == "127.0.0.1"
    if url.startswith(("/couples/{", "/assignments", "/sessions")):
        assert event.couple_id == world["couple"]


# Posts that change nothing of a counselor's records, or are recorded in their own tests.
NOT_HERE = {
    "auth.login_post",  # test_auth: sign_in, sign_in_failed
    "auth.logout",  # test_auth
    "auth.logout_everywhere",  # test_auth
    "auth.second_step_post",  # test_account: sign_in, second_factor_failed, use_recovery_code
    "account.enable_two_step",  # test_account: enable_second_factor
    "account.new_codes",  # test_account: new_recovery_codes
    "account.disable_two_step",  # test_account: disable_second_factor
    "counselors.reset_two_step",  # test_account: reset_second_factor
    "confirm.create",  # test_records, test_account: confirm_identity, confirm_identity_failed
    "records.download",  # test_records: export_couple
    "records.delete",  # test_records: delete_couple
    "firstrun.create",  # test_firstrun: create_first_counselor
    "counselors.create",  # below
    "counselors.activate",  # below
    "counselors.deactivate",  # below
    "couples.acknowledge_flag",  # test_safety: acknowledge_safety_flag
    "outbox.retry",  # test_mail: retry_message (a message, not a counselor's record)
    "respond.start",  # test_respond: open_link
    "respond.save",  # a partner's drafts, saved as they type; sending is submit_response
    "account.change_time_zone",  # test_local_time: change_time_zone
    "account.change_password",  # test_password_change: change_password
    "notes.add_addendum",  # test_notes: add_addendum (needs a signed session)
}


def test_every_post_route_is_accounted_for(app):
    """A new page that changes something must show up here, recorded or said why not."""
    covered = {url.split("{")[0] for _m, url, *_ in RECORDED}
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint in NOT_HERE:
            continue
        path = rule.rule.replace("<id:", "{").split("{")[0]
        assert any(path.startswith(prefix) or prefix.startswith(path) for prefix in covered), (
            rule.endpoint
        )


def test_counselor_accounts_changes_are_recorded(app, client, counselor):
    client.post(
        "/counselors/",
        data={"name": "Lee", "email": "lee@example.org", "password": PASSWORD, "confirm": PASSWORD},
    )
    client.post("/counselors/2/deactivate")
    client.post("/counselors/2/activate")
    with app.app_context():
        events = get_db().scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.counselor_id, e.target_id) for e in events[1:]] == [
        ("create_counselor", counselor, 2),
        ("deactivate_counselor", counselor, 2),
        ("activate_counselor", counselor, 2),
    ]


def test_events_hold_no_client_text(app, client, world):
    client.get("/assignments/{assignment}/review".format(**world))
    client.post("/sessions/{session}/notes".format(**world), data={"text": "Kim cried today"})
    with app.app_context():
        rows = get_db().execute(select(AuditEvent.__table__)).all()
    dump = repr(rows)
    for text in ("Sam", "Alex", "walks", "Kim cried", "A private note"):
        assert text not in dump


def seed_events(app, n: int, **columns):
    with app.app_context():
        for _ in range(n):
            get_db().add(AuditEvent(action="view_answers", target_type="assignment", **columns))
        get_db().commit()


def test_admins_read_the_log_newest_first(app, client, counselor, clock):
    seed_events(app, 3, counselor_id=counselor, target_id=7, couple_id=3)
    clock.advance(minutes=5)
    seed_events(app, 1, counselor_id=None, link_id=12, target_id=9, couple_id=4)
    page = client.get("/audit/").get_data(as_text=True)
    assert "5 events." in page  # and the sign-in
    rows = page.split("<tbody>")[1].split("</tr>")
    assert "Partner (link #12)" in rows[0] and "assignment #9" in rows[0]
    assert "Looked at answers" in rows[1] and "Counselor 1" in rows[1] and "#3" in rows[1]
    assert "Signed in" in rows[4]


def test_filters(app, client, counselor, make_counselor):
    other = make_counselor("lee@example.org", name="Lee Park")
    days_ago = utcnow() - timedelta(days=3)
    seed_events(app, 2, counselor_id=counselor, couple_id=3, at=days_ago)
    seed_events(app, 1, counselor_id=other, couple_id=4, at=days_ago)
    seed_events(app, 1, counselor_id=other, couple_id=3)
    today = utcnow().date()

    def shown(**args) -> int:
        page = client.get("/audit/", query_string=args)
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        return html.split("<tbody>")[1].count("<tr>") if "<tbody>" in html else 0

    assert shown() == 5
    assert shown(counselor=other) == 2
    assert shown(couple=3) == 3
    assert shown(couple=3, counselor=other) == 1
    assert shown(action="sign_in") == 1
    assert shown(since=today.isoformat()) == 2  # with the sign-in
    assert shown(until=(today - timedelta(days=1)).isoformat()) == 3
    assert shown(action="delete_couple") == 0
    assert "No events match these filters." in client.get("/audit/?action=delete_couple").get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    "args,message",
    [
        ({"couple": "twelve"}, "Not a valid integer value."),
        ({"couple": "0"}, "Please give a number like 12."),
        ({"since": "yesterday"}, "Not a valid date value."),
        ({"since": "2026-03-02", "until": "2026-03-01"}, "on or after the From day."),
        ({"counselor": "99"}, "Not a valid choice."),
    ],
)  # fmt: skip
def test_bad_filters_are_shown_in_place(client, counselor, args, message):
    response = client.get("/audit/", query_string=args)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert 'aria-invalid="true"' in page
    assert "<tbody>" not in page


def test_pages_of_fifty(app, client, counselor):
    seed_events(app, 120, counselor_id=counselor, couple_id=3)
    first = client.get("/audit/?couple=3").get_data(as_text=True)
    assert "120 events, page 1 of 3." in first
    assert 'href="/audit/?page=2&amp;couple=3">Older</a>' in first
    third = client.get("/audit/?couple=3&page=3").get_data(as_text=True)
    assert third.split("<tbody>")[1].count("<tr>") == 20
    assert "Newer</a>" in third and "Older</a>" not in third


def test_only_admins_see_the_log(app, make_counselor, auth, client):
    make_counselor("ana@example.org")
    auth.login("ana@example.org")
    assert client.get("/audit/").status_code == 404
    assert "Audit log" not in client.get("/").get_data(as_text=True)


def test_old_events_are_purged_at_sign_in(make_app, make_counselor, clock):
    app = make_app(AUDIT_RETENTION_DAYS=30)
    make_counselor("ana@example.org")
    seed_events(app, 2, counselor_id=1)
    clock.advance(days=29)
    seed_events(app, 1, counselor_id=1)
    clock.advance(days=2)
    app.test_client().post("/login", data={"email": "ana@example.org", "password": PASSWORD})
    with app.app_context():
        actions = get_db().scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["view_answers", "sign_in"]


def test_retention_zero_keeps_everything(make_app, make_counselor, clock):
    app = make_app(AUDIT_RETENTION_DAYS=0)
    make_counselor("ana@example.org")
    seed_events(app, 2, counselor_id=1)
    clock.advance(days=5000)
    app.test_client().post("/login", data={"email": "ana@example.org", "password": PASSWORD})
    with app.app_context():
        assert get_db().scalar(select(func.count()).select_from(AuditEvent)) == 3
