"""Local time: the practice's days for due dates, overdue and reminders, and every time shown in
the zone of whoever reads it, with its abbreviation; at the turn of a day and at both
daylight-saving changes, in the US and in Europe."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import g
from pypdf import PdfReader
from sqlalchemy import select

from clinic import ROOT, create_app
from clinic.dates import day, today
from clinic.db import get_db
from clinic.mail.compose import compose
from clinic.mail.queue import schedule_reminders
from clinic.models import AuditEvent, Counselor, Message, SessionNote

from .conftest import FIXTURES, PASSWORD, _config, start_link

NEW_YORK = "America/New_York"


@pytest.fixture
def zone() -> str:
    return NEW_YORK


@pytest.fixture
def app(make_app, zone):
    return make_app(WORKSHEET_DIRS=[str(FIXTURES)], TIMEZONE=zone)


def text_of(response) -> str:
    return " ".join(response.get_data(as_text=True).split())


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def test_an_unknown_zone_stops_start_up_and_names_the_nearest(database_url):
    with pytest.raises(RuntimeError) as error:
        create_app(_config(database_url, TIMEZONE="America/NewYork"))
    assert '"America/NewYork" is not a time zone name' in str(error.value)
    assert "Did you mean America/New_York," in str(error.value)
    assert "instance/config.py" in str(error.value)


def test_no_zone_set_takes_the_servers_own(database_url, monkeypatch):
    monkeypatch.setenv("TZ", "Europe/Lisbon")
    app = create_app(_config(database_url, TIMEZONE=""))
    assert app.config["TIMEZONE"] == "Europe/Lisbon"
    app.extensions["clinic.db"].kw["bind"].dispose()


def test_zones_work_on_a_server_without_a_zone_database(database_url):
    """A slim container image or Windows has no /usr/share/zoneinfo; the tzdata package stands
    in. Without it start-up refused even "UTC" as a name this server does not know."""
    config = {"TESTING": True, "DATABASE_URL": database_url, "TIMEZONE": "Europe/Berlin"}
    code = (
        "import zoneinfo\n"
        "from datetime import UTC, date, datetime\n"
        "from clinic import create_app\n"
        "from clinic.dates import local_date, machine_zone, picker_choices\n"
        "assert zoneinfo.TZPATH == (), zoneinfo.TZPATH\n"
        f"app = create_app({config!r})\n"
        "with app.app_context():\n"
        "    late = datetime(2027, 1, 14, 23, 30, tzinfo=UTC)\n"
        "    assert local_date(late) == date(2027, 1, 15), local_date(late)\n"
        "assert 'Europe/Berlin' in picker_choices()['Europe']\n"
        "assert machine_zone() == 'Asia/Tokyo', machine_zone()\n"
    )
    environment = {**os.environ, "PYTHONTZPATH": "", "TZ": "Asia/Tokyo"}
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env=environment)


# 23:30 on January 14 in New York is already 04:30 on January 15 in UTC.
EVENING = "2027-01-15T04:30"


@pytest.mark.clock(EVENING)
def test_an_evening_submission_shows_that_evenings_date(
    client, counselor, make_couple, make_assignment, submit_answers
):
    assignment_id, tokens = make_assignment(make_couple(counselor), due_in_days=0)
    submit_answers(assignment_id, 1, {"close": 3})
    page = text_of(client.get(f"/assignments/{assignment_id}"))
    assert "Due January 14, 2027 · assigned January 14" in page
    assert "on January 14" in page and "January 15" not in page
    # The partner's side: the practice's evening too.
    partner = client.application.test_client()
    partner.get(start_link(partner, tokens[0]))
    assert "were sent to your counselor on January 14, 2027." in text_of(partner.get("/r/1"))


@pytest.mark.clock(EVENING)
def test_due_today_is_not_overdue_until_the_practices_midnight(
    app, clock, client, counselor, make_couple, make_assignment
):
    assignment_id, _ = make_assignment(make_couple(counselor, label="Due tonight"), due_in_days=0)
    with app.app_context():
        assert today() == date(2027, 1, 14)
    page = text_of(client.get(f"/assignments/{assignment_id}"))
    assert "Overdue" not in page and "Due January 14, 2027" in page
    assert "Overdue" not in text_of(client.get("/"))
    clock.set(datetime(2027, 1, 15, 5, 1, tzinfo=UTC))  # 00:01 in New York
    client.post("/login", data={"email": "counselor1@example.org", "password": PASSWORD})
    assert "Overdue" in text_of(client.get(f"/assignments/{assignment_id}"))
    dashboard = text_of(client.get("/"))
    assert "Overdue" in dashboard and "Due tonight" in dashboard


@pytest.mark.clock(EVENING)
@pytest.mark.parametrize(
    ("zone", "due", "accepted"), [(NEW_YORK, "2027-01-14", True), ("UTC", "2027-01-14", False)]
)
def test_a_due_date_of_the_practices_today_is_accepted(
    client, counselor, make_couple, due, accepted
):
    couple = make_couple(counselor)
    form = text_of(client.get(f"/couples/{couple}/assignments/new"))
    assert 'value="2027-01-21"' in form if accepted else 'value="2027-01-22"' in form
    response = client.post(
        f"/couples/{couple}/assignments", data={"worksheets": ["two-parts"], "due_on": due}
    )
    if accepted:
        assert response.status_code == 302
    else:
        assert response.status_code == 400
        assert "Please choose today or a later date." in text_of(response)


@pytest.mark.clock(EVENING)
def test_a_notes_time_reads_in_the_counselors_zone_with_its_abbreviation(
    app, client, counselor, make_couple
):
    couple = make_couple(counselor)
    client.post(f"/couples/{couple}/sessions", data={"held_on": "2027-01-14", "note": "Evening"})
    assert "Jan 14, 23:30 EST" in text_of(client.get("/sessions/1"))
    saved = client.post("/account/time-zone", data={"time_zone": "Europe/Berlin"})
    assert saved.status_code == 302
    account = text_of(client.get("/account/"))
    assert "It is now Jan 15, 05:30 CET where you are." in account
    assert '<option selected value="Europe/Berlin">Berlin (Europe)</option>' in account
    assert "Jan 15, 05:30 CET" in text_of(client.get("/sessions/1"))
    with app.app_context():
        assert get_db().get(Counselor, counselor).time_zone == "Europe/Berlin"
        event = get_db().scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert event.action == "change_time_zone"
    # Back to the practice's zone.
    client.post("/account/time-zone", data={"time_zone": ""})
    assert "Jan 14, 23:30 EST" in text_of(client.get("/sessions/1"))


@pytest.mark.clock(EVENING)
def test_the_timeline_puts_a_worksheet_on_the_day_it_was_given_where_the_counselor_is(
    client, counselor, make_couple, make_assignment
):
    """Given at 23:30 on January 14 in New York (04:30 on the 15th in UTC), after that day's
    session: the timeline has it on the 14th, under the session (on one day, the session comes
    first). For a counselor in Berlin, where it was the 15th already, it is the newest."""
    couple = make_couple(counselor)
    client.post(f"/couples/{couple}/sessions", data={"held_on": "2027-01-14", "note": "Evening"})
    make_assignment(couple)
    assert timeline_of(client, couple) == [
        ("session", "Jan 14, 2027"),
        ("assignment", "Jan 14, 2027"),
    ]
    client.post("/account/time-zone", data={"time_zone": "Europe/Berlin"})
    assert timeline_of(client, couple) == [
        ("assignment", "Jan 15, 2027"),
        ("session", "Jan 14, 2027"),
    ]


def timeline_of(client, couple: int) -> list[tuple[str, str]]:
    """(kind, date) of each entry on the first page of the couple's timeline, as it reads."""
    html = client.get(f"/couples/{couple}").get_data(as_text=True)
    return re.findall(r'<li class="timeline-(\w+)">\s*<span class="timeline-date">([^<]+)<', html)


