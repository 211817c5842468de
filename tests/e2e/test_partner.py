"""A partner's side in the browser: leaving quickly, privacy from the other partner, autosave,
the keyboard alone, and every page a partner can reach, mistakes included."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Locator, Page, Route, expect
from sqlalchemy import select

from clinic.db import get_db
from clinic.models import Response
from tests.conftest import CODE, FIXTURES

from .checks import check_page
from .conftest import QUICK_EXIT_URL
from .harness import live_config, start_worksheet


@pytest.fixture
def app(make_app: Callable[..., Flask], database_url: str) -> Flask:
    """As in conftest, plus the short test worksheet "two-parts" with a question of each kind."""
    return make_app(
        **live_config(database_url, QUICK_EXIT_URL=QUICK_EXIT_URL, WORKSHEET_DIRS=[str(FIXTURES)])
    )


@pytest.fixture
def tokens(
    make_counselor: Callable[..., int],
    make_couple: Callable[..., int],
    make_assignment: Callable[..., tuple[int, list[str]]],
) -> Callable[[str], list[str]]:
    """Assigns a worksheet to Sam & Alex; returns each partner's link path (Sam's first)."""

    def assign(slug: str = "before-we-meet") -> list[str]:
        couple_id = make_couple(make_counselor(name="Dana Reyes"), "Sam & Alex", ("Sam", "Alex"))
        _assignment_id, found = make_assignment(couple_id, slug)
        return [f"/l/{token}" for token in found]

    return assign


def _stored(app: Flask, response_id: int) -> dict[str, Any]:
    with app.app_context():
        return dict(get_db().get(Response, response_id).answers)


def _response_id(tab: Page) -> int:
    found = re.search(r"/r/(\d+)", tab.url)
    assert found, tab.url
    return int(found.group(1))


def test_leave_quickly_leaves_and_back_does_not_return(
    phone: Page, tokens: Callable[..., list[str]], live_server: str
):
    sam, _alex = tokens()
    phone.goto(sam)
    start_worksheet(phone)
    worksheet = phone.url
    phone.get_by_label("In your own words").fill("Nobody else should read this")
    phone.get_by_role("link", name="Leave quickly").click()
    expect(phone).to_have_url(live_server + QUICK_EXIT_URL)

    # location.replace: the worksheet is no longer in this tab's history, and Start replaced
    # the welcome page too, so Back shows nothing of the worksheet or the counselor.
    phone.go_back()
    phone.wait_for_load_state()
    assert phone.url != worksheet
    assert "/l/" not in phone.url and "/r/" not in phone.url
    expect(phone.get_by_text("Nobody else should read this")).to_have_count(0)
    expect(phone.get_by_label("In your own words")).to_have_count(0)


def test_one_partners_browser_cannot_reach_the_others_page(
    open_tab: Callable[..., Page], tokens: Callable[..., list[str]], app: Flask
):
    sam_link, alex_link = tokens()
    alex = open_tab("phone")
    alex.goto(alex_link)
    start_worksheet(alex)
    alex.get_by_label("In your own words").fill("Alex's own words")
    alex.get_by_role("button", name="Save draft").click()
    alex_page = alex.url.partition("?")[0]

    sam = open_tab("phone")
    sam.goto(sam_link)
    start_worksheet(sam)
    csrf_token = sam.locator("input[name=csrf_token]").first.input_value()
    response = sam.goto(alex_page)
    assert response is not None and response.status == 404
    expect(sam.get_by_role("heading", name="We could not find that page")).to_be_visible()
    expect(sam.get_by_text("Alex's own words")).to_have_count(0)
    check_page(sam)

    # Nor can a script in Sam's browser write there, with Sam's own session and CSRF token.
    posted = sam.request.post(
        alex_page, form={"csrf_token": csrf_token, "section": "0", "reason": "Sam was here"}
    )
    assert posted.status == 404
    assert _stored(app, _response_id(alex))["reason"] == "Alex's own words"


def test_autosave_survives_a_reload(phone: Page, tokens: Callable[..., list[str]], app: Flask):
    sam, _alex = tokens()
    phone.goto(sam)
    start_worksheet(phone)
    status = phone.locator("[data-save-status]")
    phone.get_by_label("In your own words").fill("Typed, never sent with a button")
    expect(status).to_have_text("Saved")
    with phone.expect_response(lambda r: r.request.method == "POST" and "/r/" in r.url):
        phone.get_by_role("group", name="Whose idea was it").get_by_label("Mostly mine").check()
    expect(status).to_have_text("Saved")

    phone.reload()
    expect(phone.get_by_label("In your own words")).to_have_value("Typed, never sent with a button")
    expect(phone.get_by_label("Mostly mine")).to_be_checked()
    stored = _stored(app, _response_id(phone))
    assert stored["reason"] == "Typed, never sent with a button"
    assert stored["whose_idea"] == "mine"


def test_a_problem_autosave_finds_is_tied_to_its_question(
    phone: Page, tokens: Callable[..., list[str]]
):
    sam, _alex = tokens("two-parts")
    phone.goto(sam)
    start_worksheet(phone)
    phone.get_by_role("button", name="Next").click()
    status = phone.locator("[data-save-status]")
    wish = phone.get_by_label("One wish")
    # Past the limit, as a browser that ignores maxlength would send it.
    wish.evaluate("field => field.removeAttribute('maxlength')")
    wish.fill("x" * 301)
    expect(status).to_have_text("Saved, but one answer needs a look.")
    expect(wish).to_have_accessible_description(
        "Please keep this to 300 characters or fewer (you have 301)."
    )
    expect(wish).to_have_attribute("aria-invalid", "true")
    check_page(phone)

    wish.fill("More walks")
    expect(status).to_have_text("Saved")
    expect(wish).not_to_have_attribute("aria-invalid", "true")
    expect(wish).to_have_accessible_description("")
    expect(phone.locator("#q-wish .error")).to_have_count(0)


def test_what_is_typed_before_the_script_runs_is_saved_too(
    phone: Page, tokens: Callable[..., list[str]], app: Flask
):
    """A slow phone shows the page before its deferred script runs. Here the script is held
    back until the partner has typed and picked; once it runs, their answers are saved."""
    sam, _alex = tokens("two-parts")
    phone.goto(sam)
    start_worksheet(phone)
    response_id = _response_id(phone)
    held: list[Route] = []
    phone.route("**/respond.js*", lambda route: held.append(route))
    phone.goto(f"/r/{response_id}?section=1", wait_until="commit")
    phone.get_by_label("One wish").fill("More walks")
    phone.get_by_label("Meals").check()
    for _ in range(100):
        if held:
            break
        phone.wait_for_timeout(50)
    assert held, "the page never asked for its script"
    assert "wish" not in _stored(app, response_id)

    held[0].continue_()
    expect(phone.locator("[data-save-status]")).to_have_text("Saved")
    stored = _stored(app, response_id)
    assert stored["wish"] == "More walks"
    assert stored["things"] == ["meals"]


def test_back_to_an_older_copy_of_a_part_shows_and_keeps_what_is_saved_now(
    phone: Page, tokens: Callable[..., list[str]], app: Flask
):
    """The browser's Back to a part as it was before a later change: the page shows the answer
    saved since, not the one the browser remembers typing there, and saves nothing by itself."""
    sam, _alex = tokens("two-parts")
    phone.goto(sam)
    start_worksheet(phone)
    status = phone.locator("[data-save-status]")
    wish = phone.get_by_label("One wish")
    for move, answer in (("Next", "Walks"), ("Back", None), ("Next", "Dinners")):
        with phone.expect_navigation():
            phone.get_by_role("button", name=move).click()
        if answer:
            wish.fill(answer)
            expect(status).to_have_text("Saved")
    with phone.expect_response(lambda r: r.request.method == "POST"):
        phone.get_by_label("Meals").check()
    phone.get_by_label("A story").fill("By the river\nat dusk")
    expect(status).to_have_text("Saved")
    response_id = _response_id(phone)
    posts: list[str] = []
    phone.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    phone.go_back()  # part one
    phone.go_back()  # part two, where "Walks" was typed
    expect(phone.get_by_role("heading", name="Part two")).to_be_visible()
    expect(wish).to_have_value("Dinners")
    expect(phone.get_by_label("Meals")).to_be_checked()
    expect(phone.get_by_label("A story")).to_have_value("By the river\nat dusk")
    phone.wait_for_timeout(1500)  # past the autosave's delay of 700 ms: answers as saved, no post
    assert posts == []
    stored = _stored(app, response_id)
    assert (stored["wish"], stored["things"]) == ("Dinners", ["meals"])


def _tab_to(tab: Page, target: Locator, limit: int = 40) -> None:
    """Press Tab until the target has the focus, as a keyboard user moves through a page."""
    for _ in range(limit):
        if target.evaluate("element => element === document.activeElement"):
            return
        tab.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {target}")


def test_a_partner_completes_a_worksheet_with_the_keyboard_alone(
    page: Page, tokens: Callable[..., list[str]], app: Flask
):
    """Tab moves between questions, Space picks, Enter presses buttons. Within one question's
    radio buttons the arrow keys choose another point, as in every browser: Tab enters the group
    at its first point, which Space picks."""
    sam, _alex = tokens("two-parts")
    page.goto(sam)
    _tab_to(page, page.get_by_label("Choose a code of 4 to 8 digits"))
    page.keyboard.type(CODE)
    _tab_to(page, page.get_by_role("button", name="Start"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Part one")).to_be_visible()

    _tab_to(page, page.get_by_role("radio", name="1 Not close"))
    page.keyboard.press("Space")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(
        page.get_by_role("radiogroup", name="How close").get_by_role("radio", name="4")
    ).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_role("radio", name="Every day")).to_be_focused()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    hugs = page.get_by_role("radiogroup", name="Hugs")
    expect(hugs.get_by_role("radio", name="1")).to_be_focused()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    expect(hugs.get_by_role("radio", name="2")).to_be_checked()
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    expect(
        page.get_by_role("radiogroup", name="Holding hands").get_by_role("radio", name="1")
    ).to_be_checked()
    _tab_to(page, page.get_by_role("button", name="Next"))
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Part two")).to_be_visible()
    _tab_to(page, page.get_by_label("One wish"))
    page.keyboard.type("More walks")
    _tab_to(page, page.get_by_label("Walks"))
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    expect(page.get_by_label("Games")).to_be_checked()
    _tab_to(page, page.get_by_role("radio", name="Yes"))
    page.keyboard.press("Space")
    _tab_to(page, page.get_by_role("button", name="Send my answers"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()

    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    with app.app_context():
        sent = get_db().scalars(select(Response).where(Response.submitted_at.is_not(None))).all()
        assert [r.submitted_answers for r in sent] == [
            {
                "close": 4,
                "often": "daily",
                "touch": {"hugs": 2, "hands": 1},
                "wish": "More walks",
                "things": ["walks", "games"],
                "afraid": "yes",
            }
        ]


def test_every_partner_page_passes_the_checks_mistakes_included(
    phone: Page, tokens: Callable[..., list[str]]
):
    sam, _alex = tokens()
    phone.goto(sam)
    check_page(phone)
    start_worksheet(phone)
    expect(phone).to_have_title(re.compile(r"^Part 1 of 3 — Before we meet · "))
    check_page(phone)

    # Send with answers missing: every part on one page, each problem listed and marked.
    phone.get_by_label("In your own words").fill("Only this one")
    phone.get_by_role("button", name="Next").click()
    phone.get_by_role("button", name="Next").click()
    expect(phone).to_have_title(re.compile(r"^Part 3 of 3 — Before we meet · "))
    check_page(phone)
    phone.get_by_role("button", name="Send my answers").click()
    problems = phone.get_by_role("alert")
    expect(problems).to_contain_text("answers need a look before you send")
    expect(problems).to_be_focused()
    expect(phone).to_have_title(re.compile(r"^Not sent yet: \d+ answers need a look — Before we"))
    expect(phone.get_by_role("heading", name="Just for your counselor")).to_be_visible()
    expect(phone.get_by_role("group", name="Whose idea was it")).to_have_accessible_description(
        re.compile(r"\S")
    )
    check_page(phone)

    phone.goto("/l/not-a-real-link")
    expect(phone.get_by_role("heading", name="This link does not work")).to_be_visible()
    check_page(phone)
