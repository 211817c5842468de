"""A new password: a counselor changes theirs under Your account (giving the one they have now),
or an admin gives one who forgot theirs a new one on the server. Either way the old password
stops working and every other device signed in as them is signed out."""

from __future__ import annotations

import re

import pyotp
from sqlalchemy import select

from clinic.auth import account_key
from clinic.db import get_db
from clinic.models import AuditEvent, Counselor, ThrottleHit
from clinic.passwords import verify_password

from .conftest import PASSWORD

NEW = "a new and longer phrase"
CHANGE = {"current": PASSWORD, "password": NEW, "confirm": NEW}


def sign_in(client, password: str = PASSWORD) -> str:
    """Where signing in as Ana sends this browser: "/" when the password was right."""
    response = client.post("/login", data={"email": "ana@example.org", "password": password})
    return response.headers.get("Location", "")


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def events(app) -> list[tuple[str, int | None, int | None]]:
    """(action, who did it, whose account) for every audit event, oldest first."""
    with app.app_context():
        found = get_db().scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        return [(event.action, event.counselor_id, event.target_id) for event in found]


def password_is(app, counselor_id: int, password: str) -> bool:
    with app.app_context():
        return verify_password(get_db().get(Counselor, counselor_id).password_hash, password)


def test_a_counselor_changes_their_password_and_stays_signed_in_here_only(app, make_counselor):
    ana = make_counselor("ana@example.org")
    desk, phone = app.test_client(), app.test_client()
    assert sign_in(desk) == "/" and sign_in(phone) == "/"
    old_cookie = desk.get_cookie("session").value

    account = text_of(desk.get("/account/"))
    assert "Changing it signs you out on every other device and browser." in account
    page = desk.get("/account/password").get_data(as_text=True)
    assert 'autocomplete="current-password"' in page and 'autocomplete="new-password"' in page
    response = desk.post("/account/password", data=CHANGE)
    assert response.headers["Location"] == "/account/"
    shown = text_of(desk.get("/account/"))
    assert "Your password is changed. Any other device or browser signed in as you" in shown

    assert "Your couples" in desk.get("/").get_data(as_text=True)  # this device stays
    assert phone.get("/").headers["Location"].startswith("/login")  # the other is signed out
    thief = app.test_client()
    thief.set_cookie("session", old_cookie)  # this device's cookie from before the change
    assert thief.get("/").headers["Location"].startswith("/login")
    assert sign_in(app.test_client(), PASSWORD) == ""  # the old password: the form again
    assert sign_in(app.test_client(), NEW) == "/"
    assert password_is(app, ana, NEW)
    assert ("change_password", ana, ana) in events(app)


def test_the_password_now_is_asked_for_and_tries_are_limited(app, client, make_counselor):
    ana = make_counselor("ana@example.org")
    sign_in(client)
    wrong = client.post("/account/password", data={**CHANGE, "current": "not my password"})
    assert wrong.status_code == 400
    assert "That is not your password." in text_of(wrong)
    assert ("confirm_identity_failed", ana, ana) in events(app)
    for _ in range(4):
        client.post("/account/password", data={**CHANGE, "current": "not my password"})
    refused = client.post("/account/password", data=CHANGE)  # right, but after five wrong
    assert refused.status_code == 429
    assert "Too many tries. Please wait 15 minutes and try again." in text_of(refused)
    assert password_is(app, ana, PASSWORD)
    assert "change_password" not in [action for action, *_ in events(app)]


def test_a_password_too_short_or_typed_differently_is_explained_and_nothing_changes(
    app, client, make_counselor
):
    ana = make_counselor("ana@example.org")
    sign_in(client)
    short = client.post("/account/password", data={**CHANGE, "password": "short"})
    assert short.status_code == 400
    assert "Please use at least 12 characters (and at most 256)." in text_of(short)
    differ = client.post("/account/password", data={**CHANGE, "confirm": NEW + "!"})
    assert differ.status_code == 400
    assert "The two passwords differ." in text_of(differ)
    empty = client.post("/account/password", data={})
    assert empty.status_code == 400
    assert "Please check the fields marked below." in text_of(empty)
    assert "Please type your password now." in text_of(empty)
    for page in (short, differ):  # a password is never sent back to the page
        assert PASSWORD not in page.get_data(as_text=True) and NEW not in page.get_data(True)
    assert password_is(app, ana, PASSWORD)