@pytest.mark.parametrize(
    "typed", ["Mars/Olympus_Mons", "Europe/Berlinn", "../../etc/passwd", "localtime", "Factory"]
)
def test_an_unknown_zone_on_the_account_page_is_explained(app, client, counselor, typed):
    response = client.post("/account/time-zone", data={"time_zone": typed})
    assert response.status_code == 400
    page = text_of(response)
    assert "is not a time zone name this server knows" in page
    with app.app_context():
        assert get_db().get(Counselor, counselor).time_zone is None


@pytest.mark.clock(EVENING)
def test_partners_pdfs_and_emails_keep_the_practices_zone(
    app, client, counselor, make_couple, make_assignment, submit_answers
):
    client.post("/account/time-zone", data={"time_zone": "Asia/Tokyo"})  # 13:30 on the 15th
    couple = make_couple(counselor)
    assignment_id, tokens = make_assignment(couple, due_in_days=0)
    submit_answers(assignment_id, 1, {"close": 3})
    client.post(
        f"/couples/{couple}/sessions",
        data={
            "held_on": "2027-01-14",
            "note": "Shared evening note",
            "shared": "y",
            "discussed": [str(assignment_id)],
        },
    )
    client.post("/sessions/1/sign")
    client.post("/sessions/1/addenda", data={"addendum": "Later thought", "shared": "y"})
    mine = client.get("/sessions/1/summary-counselor.pdf")
    assert "Jan 15, 2027, 13:30 JST" in pdf_text(mine.data)
    keep = re.findall(
        r'name="keep" value="([^"]+)"', client.get("/sessions/1/couple-copy").get_data(as_text=True)
    )
    theirs = pdf_text(client.post("/sessions/1/couple-copy", data={"keep": keep}).data)
    assert "Jan 14, 2027, 23:30 EST" in theirs and "JST" not in theirs
    # A partner's page in the practice's zone, even in a browser where a counselor in Tokyo
    # is signed in.
    client.get(start_link(client, tokens[0]))
    assert "were sent to your counselor on January 14, 2027." in text_of(client.get("/r/1"))
    # An email composed during the counselor's request reads in the practice's zone.
    with app.test_request_context():
        g.clinic_zone = ZoneInfo("Asia/Tokyo")
        mail = compose(
            "invitation",
            "sam@example.org",
            partner_name="Sam",
            counselor_name="Counselor 1",
            url="https://clinic.example.org/l/x",
            count=1,
            due=date(2027, 1, 14),
            until=datetime(2027, 1, 15, 4, 30, tzinfo=UTC),
        )
    assert "The link works until January 14, 2027." in mail.text


