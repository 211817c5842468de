"""SQLite with workers that run together: readers never take the write lock, a writer takes it
just before it writes, and no transaction stays open while a page is rendered."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask, before_render_template
from sqlalchemy import func, select

import clinic.sqlite
from clinic.db import get_db, has_written
from clinic.models import Couple
from clinic.sqlite import sqlite_path

from .conftest import TEST_DATABASE_URL

sqlite_only = pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="SQLite's locks")
WAIT = 20  # seconds before a test that is stuck fails instead of hanging


def couples(app: Flask) -> int:
    return int(get_db().scalar(select(func.count()).select_from(Couple)) or 0)


def in_thread(app: Flask, job: Callable[[], None], errors: list[BaseException]) -> threading.Thread:
    def run() -> None:
        try:
            with app.app_context():
                job()
        except BaseException as error:  # noqa: BLE001 - the test reports it
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@sqlite_only
def test_two_readers_read_at_once_while_a_writer_waits(app, counselor, make_couple):
    make_couple(counselor)
    first_writes = threading.Event()
    readers_done = threading.Event()
    second_done = threading.Event()
    both_reading = threading.Barrier(2, timeout=WAIT)
    errors: list[BaseException] = []
    seen: list[int] = []

    def first_writer() -> None:
        get_db().add(Couple(counselor_id=counselor, label="Kim & Lee"))
        get_db().flush()  # holds the write lock from here to the commit
        assert has_written(get_db())
        first_writes.set()
        assert readers_done.wait(WAIT)
        get_db().commit()

    def reader() -> None:
        assert first_writes.wait(WAIT)
        seen.append(couples(app))  # a read transaction is open from here
        assert not has_written(get_db())
        both_reading.wait()  # both readers inside a read transaction at the same moment
        seen.append(couples(app))
        get_db().commit()

    def second_writer() -> None:
        assert first_writes.wait(WAIT)
        get_db().add(Couple(counselor_id=counselor, label="Ana & Bo"))
        get_db().commit()  # waits for the first writer's commit
        second_done.set()

    writer = in_thread(app, first_writer, errors)
    waiting = in_thread(app, second_writer, errors)
    readers = [in_thread(app, reader, errors) for _ in range(2)]
    for thread in readers:
        thread.join(WAIT * 2)
    assert not errors, errors
    assert seen == [1, 1, 1, 1]  # they read what was committed before the writer's change
    assert not second_done.is_set()  # the second writer is still waiting for the lock
    readers_done.set()
    for thread in (writer, waiting):
        thread.join(WAIT * 2)
    assert not errors, errors
    assert second_done.is_set()
    with app.app_context():
        assert couples(app) == 3


@sqlite_only
def test_a_reader_that_then_writes_does_not_fail_on_a_stale_snapshot(app, counselor, make_couple):
    make_couple(counselor)
    other = app.app_context()
    with app.app_context():
        assert couples(app) == 1  # a snapshot from before the other write
        with other:
            get_db().add(Couple(counselor_id=counselor, label="Kim & Lee"))
            get_db().commit()
        # A deferred transaction upgraded here would fail at once: "database is locked".
        get_db().add(Couple(counselor_id=counselor, label="Ana & Bo"))
        get_db().commit()
        assert couples(app) == 3


def grab_write_lock(app: Flask) -> bool:
    """Can another connection take the write lock right now, without waiting?"""
    path = sqlite_path(app.config["DATABASE_URL"])
    assert path is not None
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()


@contextmanager
def during_render(app: Flask, check: Callable[[], Any]) -> Iterator[list[Any]]:
    """What check() says as each template starts to render (after the app's own hook, which
    connected first)."""
    found: list[Any] = []

    def hook(sender: Flask, **_extra: Any) -> None:
        found.append(check())

    with before_render_template.connected_to(hook, app):
        yield found


@pytest.mark.parametrize("path", ["/", "/couples/1"])
def test_no_transaction_is_open_while_a_page_renders(app, client, counselor, make_couple, path):
    make_couple(counselor)
    with during_render(app, lambda: get_db().in_transaction()) as open_then:
        response = client.get(path)
    assert response.status_code == 200
    assert "Sam &amp; Alex" in response.get_data(as_text=True)
    assert open_then and not any(open_then)


@sqlite_only
def test_a_page_being_rendered_leaves_the_write_lock_free(app, client, counselor, make_couple):
    make_couple(counselor)
    with during_render(app, lambda: grab_write_lock(app)) as free:
        assert client.get("/").status_code == 200
    assert free == [True]


@sqlite_only
def test_a_writing_request_takes_the_lock_only_to_write(app, client, counselor, make_couple):
    couple_id = make_couple(counselor)
    with during_render(app, lambda: grab_write_lock(app)) as free:
        # A form with a mistake: read, nothing written, the page again with the message.
        response = client.post(f"/couples/{couple_id}", data={"label": ""})
    assert response.status_code == 400
    assert free == [True]


def queue_is_free(app: Flask) -> bool:
    """Could another process's writer have its turn in the writers' queue right now?"""
    path = sqlite_path(app.config["DATABASE_URL"])
    assert path is not None
    fd = os.open(path.with_name(path.name + "-writers"), os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


@sqlite_only
def test_a_writer_holds_its_turn_until_its_transaction_ends(app, counselor, make_couple):
    make_couple(counselor)
    with app.app_context():
        assert couples(app) == 1
        assert queue_is_free(app)  # a reader never queues
        get_db().add(Couple(counselor_id=counselor, label="Kim & Lee"))
        get_db().flush()
        assert not queue_is_free(app) and not grab_write_lock(app)
        get_db().commit()
        assert queue_is_free(app) and grab_write_lock(app)
        get_db().add(Couple(counselor_id=counselor, label="Ana & Bo"))
        get_db().flush()
        assert not queue_is_free(app)
        get_db().rollback()
        assert queue_is_free(app) and grab_write_lock(app)
        assert couples(app) == 2


@sqlite_only
def test_a_writer_whose_turn_does_not_come_still_writes_once_sqlite_lets_it(
    app, counselor, make_couple, monkeypatch
):
    """Something outside the app holds the queue (a stuck process, a copied lock): after the
    busy timeout the writer goes on to SQLite's own lock, which is free."""
    monkeypatch.setattr(clinic.sqlite, "BUSY_TIMEOUT_SECONDS", 0.2)
    path = sqlite_path(app.config["DATABASE_URL"])
    assert path is not None
    held = os.open(path.with_name(path.name + "-writers"), os.O_RDWR)
    fcntl.flock(held, fcntl.LOCK_EX)
    try:
        make_couple(counselor)
        with app.app_context():
            assert couples(app) == 1
    finally:
        os.close(held)
