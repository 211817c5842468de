"""Signing in and out, timeouts, throttling and safe redirects."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from clinic.auth import BAD_LOGIN
from clinic.db import get_db
from clinic.models import AuditEvent, Counselor, SignIn, ThrottleHit

from .conftest import PASSWORD


def client_at(app, address):
    """A browser at another client address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


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


def test_a_session_taken_to_another_browser_is_signed_out(app, make_counselor, auth, client):
    make_counselor("ana@example.org")
    auth.login("ana@example.org")
    assert client.get("/").status_code == 200
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    response = other.get("/", headers={"User-Agent": "Another browser/1.0"})
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


def test_failed_sign_ins_are_throttled_per_account_and_address(client, make_counselor, auth, app):
    make_counselor("ana@example.org")
    for _ in range(5):
        assert auth.login("ana@example.org", "not the password").status_code == 400
    response = auth.login("ana@example.org")  # from this address even the right password waits
    assert response.status_code == 429
    assert "Too many sign-in attempts. Please wait 15 minutes" in response.get_data(as_text=True)
    with app.app_context():
        stored = get_db().scalar(select(func.count()).select_from(ThrottleHit))
    assert stored == 15  # five each for the pair, the address and the account


def test_wrong_passwords_from_one_address_never_lock_out_another(
    app, make_counselor, clock
):
    """A stranger who knows a counselor's email cannot keep them out of their practice."""
    make_counselor("ana@example.org")
    stranger = client_at(app, "198.51.100.7")
    ana = client_at(app, "203.0.113.20")
    for _ in range(5):
        wrong = {"email": "ana@example.org", "password": "a guess at it"}
        assert stranger.post("/login", data=wrong).status_code == 400
    right = {"email": "ana@example.org", "password": PASSWORD}
    assert stranger.post("/login", data=right).status_code == 429
    response = ana.post("/login", data=right)
    assert response.status_code == 302
    assert "Your couples" in ana.get("/").get_data(as_text=True)


def test_guesses_from_many_addresses_slow_the_account_down_without_locking_it(
    app, make_counselor, clock
):
    make_counselor("ana@example.org")
    wrong = {"email": "ana@example.org", "password": "a guess at it"}
    for n in range(10):  # a botnet: two guesses from each of five addresses
        bot = client_at(app, f"198.51.100.{n // 2 + 1}")
        assert bot.post("/login", data=wrong).status_code == 400
    ana = client_at(app, "203.0.113.20")
    right = {"email": "ana@example.org", "password": PASSWORD}
    response = ana.post("/login", data=right)
    assert response.status_code == 429
    assert "Please wait 1 second and try again" in response.get_data(as_text=True)
    clock.advance(seconds=1)
    bot = client_at(app, "198.51.100.99")
    assert bot.post("/login", data=wrong).status_code == 400  # the eleventh: 2 s now
    clock.advance(seconds=1)
    page = ana.post("/login", data=right).get_data(as_text=True)
    assert "Please wait 1 second" in page
    clock.advance(seconds=1)
    assert ana.post("/login", data=right).status_code == 302


def test_the_growing_delay_stops_at_a_minute(make_app, make_counselor, clock):
    app = make_app(LOGIN_THROTTLE_MINUTES=60)
    make_counselor("ana@example.org")
    wrong = {"email": "ana@example.org", "password": "a guess at it"}
    for n in range(17):  # each bot waits out the delay, which reaches 2**7 s, capped at 60 s
        clock.advance(seconds=61)
        assert client_at(app, f"198.51.100.{n + 1}").post("/login", data=wrong).status_code == 400
    ana = client_at(app, "203.0.113.20")
    right = {"email": "ana@example.org", "password": PASSWORD}
    assert "Please wait 1 minute and try again" in ana.post("/login", data=right).get_data(
        as_text=True
    )
    clock.advance(seconds=60)
    assert ana.post("/login", data=right).status_code == 302


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


