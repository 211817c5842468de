"""Partners on a real server: concurrent saves and submits lose nothing; logs hold no tokens."""

from __future__ import annotations

import logging
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.cookiejar import CookieJar

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from clinic.db import get_db
from clinic.models import Assignment, AuditEvent, Response

from .conftest import CODE

ROUNDS = 15


@pytest.fixture
def server(app) -> Iterator[str]:
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(5)


class Phone:
    """A partner's browser: its own cookies, no redirects followed."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirect()
        )

    def post(self, path: str, data: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        body = urllib.parse.urlencode(data).encode()
        try:
            with self.opener.open(self.base + path, body, timeout=30) as reply:
                return reply.status, dict(reply.headers), reply.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def started(server: str, token: str) -> tuple[Phone, str]:
    phone = Phone(server)
    status, headers, _ = phone.post(f"/l/{token}", {"code": CODE})
    assert status == 302
    return phone, urllib.parse.urlsplit(headers["Location"]).path


def run_together(*jobs) -> None:  # type: ignore[no-untyped-def]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(jobs))

    def wrap(job):  # type: ignore[no-untyped-def]
        try:
            barrier.wait()
            job()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=wrap, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors


def test_two_partners_saving_at_once_lose_nothing(
    app, server, counselor, make_couple, make_assignment
):
    _, (sam_token, alex_token) = make_assignment(make_couple(counselor))
    sam, sam_url = started(server, sam_token)
    alex, alex_url = started(server, alex_token)

    def typing(phone: Phone, url: str, word: str):  # type: ignore[no-untyped-def]
        def job() -> None:
            for n in range(ROUNDS):
                # Each save sends one part only; the other part must survive every save.
                status, _, _ = phone.post(
                    url, {"section": "0", "close": str(n % 5 + 1), "autosave": "1"}
                )
                assert status == 200
                status, _, _ = phone.post(
                    url, {"section": "1", "wish": f"{word} {n}", "autosave": "1"}
                )
                assert status == 200

        return job

    run_together(typing(sam, sam_url, "sam"), typing(alex, alex_url, "alex"))
    with app.app_context():
        rows = get_db().scalars(select(Response).order_by(Response.partner_id)).all()
        last = ROUNDS - 1
        assert rows[0].answers == {"close": last % 5 + 1, "wish": f"sam {last}"}
        assert rows[1].answers == {"close": last % 5 + 1, "wish": f"alex {last}"}


def test_submits_at_the_same_moment(app, server, counselor, make_couple, make_assignment):
    """Both partners send at once, each pressing Send twice: each set is sent once, and the
    worksheet then waits on the counselor, both answered (what the dashboard lists)."""
    assignment_id, tokens = make_assignment(make_couple(counselor))
    phones = [started(server, token) for token in tokens]
    full = {"close": "3", "often": "daily", "touch.hugs": "4", "touch.hands": "2"}
    for phone, url in phones:
        phone.post(url, {"section": "0", **full, "autosave": "1"})
        phone.post(url, {"section": "1", "wish": "walks", "autosave": "1"})

    def submit(phone: Phone, url: str):  # type: ignore[no-untyped-def]
        def job() -> None:
            status, _, _ = phone.post(url, {"section": "1", "wish": "walks", "move": "submit"})
            assert status == 302

        return job

    # Both partners at once, and each pressing Send twice.
    run_together(*[submit(phone, url) for phone, url in phones for _ in range(2)])
    with app.app_context():
        rows = get_db().scalars(select(Response)).all()
        assert all(row.submitted_answers["wish"] == "walks" for row in rows)
        submits = get_db().scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "submit_response")
        )
        assert submits == 2
        assignment = get_db().get(Assignment, assignment_id)
        assert assignment.waiting_on == "counselor"
        assert assignment.both_sent_at == max(row.submitted_at for row in rows)


def test_tokens_stay_out_of_the_request_log(
    app, server, counselor, make_couple, make_assignment, caplog
):
    _, (token, _) = make_assignment(make_couple(counselor))
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        urllib.request.urlopen(f"{server}/l/{token}", timeout=10).read()
        started(server, token)
    lines = [record.getMessage() for record in caplog.records]
    assert any("/l/[token]" in line for line in lines)
    assert not any(token in line for line in lines)
