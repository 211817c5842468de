"""The first-run setup link."""

from __future__ import annotations

import logging
import re
import threading
import urllib.request

from sqlalchemy import select
from werkzeug.serving import make_server

from clinic.db import get_db
from clinic.models import Counselor, SetupToken

FORM = {
    "name": "Dana Lee",
    "email": "dana@example.org",
    "password": "a long passphrase",
    "confirm": "a long passphrase",
}


def setup_token(runner) -> str:
    result = runner.invoke(args=["setup-link"])
    return re.search(r"/setup/(\S+)", result.output)[1]


def test_setup_link_creates_the_first_admin_once(app, client, runner):
    token = setup_token(runner)
    with app.app_context():
        stored = get_db().scalars(select(SetupToken.token_hash)).all()
    assert stored and token not in stored  # only its hash is kept
    assert "Create the first counselor" in client.get(f"/setup/{token}").get_data(as_text=True)
    response = client.post(f"/setup/{token}", data=FORM)
    assert response.status_code == 302
    assert "Your couples" in client.get("/").get_data(as_text=True)
    with app.app_context():
        admin = get_db().scalars(select(Counselor)).one()
        assert (admin.email, admin.is_admin) == ("dana@example.org", True)
    assert client.get(f"/setup/{token}").status_code == 404
    assert (
        client.post(f"/setup/{token}", data={**FORM, "email": "eve@example.org"}).status_code == 404
    )


def test_setup_needs_the_token(client, runner):
    setup_token(runner)
    assert client.get("/setup/guess").status_code == 404
    assert client.post("/setup/guess", data=FORM).status_code == 404


def test_setup_link_is_not_printed_once_accounts_exist(runner, make_counselor):
    make_counselor()
    result = runner.invoke(args=["setup-link"])
    assert "/setup/" not in result.output
    assert "sign in" in result.output


def test_new_setup_link_replaces_the_old(client, runner):
    first = setup_token(runner)
    second = setup_token(runner)
    assert client.get(f"/setup/{first}").status_code == 404
    assert client.get(f"/setup/{second}").status_code == 200


def test_setup_form_errors_keep_what_was_typed(client, runner):
    token = setup_token(runner)
    response = client.post(
        f"/setup/{token}", data={**FORM, "password": "short", "confirm": "short"}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "at least 12 characters" in page
    assert 'value="dana@example.org"' in page
    assert 'value="Dana Lee"' in page



def test_setup_token_stays_out_of_the_request_log(app, runner, caplog):
    """The development server logs every request line; the token must not be in it."""
    token = setup_token(runner)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            url = f"http://127.0.0.1:{server.server_port}/setup/{token}"
            with urllib.request.urlopen(url, timeout=10) as reply:
                assert "Create the first counselor" in reply.read().decode()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
    lines = [record.getMessage() for record in caplog.records]
    assert any("GET /setup/[token] HTTP/1.1" in line for line in lines), lines
    assert not any(token in line for line in lines)
