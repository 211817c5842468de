"""`flask backup` and `flask restore`: the drill (data, backup, wipe, restore, the same data) on
SQLite and on PostgreSQL, a consistent copy while the app writes, and no data dropped by
accident."""

from __future__ import annotations

import os
import re
import sqlite3
import stat
from contextlib import closing

import pytest
from alembic import command
from sqlalchemy import MetaData, Table, func, inspect, select, text

from clinic.db import Model, alembic_config, get_db, get_engine
from clinic.models import Counselor
from clinic.sqlite import sqlite_path

ON_POSTGRESQL = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")


def everything(app) -> dict[str, list[str]]:
    """Every row of every table, alembic's included, in a stable order."""
    with app.app_context(), get_engine().connect() as connection:
        alembic = Table("alembic_version", MetaData(), autoload_with=connection)
        tables = [*Model.metadata.sorted_tables, alembic]
        return {
            table.name: sorted(repr(tuple(row)) for row in connection.execute(select(table)))
            for table in tables
        }


def wipe(app) -> None:
    """The database is lost: every table is gone."""
    with app.app_context():
        engine = get_engine()
        with engine.begin() as connection:
            Model.metadata.drop_all(connection)
            connection.execute(text("DROP TABLE alembic_version"))
        engine.dispose()


@pytest.fixture
def demo(app, runner):
    """The demo practice; its counselor's password is in app.config["DEMO_PASSWORD"]."""
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    app.config["DEMO_PASSWORD"] = re.search(r"password: (\S+)", result.output)[1]
    return app


def test_the_backup_drill(demo, runner, tmp_path):
    before = everything(demo)
    assert len(before["couple"]) == 5 and before["response"] and before["session_note"]
    backup = tmp_path / "before-upgrade.backup"
    result = runner.invoke(args=["backup", str(backup)])
    assert result.exit_code == 0, result.output
    total = sum(map(len, before.values())) - 1  # alembic's row is not the practice's data
    assert f"Backed up {total} rows to {backup} (readable by you only)" in result.output
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert not backup.with_name(backup.name + ".partial").exists()

    try:
        wipe(demo)
        with demo.app_context():
            assert inspect(get_engine()).get_table_names() == []
        result = runner.invoke(args=["restore", str(backup)])
        assert result.exit_code == 0, result.output
        assert f"Restored {total} rows from {backup}" in result.output
        assert everything(demo) == before
    finally:
        with demo.app_context():  # whatever happened, the next test finds the tables
            command.upgrade(alembic_config(demo.config["DATABASE_URL"]), "head")

    # The practice carries on where it was: the counselor signs in and finds the couples.
    client = demo.test_client()
    login = {"email": "demo@example.org", "password": demo.config["DEMO_PASSWORD"]}
    assert client.post("/login", data=login).status_code == 302
    assert "Sam &amp; Alex" in client.get("/").get_data(as_text=True)


def test_restore_refuses_a_database_with_data_unless_forced(demo, runner, tmp_path):
    backup = tmp_path / "demo.backup"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    with demo.app_context():
        get_db().add(Counselor(email="new@example.org", name="After the backup", password_hash="x"))
        get_db().commit()
    result = runner.invoke(args=["restore", str(backup)])
    assert result.exit_code != 0
    assert "The database holds data (counselor, " in result.output
    assert "run this again with --force" in result.output
    with demo.app_context():
        assert get_db().scalar(select(func.count()).select_from(Counselor)) == 2

    result = runner.invoke(args=["restore", "--force", str(backup)])
    assert result.exit_code == 0, result.output
    with demo.app_context():
        names = get_db().scalars(select(Counselor.name)).all()
        assert "After the backup" not in names and len(names) == 1


def test_backup_never_replaces_a_file_unless_forced(demo, runner, tmp_path):
    kept = tmp_path / "kept.backup"
    kept.write_text("yesterday's backup")
    result = runner.invoke(args=["backup", str(kept)])
    assert result.exit_code != 0
    assert "exists already" in result.output
    assert kept.read_text() == "yesterday's backup"
    assert runner.invoke(args=["backup", "--force", str(kept)]).exit_code == 0
    assert kept.read_bytes() != b"yesterday's backup"


@pytest.mark.skipif(ON_POSTGRESQL, reason="SQLite's online backup")
def test_backup_while_the_app_writes_is_consistent(demo, runner, tmp_path):
    """A write in progress (not yet committed) neither blocks the backup nor lands in it."""
    path = sqlite_path(demo.config["DATABASE_URL"])
    with closing(sqlite3.connect(path, isolation_level=None)) as writer:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE couple SET label = 'half-written'")
        result = runner.invoke(args=["backup", str(tmp_path / "busy.backup")])
        writer.execute("COMMIT")
    assert result.exit_code == 0, result.output
    assert "PRAGMA integrity_check found no problem" in result.output
    with closing(sqlite3.connect(tmp_path / "busy.backup")) as copy:
        labels = {row[0] for row in copy.execute("SELECT label FROM couple")}
        assert "half-written" not in labels and len(labels) == 5
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


@pytest.mark.skipif(ON_POSTGRESQL, reason="SQLite files")
def test_restore_refuses_what_is_not_a_backup(app, runner, tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database at all " * 100)
    result = runner.invoke(args=["restore", str(junk)])
    assert result.exit_code != 0
    assert "is not a SQLite database" in result.output
    other = tmp_path / "other.sqlite3"
    with closing(sqlite3.connect(other)) as connection:
        connection.execute("CREATE TABLE recipes (name)")
    result = runner.invoke(args=["restore", str(other)])
    assert "is not a backup of clinic's database" in result.output


def test_without_pg_dump_the_command_says_what_to_run(make_app, tmp_path, monkeypatch):
    app = make_app(DATABASE_URL="postgresql+psycopg://clinic:s3cret@db.example.org:5433/clinic")
    monkeypatch.setattr("clinic.backup.shutil.which", lambda _name: None)
    monkeypatch.setattr("clinic.backup._row_count", lambda: 0)  # no server to count rows on
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "clinic.dump")])
    assert result.exit_code != 0
    assert (
        f"pg_dump --format=custom --no-owner --file {tmp_path / 'clinic.dump'} "
        "postgresql://clinic@db.example.org:5433/clinic"
    ) in result.output
    assert "s3cret" not in result.output
    assert "PGPASSWORD" in result.output
    assert not list(tmp_path.glob("clinic.dump*"))  # neither the backup nor a partial one
