"""A partner's form on a phone: Enter (Go) in a one-line answer, and a form that has expired,
with and without JavaScript."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from . import test_partner
from .checks import check_page
from .harness import start_worksheet
from .test_partner import _response_id, _stored

# The partner tests' fixtures: the app with the short "two-parts" worksheet, and the links.
app = test_partner.app
tokens = test_partner.tokens


def _on_part_two(
    open_tab: Callable[..., Page], tokens: Callable[..., list[str]], scripts: bool
) -> Page:
    """Sam's phone, with or without scripts, on part 2 of the short worksheet."""
    phone = open_tab("phone", java_script_enabled=scripts)
    sam, _alex = tokens("two-parts")
    phone.goto(sam)
    start_worksheet(phone)
    # Until the load, the page's deferred script may not have run: Enter would post the form.
    with phone.expect_navigation():
        phone.get_by_role("button", name="Next").click()
    expect(phone.get_by_role("heading", name="Part two")).to_be_visible()
    return phone


@pytest.mark.parametrize("scripts", [True, False], ids=["script", "no-script"])
def test_enter_in_a_one_line_answer_saves_and_stays(
    open_tab: Callable[..., Page], tokens: Callable[..., list[str]], app: Flask, scripts: bool
):
    phone = _on_part_two(open_tab, tokens, scripts)
    check_page(phone)

    wish = phone.get_by_label("One wish")
    wish.fill("Sunday walks")
    if scripts:
        wish.press("Enter")
        expect(phone.locator("[data-save-status]")).to_have_text("Saved")
        expect(wish).to_be_focused()  # the page did not move under the partner's thumb
    else:
        with phone.expect_navigation():
            wish.press("Enter")
        expect(phone.get_by_role("status").first).to_contain_text("Saved.")
    expect(phone.get_by_role("heading", name="Part two")).to_be_visible()
    expect(phone).to_have_title(  # never Part 1: Enter is not Back
        "Part 2 of 2 — Two parts · " + app.config["PRACTICE_NAME"]
    )
    expect(wish).to_have_value("Sunday walks")
    assert _stored(app, _response_id(phone))["wish"] == "Sunday walks"


@pytest.mark.parametrize("scripts", [True, False], ids=["script", "no-script"])
def test_an_expired_form_keeps_what_was_typed(
    open_tab: Callable[..., Page], tokens: Callable[..., list[str]], app: Flask, scripts: bool
):
    phone = _on_part_two(open_tab, tokens, scripts)
    # The token on the page no longer matches the browser's session, as after a long absence.
    phone.locator("input[name=csrf_token]").first.evaluate("field => { field.value = 'old'; }")
    phone.get_by_label("A story").fill("We walked\nby the river")
    phone.get_by_role("button", name="Back").click()

    alert = phone.get_by_role("alert")
    expect(alert).to_contain_text("your last step was not saved")
    expect(phone.get_by_label("A story")).to_have_value("We walked\nby the river")
    assert "story" not in _stored(app, _response_id(phone))
    check_page(phone)

    alert.get_by_role("button", name="Save and go back").click()
    expect(phone.get_by_role("heading", name="Part one")).to_be_visible()
    assert _stored(app, _response_id(phone))["story"] == "We walked\nby the river"
