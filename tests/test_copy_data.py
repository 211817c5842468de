"""`flask copy-data`: an installation moves to another database with everything in it."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, func, select, text

from clinic.db import Model, get_db
from clinic.models import Counselor, Couple


def row_counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as connection:
        counts = {
            t.name: connection.scalar(select(func.count()).select_from(t))
            for t in Model.metadata.sorted_tables
        }
    engine.dispose()
    return counts


@pytest.fixture
def target_url(tmp_path):
    """An empty database to move to: a new SQLite file, or PostgreSQL when the suite runs there."""
    base = os.environ.get("TEST_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'moved.sqlite3'}"
        return
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"clinic_copy_{os.getpid()}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def source(make_app, tmp_path):
    """An embedded installation (SQLite) with demo data, as a practice would start."""
    app = make_app(DATABASE_URL=f"sqlite:///{tmp_path / 'embedded.sqlite3'}")
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return app


def test_copy_moves_every_row_and_the_app_runs_on_it(source, make_app, target_url):
    result = source.test_cli_runner().invoke(args=["copy-data", target_url])
    assert result.exit_code == 0, result.output
    assert "Copied" in result.output
    counts = row_counts(source.config["DATABASE_URL"])
    assert row_counts(target_url) == counts
    assert counts["couple"] == 5 and counts["response"] > 0
    moved = make_app(DATABASE_URL=target_url)
    with moved.app_context():
        # New rows get fresh ids after the copied ones.
        counselor = Counselor(email="new@example.org", name="New", password_hash="x")
        get_db().add(counselor)
        get_db().add(Couple(counselor=counselor, label="After the move"))
        get_db().commit()
        assert counselor.id == 2
    client = moved.test_client()
    html = client.get("/login").get_data(as_text=True)
    assert "Sign in" in html


def test_copy_refuses_a_target_with_data(source, target_url):
    runner = source.test_cli_runner()
    assert runner.invoke(args=["copy-data", target_url]).exit_code == 0
    result = runner.invoke(args=["copy-data", target_url])
    assert result.exit_code != 0
    assert "already holds data" in result.output
