"""SQLite, the embedded default: files only the app's user can read, WAL, and a queue in front
of the one write lock.

WAL lets readers run beside the one writer. synchronous=NORMAL there means a commit is not
flushed to the disk on its own, only with the next checkpoint: the database can never be
corrupted by a crash, and a power cut or an operating system crash can lose the last moments'
commits. SQLite's documentation calls it a good choice for WAL; under load it let nearly twice
as many saves through (docs/benchmarks.md).

SQLite lets a writer that finds the lock taken sleep and try again, sleeping longer each time
(up to a tenth of a second): under steady writes a waiting writer keeps missing its turn while
others take it. So the app's writers first wait on a lock file beside the database (flock,
one descriptor per connection, so threads wait as processes do), trying again every half
millisecond, and take SQLite's write lock once they hold it. A writer waits there at most the
busy timeout; after that SQLite's own waiting takes over and, in the end, says "database is
locked" as it always has.
"""

from __future__ import annotations

import fcntl
import os
import stat
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url

BUSY_TIMEOUT_SECONDS = 30
QUEUE = "clinic.write_queue"  # in a pooled connection's info: its file descriptor on the queue
HOLDS = "clinic.holds_queue"  # ... and whether it holds the queue now
POLL_SECONDS = 0.0005


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite database URL; None for another database or one in memory."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


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


def file_engine(url: str, path: Path) -> Engine:
    """An engine for the SQLite database at path, set up as the module says. Transactions are
    the caller's to begin (see clinic.db): the driver's own are switched off."""
    queue = path.with_name(path.name + "-writers")
    # SQLite makes its -wal and -shm files with the database file's mode: made 0600 first here,
    # all of them stay private to the app's user.
    for each in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if each == path or each.exists():
            private_file(each)
    private_file(queue)
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None  # BEGIN is ours (clinic.db), not the driver's
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        record.info[QUEUE] = os.open(queue, os.O_RDWR | os.O_CLOEXEC)

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_connection: Any, record: Any) -> None:
        leave_queue(record.info)

    @event.listens_for(engine, "close")
    @event.listens_for(engine, "detach")  # leaves the pool: it waits as SQLite lets it from now
    def _close(_dbapi_connection: Any, record: Any) -> None:
        fd = record.info.pop(QUEUE, None)
        record.info.pop(HOLDS, None)
        if fd is not None:
            os.close(fd)  # lets go of the queue too

    return engine


def add_functions(engine: Engine) -> None:
    """SQL functions SQLite lacks, on each of engine's connections: zone_day(stored, zone)."""

    @event.listens_for(engine, "connect")
    def _functions(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.create_function("zone_day", 2, zone_day, deterministic=True)


def zone_day(stored: str | None, zone: str) -> str | None:
    """The day a stored time (UTC, as SQLite keeps it: "2027-01-15 04:30:00.000000") fell on
    in zone, as "YYYY-MM-DD"; PostgreSQL's to_char(timezone(zone, t), 'YYYY-MM-DD')."""
    if stored is None:
        return None
    moment = datetime.fromisoformat(stored)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(zone)).date().isoformat()


def wait_turn(info: dict[Any, Any]) -> None:
    """Queue for the write lock (info: the connection's); returns holding the queue, or when
    the busy timeout has passed without it."""
    fd = info.get(QUEUE)
    if fd is None or info.get(HOLDS):
        return
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if time.monotonic() > deadline:
                return
            time.sleep(POLL_SECONDS)
        else:
            info[HOLDS] = True
            return


def leave_queue(info: dict[Any, Any]) -> None:
    """Let the next writer go, once this connection's transaction has ended."""
    if info.pop(HOLDS, False):
        fcntl.flock(info[QUEUE], fcntl.LOCK_UN)
