"""The side-by-side review: gaps, guesses and scores computed from known answers."""

from __future__ import annotations

import re

import pytest

from clinic.db import get_db
from clinic.models import Assignment

SAM = {
    "close": 5,
    "often": "daily",
    "touch": {"hugs": 5, "hands": 1},
    "wish": "Walks <b>together</b>",
    "things": ["walks"],
    "afraid": "no",
}
ALEX = {"close": 2, "often": "weekly", "touch": {"hugs": 4, "hands": 3}, "wish": "Dinner"}


@pytest.fixture
def assignment(counselor, make_couple, make_assignment):
    return make_assignment(make_couple(counselor))[0]


def page(client, assignment_id) -> str:
    response = client.get(f"/assignments/{assignment_id}/review")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_both_answers_side_by_side_with_gaps(client, assignment, submit_answers):
    submit_answers(assignment, 1, SAM)
    submit_answers(assignment, 2, ALEX)
    html = page(client, assignment)
    # close differs by 3 (flag_gap 2): flagged and listed at the top; touch has no flag_gap.
    assert 'href="#row-close"' in html
    assert "Sam: 5 (Very close), Alex: 2. Gap of 3." in html
    assert html.count("Gap of ") == 2  # in the list at the top and on the row
    row = re.search(r'<tr id="row-close" class="flagged">(.*?)</tr>', html, re.S)[1]
    assert "5 (Very close)" in row and ">2<" in row
    hugs = re.search(r'<tr id="row-touch-hugs"[^>]*>(.*?)</tr>', html, re.S)[1]
    assert "Hugs" in hugs and ">5<" in hugs and ">4<" in hugs
    assert "Every day" in html and "Every week" in html
    assert "Walks &lt;b&gt;together&lt;/b&gt;" in html  # text answers in full, escaped
    assert "Private" in html  # the safety question is marked
    assert html.count("Needs attention") == 1  # Sam's "no" to feeling safe, not Alex's blank


def test_gap_just_below_the_threshold_is_not_flagged(client, assignment, submit_answers):
    submit_answers(assignment, 1, {**SAM, "close": 3})
    submit_answers(assignment, 2, {**ALEX, "close": 2, "often": "daily"})
    html = page(client, assignment)
    assert "Gap of" not in html
    assert "No large gaps" in html


def test_one_sided_submission(client, assignment, submit_answers):
    submit_answers(assignment, 2, ALEX)
    html = page(client, assignment)
    assert "Sam: not submitted yet" in html
    assert html.count("Not submitted yet") >= 7  # Sam's column, every row
    assert "Gaps show once both partners have sent their answers." in html
    assert "Dinner" in html


def test_drafts_are_not_shown(app, client, assignment, submit_answers):
    with app.app_context():
        response = get_db().get(Assignment, assignment).responses[0]
        response.answers = {"wish": "draft only canary"}
        get_db().commit()
    assert "draft only canary" not in page(client, assignment)


def test_scores_per_partner(client, counselor, make_couple, make_assignment, submit_answers):
    assignment_id, _ = make_assignment(make_couple(counselor), slug="emotional-intimacy")
    html_before = page(client, assignment_id)
    assert "Scores" in html_before
    answers = {"talk_share": 4, "talk_heard": 2, "talk_hard_topics": 3}
    submit_answers(assignment_id, 1, answers)
    html = page(client, assignment_id)
    row = re.search(
        r"<th scope=\"row\">Talking openly</th>\s*<td>([^<]*)</td><td>([^<]*)</td>", html
    )
    assert row is not None, html
    assert row.groups() == ("3.0", "–")


def test_guesses_against_real_answers(
    client, counselor, make_couple, make_assignment, submit_answers
):
    assignment_id, _ = make_assignment(make_couple(counselor), slug="quality-time")
    submit_answers(assignment_id, 1, {"time_enough": 4, "guess_time_enough": 2})
    submit_answers(assignment_id, 2, {"time_enough": 2, "guess_time_enough": 5})
    html = re.sub(r"\s+", " ", page(client, assignment_id))
    assert "Sam guessed <strong>2" in html and "Alex answered <strong>2" in html
    assert "Alex guessed <strong>5" in html and "Sam answered <strong>4" in html
    assert "Off by 1" in html and "Spot on" in html


def test_mark_reviewed_locks_what_was_sent(app, client, assignment, submit_answers):
    submit_answers(assignment, 1, SAM)
    before = page(client, assignment)
    assert "Alex can still answer and send." in before
    client.post(f"/assignments/{assignment}/review")
    html = page(client, assignment)
    assert "Reviewed" in html and "Mark reviewed" not in html
    with app.app_context():
        sam, alex = get_db().get(Assignment, assignment).responses
        assert sam.locked  # Sam had sent: locked
        assert not alex.locked  # Alex had not: can still answer and send


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_counselors_review_is_404(
    app, client, counselor, make_counselor, make_couple, make_assignment, submit_answers, method
):
    other = make_counselor("other@example.org")
    assignment_id, _ = make_assignment(make_couple(other))
    submit_answers(assignment_id, 1, SAM)
    response = getattr(client, method)(f"/assignments/{assignment_id}/review")
    assert response.status_code == 404
    assert "Walks" not in response.get_data(as_text=True)
    with app.app_context():
        assert get_db().get(Assignment, assignment_id).reviewed_at is None
