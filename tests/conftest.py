"""Fixtures: an app per test on its own database, a client, a CLI runner and data factories."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, event, text

from clinic import create_app, db
from clinic.db import Model, alembic_config, get_db, get_engine
from clinic.models import Counselor, Couple, Partner
from clinic.passwords import hash_password

PASSWORD = "correct horse battery"
CODE = "2468"  # the partner's code, chosen at the first Start
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
# Under pytest-xdist each worker runs on a PostgreSQL database of its own, named after the
# one given; SQLite needs nothing, as every test copies its own file.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
FIXTURES = Path(__file__).parent / "fixtures"


def _config(url: str, **extra: Any) -> dict[str, Any]:
    return {
        "TESTING": True,
        "DATABASE_URL": url,
        "SECRET_KEY": "test-" + "k" * 40,
        "PASSWORD_HASH_PROFILE": "CHEAPEST",
        "WTF_CSRF_ENABLED": False,
        "TIMEZONE": "UTC",  # not the machine's: a test names the zone it is about
        **extra,
    }


def _migrate(url: str) -> None:
    app = create_app(_config(url))
    with app.app_context():
        command.upgrade(alembic_config(url), "head")
    app.extensions["clinic.db"].kw["bind"].dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """TEST_DATABASE_URL, or under xdist a database of this worker's own beside it."""
    if not WORKER or not TEST_DATABASE_URL:
        yield TEST_DATABASE_URL
        return
    base, name = TEST_DATABASE_URL.rsplit("/", 1)
    mine = f"{name}_{WORKER}"
    admin = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{mine}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{mine}"'))
    yield f"{base}/{mine}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{mine}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory, postgres_url: str) -> str:
    """The migrated schema, built once: a SQLite file to copy, or the PostgreSQL database."""
    if postgres_url:
        _migrate(postgres_url)
        return postgres_url
    path = tmp_path_factory.mktemp("template") / "clinic.sqlite3"
    _migrate(f"sqlite:///{path}")
    return str(path)


@pytest.fixture
def database_url(template_db: str, tmp_path: Path, postgres_url: str) -> str:
    if postgres_url:
        app = create_app(_config(postgres_url))
        with app.app_context():
            names = ", ".join(f'"{t.name}"' for t in Model.metadata.sorted_tables)
            get_db().execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            get_db().commit()
        app.extensions["clinic.db"].kw["bind"].dispose()
        return postgres_url
    path = tmp_path / "clinic.sqlite3"
    shutil.copyfile(template_db, path)
    return f"sqlite:///{path}"


