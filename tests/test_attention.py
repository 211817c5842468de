"""What the dashboard asks about is kept on the rows through the real pages: partners sending
(and sending again), the counselor reviewing, closing, archiving and restoring, sessions, and
changes of name; and the couple's timeline in pages, as the counselor sees it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from clinic.db import get_db, utcnow
from clinic.models import Assignment, CounselingSession, Couple

from .conftest import PASSWORD, start_link

PART_ONE = {"section": "0", "close": "4", "often": "weekly", "touch.hugs": "5", "touch.hands": "3"}
PART_TWO = {"section": "1", "wish": "More walks", "story": "", "things": ["walks", "games"]}


def state(app, assignment_id: int) -> tuple[str | None, bool]:
    with app.app_context():
        assignment = get_db().get(Assignment, assignment_id)
        return assignment.waiting_on, assignment.both_sent_at is not None


def send(app, token: str) -> None:
    phone = app.test_client()
    url = start_link(phone, token)
    phone.post(url, data={**PART_ONE, "move": "next"})
    response = phone.post(url, data={**PART_TWO, "move": "submit"}, follow_redirects=True)
    assert "Thank you" in response.get_data(as_text=True)


def section_text(html: str, heading: str) -> str:
    return html.split(heading)[1].split("</section>")[0] if heading in html else ""


def test_sending_then_review(app, client, counselor, make_couple, make_assignment):
    couple = make_couple(counselor, label="Sam & Alex")
    assignment_id, (sam, alex) = make_assignment(couple)
    assert state(app, assignment_id) == ("partners", False)
    send(app, sam)
    assert state(app, assignment_id) == ("partners", False)
    assert "review Two parts" not in client.get("/").get_data(as_text=True)
    send(app, alex)
    assert state(app, assignment_id) == ("counselor", True)
    waiting = section_text(client.get("/").get_data(as_text=True), "Both partners have answered")
    assert "Sam &amp; Alex" in waiting and "review Two parts" in waiting
    with app.app_context():
        first_both = get_db().get(Assignment, assignment_id).both_sent_at
    send(app, sam)  # sending again (before the review) keeps when both had sent
    with app.app_context():
        assert get_db().get(Assignment, assignment_id).both_sent_at == first_both
    client.post(f"/assignments/{assignment_id}/review")
    assert state(app, assignment_id) == (None, True)
    assert "Both partners have answered" not in client.get("/").get_data(as_text=True)


def test_closing_leaves_the_overdue_list(
    app, clock, client, counselor, make_couple, make_assignment
):
    couple = make_couple(counselor, label="Running late")
    assignment_id, _ = make_assignment(couple, due_in_days=1)
    clock.advance(days=3)
    client.post("/login", data={"email": "counselor1@example.org", "password": PASSWORD})
    assert "Running late" in section_text(client.get("/").get_data(as_text=True), "<h3>Overdue")
    client.post(f"/assignments/{assignment_id}/close")
    assert state(app, assignment_id) == (None, False)
    assert "<h3>Overdue" not in client.get("/").get_data(as_text=True)


def test_archiving_hides_and_restoring_brings_back(
    app, client, counselor, make_couple, make_assignment
):
    couple = make_couple(counselor, label="Jo & Lee")
    assignment_id, (jo, lee) = make_assignment(couple)
    send(app, jo)
    send(app, lee)
    client.post(f"/couples/{couple}/archive")
    assert "Both partners have answered" not in client.get("/").get_data(as_text=True)
    client.post(f"/couples/{couple}/restore")
    assert "Jo &amp; Lee" in section_text(
        client.get("/").get_data(as_text=True), "Both partners have answered"
    )


def test_latest_activity_follows_sends_and_sessions(
    app, clock, client, counselor, make_couple, make_assignment
):
    couple = make_couple(counselor, label="Sam & Alex")
    assignment_id, (sam, _alex) = make_assignment(couple)
    assigned = utcnow()
    clock.advance(days=3)
    send(app, sam)
    with app.app_context():
        found = get_db().get(Couple, couple)
        assert found.last_activity_at == utcnow() > assigned
    later = (utcnow() + timedelta(days=5)).date()
    client.post("/login", data={"email": "counselor1@example.org", "password": PASSWORD})
    client.post(f"/couples/{couple}/sessions", data={"held_on": later.isoformat()})
    html = client.get("/").get_data(as_text=True)
    assert f"Last activity {later:%b} {later.day}, {later.year}" in html
    with app.app_context():
        meeting = get_db().scalars(select(CounselingSession)).one()
    earlier = utcnow().date() - timedelta(days=1)
    client.post(f"/sessions/{meeting.id}", data={"held_on": earlier.isoformat()})
    with app.app_context():
        assert get_db().get(Couple, couple).last_session_on == earlier


def test_search_follows_changes_of_name(app, client, counselor, make_couple):
    couple = make_couple(counselor, label="Sam & Alex", names=("Sam", "Alex"))
    assert "Sam &amp; Alex" in client.get("/?q=ALEX").get_data(as_text=True)
    client.post(
        f"/couples/{couple}",
        data={"label": "The Parks", "partner1_name": "Sam", "partner2_name": "Zoë"},
    )
    assert 'No couple matches "alex"' in client.get("/?q=alex").get_data(as_text=True)
    assert "The Parks" in client.get("/?q=zo%C3%AB").get_data(as_text=True)
    assert "The Parks" in client.get("/?q=parks").get_data(as_text=True)
    assert 'No couple matches "a_e"' in client.get("/?q=a_e").get_data(as_text=True)


def test_the_timeline_in_pages(app, clock, client, counselor, make_couple, make_assignment):
    couple = make_couple(counselor)
    for _ in range(23):
        make_assignment(couple)
        clock.advance(days=1)
    with app.app_context():
        get_db().add(CounselingSession(couple_id=couple, held_on=utcnow().date()))
        get_db().commit()
    client.post("/login", data={"email": "counselor1@example.org", "password": PASSWORD})
    first = section_text(client.get(f"/couples/{couple}").get_data(as_text=True), "Timeline</h2>")
    assert first.count("Assigned <a") == 19 and first.count(">Session</a>") == 1
    assert "Page 1 of 2" in first and "Older" in first and "Newer" not in first
    second = section_text(
        client.get(f"/couples/{couple}?page=2").get_data(as_text=True), "Timeline</h2>"
    )
    assert second.count("Assigned <a") == 4 and "Page 2 of 2" in second and "Newer" in second
    assert "Page 2 of 2" in client.get(f"/couples/{couple}?page=9").get_data(as_text=True)
    for odd in ("%C2%B2", "x", "0"):  # ² is a digit to isdigit() but not to int()
        assert "Page 1 of 2" in client.get(f"/couples/{couple}?page={odd}").get_data(as_text=True)
    html = client.get(f"/couples/{couple}").get_data(as_text=True)
    table = html.split('id="assignments-title"')[1].split("</table>")[0]
    assert table.count("<tr>") == 1 + 23  # every worksheet is still open, so all are listed