def test_a_sign_in_begun_elsewhere_with_the_old_password_cannot_finish(
    app, make_counselor, clock
):
    ana = make_counselor("ana@example.org")
    secret = pyotp.random_base32()
    with app.app_context():
        get_db().get(Counselor, ana).totp_secret = secret
        get_db().commit()
    desk, other = app.test_client(), app.test_client()
    for browser in (desk, other):
        assert sign_in(browser).startswith("/login/code")
    code = pyotp.TOTP(secret).at(clock.now)
    assert desk.post("/login/code", data={"code": code}).headers["Location"] == "/"
    assert "two-step sign-in stays on" in text_of(desk.get("/account/password"))
    desk.post("/account/password", data=CHANGE)

    clock.advance(seconds=30)
    code = pyotp.TOTP(secret).at(clock.now)
    assert other.post("/login/code", data={"code": code}).headers["Location"] == "/login"
    assert other.get("/").headers["Location"].startswith("/login")


def test_the_change_keeps_this_browsers_clock_and_its_other_tabs(make_app, make_counselor, clock):
    app = make_app(WTF_CSRF_ENABLED=True)
    make_counselor("ana@example.org")
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    data = {"email": "ana@example.org", "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=data).headers["Location"] == "/"
    account = client.get("/account/").get_data(as_text=True)
    tab_token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', account)[1]

    clock.advance(minutes=4)
    changed = client.post("/account/password", data={**CHANGE, "csrf_token": tab_token})
    assert changed.headers["Location"] == "/account/"
    # Another tab, opened before the change, still posts with the token its page holds.
    zone = client.post("/account/time-zone", data={"time_zone": "UTC", "csrf_token": tab_token})
    assert zone.headers["Location"] == "/account/#time-zone"
    # Typing the password now did not count as confirming again: that was at sign-in.
    clock.advance(minutes=2)
    assert client.get("/account/two-step").headers["Location"].startswith("/confirm")


def test_an_admin_gives_a_counselor_who_forgot_a_new_password_on_the_server(
    app, runner, make_counselor
):
    ana = make_counselor("ana@example.org", name="Ana Reyes")
    left_signed_in = app.test_client()
    sign_in(left_signed_in)
    with app.app_context():
        get_db().add(ThrottleHit(key=account_key("ana@example.org")))
        get_db().commit()
    result = runner.invoke(
        args=["set-password"],
        input=f"Ana@Example.org\nshort\nshort\n{NEW}\n{NEW}\n",
    )
    assert result.exit_code == 0, result.output
    assert "Please use 12 to 256 characters." in result.output
    assert "Ana Reyes can now sign in with the new password" in result.output
    assert "may have to wait up to 15 minutes" in result.output
    assert "Two-step" not in result.output and "deactivated" not in result.output
    assert NEW not in result.output  # prompts hide what is typed
    assert left_signed_in.get("/").headers["Location"].startswith("/login")
    assert sign_in(app.test_client(), PASSWORD) == ""
    assert sign_in(app.test_client(), NEW) == "/"
    assert ("set_password", None, ana) in events(app)
    with app.app_context():
        keys = get_db().scalars(select(ThrottleHit.key)).all()
        assert account_key("ana@example.org") not in keys


def test_set_password_says_what_still_stands_in_the_way(app, runner, make_counselor):
    kim = make_counselor("kim@example.org", active=False, name="Kim Lee")
    typed = f"{NEW}\n{NEW}\n"
    result = runner.invoke(args=["set-password", "--email", "kim@example.org"], input=typed)
    assert result.exit_code == 0, result.output
    assert "Kim Lee's account is deactivated" in result.output
    assert "can now sign in" not in result.output
    assert password_is(app, kim, NEW)

    make_counselor("lee@example.org")
    with app.app_context():
        lee = get_db().scalar(select(Counselor).filter_by(email="lee@example.org"))
        lee.totp_secret = pyotp.random_base32()
        get_db().commit()
    result = runner.invoke(args=["set-password", "--email", "lee@example.org"], input=typed)
    assert "Two-step sign-in stays on: an admin can reset it under Counselors." in result.output


def test_set_password_names_an_unknown_email_and_takes_no_password_argument(runner):
    unknown = runner.invoke(args=["set-password", "--email", "kim@example.org"])
    assert unknown.exit_code != 0
    assert "There is no account with kim@example.org." in unknown.output
    argument = runner.invoke(args=["set-password", "--email", "a@b.org", "--password", NEW])
    assert argument.exit_code != 0 and "No such option" in argument.output
