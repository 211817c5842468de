"""Declarative base, UTC datetimes, one SQLAlchemy session per app context, and the Alembic
configuration the migration commands use."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from flask import Flask, before_render_template, current_app, g, template_rendered
from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from .sqlite import add_functions, file_engine, leave_queue, sqlite_path, wait_turn

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


def make_engine(url: str) -> Engine:
    """An engine that notes when a transaction writes; SQLite's as clinic.sqlite sets it up."""
    path = sqlite_path(url)
    if path is None:
        engine = create_engine(url) if url.startswith("sqlite") else server_engine(url)
        _watch_writes(engine, lock_first=False)
    else:
        engine = file_engine(url, path)
        _watch_writes(engine, lock_first=True)
    if engine.dialect.name == "sqlite":
        add_functions(engine)
    return engine


IDLE_CHECK_SECONDS = 10.0
LAST_USED = "clinic.last_used"  # in a pooled connection's info: when it was last handed back


def server_engine(url: str) -> Engine:
    """An engine for a database server (PostgreSQL) whose pool checks a connection before
    handing it out only when it has lain unused IDLE_CHECK_SECONDS or more: one the server
    closed meanwhile (a restart, a firewall that drops idle connections) is then replaced
    before a request sees it. A connection in steady use is handed out unchecked, where the
    pool's own pre-ping would cost every request a round trip to the server. Should the server
    go away while it is busy, the requests under way fail, as they would with pre-ping, and
    SQLAlchemy replaces every connection the pool made before."""
    engine = create_engine(url)

    @event.listens_for(engine, "connect")
    @event.listens_for(engine, "checkin")
    def _used(_dbapi_connection: Any, record: Any) -> None:
        record.info[LAST_USED] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get(LAST_USED, 0.0) < IDLE_CHECK_SECONDS:
            return
        dialect = engine.dialect
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as e:
            if dialect.is_disconnect(e, dbapi_connection, None):
                raise DisconnectionError("the server closed an idle connection") from e
            raise

    return engine


WROTE = "clinic.wrote"  # in a connection's info: its transaction has written or locked rows
BEGUN = "clinic.begun"  # ... and, on SQLite, has sent its BEGIN
WRITE_RE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|SAVEPOINT|CREATE|DROP|ALTER)\b", re.I)


def _watch_writes(engine: Engine, *, lock_first: bool) -> None:
    """Note in each transaction when it first writes; with lock_first (SQLite), take the write
    lock just before.

    On SQLite a transaction begins with its first statement: BEGIN for a reader (in WAL mode it
    blocks neither other readers nor the one writer), BEGIN IMMEDIATE for one that writes first.
    A reader that then writes could fail at once with "database is locked" (its snapshot may be
    stale), so it never upgrades: before its first write, SELECT ... FOR UPDATE or SAVEPOINT,
    the reader ends (it changed nothing) and BEGIN IMMEDIATE takes the write lock, after its
    turn in the writers' queue (clinic.sqlite). What it reads from then on is current and
    nobody else writes until it commits: PostgreSQL's READ COMMITTED or better, so code written
    for one is right on the other (read with FOR UPDATE what a write depends on).
    """

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.info[WROTE] = False
        if lock_first:
            leave_queue(conn.info)  # the connection's last transaction has ended
            conn.info[BEGUN] = False

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _end(conn: Any) -> None:
        conn.info[WROTE] = True  # outside a transaction: statements are left alone

    @event.listens_for(engine, "before_cursor_execute")
    def _before(
        conn: Any, cursor: Any, statement: str, _params: Any, context: Any, _many: bool
    ) -> None:
        info = conn.info
        if info.get(WROTE, True):
            return
        writes = _writes(statement, context)
        if lock_first and not info[BEGUN]:
            info[BEGUN] = True
            if writes:
                info[WROTE] = True
                wait_turn(info)
                cursor.execute("BEGIN IMMEDIATE")
            else:
                cursor.execute("BEGIN")
            return
        if not writes:
            return
        info[WROTE] = True
        if lock_first:
            cursor.execute("COMMIT")
            wait_turn(info)
            cursor.execute("BEGIN IMMEDIATE")


def _writes(statement: str, context: Any) -> bool:
    """Does this statement write, or read to write (FOR UPDATE, which SQLite leaves out)?"""
    if WRITE_RE.match(statement):
        return True
    # A compiled INSERT, UPDATE or DELETE the pattern misses (one opening with WITH, say)
    if any(getattr(context, kind, False) for kind in ("isinsert", "isupdate", "isdelete")):
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
