"""A new password: a counselor changes theirs under Your account (after confirming it is them),
or an admin gives one who forgot theirs a new one on the server. Either way the old password
stops working and every other device signed in as them is signed out."""

from __future__ import annotations

import re

from sqlalchemy import select

from clinic.db import get_db
from clinic.models import AuditEvent, Counselor

from .conftest import PASSWORD

NEW = "a new and longer phrase"


def sign_in(client, password: str = PASSWORD) -> str:
    """Where signing in as Ana sends this browser: "/" when the password was right."""
    response = client.post("/login", data={"email": "ana@example.org", "password": password})
    return response.headers.get("Location", "")


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def actions(app) -> list[tuple[str, int | None]]:
    with app.app_context():
        events = get_db().scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        return [(event.action, event.target_id) for event in events]


def test_a_counselor_changes_their_password_and_stays_signed_in_here_only(app, make_counselor):
    ana = make_counselor("ana@example.org")
    desk, phone = app.test_client(), app.test_client()
    assert sign_in(desk) == "/" and sign_in(phone) == "/"

    account = text_of(desk.get("/account/"))
    assert "Changing it signs you out on every other device and browser." in account
    page = desk.get("/account/password")
    assert page.status_code == 200
    assert 'autocomplete="new-password"' in page.get_data(as_text=True)
    response = desk.post("/account/password", data={"password": NEW, "confirm": NEW})
    assert response.headers["Location"] == "/account/"
    shown = text_of(desk.get("/account/"))
    assert "Your password is changed. Any other device or browser signed in as you" in shown

    assert "Your couples" in desk.get("/").get_data(as_text=True)  # this device stays
    assert phone.get("/").headers["Location"].startswith("/login")  # the other is signed out
    assert sign_in(app.test_client(), PASSWORD) == ""  # the old password: the form again
    assert sign_in(app.test_client(), NEW) == "/"
    assert ("change_password", ana) in actions(app)
    with app.app_context():
        assert NEW not in get_db().get(Counselor, ana).password_hash


def test_a_password_too_short_or_typed_differently_is_explained_and_nothing_changes(
    app, client, make_counselor
):
    make_counselor("ana@example.org")
    sign_in(client)
    short = client.post("/account/password", data={"password": "short", "confirm": "short"})
    assert short.status_code == 400
    assert "Please use at least 12 characters (and at most 256)." in text_of(short)
    differ = client.post("/account/password", data={"password": NEW, "confirm": NEW + "!"})
    assert differ.status_code == 400
    assert "The two passwords differ." in text_of(differ)
    empty = client.post("/account/password", data={})
    assert empty.status_code == 400 and "Please check the fields marked below." in text_of(empty)
    assert 'value="short"' not in short.get_data(as_text=True)  # never sent back to the page
    client.post("/logout")
    assert sign_in(client) == "/"  # the old password still works


def test_changing_the_password_needs_a_recent_confirmation(app, client, make_counselor, clock):
    make_counselor("ana@example.org")
    sign_in(client)
    clock.advance(minutes=6)
    assert client.get("/account/password").headers["Location"] == "/confirm?next=/account/password"
    posted = client.post("/account/password", data={"password": NEW, "confirm": NEW})
    assert posted.headers["Location"] == "/confirm?next=/account/password"
    assert client.post("/confirm", data={"password": "wrong password"}).status_code == 400
    client.post("/confirm?next=/account/password", data={"password": PASSWORD})
    response = client.post("/account/password", data={"password": NEW, "confirm": NEW})
    assert response.headers["Location"] == "/account/"
    client.post("/logout")
    assert sign_in(client, NEW) == "/"


def test_an_admin_gives_a_counselor_who_forgot_a_new_password_on_the_server(
    app, runner, make_counselor
):
    ana = make_counselor("ana@example.org")
    left_signed_in = app.test_client()
    sign_in(left_signed_in)
    result = runner.invoke(
        args=["set-password"],
        input=f"Ana@Example.org\nshort\nshort\n{NEW}\n{NEW}\n",
    )
    assert result.exit_code == 0, result.output
    assert "Please use 12 to 256 characters." in result.output
    assert "can now sign in with the new password" in result.output
    assert NEW not in result.output  # prompts hide what is typed
    assert left_signed_in.get("/").headers["Location"].startswith("/login")
    assert sign_in(app.test_client(), PASSWORD) == ""
    assert sign_in(app.test_client(), NEW) == "/"
    assert ("set_password", ana) in actions(app)


def test_set_password_names_an_unknown_email_and_takes_no_password_argument(runner):
    unknown = runner.invoke(args=["set-password", "--email", "kim@example.org"])
    assert unknown.exit_code != 0
    assert "There is no account with kim@example.org." in unknown.output
    argument = runner.invoke(args=["set-password", "--email", "a@b.org", "--password", NEW])
    assert argument.exit_code != 0 and "No such option" in argument.output