# (zone, moment in UTC, how it reads there): just before and after each change.
CHANGES = [
    (NEW_YORK, datetime(2027, 3, 14, 6, 30, tzinfo=UTC), "Mar 14, 01:30 EST"),  # US spring
    (NEW_YORK, datetime(2027, 3, 14, 7, 30, tzinfo=UTC), "Mar 14, 03:30 EDT"),
    (NEW_YORK, datetime(2027, 11, 7, 5, 30, tzinfo=UTC), "Nov 7, 01:30 EDT"),  # US fall
    (NEW_YORK, datetime(2027, 11, 7, 6, 30, tzinfo=UTC), "Nov 7, 01:30 EST"),
    ("Europe/Berlin", datetime(2027, 3, 28, 0, 30, tzinfo=UTC), "Mar 28, 01:30 CET"),  # EU
    ("Europe/Berlin", datetime(2027, 3, 28, 1, 30, tzinfo=UTC), "Mar 28, 03:30 CEST"),
    ("Europe/Berlin", datetime(2027, 10, 31, 0, 30, tzinfo=UTC), "Oct 31, 02:30 CEST"),
    ("Europe/Berlin", datetime(2027, 10, 31, 1, 30, tzinfo=UTC), "Oct 31, 02:30 CET"),
]


@pytest.mark.parametrize(("zone", "moment", "shown"), CHANGES)
def test_times_around_each_daylight_saving_change(
    app, clock, client, counselor, make_couple, moment, shown
):
    clock.set(moment)
    client.post("/login", data={"email": "counselor1@example.org", "password": PASSWORD})
    couple = make_couple(counselor)
    client.post(
        f"/couples/{couple}/sessions", data={"held_on": moment.date().isoformat(), "note": "x"}
    )
    assert shown in text_of(client.get("/sessions/1"))
    with app.app_context():
        assert day(get_db().scalars(select(SessionNote)).one().created_at, "time") == shown


# (zone, due date, the first reminder (two days before, at 08:00 local) in UTC): a reminder
# day on each change, so the local hour holds on both sides of it.
REMINDERS = [
    (NEW_YORK, date(2027, 3, 16), datetime(2027, 3, 14, 12, 0, tzinfo=UTC)),  # now EDT
    (NEW_YORK, date(2027, 11, 9), datetime(2027, 11, 7, 13, 0, tzinfo=UTC)),  # now EST
    ("Europe/Berlin", date(2027, 3, 30), datetime(2027, 3, 28, 6, 0, tzinfo=UTC)),  # now CEST
    ("Europe/Berlin", date(2027, 11, 2), datetime(2027, 10, 31, 7, 0, tzinfo=UTC)),  # now CET
]


@pytest.mark.parametrize(("zone", "due", "first"), REMINDERS)
def test_reminders_go_out_at_the_practices_local_hour(
    app, clock, counselor, make_couple, make_assignment, due, first
):
    clock.set(first - timedelta(days=5))  # assigned a week before it is due
    with app.app_context():
        days = (due - today()).days
    make_assignment(make_couple(counselor), due_in_days=days)

    def reminders_at(moment: datetime) -> int:
        clock.set(moment)
        with app.app_context():
            schedule_reminders()
            return len(get_db().scalars(select(Message).where(Message.kind == "reminder")).all())

    assert reminders_at(first - timedelta(minutes=1)) == 0
    assert reminders_at(first) == 2  # one for each partner, at 08:00 on the practice's clock
    with app.app_context():
        local = first.astimezone(ZoneInfo(app.config["TIMEZONE"]))
    assert (local.hour, local.minute) == (8, 0)
