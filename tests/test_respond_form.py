"""The partner's form as a person meets it: Enter in a one-line answer, a page whose form has
expired, and typed text kept in one Unicode form."""

from __future__ import annotations

import re
from collections.abc import Callable
from xml.etree.ElementTree import Element

import pytest
import tinyhtml5
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from clinic.db import get_db
from clinic.models import Couple, Response

from .conftest import CODE

PART_TWO = {"section": "1", "wish": "More walks\u2003together", "story": "A long\nday"}


def parse(html: str) -> Element:
    return tinyhtml5.parse(html, namespace_html_elements=False)


def text(element: Element) -> str:
    return " ".join("".join(element.itertext()).split())


def answers(app: Flask, position: int = 1) -> dict[str, object]:
    with app.app_context():
        rows = get_db().scalars(select(Response).order_by(Response.partner_id)).all()
        return dict(rows[position - 1].answers)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found[1]


@pytest.fixture
def guarded(make_app: Callable[..., Flask]) -> Flask:
    """An app with CSRF checks on, as a practice runs it."""
    return make_app(WTF_CSRF_ENABLED=True)


@pytest.fixture
def sam(
    guarded: Flask,
    make_counselor: Callable[..., int],
    make_couple: Callable[..., int],
    make_assignment: Callable[..., tuple[int, list[str]]],
) -> tuple[FlaskClient, str, str]:
    """Sam's phone, started through the link: (client, tokenless URL, link path)."""
    _assignment, (token, _alex) = make_assignment(make_couple(make_counselor()))
    client = guarded.test_client()
    welcome = client.get(f"/l/{token}").get_data(as_text=True)
    started = client.post(f"/l/{token}", data={"csrf_token": csrf_of(welcome), "code": CODE})
    assert started.status_code == 302
    return client, started.headers["Location"], f"/l/{token}"


def test_enter_in_a_one_line_answer_saves_and_stays(guarded: Flask, sam) -> None:
    """Enter presses a form's first submit button: on part 2 that must not be Back."""
    client, url, _link = sam
    page = parse(client.get(url + "?section=1").get_data(as_text=True))
    form = next(f for f in page.iter("form") if f.get("action") == url)
    buttons = [b for b in form.iter("button") if b.get("type") == "submit"]
    first = buttons[0]
    assert (first.get("name"), first.get("value")) == ("move", "stay")
    # Out of sight, of the tab order and of screen readers; the visible buttons are unchanged.
    assert first.get("tabindex") == "-1" and first.get("aria-hidden") == "true"
    assert "visually-hidden" in first.get("class", "").split()
    assert [text(b) for b in buttons[1:]] == ["Back", "Save draft", "Send my answers"]

    # What the browser then posts: the part's answers with the first button's name and value.
    posted = {"csrf_token": csrf_of(client.get(url + "?section=1").get_data(as_text=True))}
    response = client.post(url, data={**posted, **PART_TWO, "move": "stay"}, follow_redirects=True)
    shown = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Part 2 of 2" in shown and "Saved." in shown
    assert 'value="More walks\u2003together"' in shown
    assert answers(guarded)["wish"] == "More walks\u2003together"


def test_a_locked_page_has_no_hidden_button(guarded: Flask, sam) -> None:
    client, url, _link = sam
    with guarded.app_context():
        for row in get_db().scalars(select(Response)):
            row.assignment.closed_at = row.assignment.created_at
        get_db().commit()
    page = client.get(url + "?section=1").get_data(as_text=True)
    assert "data-enter-saves" not in page and 'name="-typed"' not in page


