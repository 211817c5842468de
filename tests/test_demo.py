"""`flask demo` fills a fresh database with something to look at, and nothing twice."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from clinic.db import get_db
from clinic.models import (
    Assignment,
    CounselingSession,
    Counselor,
    Couple,
    Response,
    SessionAddendum,
)


def counts(app) -> tuple[int, ...]:
    with app.app_context():
        db = get_db()
        return tuple(
            db.scalar(select(func.count()).select_from(model))
            for model in (Counselor, Couple, Assignment, Response, CounselingSession)
        )


def test_demo_runs_twice_without_duplicating(app, runner, client):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    after_one = counts(app)
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert counts(app) == after_one
    assert after_one[1] == 5 and after_one[4] >= 5
    password = re.search(r"password: (\S+)", second.output)[1]
    response = client.post("/login", data={"email": "demo@example.org", "password": password})
    assert response.status_code == 302
    html = client.get("/").get_data(as_text=True)
    for heading in (
        "Safety concerns to act on",
        "Both partners have answered",
        "Overdue",
        "Links not opened yet",
    ):
        assert heading in html
    with app.app_context():
        first = get_db().scalars(select(Couple.id).where(Couple.label == "Sam & Alex")).one()
    assert "Progress over time" in client.get(f"/couples/{first}").get_data(as_text=True)


def test_demo_refuses_a_database_with_real_accounts(app, runner, make_counselor):
    make_counselor("real@example.org")
    result = runner.invoke(args=["demo"])
    assert result.exit_code != 0
    assert "real counselor accounts" in result.output
    assert counts(app)[1] == 0
    forced = runner.invoke(args=["demo", "--force"])
    assert forced.exit_code == 0
    assert counts(app)[1] == 5


def test_demo_prepares_a_fresh_database_itself(make_app, tmp_path):
    app = make_app(DATABASE_URL=f"sqlite:///{tmp_path / 'new.sqlite3'}")
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert counts(app)[1] == 5


def test_demo_runs_again_after_someone_tried_it_out(app, runner):
    """What a visitor adds to the demo (an addendum to a signed session, a couple of their own)
    goes with the rest when the demo is made again."""
    assert runner.invoke(args=["demo"]).exit_code == 0
    after_one = counts(app)
    with app.app_context():
        db = get_db()
        demo = db.scalar(select(Counselor).where(Counselor.email == "demo@example.org"))
        session = db.scalars(select(CounselingSession).order_by(CounselingSession.id)).first()
        db.add(SessionAddendum(session=session, author=demo, text="Added while trying it out"))
        db.add(Couple(counselor=demo, label="Tried & Out"))
        db.commit()
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0, again.output
    assert counts(app) == after_one
    with app.app_context():
        assert get_db().scalar(select(func.count()).select_from(SessionAddendum)) == 0
        assert get_db().scalar(select(Couple).where(Couple.label == "Tried & Out")) is None
