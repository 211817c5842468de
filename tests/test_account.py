"""Two-step sign-in: setting it up with a QR code drawn on the server, codes that work once,
single-use recovery codes, REQUIRE_2FA, an admin's reset, and confirming with a code."""

from __future__ import annotations

import re

import pyotp
import pytest
from sqlalchemy import func, select

from clinic.db import get_db
from clinic.models import AuditEvent, Counselor, RecoveryCode

from .conftest import PASSWORD

ANA = {"email": "ana@example.org", "password": PASSWORD}


def code(secret: str, clock, seconds: int = 0) -> str:
    """What the counselor's app shows now (or seconds from now), by the suite's clock."""
    return pyotp.TOTP(secret).at(clock.now.timestamp() + seconds)


def set_up(client, clock) -> tuple[str, list[str]]:
    """Turn two-step sign-in on through the pages; returns the secret and recovery codes."""
    page = client.get("/account/two-step").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page)[1].replace(" ", "")
    done = client.post("/account/two-step", data={"code": code(secret, clock)})
    assert done.status_code == 200, done.get_data(as_text=True)
    codes = re.findall(r"<li><code>([a-z2-9-]{19})</code></li>", done.get_data(as_text=True))
    return secret, codes


@pytest.fixture
def ana(app, make_counselor, client):
    counselor_id = make_counselor("ana@example.org", name="Ana Reyes")
    assert client.post("/login", data=ANA).status_code == 302
    return counselor_id


def test_set_up_with_a_qr_code_drawn_here(app, client, ana, clock):
    page = client.get("/account/").get_data(as_text=True)
    assert "Set up two-step sign-in" in page
    page = client.get("/account/two-step").get_data(as_text=True)
    assert re.search(r'<svg [^>]*class="segno"', page)
    assert "<title>QR code to scan with your authenticator app</title>" in page
    assert "http" not in page.split('<div class="qr">')[1].split("</div>")[0]  # nothing fetched
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page)[1].replace(" ", "")
    assert client.get("/account/two-step").get_data(as_text=True).count(secret[:4]) >= 1

    wrong = client.post("/account/two-step", data={"code": "123456"})
    assert wrong.status_code == 400
    assert "That code did not work. Type the 6-digit code the app shows now." in wrong.get_data(
        as_text=True
    )
    done = client.post("/account/two-step", data={"code": code(secret, clock)})
    page = done.get_data(as_text=True)
    assert "Two-step sign-in is on" in page and "the only time they are shown" in page
    codes = re.findall(r"<li><code>([a-z2-9-]{19})</code></li>", page)
    assert len(set(codes)) == 10
    with app.app_context():
        counselor = get_db().get(Counselor, ana)
        assert counselor.totp_secret == secret
        stored = get_db().scalars(select(RecoveryCode.code_hash)).all()
        assert len(stored) == 10 and not set(stored) & {c.replace("-", "") for c in codes}
        events = get_db().scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert events[-1] == "enable_second_factor"
    assert "You have 10 recovery codes left" in client.get("/account/").get_data(as_text=True)


def test_sign_in_asks_for_the_code_and_refuses_it_twice(app, client, ana, clock):
    secret, _ = set_up(client, clock)
    clock.advance(seconds=30)
    client.post("/logout")
    response = client.post("/login", data=ANA, query_string={"next": "/couples/new"})
    assert response.headers["Location"] == "/login/code?next=/couples/new"
    assert client.get("/").headers["Location"].startswith("/login")  # not signed in yet
    page = client.get("/login/code?next=/couples/new").get_data(as_text=True)
    assert "Type your code" in page
    now = code(secret, clock)
    response = client.post("/login/code?next=/couples/new", data={"code": now})
    assert response.headers["Location"] == "/couples/new"
    assert "Your couples" in client.get("/").get_data(as_text=True)

    # The same code, seen over a shoulder and typed in another browser within its 30 seconds.
    thief = app.test_client()
    thief.post("/login", data=ANA)
    refused = thief.post("/login/code", data={"code": now})
    assert refused.status_code == 400
    assert "That code did not work." in refused.get_data(as_text=True)
    clock.advance(seconds=30)
    assert thief.post("/login/code", data={"code": code(secret, clock)}).status_code == 302
    with app.app_context():
        actions = get_db().scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["second_factor_failed", "sign_in"]


def test_codes_a_step_either_side_work_for_clocks_a_little_apart(client, ana, clock):
    secret, _ = set_up(client, clock)
    clock.advance(minutes=2)
    client.post("/logout")
    client.post("/login", data=ANA)
    assert client.post("/login/code", data={"code": code(secret, clock, -30)}).status_code == 302
    client.post("/logout")
    client.post("/login", data=ANA)
    assert client.post("/login/code", data={"code": code(secret, clock, -60)}).status_code == 400


def test_a_recovery_code_works_once(app, client, ana, clock):
    _, codes = set_up(client, clock)
    client.post("/logout")
    client.post("/login", data=ANA)
    response = client.post("/login/code", data={"code": codes[3].upper().replace("-", " ")})
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "You signed in with a recovery code" in page and "9 left" in page
    client.post("/logout")
    client.post("/login", data=ANA)
    assert client.post("/login/code", data={"code": codes[3]}).status_code == 400
    with app.app_context():
        assert get_db().scalar(select(func.count()).select_from(RecoveryCode)) == 9
        assert "use_recovery_code" in get_db().scalars(select(AuditEvent.action)).all()


