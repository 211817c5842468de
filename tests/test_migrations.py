"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

import os

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from clinic.db import Model, alembic_config, get_engine

# SQLite cannot reflect an index on an expression (the dashboard's couples in name order,
# lower(label)), so there the comparison leaves that one index out and says so; PostgreSQL
# compares it too.
pytestmark = [
    pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index"),
    pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based"),
]


def test_migrations_match_the_models(app):
    # The test database was built by running the migrations (see conftest.template_db).
    with app.app_context(), get_engine().connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Model.metadata) == []


def test_db_upgrade_command_on_a_fresh_database(make_app, tmp_path):
    app = make_app(DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    result = app.test_cli_runner().invoke(args=["db-upgrade"])
    assert result.exit_code == 0, result.output
    assert result.output == f"Created a new database: {tmp_path / 'fresh.sqlite3'} (SQLite)\n"
    again = app.test_cli_runner().invoke(args=["db-upgrade"])
    assert again.output == f"The database is up to date: {tmp_path / 'fresh.sqlite3'} (SQLite)\n"
    with app.app_context(), get_engine().connect() as connection:
        context = MigrationContext.configure(connection)
        assert compare_metadata(context, Model.metadata) == []


def test_db_upgrade_says_what_it_upgraded(make_app, tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    app = make_app(DATABASE_URL=url)
    with app.app_context():
        command.upgrade(alembic_config(url), "0003")
    result = app.test_cli_runner().invoke(args=["db-upgrade"])
    assert "Upgraded the database" in result.output
    assert "from revision 0003 to 0007" in result.output


def test_older_audit_events_learn_their_couple(make_app, tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    app = make_app(DATABASE_URL=url)
    with app.app_context():
        command.upgrade(alembic_config(url), "0003")
        with get_engine().begin() as connection:
            for statement in (
                "INSERT INTO counselor VALUES (1, 'a@example.org', 'A', 'x', 1, 1, 1, "
                "'2026-01-01')",

                "INSERT INTO couple VALUES (7, 1, 'Sam & Alex', '2026-01-01', NULL)",
                "INSERT INTO worksheet_version VALUES (1, 'w', 'v', 'W', '', '2026-01-01')",
                "INSERT INTO assignment VALUES (3, 7, 1, '2026-02-01', NULL, '2026-01-01', NULL, "
                "NULL, NULL)",
                "INSERT INTO audit_event (id, at, action, target_type, target_id) VALUES "
                "(1, '2026-01-01', 'create_couple', 'couple', 7), "
                "(2, '2026-01-01', 'assign', 'assignment', 3), "
                "(3, '2026-01-01', 'sign_in', 'counselor', 1)",
            ):
                connection.execute(text(statement))
        command.upgrade(alembic_config(url), "head")
        with get_engine().connect() as connection:
            found = connection.execute(text("SELECT id, couple_id FROM audit_event ORDER BY id"))
            assert found.all() == [(1, 7), (2, 7), (3, None)]


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="needs PostgreSQL: set TEST_DATABASE_URL (as .ci/run does)",
)
def test_running_on_postgresql(app):
    with app.app_context():
        assert get_engine().dialect.name == "postgresql"
