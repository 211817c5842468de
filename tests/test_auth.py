"""Signing in and out, timeouts, throttling and safe redirects."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from clinic.auth import BAD_LOGIN
from clinic.db import get_db
from clinic.models import Counselor, ThrottleHit

from .conftest import PASSWORD


def test_sign_in_and_out(client, make_counselor, auth):
    make_counselor("ana@example.org", name="Ana Reyes")
    response = auth.login("ana@example.org")
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "Your couples" in page
    assert "Sign out" in page
    response = auth.logout()
    assert response.headers["Location"] == "/login"
    assert client.get("/").headers["Location"].startswith("/login")


def test_email_is_case_and_space_insensitive(client, make_counselor, auth):
    make_counselor("ana@example.org")
    assert auth.login("  Ana@Example.ORG ").status_code == 302


@pytest.mark.parametrize(
    "email,password",
    [
        ("nobody@example.org", PASSWORD),
        ("ana@example.org", "wrong password here"),
    ],
)
def test_unknown_email_and_wrong_password_look_the_same(
    client, make_counselor, auth, email, password
):
    make_counselor("ana@example.org")
    response = auth.login(email, password)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert BAD_LOGIN in page
    assert "nobody" not in page.replace('value="nobody@example.org"', "")


def test_deactivated_counselor_cannot_sign_in(client, make_counselor, auth):
    make_counselor("gone@example.org", active=False)
    response = auth.login("gone@example.org")
    assert response.status_code == 400
    assert BAD_LOGIN in response.get_data(as_text=True)


def test_cookie_replayed_after_sign_out_is_refused(app, make_counselor, auth, client):
    make_counselor("ana@example.org")
    auth.login("ana@example.org")
    kept = client.get_cookie("session").value
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("session", kept)
    response = thief.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_idle_timeout(client, make_counselor, auth, clock):
    make_counselor("ana@example.org")
    auth.login("ana@example.org")
    clock.advance(minutes=29)
    assert client.get("/").status_code == 200
    clock.advance(minutes=29)  # active 58 minutes in all, never idle for 30
    assert client.get("/").status_code == 200
    clock.advance(minutes=31)
    response = client.get("/couples/new")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/couples/new")
    assert "signed out" in client.get("/login").get_data(as_text=True)


def test_idle_timeout_is_configurable(make_app, make_counselor, clock):
    app = make_app(SESSION_IDLE_MINUTES=5)
    client = app.test_client()
    make_counselor("ana@example.org")
    client.post("/login", data={"email": "ana@example.org", "password": PASSWORD})
    clock.advance(minutes=6)
    assert client.get("/").status_code == 302


def test_absolute_timeout_after_12_hours(client, make_counselor, auth, clock):
    make_counselor("ana@example.org")
    auth.login("ana@example.org")
    for _ in range(47):  # busy all day, a request every 15 minutes
        clock.advance(minutes=15)
        assert client.get("/").status_code == 200
    clock.advance(minutes=16)
    assert client.get("/").status_code == 302


def test_failed_sign_ins_are_throttled_per_account(client, make_counselor, auth, app):
    make_counselor("ana@example.org")
    for _ in range(5):
        assert auth.login("ana@example.org", "not the password").status_code == 400
    response = auth.login("ana@example.org")  # even the right password waits now
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.get_data(as_text=True)
    with app.app_context():
        stored = get_db().scalar(select(func.count()).select_from(ThrottleHit))
    assert stored == 10  # five for the account, five for the address


def test_throttle_holds_across_app_processes(make_app, make_counselor):
    # Two apps share nothing but the database, like two gunicorn workers.
    first, second = make_app(), make_app()
    make_counselor("ana@example.org")
    for _ in range(3):
        first.test_client().post("/login", data={"email": "ana@example.org", "password": "x" * 12})
    for _ in range(2):
        second.test_client().post("/login", data={"email": "ana@example.org", "password": "x" * 12})
    response = second.test_client().post(
        "/login", data={"email": "ana@example.org", "password": PASSWORD}
    )
    assert response.status_code == 429


def test_throttle_per_address_spans_accounts(make_app, make_counselor):
    app = make_app(LOGIN_ATTEMPTS_PER_ADDRESS=3)
    client = app.test_client()
    for n in range(3):
        client.post("/login", data={"email": f"guess{n}@example.org", "password": "x" * 12})
    response = client.post("/login", data={"email": "other@example.org", "password": "x" * 12})
    assert response.status_code == 429


def test_throttle_window_passes(client, make_counselor, auth, clock):
    make_counselor("ana@example.org")
    for _ in range(5):
        auth.login("ana@example.org", "not the password")
    clock.advance(minutes=16)
    assert auth.login("ana@example.org").status_code == 302


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "https://evil.example",
        "http://evil.example/login",
        "/\\evil.example",
        "javascript:alert(1)",
        "evil.example",
    ],
)
def test_open_redirects_land_on_the_dashboard(client, make_counselor, target):
    make_counselor("ana@example.org")
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": "ana@example.org", "password": PASSWORD},
    )
    assert response.headers["Location"] == "/"


def test_next_on_this_site_is_followed(client, make_counselor):
    make_counselor("ana@example.org")
    response = client.post(
        "/login",
        query_string={"next": "/couples/new"},
        data={"email": "ana@example.org", "password": PASSWORD},
    )
    assert response.headers["Location"] == "/couples/new"


def test_session_is_cleared_on_sign_in(client, make_counselor, auth):
    make_counselor("ana@example.org")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    auth.login("ana@example.org")
    with client.session_transaction() as session:
        assert "planted" not in session


def test_sign_out_needs_post(client, counselor):
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200


def test_password_is_stored_as_argon2id(app, make_counselor):
    counselor_id = make_counselor()
    with app.app_context():
        stored = get_db().get(Counselor, counselor_id).password_hash
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_typing_keeps_the_counselor_signed_in(client, make_counselor, auth, clock):
    make_counselor("ana@example.org")
    auth.login("ana@example.org")
    for _ in range(4):  # an hour of writing a note, the page's script checking in
        clock.advance(minutes=15)
        assert client.get("/still-here").status_code == 204
    assert client.get("/").status_code == 200
    clock.advance(minutes=31)
    assert client.get("/still-here").status_code == 302