def test_new_recovery_codes_replace_the_old(client, ana, clock):
    _, old = set_up(client, clock)
    page = client.post("/account/two-step/codes").get_data(as_text=True)
    assert "Your earlier codes no longer work." in page
    new = re.findall(r"<li><code>([a-z2-9-]{19})</code></li>", page)
    client.post("/logout")
    client.post("/login", data=ANA)
    assert client.post("/login/code", data={"code": old[0]}).status_code == 400
    assert client.post("/login/code", data={"code": new[0]}).status_code == 302


def test_the_second_step_waits_five_minutes_at_most(client, ana, clock):
    secret, _ = set_up(client, clock)
    client.post("/logout")
    client.post("/login", data=ANA)
    clock.advance(minutes=5, seconds=1)
    response = client.post("/login/code", data={"code": code(secret, clock)})
    assert response.headers["Location"] == "/login"
    assert "That took too long. Please sign in again." in client.get("/login").get_data(
        as_text=True
    )


def test_wrong_codes_are_throttled(client, ana, clock):
    secret, _ = set_up(client, clock)
    client.post("/logout")
    client.post("/login", data=ANA)
    for guess in range(5):
        assert client.post("/login/code", data={"code": f"00000{guess}"}).status_code == 400
    response = client.post("/login/code", data={"code": code(secret, clock, 30)})
    assert response.status_code == 429
    assert "Too many wrong codes. Please wait 15 minutes" in response.get_data(as_text=True)


def test_changing_the_second_factor_needs_a_recent_confirmation(app, client, ana, clock):
    secret, _ = set_up(client, clock)
    clock.advance(minutes=6)
    for url in ("/account/two-step/off", "/account/two-step/codes"):
        response = client.post(url, headers={"Referer": "http://localhost/account/"})
        assert response.headers["Location"] == "/confirm?next=/account/"
    assert client.post("/account/two-step/off").headers["Location"] == "/confirm?next=/"
    page = client.get("/confirm?next=/account/").get_data(as_text=True)
    assert "code from your authenticator app" in page and 'name="password"' not in page
    assert client.post("/confirm", data={"code": "000000"}).status_code == 400
    assert client.post("/confirm", data={"code": code(secret, clock)}).status_code == 302
    response = client.post("/account/two-step/off")
    assert response.headers["Location"] == "/account/"
    assert "your password alone signs you in now" in client.get("/account/").get_data(as_text=True)
    with app.app_context():
        assert get_db().get(Counselor, ana).totp_secret is None
        assert get_db().scalar(select(func.count()).select_from(RecoveryCode)) == 0
    client.post("/logout")
    assert client.post("/login", data=ANA).headers["Location"] == "/"


def test_require_2fa_sends_everyone_to_set_it_up_first(make_app, make_counselor, clock):
    app = make_app(REQUIRE_2FA=True)
    make_counselor("ana@example.org")
    client = app.test_client()
    client.post("/login", data=ANA)
    response = client.get("/couples/new")
    assert response.headers["Location"] == "/account/two-step"
    page = client.get("/account/two-step").get_data(as_text=True)
    assert "Your practice asks everyone to sign in in two steps" in page
    set_up(client, clock)
    assert client.get("/couples/new").status_code == 200
    page = client.get("/account/").get_data(as_text=True)
    assert "Set up a new phone" in page and "Turn off two-step sign-in" not in page


def test_an_admin_resets_a_colleagues_second_factor(app, make_counselor, clock):
    make_counselor("admin@example.org", admin=True, name="Dana Admin")
    lee_id = make_counselor("lee@example.org", name="Lee Park")
    lee = app.test_client()
    lee.post("/login", data={"email": "lee@example.org", "password": PASSWORD})
    set_up(lee, clock)
    admin = app.test_client()
    admin.post("/login", data={"email": "admin@example.org", "password": PASSWORD})
    page = admin.get("/counselors/").get_data(as_text=True)
    assert "Reset two-step sign-in of Lee Park" in page
    response = admin.post(f"/counselors/{lee_id}/reset-two-step")
    assert response.headers["Location"] == "/counselors/"
    assert "Lee Park now signs in with their password alone" in admin.get(
        "/counselors/"
    ).get_data(as_text=True)
    assert lee.get("/").headers["Location"].startswith("/login")  # signed out everywhere
    assert lee.post("/login", data={"email": "lee@example.org", "password": PASSWORD}).headers[
        "Location"
    ] == "/"
    with app.app_context():
        reset = select(AuditEvent).where(AuditEvent.action == "reset_second_factor")
        event = get_db().scalars(reset).one()
        assert (event.counselor_id, event.target_id) == (1, lee_id)


def test_only_admins_reset_and_only_others(app, client, ana, make_counselor, clock):
    other = make_counselor("lee@example.org")
    assert client.post(f"/counselors/{other}/reset-two-step").status_code == 404


def test_an_admin_resets_only_after_confirming(app, make_counselor, clock):
    make_counselor("admin@example.org", admin=True)
    lee_id = make_counselor("lee@example.org")
    admin = app.test_client()
    admin.post("/login", data={"email": "admin@example.org", "password": PASSWORD})
    clock.advance(minutes=6)
    response = admin.post(
        f"/counselors/{lee_id}/reset-two-step", headers={"Referer": "http://localhost/counselors/"}
    )
    assert response.headers["Location"] == "/confirm?next=/counselors/"
