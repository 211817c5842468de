"""The admin manages counselor accounts, on the web and from the command line."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from clinic.db import get_db
from clinic.models import Counselor

NEW = {
    "name": "Kim Park",
    "email": "kim@example.org",
    "password": "twelve chars ok",
    "confirm": "twelve chars ok",
}


def test_admin_adds_a_counselor_who_can_sign_in(app, client, counselor, auth):
    response = client.post("/counselors/", data=NEW)
    assert response.status_code == 302
    assert "Kim Park" in client.get("/counselors/").get_data(as_text=True)
    auth.logout()
    assert auth.login("kim@example.org", "twelve chars ok").status_code == 302
    with app.app_context():
        kim = get_db().scalar(select(Counselor).filter_by(email="kim@example.org"))
        assert kim.is_admin is False


@pytest.mark.parametrize(
    "change,message",
    [
        ({"password": "too short", "confirm": "too short"}, "at least 12 characters"),
        ({"confirm": "something else"}, "The two passwords differ."),
        ({"email": "not-an-email"}, "Please enter an email address"),
        ({"email": "counselor1@example.org"}, "There is already an account with this email."),
        ({"name": ""}, "This field is required."),
    ],
)
def test_bad_input_is_explained_and_kept(client, counselor, change, message):
    response = client.post("/counselors/", data={**NEW, **change})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    if "name" not in change:
        assert 'value="Kim Park"' in page


def test_long_passphrases_are_fine(client, counselor, auth):
    phrase = "a sentence that is much longer than sixty four characters, and that is fine"
    client.post("/counselors/", data={**NEW, "password": phrase, "confirm": phrase})
    auth.logout()
    assert auth.login("kim@example.org", phrase).status_code == 302


def test_deactivate_signs_out_and_blocks(app, client, counselor, make_counselor):
    kim = make_counselor("kim@example.org")
    kim_client = app.test_client()
    kim_client.post(
        "/login", data={"email": "kim@example.org", "password": "correct horse battery"}
    )
    assert kim_client.get("/").status_code == 200
    client.post(f"/counselors/{kim}/deactivate")
    assert kim_client.get("/").status_code == 302
    assert "Deactivated" in client.get("/counselors/").get_data(as_text=True)
    client.post(f"/counselors/{kim}/activate")
    with app.app_context():
        assert get_db().get(Counselor, kim).active is True


def test_admin_cannot_deactivate_self(app, client, counselor):
    client.post(f"/counselors/{counselor}/deactivate")
    with app.app_context():
        assert get_db().get(Counselor, counselor).active is True


@pytest.mark.parametrize(
    "method,path",
    [
        ("get", "/counselors/"),
        ("get", "/counselors/new"),
        ("post", "/counselors/"),
        ("post", "/counselors/1/deactivate"),
        ("post", "/counselors/1/activate"),
    ],
)
def test_counselor_pages_do_not_exist_for_non_admins(
    app, make_counselor, auth, client, method, path
):
    admin = make_counselor("admin@example.org", admin=True)
    assert admin == 1
    make_counselor("plain@example.org")
    auth.login("plain@example.org")
    response = getattr(client, method)(path, data=NEW)
    assert response.status_code == 404
    with app.app_context():
        assert get_db().get(Counselor, 1).active is True
        assert get_db().scalar(select(Counselor).filter_by(email="kim@example.org")) is None


def test_create_counselor_command_prompts_for_the_password(app, runner):
    result = runner.invoke(
        args=["create-counselor", "--admin"],
        input="lee@example.org\nLee Chen\nshort\nshort\nlong enough pass\nlong enough pass\n",
    )
    assert result.exit_code == 0, result.output
    assert "Please use 12 to 256 characters." in result.output
    with app.app_context():
        lee = get_db().scalar(select(Counselor).filter_by(email="lee@example.org"))
        assert lee.name == "Lee Chen" and lee.is_admin
        assert "long enough pass" not in lee.password_hash


def test_create_counselor_command_refuses_a_taken_email(runner, make_counselor):
    make_counselor("lee@example.org")
    result = runner.invoke(args=["create-counselor", "--email", "lee@example.org", "--name", "L"])
    assert result.exit_code != 0
    assert "already an account" in result.output


def test_password_is_never_an_argument(runner):
    result = runner.invoke(args=["create-counselor", "--password", "x" * 12])
    assert result.exit_code != 0
    assert "No such option" in result.output
