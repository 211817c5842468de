"""`flask backup PATH` and `flask restore PATH`: a consistent copy of the database, made while
the app runs, and putting one back.

SQLite: the online backup API copies the database as it was at one moment, however busy the
app is, and `PRAGMA integrity_check` then reads the whole copy. PostgreSQL: `pg_dump` in its
custom format, read back with `pg_restore --list`; where those tools are missing, the command
prints exactly what to run. Backups are made readable by their owner only (0600).
"""

from __future__ import annotations

import os
import shlex
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, inspect, select
from sqlalchemy.engine import URL, make_url

from .db import Model, get_engine
from .sqlite import private_file, sqlite_path

FORCE_HELP = "Replace a database that holds data."


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
@with_appcontext
def backup_command(path: Path, force: bool) -> None:
    """Copy the database to PATH while the app runs, and check the copy."""
    if path.exists() and not force:
        raise click.ClickException(
            f"{path} exists already. Choose a new name, or add --force to replace it."
        )
    url = current_app.config["DATABASE_URL"]
    partial = path.with_name(path.name + ".partial")  # PATH appears only once it is whole
    partial.unlink(missing_ok=True)
    private_file(partial)
    try:
        source = sqlite_path(url)
        if source is not None:
            rows = _backup_sqlite(source, partial)
            checked = "PRAGMA integrity_check found no problem"
        else:
            rows = _row_count()
            _pg_dump(url, partial, shown=path)
            checked = "pg_restore reads it back"
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(path)
    click.echo(f"Backed up {rows} rows to {path} (readable by you only); {checked}.")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help=FORCE_HELP)
@with_appcontext
def restore_command(path: Path, force: bool) -> None:
    """Put a backup made by `flask backup` in place of the database. Stop the app first."""
    filled = _tables_with_rows()
    if filled and not force:
        raise click.ClickException(
            "The database holds data (" + ", ".join(filled) + "), and restoring replaces all "
            "of it. Stop the app, back the database up, then run this again with --force."
        )
    url = current_app.config["DATABASE_URL"]
    get_engine().dispose()  # no pooled connection of ours keeps the old database open
    target = sqlite_path(url)
    if target is not None:
        _restore_sqlite(path, target)
    else:
        _pg_restore(url, path)
    click.echo(
        f"Restored {_row_count()} rows from {path}. If the backup comes from an older version, "
        "run db-upgrade before starting the app."
    )


def _row_count() -> int:
    engine = get_engine()
    present = set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        return sum(
            connection.scalar(select(func.count()).select_from(table)) or 0
            for table in Model.metadata.sorted_tables
            if table.name in present
        )


def _tables_with_rows() -> list[str]:
    engine = get_engine()
    present = set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        return [
            table.name
            for table in Model.metadata.sorted_tables
            if table.name in present and connection.scalar(select(func.count()).select_from(table))
        ]


def _backup_sqlite(source: Path, copy: Path) -> int:
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(copy)) as dst:
        src.backup(dst)
        # One self-contained file: no -wal beside the copy.
        dst.execute("PRAGMA journal_mode=DELETE")
        problems = [row[0] for row in dst.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise click.ClickException(
                "The copy failed its check, so it was not kept: " + "; ".join(problems[:5])
            )
        return _sqlite_rows(dst)


def _sqlite_rows(connection: sqlite3.Connection) -> int:
    present = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    return sum(
        connection.execute(f'SELECT count(*) FROM "{table.name}"').fetchone()[0]
        for table in Model.metadata.sorted_tables
        if table.name in present
    )


def _restore_sqlite(backup: Path, target: Path) -> None:
    try:
        with closing(sqlite3.connect(f"file:{backup}?mode=ro", uri=True)) as src:
            names = {row[0] for row in src.execute("SELECT name FROM sqlite_master")}
            if not {"alembic_version", "counselor"} <= names:
                raise click.ClickException(f"{backup} is not a backup of clinic's database.")
            problems = [row[0] for row in src.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise click.ClickException(f"{backup} is damaged: " + "; ".join(problems[:5]))
            private_file(target)
            with closing(sqlite3.connect(target)) as dst:
                src.backup(dst)
                dst.execute("PRAGMA journal_mode=WAL")
    except sqlite3.DatabaseError as error:
        raise click.ClickException(f"{backup} is not a SQLite database ({error}).") from error


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL as PostgreSQL's own tools take it, and an environment with its password (never
    on a command line, where other users of the machine could read it)."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = URL.create(
        "postgresql",
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=parsed.query,
    )
    return plain.render_as_string(hide_password=False), env


def _run_pg_tool(
    command: list[str], env: dict[str, str], shown: list[str] | None = None
) -> None:
    """Run one of PostgreSQL's tools; where it is missing, say what to run (shown, if given)."""
    tool = command[0]
    if shutil.which(tool) is None:
        raise click.ClickException(
            f"{tool} is not installed here. Install PostgreSQL's client tools (on Debian: "
            "apt-get install postgresql-client), or run this where they are, giving the "
            "password in PGPASSWORD or ~/.pgpass:\n\n    " + shlex.join(shown or command)
        )
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise click.ClickException(f"{tool} failed:\n{done.stderr.strip()}")


def _pg_dump(url: str, copy: Path, *, shown: Path) -> None:
    target, env = _libpq(url)
    dump = ["pg_dump", "--format=custom", "--no-owner", "--file"]
    _run_pg_tool([*dump, str(copy), target], env, shown=[*dump, str(shown), target])
    _run_pg_tool(["pg_restore", "--list", str(copy)], env)


def _pg_restore(url: str, backup: Path) -> None:
    target, env = _libpq(url)
    command = ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction"]
    _run_pg_tool([*command, "--dbname", target, str(backup)], env)
