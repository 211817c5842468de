"""Every other page a counselor can reach today, error states included, passes the checks."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from flask import Flask
from playwright.sync_api import Page, expect

from clinic.db import utcnow

from .checks import check_page
from .harness import sign_in

# The smallest chart label as drawn (its font size times the chart's scale on screen), over the
# body text's size; and the narrowest timeline entry over the width of its row.
CHART_LABELS = """() => {
  const body = parseFloat(getComputedStyle(document.body).fontSize);
  const sizes = [...document.querySelectorAll("svg.trend-chart text")].map(
    (t) => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a);
  return Math.min(...sizes) / body;
}"""
TIMELINE = """() => Math.min(...[...document.querySelectorAll(".timeline li")].map(
  (li) => li.querySelector(".timeline-what").getBoundingClientRect().width
    / li.getBoundingClientRect().width))"""


def _fits_the_screen(tab: Page) -> bool:
    return tab.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_worksheet_library_and_every_preview(page: Page, signed_in: Callable[..., int]):
    signed_in(page)
    page.get_by_role("link", name="Worksheets").click()
    expect(page.get_by_role("heading", name="Worksheets")).to_be_visible()
    check_page(page)

    titles = page.locator("main .card-title a").all_inner_texts()
    assert len(titles) >= 7, titles
    for title in titles:
        page.get_by_role("link", name=title, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        expect(page.get_by_role("note")).to_contain_text("this is what a partner sees")
        check_page(page)
        page.get_by_role("link", name="All worksheets").click()


def test_worksheet_preview_on_a_phone(phone: Page, signed_in: Callable[..., int]):
    signed_in(phone)
    phone.goto("/worksheets/")
    check_page(phone)
    phone.get_by_role("link", name="Physical closeness").first.tap()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("closeness")
    first = phone.get_by_role("radio").first
    expect(first).to_be_disabled()  # a preview answers nothing
    assert _fits_the_screen(phone), "the preview scrolls sideways on a phone"
    check_page(phone)


def test_counselor_admin_pages(page: Page, signed_in: Callable[..., int]):
    signed_in(page, admin=True, name="Dana Reyes")
    page.get_by_role("link", name="Counselors").click()
    expect(page.get_by_role("cell", name="Dana Reyes")).to_be_visible()
    check_page(page)

    page.get_by_role("link", name="Add a counselor").click()
    page.get_by_label("Name").fill("Lee Park")
    page.get_by_label("Email").fill("lee@example")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_role("button", name="Add counselor").click()
    expect(page.get_by_label("Password", exact=True)).to_have_attribute("aria-invalid", "true")
    check_page(page)

    page.get_by_label("Email").fill("lee@example.org")
    page.get_by_label("Password", exact=True).fill("a long enough password")
    page.get_by_label("Password again").fill("a long enough password")
    page.get_by_role("button", name="Add counselor").click()
    expect(page.get_by_role("status")).to_contain_text("Lee Park can now sign in")
    check_page(page)

    page.get_by_role("button", name="Deactivate Lee Park").click()
    expect(page.get_by_role("status")).to_contain_text("can no longer sign in")
    expect(page.get_by_role("button", name="Reactivate Lee Park")).to_be_visible()
    check_page(page)


def test_edit_archive_and_restore_a_couple(
    page: Page, signed_in: Callable[..., int], make_couple: Callable[..., int]
):
    counselor_id = signed_in(page)
    couple_id = make_couple(counselor_id, "Sam & Alex", ("Sam", "Alex"))
    page.goto(f"/couples/{couple_id}/edit")
    page.get_by_label("Couple's name").fill("")
    page.get_by_label("Second partner's email (optional)").fill("not an email")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_label("Second partner's email (optional)")).to_have_attribute(
        "aria-invalid", "true"
    )
    check_page(page)

    page.get_by_label("Couple's name").fill("Sam and Alex R.")
    page.get_by_label("Second partner's email (optional)").fill("")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Sam and Alex R.")).to_be_visible()

    page.get_by_role("button", name="Archive").click()
    expect(page.get_by_role("heading", name="No couples yet")).to_be_visible()
    page.get_by_role("link", name="Archived couples").click()
    expect(page.get_by_role("link", name="Sam and Alex R.")).to_be_visible()
    check_page(page)

    page.get_by_role("link", name="Sam and Alex R.").click()
    expect(page.get_by_text("Archived", exact=True)).to_be_visible()
    check_page(page)
    page.get_by_role("button", name="Restore").click()
    expect(page.get_by_role("status")).to_contain_text("back on your roster")


def test_another_counselors_couple_is_not_found(
    page: Page,
    signed_in: Callable[..., int],
    make_counselor: Callable[..., int],
    make_couple: Callable[..., int],
):
    signed_in(page)
    theirs = make_couple(make_counselor("other@example.org"), "Kim & Jo", ("Kim", "Jo"))
    response = page.goto(f"/couples/{theirs}")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="We could not find that page")).to_be_visible()
    expect(page.get_by_text("Kim & Jo")).to_have_count(0)
    check_page(page)


def test_assignment_pages_and_their_mistakes(
    page: Page, signed_in: Callable[..., int], make_couple: Callable[..., int]
):
    couple_id = make_couple(signed_in(page), "Sam & Alex", ("Sam", "Alex"))
    page.goto(f"/couples/{couple_id}/assignments/new")
    page.get_by_label("Due date").fill("2020-01-01")
    page.get_by_role("button", name="Assign and make links").click()
    expect(page.get_by_role("alert")).to_have_text("Please check the fields marked below.")
    expect(page.get_by_role("group", name="Worksheets")).to_have_accessible_description(
        "Please choose at least one worksheet."
    )
    expect(page.get_by_label("Due date")).to_have_accessible_description(
        "Please choose today or a later date."
    )
    check_page(page)

    page.get_by_label("Quality time plan (10 min)").check()
    page.get_by_label("Physical closeness map", exact=False).check()
    page.get_by_label("Due date").fill((utcnow().date() + timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Assign and make links").click()
    expect(page.get_by_role("heading", name="New links to send")).to_be_visible()
    # One link per partner for both worksheets.
    expect(page.get_by_role("textbox", name=re.compile("^Private link for"))).to_have_count(2)
    check_page(page)

    page.get_by_role("link", name="links for Quality time plan").click()
    page.get_by_label("New due date").fill("2020-01-01")
    page.get_by_role("button", name="Change due date").click()
    expect(page.get_by_label("New due date")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("alert")).to_have_text("Please check the fields marked below.")
    expect(page.get_by_role("alert")).to_be_focused()
    check_page(page)

    sam = page.locator("section.panel").filter(has=page.get_by_role("heading", name="Sam"))
    sam.get_by_role("button", name="Revoke links").click()
    expect(page.get_by_role("status")).to_contain_text("Sam's links no longer work")
    expect(sam.get_by_text("No working link.")).to_be_visible()
    check_page(page)
    sam.get_by_role("button", name="Issue a new link").click()
    expect(sam.get_by_label("Private link for Sam")).to_be_visible()
    check_page(page)
    page.get_by_role("button", name="Close this assignment").click()
    expect(page.get_by_text("Closed", exact=True)).to_be_visible()
    check_page(page)

    page.get_by_role("link", name="See the answers side by side").click()
    expect(
        page.get_by_text("Gaps show once both partners have sent their answers.")
    ).to_be_visible()
    check_page(page)


def test_session_pages_and_their_mistakes(
    page: Page, signed_in: Callable[..., int], make_couple: Callable[..., int]
):
    couple_id = make_couple(signed_in(page), "Sam & Alex", ("Sam", "Alex"))
    page.goto(f"/couples/{couple_id}/sessions/new")
    page.get_by_label("Date of the session").fill("")
    page.get_by_role("button", name="Save session").click()
    expect(page.get_by_label("Date of the session")).to_have_accessible_description(
        "Please give a date."
    )
    check_page(page)

    page.get_by_label("Date of the session").fill("2026-03-02")
    page.get_by_label("Agreed next steps").fill("A walk twice a week.")
    page.get_by_role("button", name="Save session").click()
    expect(page.get_by_role("heading", name="Session of March 2, 2026")).to_be_visible()

    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_label("New note")).to_have_accessible_description(
        "Please write the note first."
    )
    expect(page.get_by_role("alert")).to_be_focused()
    page.get_by_role("button", name="Assign and make links").click()
    expect(page.get_by_role("group", name="Worksheets")).to_have_accessible_description(
        "Please choose at least one worksheet."
    )
    check_page(page)

    page.get_by_label("Quality time plan (10 min)").check()
    page.get_by_label("Due date").fill((utcnow().date() + timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Assign and make links").click()
    expect(page.get_by_role("heading", name="Sam: Quality time plan")).to_be_visible()
    check_page(page)

    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Date of the session").fill("")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_label("Date of the session")).to_have_attribute("aria-invalid", "true")
    check_page(page)
    page.get_by_role("link", name="Back to the session").click()
    page.get_by_role("link", name="Sam & Alex").click()
    expect(page.get_by_role("region", name="Timeline")).to_contain_text("Session")
    check_page(page)


def test_pages_full_of_demo_data(page: Page, app: Flask, live_server: str):
    """`flask demo` fills every list, chart and state a counselor can meet; each page passes."""
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    found = re.search(r"password:\s*(\S+)", result.output)
    assert found, result.output
    sign_in(page, live_server, "demo@example.org", found.group(1))
    for heading in ("Safety concerns to act on", "Both partners have answered", "Overdue"):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    check_page(page)

    page.get_by_role("link", name="Sam & Alex").first.click()
    expect(page.get_by_role("heading", name="Progress over time")).to_be_visible()
    expect(page.locator("figure.trend svg").first).to_be_visible()
    check_page(page)
    # Chart labels at least the body text's size, at 1280 px and at 200% zoom (640 CSS px);
    # a timeline entry takes the row beside its date, or the whole row under it when narrow.
    assert page.evaluate(CHART_LABELS) >= 1
    assert page.evaluate(TIMELINE) > 0.75
    page.set_viewport_size({"width": 640, "height": 400})
    assert page.evaluate(CHART_LABELS) >= 1
    assert page.evaluate(TIMELINE) > 0.95
    page.set_viewport_size({"width": 1280, "height": 800})
    couple_page = page.url

    # A review with mirror pairs (each partner's self-report beside the other's view).
    page.get_by_role("region", name="Worksheets").get_by_role(
        "link", name="Emotional intimacy check-in", exact=True
    ).first.click()
    mirrors = page.get_by_role("heading", name="How each sees themselves and the other")
    expect(mirrors).to_be_visible()
    check_page(page)
    page.goto(couple_page)

    page.get_by_role("region", name="Timeline").get_by_role("link", name="Session").first.click()
    expect(page.get_by_text("Counselor only", exact=True).first).to_be_visible()
    check_page(page)

    page.get_by_role("region", name="Worksheets talked about").get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="How well they know each other")).to_be_visible()
    check_page(page)

    page.goto("/")
    overdue = page.locator(".attention-group").filter(has_text="Overdue")
    overdue.get_by_role("link").first.click()
    expect(page.get_by_text("Overdue", exact=True)).to_be_visible()
    check_page(page)
