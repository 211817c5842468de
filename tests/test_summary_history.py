"""A session's summary reads what it shows, not the couple's whole history: the worksheets
given since the session before, and the newest answered ones its progress charts draw from."""

from __future__ import annotations

from datetime import timedelta

from clinic.dates import local_date
from clinic.db import get_db
from clinic.history import TREND_POINTS, couple_trends, summary_assignments
from clinic.models import Assignment, Couple


def test_a_summary_loads_its_weeks_and_the_newest_answered(
    app, counselor, make_couple, make_assignment, submit_answers, clock
):
    couple_id = make_couple(counselor)
    weeks = []
    for week in range(TREND_POINTS + 3):
        assignment_id, _ = make_assignment(couple_id, slug="quality-time")
        if week not in (1, 11):  # two never answered: one old, one in the summary's weeks
            submit_answers(assignment_id, 1, {"time_enough": 2, "time_present": 3})
            submit_answers(assignment_id, 2, {"time_enough": 4, "time_present": 5})
        weeks.append(assignment_id)
        clock.advance(days=7)
    with app.test_request_context():
        couple = get_db().get(Couple, couple_id)
        given = {a: local_date(get_db().get(Assignment, a).created_at) for a in weeks}
        # The session held the day after week 12's worksheet; the one before, after week 10's.
        loaded = summary_assignments(
            couple, given[weeks[10]] + timedelta(days=1), given[weeks[12]] + timedelta(days=1)
        )
        ids = {a.id for a in loaded}
        assert {weeks[11], weeks[12]} <= ids  # since the session before, answered or not
        # The newest 24 answered: weeks 2 to 26 but 11 (never answered); neither 0 nor 1.
        assert ids.isdisjoint({weeks[0], weeks[1]})
        assert set(weeks[2:11]) | set(weeks[12:]) <= ids
        assert [a.id for a in loaded] == sorted(ids, key=weeks.index, reverse=True)  # newest first
        (_slug, _title, trends), *_ = couple_trends(loaded)
        assert {len(trend.points) for trend in trends} == {TREND_POINTS}