def test_sign_in_clears_the_counts_of_this_account(app, client, make_counselor, auth):
    make_counselor("ana@example.org")
    for _ in range(4):
        auth.login("ana@example.org", "not the password")
    assert auth.login("ana@example.org").status_code == 302
    with app.app_context():
        keys = set(get_db().scalars(select(ThrottleHit.key)))
    assert keys == {"login:address:127.0.0.1"}


def test_old_throttle_rows_are_purged(app, client, make_counselor, auth, clock):
    for n in range(3):
        client.post(f"/l/{'z' * 40}{n}")
        auth.login(f"guess{n}@example.org", "not the password")
    clock.advance(days=1, seconds=1)
    auth.login("someone@example.org", "not the password")
    with app.app_context():
        keys = sorted(get_db().scalars(select(ThrottleHit.key)))
    # A failed sign-in purges the day-old sign-in rows; each kind purges its own.
    assert [k for k in keys if k.startswith("login:")][:2] == [
        "login:account:someone@example.org",
        "login:address:127.0.0.1",
    ]
    assert len([k for k in keys if k.startswith("login:")]) == 3
    assert len([k for k in keys if k.startswith("link:")]) == 3
    client.post(f"/l/{'y' * 43}")
    with app.app_context():
        keys = sorted(get_db().scalars(select(ThrottleHit.key)))
    # Only the last failures' rows are left: a day-old guess counts for nothing any more.
    assert keys[:3] == [
        "link:address:127.0.0.1",
        "login:account:someone@example.org",
        "login:address:127.0.0.1",
    ]
    assert keys[3].startswith("login:pair:") and len(keys) == 4


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


def test_sign_out_ends_this_device_only(app, make_counselor):
    make_counselor("ana@example.org")
    desk, phone = app.test_client(), app.test_client()
    for device in (desk, phone):
        device.post("/login", data={"email": "ana@example.org", "password": PASSWORD})
    kept = desk.get_cookie("session").value
    response = desk.post("/logout")
    assert response.headers["Location"] == "/login"
    assert "You are signed out." in desk.get("/login").get_data(as_text=True)
    assert desk.get("/").headers["Location"].startswith("/login")
    assert "Your couples" in phone.get("/").get_data(as_text=True)
    thief = app.test_client()
    thief.set_cookie("session", kept)
    assert thief.get("/").headers["Location"].startswith("/login")
    with app.app_context():
        assert get_db().scalar(select(func.count()).select_from(SignIn)) == 1


def test_sign_out_everywhere(app, make_counselor):
    make_counselor("ana@example.org")
    make_counselor("lee@example.org")
    desk, phone, colleague = app.test_client(), app.test_client(), app.test_client()
    for device, email in ((desk, "ana"), (phone, "ana"), (colleague, "lee")):
        device.post("/login", data={"email": f"{email}@example.org", "password": PASSWORD})
    page = phone.get("/account/").get_data(as_text=True)
    assert "You are signed in on 2 devices or browsers" in page
    response = phone.post("/logout/everywhere")
    assert response.headers["Location"] == "/login"
    assert "You are signed out on every device." in phone.get("/login").get_data(as_text=True)
    for device in (desk, phone):
        assert device.get("/").headers["Location"].startswith("/login")
    assert "Your couples" in colleague.get("/").get_data(as_text=True)
    with app.app_context():
        actions = get_db().scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-1] == "sign_out_everywhere"


def test_sign_ins_and_failures_are_in_the_audit_log(app, client, make_counselor, auth):
    ana = make_counselor("ana@example.org")
    auth.login("ana@example.org", "not the password")
    auth.login("nobody@example.org", "not the password")
    auth.login("ana@example.org")
    auth.logout()
    with app.app_context():
        events = get_db().scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.counselor_id, e.target_id) for e in events] == [
        ("sign_in_failed", None, ana),
        ("sign_in", ana, ana),
        ("sign_out", ana, ana),
    ]
    assert {e.address for e in events} == {"127.0.0.1"}


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
