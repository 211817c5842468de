"""A database server's pool checks only connections that lay idle (clinic.db.server_engine):
one the server closed while idle is replaced unseen, one in steady use costs no round trip."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from clinic import db
from tests.conftest import TEST_DATABASE_URL

pytestmark = pytest.mark.skipif(not TEST_DATABASE_URL, reason="a database server's connections")


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = db.server_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def pings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The connections the pool checked before handing them out."""
    checked: list[object] = []
    ping = engine.dialect.do_ping

    def counted(dbapi_connection: object) -> bool:
        checked.append(dbapi_connection)
        return ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    return checked


def _backend(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(text("SELECT pg_backend_pid()")))


def _end_backend(database_url: str, pid: int) -> None:
    """What a server restart does to one connection: the server ends it."""
    admin = create_engine(database_url)
    with admin.connect() as connection:
        assert connection.scalar(text(f"SELECT pg_terminate_backend({pid})"))
    admin.dispose()


def test_a_connection_in_steady_use_is_not_checked(engine, pings):
    first = _backend(engine)
    assert _backend(engine) == first and _backend(engine) == first
    assert pings == []


def test_an_idle_connection_the_server_closed_is_replaced_unseen(
    engine, pings, database_url, monkeypatch
):
    first = _backend(engine)
    _end_backend(database_url, first)
    monkeypatch.setattr(db, "IDLE_CHECK_SECONDS", 0.0)  # it has lain idle long enough
    second = _backend(engine)
    assert second != first
    assert pings[0].closed  # type: ignore[attr-defined]  # found closed, and replaced


def test_a_connection_the_server_closed_while_in_use_fails_once(engine, pings, database_url):
    first = _backend(engine)
    _end_backend(database_url, first)
    with pytest.raises(OperationalError), engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    assert _backend(engine) != first  # the pool replaced it after the failure
    assert pings == []
