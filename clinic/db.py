"""Declarative base, UTC datetimes, one SQLAlchemy session per app context, and the Alembic
configuration the migration commands use."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from flask import Flask, before_render_template, current_app, g, template_rendered
from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

# Tests move this to travel in time; everything that asks "what time is it" goes through utcnow().
clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def utcnow() -> datetime:
    return clock()


class UTCDateTime(TypeDecorator[datetime]):
    """A datetime that is always stored and returned in UTC, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use clinic.db.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Model(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map = {datetime: UTCDateTime()}


def private_file(path: Path) -> None:
    """Make path an empty file only its owner can read (0600), or, when it exists already, take
    away any access that group and others have to it."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        found = path.stat()
        if found.st_uid == os.getuid() and stat.S_IMODE(found.st_mode) & 0o077:
            path.chmod(stat.S_IMODE(found.st_mode) & 0o700)
    else:
        os.close(fd)


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite database URL; None for another database or one in memory."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def make_engine(url: str) -> Engine:
    """An engine with the SQLite settings that keep concurrent requests from failing."""
    path = sqlite_path(url)
    if path is None:
        memory = url.startswith("sqlite")
        engine = create_engine(url) if memory else create_engine(url, pool_pre_ping=True)
        _watch_writes(engine, lock_first=False)
        return engine
    # SQLite makes its -wal and -shm files with the database file's mode: made 0600 first here,
    # all three stay private to the app's user.
    for each in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if each == path or each.exists():
            private_file(each)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, open transactions, so "begin" below is ours.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn: Any) -> None:
        # A reader: in WAL mode it blocks neither other readers nor the one writer.
        conn.exec_driver_sql("BEGIN")

    _watch_writes(engine, lock_first=True)
    return engine


WROTE = "clinic.wrote"  # in a connection's info: its transaction has written or locked rows
WRITE_RE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|SAVEPOINT|CREATE|DROP|ALTER)\b", re.I)


def _watch_writes(engine: Engine, *, lock_first: bool) -> None:
    """Note in each transaction when it first writes; with lock_first (SQLite), take the write
    lock just before.

    On SQLite a deferred transaction that has read and then writes can fail at once with
    "database is locked" (its snapshot may be stale), so it never upgrades: before its first
    write, SELECT ... FOR UPDATE or SAVEPOINT, the reader ends (it changed nothing) and BEGIN
    IMMEDIATE takes the write lock, waiting its turn up to busy_timeout. What it reads from then
    on is current and nobody else writes until it commits: PostgreSQL's READ COMMITTED or
    better, so code written for one is right on the other (read with FOR UPDATE what a write
    depends on).
    """

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.info[WROTE] = False

    @event.listens_for(engine, "before_cursor_execute")
    def _before(
        conn: Any, cursor: Any, statement: str, _params: Any, context: Any, _many: bool
    ) -> None:
        if conn.info.get(WROTE, True) or not _writes(statement, context):
            return
        conn.info[WROTE] = True
        if lock_first:
            cursor.execute("COMMIT")
            cursor.execute("BEGIN IMMEDIATE")


def _writes(statement: str, context: Any) -> bool:
    """Does this statement write, or read to write (FOR UPDATE, which SQLite leaves out)?"""
    if WRITE_RE.match(statement):
        return True
    compiled = getattr(context, "compiled", None)
    return getattr(getattr(compiled, "statement", None), "_for_update_arg", None) is not None


def has_written(session: Session) -> bool:
    """Whether this session's transaction has written (on SQLite: holds the write lock)."""
    return session.in_transaction() and bool(session.connection().info.get(WROTE, False))


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["clinic.db"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)
    # Views render last, after reading; the transaction ends before the template runs, not at
    # teardown, and again after it for whatever the template loaded on the way.
    before_render_template.connect(_end_reading, app)
    template_rendered.connect(_end_reading, app)


def end_reading() -> None:
    """End the current transaction if it has only read: it is done with the database (about to
    render a template or a PDF). One that wrote is the view's to commit or roll back."""
    session = g.get("db")
    if session is None or not session.in_transaction():
        return
    if session.new or session.deleted or any(session.is_modified(o) for o in session.dirty):
        return
    if has_written(session):
        return
    session.commit()  # nothing to write: ends the snapshot and gives the connection back


def _end_reading(_app: Flask, **_extra: Any) -> None:
    end_reading()


def get_db() -> Session:
    """The session of the current app context, opened on first use."""
    if "db" not in g:
        g.db = current_app.extensions["clinic.db"]()
    return cast(Session, g.db)


def get_engine() -> Engine:
    return cast(Engine, current_app.extensions["clinic.db"].kw["bind"])


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()


def alembic_config(url: str) -> Config:
    """Alembic's settings for the database at url; imported only by the commands that migrate."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = url
    return config