@pytest.fixture
def make_app(database_url: str, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """Build an app on this test's database with extra config; each is closed afterwards.
    Its instance folder (kept PDFs) is the test's own."""
    apps: list[Flask] = []

    def make(**extra: Any) -> Flask:
        app = create_app(_config(database_url, **extra))
        app.instance_path = str(tmp_path / "instance")
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["clinic.db"].kw["bind"].dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app(WORKSHEET_DIRS=[str(FIXTURES)])


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


def _start() -> datetime:
    """Where every test's clock starts: the real moment, or CLINIC_TEST_NOW (ISO, UTC)."""
    chosen = os.environ.get("CLINIC_TEST_NOW")
    if chosen:
        return datetime.fromisoformat(chosen).replace(tzinfo=UTC)
    return datetime.now(UTC)  # the only place a test reads the machine's clock


class Clock:
    """The one clock of the suite: it stands still until a test moves it."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def set(self, moment: datetime) -> None:
        self.now = moment


@pytest.fixture(autouse=True)
def clock(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Clock:
    """In place before any other fixture makes data, so nothing is stamped with the real date.

    A test can start somewhere else with @pytest.mark.clock("2028-02-29T23:40") (UTC).
    """
    marker = request.node.get_closest_marker("clock")
    start = datetime.fromisoformat(marker.args[0]).replace(tzinfo=UTC) if marker else _start()
    fake = Clock(start)
    monkeypatch.setattr(db, "clock", fake)
    return fake


@pytest.fixture
def make_counselor(app: Flask) -> Callable[..., int]:
    counter = iter(range(1, 10_000))

    def make(
        email: str | None = None,
        *,
        admin: bool = False,
        active: bool = True,
        name: str | None = None,
    ) -> int:
        n = next(counter)
        with app.app_context():
            counselor = Counselor(
                email=email or f"counselor{n}@example.org",
                name=name or f"Counselor {n}",
                password_hash=hash_password(PASSWORD),
                is_admin=admin,
                active=active,
            )
            get_db().add(counselor)
            get_db().commit()
            return counselor.id

    return make


@pytest.fixture
def make_couple(app: Flask) -> Callable[..., int]:
    def make(
        counselor_id: int,
        label: str = "Sam & Alex",
        names: tuple[str, str] = ("Sam", "Alex"),
        archived: bool = False,
    ) -> int:
        with app.app_context():
            couple = Couple(counselor_id=counselor_id, label=label)
            couple.partners = [
                Partner(position=i + 1, display_name=name) for i, name in enumerate(names)
            ]
            if archived:
                couple.archived_at = db.utcnow()
            get_db().add(couple)
            get_db().commit()
            return couple.id

    return make


class Auth:
    """Signs in through the real form, as a counselor would."""

    def __init__(self, client: FlaskClient, app: Flask) -> None:
        self.client = client
        self.app = app

    def login(self, email: str = "counselor1@example.org", password: str = PASSWORD) -> Any:
        return self.client.post("/login", data={"email": email, "password": password})

    def logout(self) -> Any:
        return self.client.post("/logout")

    def email_of(self, counselor_id: int) -> str:
        with self.app.app_context():
            return get_db().get(Counselor, counselor_id).email


@pytest.fixture
def auth(client: FlaskClient, app: Flask) -> Auth:
    return Auth(client, app)


@pytest.fixture
def counselor(make_counselor: Callable[..., int], auth: Auth) -> int:
    """A signed-in counselor (an admin, like the first account of a practice)."""
    counselor_id = make_counselor("counselor1@example.org", admin=True)
    response = auth.login()
    assert response.status_code == 302, response.get_data(as_text=True)
    return counselor_id


@pytest.fixture
def make_assignment(app: Flask) -> Callable[..., tuple[int, list[str]]]:
    """Assign a worksheet as a counselor would; returns its id and each partner's token."""
    from clinic.dates import today
    from clinic.links import take_fresh_tokens
    from clinic.rounds import assign

    def make(
        couple_id: int, slug: str = "two-parts", due_in_days: int = 7, note: str | None = None
    ) -> tuple[int, list[str]]:
        with app.test_request_context():
            couple = get_db().get(Couple, couple_id)
            due = today() + timedelta(days=due_in_days)  # the practice's day
            assignment = assign(couple, slug, due, note)
            get_db().commit()
            tokens = take_fresh_tokens()
            return assignment.id, [tokens[link.id] for link in assignment.links]

    return make


def page_statements(app: Flask, client: FlaskClient, path: str) -> list[str]:
    """The SQL statements that getting path ran (it must answer 200)."""
    seen: list[str] = []
    with app.app_context():
        engine = get_engine()

    def listen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", listen)
    try:
        response = client.get(path)
        assert response.status_code == 200, path
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    return seen


def start_link(client: FlaskClient, token: str) -> str:
    """Open a partner link and press Start; returns the tokenless page it leads to."""
    response = client.post(f"/l/{token}", data={"code": CODE})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


@pytest.fixture
def submit_answers(app: Flask) -> Callable[..., None]:
    """Store answers as sent by a partner (position 1 or 2), through the code the partner's page
    uses once their answers pass its checks (these may be partial, to keep tests short)."""
    from clinic.models import Assignment
    from clinic.respond.operations import store_sent, worksheet_of

    def submit(assignment_id: int, position: int, answers: dict[str, Any]) -> None:
        with app.app_context():
            assignment = get_db().get(Assignment, assignment_id)
            partner = assignment.couple.partners[position - 1]
            response = assignment.response_of(partner)
            link = next(link for link in assignment.links if link.partner_id == partner.id)
            response.answers = dict(answers)
            store_sent(response, worksheet_of(response), dict(answers), link.id)
            get_db().commit()

    return submit


class Mailbox:
    """What a real SMTP server on loopback received; started and stopped by the test."""

    def __init__(self, port: int, **controller_options: Any) -> None:
        self.port = port
        self.received: list[Any] = []
        self.refuse: set[str] = set()  # recipients answered with 550
        self._options = controller_options
        self._controller: Any = None

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: ANN001, ANN201, N802
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        from email import message_from_bytes, policy

        self.received.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 2.0.0 Queued as test"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self._controller = Controller(
            self, hostname="127.0.0.1", port=self.port, ready_timeout=10, **self._options
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[Any]:
        return [m for m in self.received if m["To"] == address]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    """A running SMTP server on a free loopback port; stopped when the test ends."""
    box = Mailbox(free_port())
    box.start()
    yield box
    box.stop()


def mail_config(port: int, **extra: Any) -> dict[str, Any]:
    return {
        "WORKSHEET_DIRS": [str(FIXTURES)],
        "PUBLIC_URL": "https://clinic.example.org",
        "PRACTICE_NAME": "Riverside Counseling",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "MAIL_USE_TLS": False,
        "MAIL_DEFAULT_SENDER": "care@clinic.example.org",
        "MAIL_TIMEOUT": 5,
        **extra,
    }
