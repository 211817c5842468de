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


def _old_database(make_app, tmp_path, revision: str, statements: tuple[str, ...]):
    """An app on a SQLite database migrated to revision and holding those rows, then upgraded
    to the newest revision as `flask db-upgrade` would."""
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    app = make_app(DATABASE_URL=url)
    with app.app_context():
        command.upgrade(alembic_config(url), revision)
        with get_engine().begin() as connection:
            for statement in statements:
                connection.execute(text(statement))
        command.upgrade(alembic_config(url), "head")
    return app


# A counselor, a couple, a worksheet version and a round as the tables stood at 0006.
AT_0006 = (
    "INSERT INTO counselor (id, email, name, password_hash, is_admin, active, "
    "session_version, created_at) VALUES (1, 'a@example.org', 'A', 'x', 1, 1, 1, '2026-01-01')",
    "INSERT INTO couple VALUES (7, 1, 'Sam & Alex', '2026-01-01', NULL)",
    "INSERT INTO worksheet_version VALUES (1, 'w', 'v', 'W', '', '2026-01-01')",
    "INSERT INTO round (id, couple_id, created_at) VALUES (1, 7, '2026-01-01')",
)


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
    assert "from revision 0003 to 0008" in result.output


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


def test_dashboard_state_is_filled_in_for_older_rows(make_app, tmp_path):
    day = "'2026-01-0{}'"
    older = (
        "INSERT INTO partner VALUES (1, 7, 1, 'Sam', NULL), (2, 7, 2, 'Zoë', NULL)",
        "INSERT INTO assignment (id, couple_id, round_id, worksheet_version_id, due_on, "
        "created_at, reviewed_at, closed_at, reminders) VALUES "
        f"(1, 7, 1, 1, '2026-02-01', {day.format(2)}, NULL, NULL, 1), "
        f"(2, 7, 1, 1, '2026-02-01', {day.format(3)}, NULL, NULL, 1), "
        f"(3, 7, 1, 1, '2026-02-01', {day.format(4)}, {day.format(8)}, NULL, 1), "
        f"(4, 7, 1, 1, '2026-02-01', {day.format(5)}, NULL, {day.format(8)}, 1)",
        "INSERT INTO response (id, assignment_id, partner_id, answers, section, "
        "submitted_at, concern) VALUES "
        f"(1, 1, 1, '{{}}', 0, {day.format(6)}, 0), "
        f"(2, 1, 2, '{{}}', 0, {day.format(7)}, 0), "
        f"(3, 2, 1, '{{}}', 0, {day.format(6)}, 0), (4, 2, 2, '{{}}', 0, NULL, 0)",
        "INSERT INTO counseling_session (id, couple_id, held_on, next_steps, created_at) "
        "VALUES (1, 7, '2026-01-03', '', '2026-01-03'), (2, 7, '2026-01-05', '', "
        "'2026-01-05')",
    )
    app = _old_database(make_app, tmp_path, "0006", (*AT_0006, *older))
    with app.app_context():
        with get_engine().connect() as connection:
            found = connection.execute(
                text("SELECT id, waiting_on, both_sent_at FROM assignment ORDER BY id")
            )
            assert [(i, w, b and b[:10]) for i, w, b in found] == [
                (1, "counselor", "2026-01-07"),  # both sent: to review
                (2, "partners", None),  # one sent
                (3, None, None),  # reviewed
                (4, None, None),  # closed
            ]
            couple = connection.execute(
                text("SELECT last_activity_at, last_session_on, search_text FROM couple")
            ).one()
            assert couple[0][:10] == "2026-01-07"  # the latest answers sent
            assert couple[1] == "2026-01-05"
            assert couple[2] == "sam & alex\nsam\nzoë"


def test_sessions_keep_their_notes_and_worksheets_through_every_upgrade(make_app, tmp_path):
    """SQLite's batch mode copies counseling_session (0008); the rows pointing at it stay."""
    older = (
        "INSERT INTO assignment (id, couple_id, round_id, worksheet_version_id, due_on, "
        "created_at, reviewed_at, closed_at, reminders) VALUES "
        "(1, 7, 1, 1, '2026-02-01', '2026-01-02', NULL, NULL, 1)",
        "INSERT INTO counseling_session (id, couple_id, held_on, next_steps, created_at) "
        "VALUES (1, 7, '2026-01-03', 'Walk twice a week', '2026-01-03')",
        "INSERT INTO session_note (id, session_id, text, shared, created_at) VALUES "
        "(1, 1, 'Talked about mornings', 1, '2026-01-03')",
        "INSERT INTO session_assignment (session_id, assignment_id) VALUES (1, 1)",
    )
    app = _old_database(make_app, tmp_path, "0006", (*AT_0006, *older))
    with app.app_context():
        with get_engine().connect() as connection:
            assert connection.execute(
                text("SELECT next_steps, note_structure, signed_at FROM counseling_session")
            ).all() == [("Walk twice a week", "free", None)]
            assert connection.execute(text("SELECT text, structure FROM session_note")).all() == [
                ("Talked about mornings", "free")
            ]
            assert connection.execute(
                text("SELECT session_id, assignment_id FROM session_assignment")
            ).all() == [(1, 1)]
            # Foreign keys are enforced again for the app's own connections.
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
