"""Headers, CSRF, oversized ids and requests, and counselors seeing only their own couples."""

from __future__ import annotations

import re

import pytest

from clinic.db import get_db
from clinic.models import Couple

from .conftest import PASSWORD

PAGES = [
    "/",
    "/couples/archived",
    "/couples/new",
    "/worksheets/",
    "/counselors/",
    "/counselors/new",
    "/login",
    "/no-such-page",
]


@pytest.mark.parametrize("path", PAGES)
def test_security_headers_on_every_page(client, counselor, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    for part in [
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]:
        assert part in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", PAGES)
def test_no_inline_script_or_style(client, counselor, path):
    page = client.get(path).get_data(as_text=True)
    assert "<style" not in page
    assert " style=" not in page
    assert re.search(r"<script(?![^>]*\bsrc=)", page) is None
    assert re.search(r"<[^>]+\son[a-z]+\s*=", page) is None


def test_session_cookie_flags(client, make_counselor):
    make_counselor("ana@example.org")
    response = client.post("/login", data={"email": "ana@example.org", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_secure_cookie_switch(make_app, make_counselor):
    app = make_app(SESSION_COOKIE_SECURE=True)
    make_counselor("ana@example.org")
    response = app.test_client().post(
        "/login",
        data={"email": "ana@example.org", "password": PASSWORD},
        base_url="https://localhost",
    )
    assert "Secure" in response.headers["Set-Cookie"]


def test_hsts_only_over_https(make_app, client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = make_app(SESSION_COOKIE_SECURE=True).test_client()
    response = secure.get("/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_csrf_is_enforced_when_enabled(make_app, make_counselor):
    app = make_app(WTF_CSRF_ENABLED=True)
    make_counselor("ana@example.org")
    client = app.test_client()
    response = client.post("/login", data={"email": "ana@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    response = client.post(
        "/login", data={"email": "ana@example.org", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    # Sign-out and other buttons need the token too.
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    "path", ["/couples/99999999999999999999", "/couples/2147483648/edit", "/couples/0"]
)
def test_ids_too_large_for_the_database_are_404(client, counselor, path):
    assert client.get(path).status_code == 404
    assert client.post(path).status_code in (404, 405)


def test_oversized_request_is_refused_calmly(client, counselor):
    response = client.post("/couples", data={"label": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert "too much" in response.get_data(as_text=True)


def test_error_pages_look_like_the_app(client):
    page = client.get("/nowhere").get_data(as_text=True)
    assert "We could not find that page" in page
    assert "clinic.css" in page


def test_server_error_page(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.get_data(as_text=True)


OTHER_COUPLE_URLS = [
    ("get", "/couples/{id}"),
    ("get", "/couples/{id}/edit"),
    ("post", "/couples/{id}"),
    ("post", "/couples/{id}/archive"),
    ("post", "/couples/{id}/restore"),
]


@pytest.mark.parametrize("method,url", OTHER_COUPLE_URLS)
def test_another_counselors_couple_is_404(
    app, client, counselor, make_counselor, make_couple, method, url
):
    other = make_counselor("other@example.org")
    couple_id = make_couple(other, label="Not yours")
    data = {"label": "Taken", "partner1_name": "A", "partner2_name": "B"}
    response = getattr(client, method)(url.format(id=couple_id), data=data)
    assert response.status_code == 404
    assert "Not yours" not in response.get_data(as_text=True)
    with app.app_context():
        couple = get_db().get(Couple, couple_id)
        assert couple.label == "Not yours"
        assert couple.archived_at is None


def test_another_counselors_couples_are_not_listed(client, counselor, make_counselor, make_couple):
    other = make_counselor("other@example.org")
    make_couple(other, label="Not yours")
    make_couple(counselor, label="Mine")
    page = client.get("/").get_data(as_text=True)
    assert "Mine" in page
    assert "Not yours" not in page
