"""Email a practice can rely on, against a real SMTP server on loopback: invitations with one
link per partner from PUBLIC_URL, reminders on schedule, the counselor told, every message a row
in the outbox, faults kept in the outbox, and each message sent once by several senders."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from clinic.db import Model, get_db, utcnow
from clinic.mail.sending import send_due
from clinic.models import Assignment, AuditEvent, Couple, Link, Message, Round
from clinic.respond.operations import store_sent, worksheet_of

from .conftest import CODE, PASSWORD, free_port, mail_config, start_link

ROOT = Path(__file__).resolve().parent.parent
LINK = re.compile(r"https://clinic\.example\.org/l/([A-Za-z0-9_-]{43})")
TITLES = ("Two parts", "Quality time", "quality", "closeness")  # worksheet topics never mailed


@pytest.fixture
def mail_app(make_app, mailbox):
    return make_app(**mail_config(mailbox.port))


@pytest.fixture
def desk(mail_app, make_counselor, make_couple):
    """A signed-in counselor whose couple both have email addresses; returns the client."""
    counselor_id = make_counselor("counselor1@example.org", admin=True)
    couple_id = make_couple(counselor_id)
    with mail_app.app_context():
        couple = get_db().get(Couple, couple_id)
        couple.partners[0].email = "sam@example.org"
        couple.partners[1].email = "alex@example.org"
        get_db().commit()
    client = mail_app.test_client()
    client.post("/login", data={"email": "counselor1@example.org", "password": PASSWORD})
    return client


def assign(client, worksheets=("two-parts", "quality-time"), days=7, email=("1", "2")):
    due = (utcnow().date() + timedelta(days=days)).isoformat()
    return client.post(
        "/couples/1/assignments",
        data={"worksheets": list(worksheets), "due_on": due, "email_to": list(email)},
        follow_redirects=True,
    )


def body(message) -> str:
    return "\n".join(
        part.get_content() for part in message.walk() if part.get_content_maintype() == "text"
    )


def every_stored_value(app) -> str:
    with app.app_context():
        rows = []
        for table in Model.metadata.sorted_tables:
            rows += [str(tuple(r)) for r in get_db().execute(select(table)).all()]
        return "\n".join(rows)


def test_assigning_emails_each_partner_one_link_from_public_url(mail_app, desk, mailbox, caplog):
    caplog.set_level("DEBUG")
    page = assign(desk).get_data(as_text=True)
    assert "Emailed the link to Sam and Alex." in page
    assert len(mailbox.received) == 2
    tokens = []
    for address in ("sam@example.org", "alex@example.org"):
        (message,) = mailbox.to(address)
        assert message["Subject"] == "A note from Riverside Counseling"
        assert "Riverside Counseling" in message["From"]
        assert message.get_content_type() == "multipart/alternative"
        found = set(LINK.findall(body(message)))
        assert len(found) == 1  # one link for both worksheets
        tokens += found
        text_ = body(message) + message["Subject"]
        assert not any(title.lower() in text_.lower() for title in TITLES)
        assert "2 short worksheets" in text_
    # The emailed link opens both worksheets on the partner's phone.
    phone = mail_app.test_client()
    listing = phone.get(start_link(phone, tokens[0])).get_data(as_text=True)
    assert "Two parts" in listing and "Quality time plan" in listing
    # Only hashes are kept, and no log line carries a token.
    stored = every_stored_value(mail_app)
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name != "mail.log")
    for token in tokens:
        assert token not in stored and token not in logged
    # The outbox rows say what went where, and the assignment page shows them.
    with mail_app.app_context():
        rows = get_db().scalars(select(Message).order_by(Message.id)).all()
        assert [(m.kind, m.recipient, m.status) for m in rows] == [
            ("invitation", "sam@example.org", "sent"),
            ("invitation", "alex@example.org", "sent"),
        ]
    shown = desk.get("/assignments/1").get_data(as_text=True)
    assert "Invitation</strong> to sam@example.org: sent" in shown


def test_a_partner_who_cannot_be_emailed_gets_a_link_to_copy(mail_app, desk, mailbox):
    with mail_app.app_context():
        get_db().get(Couple, 1).partners[1].email = None
        get_db().commit()
    form = desk.get("/couples/1/assignments/new").get_data(as_text=True)
    assert 'name="email_to" id="email_to-1" value="1" checked' in form
    assert "Alex has no email address." in form
    page = assign(desk, email=("1",)).get_data(as_text=True)
    assert len(mailbox.received) == 1
    assert "Private link for Alex" in page and "Private link for Sam" not in page
    assert "https://clinic.example.org/l/" in page  # built from PUBLIC_URL, not the request


def test_a_partner_may_be_left_out_of_email(mail_app, desk, mailbox):
    page = assign(desk, email=()).get_data(as_text=True)
    assert mailbox.received == []
    assert "Private link for Sam" in page and "Private link for Alex" in page


def test_the_counselor_is_told_when_both_have_sent(mail_app, desk, mailbox, submit_answers):
    assign(desk, worksheets=("two-parts",))
    submit_answers(1, 1, {"close": 2})
    with mail_app.app_context():
        send_due()
    assert mailbox.to("counselor1@example.org") == []
    submit_answers(1, 2, {"close": 4})
    submit_answers(1, 2, {"close": 5})  # sending again tells nothing new
    with mail_app.app_context():
        send_due()
    (note,) = mailbox.to("counselor1@example.org")
    assert note["Subject"] == "Both partners have answered"
    assert "https://clinic.example.org/assignments/1/review" in body(note)
    assert "Sam" not in body(note) and "Two parts" not in body(note)


def test_reminders_follow_the_schedule_and_stop_after_sending(
    mail_app, desk, mailbox, clock, submit_answers
):
    clock.set(datetime(2027, 3, 1, 6, 0, tzinfo=UTC))
    desk.post("/login", data={"email": "counselor1@example.org", "password": PASSWORD})
    due = "2027-03-08"
    desk.post(
        "/couples/1/assignments",
        data={"worksheets": ["two-parts"], "due_on": due, "email_to": ["1", "2"]},
    )
    assert len(mailbox.received) == 2

    def reminders_to(address: str) -> list:
        return [m for m in mailbox.to(address) if "reminder" in m["Subject"]]

    def run_at(moment: str) -> None:
        clock.set(datetime.fromisoformat(moment).replace(tzinfo=UTC))
        with mail_app.app_context():
            send_due()

    run_at("2027-03-06T07:59")  # two days before, not yet the hour
    assert reminders_to("sam@example.org") == []
    run_at("2027-03-06T08:00")
    run_at("2027-03-06T09:30")  # once per step
    (first,) = reminders_to("sam@example.org")
    assert first["Subject"] == "A reminder from Riverside Counseling"
    assert "Two parts" not in body(first)
    run_at("2027-03-08T08:05")  # the due date
    assert len(reminders_to("sam@example.org")) == 2
    fresh = {LINK.search(body(m))[1] for m in reminders_to("sam@example.org")}
    assert len(fresh) == 2  # a new link each time, and the earlier ones still work
    with mail_app.app_context():
        assert all(link.revoked_at is None for link in get_db().scalars(select(Link)))
    submit_answers(1, 1, {"close": 3})  # Sam sends; Alex does not
    run_at("2027-03-11T08:00")  # three days after
    run_at("2027-03-20T08:00")  # nothing more: at most three
    assert len(reminders_to("sam@example.org")) == 2
    assert len(reminders_to("alex@example.org")) == 3


@pytest.mark.clock("2027-03-01T06:00")  # before REMINDER_HOUR: the first reminder is ahead
def test_reminders_can_be_switched_off(mail_app, desk, mailbox, clock):
    assign(desk, worksheets=("two-parts",), days=2)
    desk.post("/assignments/1/members/1/reminders", data={})  # Sam: off
    page = desk.get("/assignments/1").get_data(as_text=True)
    assert "No reminders for Sam" in page
    clock.advance(days=1)
    clock.set(clock.now.replace(hour=9))
    with mail_app.app_context():
        send_due()
    assert [m["To"] for m in mailbox.received if "reminder" in m["Subject"]] == ["alex@example.org"]


def test_the_server_down_then_up(make_app, make_counselor, make_couple, clock):
    port = free_port()
    app = make_app(**mail_config(port))
    counselor_id = make_counselor("counselor1@example.org", admin=True)
    make_couple(counselor_id)
    with app.app_context():
        get_db().get(Couple, 1).partners[0].email = "sam@example.org"
        get_db().commit()
    client = app.test_client()
    client.post("/login", data={"email": "counselor1@example.org", "password": PASSWORD})
    page = assign(client, worksheets=("two-parts",), email=("1",)).get_data(as_text=True)
    assert "could not be sent yet (The mail server could not be reached" in page
    assert "Private link for Alex" in page  # the rest went on as usual
    shown = client.get("/assignments/1").get_data(as_text=True)
    assert "queued" in shown and "could not be reached" in shown
    with app.app_context():
        (message,) = get_db().scalars(select(Message)).all()
        assert message.status == "queued" and message.attempts == 1 and message.link_id is None
        assert get_db().scalar(select(text("count(*)")).select_from(Link)) == 1  # Alex's only
    from .conftest import Mailbox

    box = Mailbox(port)
    box.start()
    try:
        with app.app_context():
            send_due()  # too early for the retry
        assert box.received == []
        clock.advance(minutes=6)
        with app.app_context():
            send_due()
        (sent,) = box.to("sam@example.org")
        assert LINK.search(body(sent))
    finally:
        box.stop()
    with app.app_context():
        message = get_db().scalars(select(Message)).one()
        assert (message.status, message.attempts, message.last_error) == ("sent", 2, None)


def test_a_refused_login_stays_queued_with_the_reason(make_app, desk_for_auth):
    app, client = desk_for_auth
    page = assign(client, worksheets=("two-parts",), email=("1",)).get_data(as_text=True)
    assert "refused the login" in page, re.findall(r"could not be sent[^<]*", page)
    with app.app_context():
        assert get_db().scalars(select(Message)).one().status == "queued"


@pytest.fixture
def desk_for_auth(make_app, make_counselor, make_couple):
    from aiosmtpd.smtp import AuthResult

    from .conftest import Mailbox

    box = Mailbox(free_port(), auth_require_tls=False, authenticator=lambda *a: AuthResult(False))
    box.start()
    app = make_app(**mail_config(box.port, MAIL_USERNAME="clinic", MAIL_PASSWORD="wrong"))
    make_couple(make_counselor("counselor1@example.org", admin=True))
    with app.app_context():
        get_db().get(Couple, 1).partners[0].email = "sam@example.org"
        get_db().commit()
    client = app.test_client()
    client.post("/login", data={"email": "counselor1@example.org", "password": PASSWORD})
    yield app, client
    box.stop()


def test_an_address_the_server_refuses_is_marked_failed(mail_app, desk, mailbox):
    mailbox.refuse.add("sam@example.org")
    page = assign(desk, worksheets=("two-parts",)).get_data(as_text=True)
    assert len(mailbox.received) == 1
    with mail_app.app_context():
        sam = get_db().scalars(select(Message).where(Message.recipient == "sam@example.org")).one()
        assert sam.status == "failed" and "550" in sam.last_error
    assert "550" in page


@pytest.mark.clock("2027-03-01T06:00")  # before REMINDER_HOUR: the first reminder is ahead
def test_a_partner_who_said_email_is_unsafe_gets_no_reminder(
    mail_app, desk, mailbox, clock, submit_answers
):
    assign(desk, worksheets=("two-parts",), days=2)
    desk.post(
        "/couples/1/assignments",
        data={
            "worksheets": ["before-we-meet"],
            "due_on": (clock.now.date() + timedelta(days=20)).isoformat(),
            "email_to": ["1", "2"],
        },
    )
    submit_answers(2, 1, {"safe_contact": "neither"})
    clock.set(clock.now.replace(hour=9) + timedelta(days=1))
    with mail_app.app_context():
        send_due()
        skipped = get_db().scalars(select(Message).where(Message.status == "skipped")).all()
    assert [(m.kind, m.recipient) for m in skipped] == [("reminder", "sam@example.org")]
    assert "not safe for them" in skipped[0].reason
    assert not [m for m in mailbox.to("sam@example.org") if "reminder" in m["Subject"]]


def test_mail_test_reports_the_servers_answer(mail_app, mailbox):
    result = mail_app.test_cli_runner().invoke(args=["mail-test", "dana@example.org"])
    assert result.exit_code == 0, result.output
    assert "The mail server answered: 250 2.0.0 Queued as test" in result.output
    assert mailbox.to("dana@example.org")[0]["Subject"] == "Test message from Riverside Counseling"
    bad = mail_app.test_cli_runner().invoke(args=["mail-test", "not-an-address"])
    assert bad.exit_code != 0 and "like name@example.org" in bad.output


def test_the_practice_can_change_the_wording(make_app, mailbox, tmp_path):
    instance = tmp_path / "instance"
    (instance / "mail").mkdir(parents=True)
    (instance / "mail" / "test.txt").write_text("Subject: Hello from us\nOur own words.\n")
    app = make_app(**mail_config(mailbox.port))
    app.instance_path = str(instance)
    assert app.test_cli_runner().invoke(args=["mail-test", "dana@example.org"]).exit_code == 0
    (message,) = mailbox.received
    assert message["Subject"] == "Hello from us" and "Our own words." in body(message)


def test_two_senders_at_once_send_each_message_once(
    mail_app, mailbox, database_url, make_counselor
):
    """Two `flask send-due` processes started at the same moment (SQLite or PostgreSQL)."""
    from clinic.mail.queue import invite
    from clinic.rounds import start_round

    counselor_id = make_counselor("counselor1@example.org", admin=True)
    with mail_app.test_request_context():
        from clinic.models import Partner

        for n in range(12):
            couple = Couple(counselor_id=counselor_id, label=f"Couple {n}")
            couple.partners = [
                Partner(position=1, display_name=f"A{n}", email=f"a{n}@example.org"),
                Partner(position=2, display_name=f"B{n}", email=f"b{n}@example.org"),
            ]
            get_db().add(couple)
            due = utcnow().date() + timedelta(days=30)
            start_round(couple, ["two-parts"], due, None, email_to=set())
        get_db().flush()
        for work in get_db().scalars(select(Round)):
            for partner in work.couple.partners:
                invite(work, partner).next_try_at = datetime(2000, 1, 1, tzinfo=UTC)
        get_db().commit()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CLINIC_SECRET_KEY": "s" * 64,
        "CLINIC_PUBLIC_URL": "https://clinic.example.org",
        "CLINIC_MAIL_SERVER": "127.0.0.1",
        "CLINIC_MAIL_PORT": str(mailbox.port),
        "CLINIC_MAIL_USE_TLS": "false",
        "CLINIC_MAIL_DEFAULT_SENDER": "care@clinic.example.org",
        "CLINIC_WORKSHEET_DIRS": f'["{ROOT / "tests" / "fixtures"}"]',
        "CLINIC_COUNSELOR_NOTICE": '"off"',
    }
    command = [sys.executable, "-m", "flask", "--app", "clinic", "send-due"]
    senders = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outputs = [sender.communicate(timeout=120) for sender in senders]
    for sender, (_out, err) in zip(senders, outputs, strict=True):
        assert sender.returncode == 0, err.decode()
    recipients = sorted(m["To"] for m in mailbox.received)
    assert len(recipients) == 24 and len(set(recipients)) == 24
    with mail_app.app_context():
        statuses = get_db().scalars(select(Message.status)).all()
        assert statuses == ["sent"] * 24
    logs = b"".join(out + err for out, err in outputs).decode()
    assert "/l/" not in logs
    assert CODE  # the partner's code never enters an email either


def test_send_due_on_a_fresh_demo_sends_messages(mail_app, mailbox):
    runner = mail_app.test_cli_runner()
    assert runner.invoke(args=["demo"]).exit_code == 0
    result = runner.invoke(args=["send-due"])
    assert result.exit_code == 0, result.output
    assert re.search(r"\d+ sent", result.output)
    to = {m["To"] for m in mailbox.received}
    assert {"rosa@example.org", "dani@example.org"} <= to  # a round's invitations
    assert "tom@example.org" in to  # a reminder: overdue, and Tom has not sent
    assert "/l/" not in result.output


def test_a_daily_digest_instead_of_a_note_each_time(make_app, mailbox, desk_factory, clock):
    app, client = desk_factory(COUNSELOR_NOTICE="daily")
    clock.set(datetime(2027, 5, 3, 12, 0, tzinfo=UTC))
    client.post("/login", data={"email": "counselor1@example.org", "password": PASSWORD})
    client.post(
        "/couples/1/assignments", data={"worksheets": ["two-parts"], "due_on": "2027-05-09"}
    )
    with app.app_context():
        assignment = get_db().get(Assignment, 1)
        for response in assignment.responses:
            response.answers = {"close": 3}
            store_sent(response, worksheet_of(response), {"close": 3}, assignment.links[0].id)
        get_db().commit()
        send_due()
    assert mailbox.to("counselor1@example.org") == []  # not before the hour, next day
    clock.set(datetime(2027, 5, 4, 8, 30, tzinfo=UTC))
    with app.app_context():
        send_due()
        send_due()
    (digest,) = mailbox.to("counselor1@example.org")
    assert digest["Subject"] == "Answers to review (1)"
    assert "https://clinic.example.org/assignments/1/review" in body(digest)


@pytest.fixture
def desk_factory(make_app, make_counselor, make_couple, mailbox):
    def make(**extra):
        app = make_app(**mail_config(mailbox.port, **extra))
        make_couple(make_counselor("counselor1@example.org", admin=True))
        client = app.test_client()
        return app, client

    return make


def test_the_outbox_page_shows_failures_and_retries(mail_app, desk, mailbox, make_counselor):
    mailbox.stop()  # the server is down
    assign(desk, worksheets=("two-parts",))
    page = desk.get("/outbox?show=problems").get_data(as_text=True)
    assert page.count("could not be reached") == 2 and "Try again now" in page
    mailbox.start()
    done = desk.post("/outbox/1/retry", follow_redirects=True).get_data(as_text=True)
    assert "Sent to sam@example.org." in done
    assert len(mailbox.received) == 1
    with mail_app.app_context():
        actions = get_db().scalars(select(AuditEvent.action)).all()
        assert "retry_message" in actions
    # Another counselor (not an admin) sees none of it, and cannot retry it.
    make_counselor("other@example.org")
    other = mail_app.test_client()
    other.post("/login", data={"email": "other@example.org", "password": PASSWORD})
    assert "sam@example.org" not in other.get("/outbox").get_data(as_text=True)
    assert other.post("/outbox/2/retry").status_code == 404
