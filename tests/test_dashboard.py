"""The dashboard: what needs attention first, then the couples, in constant queries."""

from __future__ import annotations

from datetime import timedelta

import pytest

from clinic import attention
from clinic.db import get_db, utcnow
from clinic.models import Couple, Partner
from clinic.rounds import assign

from .conftest import PASSWORD, page_statements


def seed(app, counselor_id: int, count: int, start: int = 0) -> None:
    """count couples, each with an assignment in a different state."""
    with app.test_request_context():
        db = get_db()
        today = utcnow().date()
        for n in range(start, start + count):
            couple = Couple(counselor_id=counselor_id, label=f"Couple {n:03d}")
            couple.partners = [
                Partner(position=1, display_name=f"Pat{n}"),
                Partner(position=2, display_name=f"Kim{n}"),
            ]
            db.add(couple)
            db.flush()
            due = today + timedelta(days=-2 if n % 3 == 0 else 5)
            assignment = assign(couple, "two-parts", today, None)
            assignment.due_on = due
            if n % 3 == 1:
                for response in assignment.responses:
                    response.submitted_answers = {"close": 1 + n % 5}
                    response.submitted_at = utcnow()
                assignment.responses[0].concern = n % 2 == 0
            attention.settle(assignment)
        db.commit()


def count_queries(app, client, path: str) -> int:
    return len(page_statements(app, client, path))


@pytest.mark.parametrize(
    "path,first", [("/", 1), ("/?q=Couple", 1), ("/?page=2", 21), ("/couples/archived", 1)]
)
def test_query_count_is_constant(app, client, counselor, path, first):
    seed(app, counselor, first)
    small = count_queries(app, client, path)
    seed(app, counselor, 200 - first, start=first)
    large = count_queries(app, client, path)
    assert small == large, (small, large)


def test_couple_page_query_count_is_constant(
    app, client, counselor, make_assignment, submit_answers
):
    seed(app, counselor, 1)
    few = count_queries(app, client, "/couples/1")
    for _ in range(8):
        assignment_id, _ = make_assignment(1)
        submit_answers(assignment_id, 1, {"close": 3})
    many = count_queries(app, client, "/couples/1")
    assert few == many, (few, many)


def test_attention_lists(app, client, counselor, make_couple, make_assignment, submit_answers):
    scared = make_couple(counselor, label="Safety first", names=("Rae", "Lou"))
    first, _ = make_assignment(scared)
    submit_answers(first, 1, {"afraid": "unsure"})
    both = make_couple(counselor, label="Both done", names=("Ari", "Bo"))
    second, _ = make_assignment(both)
    submit_answers(second, 1, {"close": 2})
    submit_answers(second, 2, {"close": 3})
    late = make_couple(counselor, label="Running late", names=("Cy", "Dee"))
    make_assignment(late, due_in_days=0)
    html = client.get("/").get_data(as_text=True)
    assert "Safety concerns to act on" in html
    assert "Rae answered a safety question with concern" in html
    assert "Both partners have answered" in html and "review Two parts" in html
    assert "Links not opened yet" in html and "Cy has not opened" in html

    # Tomorrow the late one is overdue, and reviewing clears the other two.
    client.post(f"/assignments/{first}/review")
    client.post(f"/assignments/{second}/review")
    html = client.get("/").get_data(as_text=True)
    assert "Safety answers" not in html and "Both partners have answered" not in html


def test_long_attention_lists_are_capped(app, client, counselor):
    seed(app, counselor, 30)
    html = client.get("/").get_data(as_text=True)
    assert html.count("has not opened") == 10
    assert "And 30 more." in html  # 20 couples x 2 partners unopened, 10 shown


def test_very_long_attention_lists_are_counted_up_to_a_point(app, client, counselor):
    seed(app, counselor, 160)  # 107 couples with two partners each who have not opened
    html = client.get("/").get_data(as_text=True)
    assert html.count("has not opened") == 10
    assert "And over 90 more." in html


def test_overdue(app, clock, client, counselor, make_couple, make_assignment):
    make_assignment(make_couple(counselor, label="Running late"), due_in_days=1)
    clock.advance(days=2)
    client.post("/login", data={"email": "counselor1@example.org", "password": PASSWORD})
    html = client.get("/").get_data(as_text=True)
    assert "Overdue" in html and "Running late" in html


def test_nothing_waiting(client, counselor):
    assert "Nothing waiting on you right now." in client.get("/").get_data(as_text=True)


def test_search_by_label_or_partner_name(client, counselor, make_couple):
    make_couple(counselor, label="Sam & Alex", names=("Sam", "Alex"))
    make_couple(counselor, label="Jo & Lee", names=("Jo", "Lee"))
    make_couple(counselor, label="100% sure", names=("Max", "Ola"))
    html = client.get("/?q=lee").get_data(as_text=True)
    assert "Jo &amp; Lee" in html and "Sam &amp; Alex" not in html
    html = client.get("/?q=alex").get_data(as_text=True)
    assert "Sam &amp; Alex" in html and "Jo &amp; Lee" not in html
    html = client.get("/?q=%25").get_data(as_text=True)  # a literal %, not a wildcard
    assert "100% sure" in html and "Jo &amp; Lee" not in html
    assert 'No couple matches "zzz"' in client.get("/?q=zzz").get_data(as_text=True)


def test_pagination(app, client, counselor):
    seed(app, counselor, 45)
    first = client.get("/").get_data(as_text=True).split('id="couples-title"')[1]
    assert "Page 1 of 3" in first and "Couple 000" in first and "Couple 020" not in first
    third = client.get("/?page=3").get_data(as_text=True).split('id="couples-title"')[1]
    assert "Couple 044" in third and "Couple 000" not in third
    for odd in ("abc", "%C2%B2", "%E2%91%A0", "-1", "0"):  # ², ①: digits to isdigit(), not int()
        assert "Page 1 of 3" in client.get(f"/?page={odd}").get_data(as_text=True)
    assert "Page 3 of 3" in client.get("/?page=99").get_data(as_text=True)


def test_latest_activity(client, counselor, make_couple, make_assignment):
    make_couple(counselor, label="Quiet")
    make_assignment(make_couple(counselor, label="Busy"))
    html = client.get("/").get_data(as_text=True)
    assert "No activity yet" in html
    assert f"Last activity {utcnow():%b} {utcnow().day}, {utcnow().year}" in html


def test_dashboard_shows_only_my_couples(
    client, counselor, make_counselor, make_couple, make_assignment, submit_answers
):
    other = make_counselor("other@example.org")
    theirs = make_couple(other, label="Not yours", names=("Zed", "Yan"))
    assignment_id, _ = make_assignment(theirs)
    submit_answers(assignment_id, 1, {"afraid": "no"})
    html = client.get("/?q=Not").get_data(as_text=True)
    assert "Not yours" not in html and "Zed" not in html