@pytest.mark.parametrize("token", [None, "not-the-token"], ids=["missing", "wrong"])
def test_an_expired_form_comes_back_with_what_was_typed(
    guarded: Flask, sam, token: str | None
) -> None:
    client, url, _link = sam
    data = {**PART_TWO, "-typed": ["wish", "story"], "move": "next"}
    if token:
        data["csrf_token"] = token
    response = client.post(url, data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    page = parse(html)
    (alert,) = [e for e in page.iter("div") if e.get("id") == "expired"]
    assert "your last step was not saved" in text(alert)
    (carry_on,) = alert.iter("button")
    assert (text(carry_on), carry_on.get("value")) == ("Save and go on", "next")
    assert "Not saved yet — Part 2 of 2" in text(page.find(".//title"))
    assert 'value="More walks\u2003together"' in html
    assert ">A long\nday</textarea>" in html
    assert answers(guarded) == {}  # nothing of a post without its token is stored

    # The fresh token on the page works: carrying on saves and moves on.
    again = {"csrf_token": csrf_of(html), **PART_TWO, "move": "stay"}
    assert client.post(url, data=again).status_code == 302
    assert answers(guarded)["story"] == "A long\nday"


def test_an_expired_autosave_says_so(guarded: Flask, sam) -> None:
    client, url, _link = sam
    response = client.post(url, data={**PART_TWO, "autosave": "1"})
    assert response.status_code == 400
    assert response.get_json() == {
        "saved": False,
        "message": "Not saved: this page was open too long. Press Save draft to keep your answers.",
    }
    assert answers(guarded) == {}


def test_without_the_partners_session_the_typed_text_is_only_shown_back(
    guarded: Flask, sam
) -> None:
    """A browser that lost its session (or never had one) gets no worksheet and stores nothing;
    it sees the text it just sent, to copy, and how to carry on."""
    _client, url, _link = sam
    stranger = guarded.test_client()
    data = {**PART_TWO, "-typed": ["wish", "story"], "close": "4", "move": "next"}
    response = stranger.post(url, data=data)
    assert response.status_code == 400
    page = parse(response.get_data(as_text=True))
    shown = text(page.find(".//main"))
    assert "This page has expired" in shown and "open your link again" in shown
    typed = [e for e in page.iter("p") if "typed" in e.get("class", "").split()]
    assert ["".join(p.itertext()) for p in typed] == ["More walks\u2003together", "A long\nday"]
    assert "Part 2" not in shown and "One wish" not in shown
    assert "Leave quickly" in text(page)
    assert answers(guarded) == {}
    background = stranger.post(url, data={**data, "autosave": "1"})
    assert background.status_code == 400 and background.get_json()["saved"] is False


def test_an_expired_first_page_asks_for_the_code_again(guarded: Flask, sam) -> None:
    client, _url, link = sam
    response = client.post(link, data={"code": CODE})
    assert response.status_code == 303 and response.headers["Location"] == link
    page = client.get(link).get_data(as_text=True)
    assert "That page was open too long. Please give your code again." in page
    assert CODE not in page


def test_an_answer_typed_with_a_combining_accent_is_stored_composed(guarded: Flask, sam) -> None:
    client, url, _link = sam
    token = csrf_of(client.get(url + "?section=1").get_data(as_text=True))
    client.post(
        url, data={"csrf_token": token, "section": "1", "wish": "Jose\u0301", "autosave": "1"}
    )
    assert answers(guarded)["wish"] == "Jos\u00e9"


@pytest.mark.parametrize("stored", ["Jos\u00e9", "Jose\u0301"], ids=["composed", "decomposed"])
@pytest.mark.parametrize("query", ["Jos\u00e9", "Jose\u0301"], ids=["composed", "decomposed"])
def test_search_finds_jose_typed_either_way(
    app: Flask, client: FlaskClient, counselor: int, stored: str, query: str
) -> None:
    data = {"label": f"{stored} & Kim", "partner1_name": stored, "partner2_name": "Kim"}
    assert client.post("/couples", data=data).status_code == 302
    assert (
        client.post(
            "/couples",
            data={**data, "label": "Ana & Bo", "partner1_name": "Ana", "partner2_name": "Bo"},
        ).status_code
        == 302
    )
    with app.app_context():
        labels = get_db().scalars(select(Couple.label).order_by(Couple.id)).all()
    assert labels == ["Jos\u00e9 & Kim", "Ana & Bo"]
    client.get("/")  # shows the notes that both couples were added
    page = parse(client.get("/", query_string={"q": query}).get_data(as_text=True))
    shown = text(page.find(".//main"))
    assert "Jos\u00e9 & Kim" in shown and "Ana & Bo" not in shown


@pytest.mark.parametrize("query", ["Jos\u00e9", "Jose\u0301"], ids=["composed", "decomposed"])
def test_search_finds_a_name_stored_before_the_rule(
    client: FlaskClient, counselor: int, make_couple: Callable[..., int], query: str
) -> None:
    """A row written before typed text was composed keeps the decomposed form: found too."""
    make_couple(counselor, "Jose\u0301 & Kim", ("Jose\u0301", "Kim"))
    make_couple(counselor, "Ana & Bo", ("Ana", "Bo"))
    page = parse(client.get("/", query_string={"q": query}).get_data(as_text=True))
    shown = text(page.find(".//main"))
    assert "Jose\u0301 & Kim" in shown and "Ana & Bo" not in shown
