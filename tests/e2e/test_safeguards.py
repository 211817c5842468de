"""The pages that guard the practice's data, in a browser: two-step sign-in, confirming who one
is, the audit log, a couple's export and deletion, and a new password. Each passes the checks."""

from __future__ import annotations

import re
from collections.abc import Callable

import pyotp
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD

from .checks import check_page


def test_two_step_sign_in_and_the_audit_log(page: Page, signed_in: Callable[..., int], clock):
    signed_in(page, admin=True, name="Dana Reyes")
    page.get_by_role("link", name="Your account").click()
    check_page(page)
    page.get_by_role("link", name="Set up two-step sign-in").click()
    qr = page.get_by_role("img", name="QR code to scan with your authenticator app")
    expect(qr).to_be_visible()
    check_page(page)
    secret = page.locator("code.secret").inner_text().replace(" ", "")
    page.get_by_label("Code").fill("123456")
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page.get_by_label("Code")).to_have_accessible_description(
        "That code did not work. Type the 6-digit code the app shows now."
    )
    check_page(page)
    page.get_by_label("Code").fill(pyotp.TOTP(secret).at(clock.now))
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page.get_by_role("heading", name="Two-step sign-in is on")).to_be_visible()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    check_page(page)

    page.get_by_role("button", name="Sign out").click()
    clock.advance(seconds=30)
    page.get_by_label("Email").fill("dana@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Type your code")).to_be_visible()
    check_page(page)
    page.get_by_label("Code").fill(pyotp.TOTP(secret).at(clock.now))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your couples")).to_be_visible()

    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("cell", name="Turned on two-step sign-in")).to_be_visible()
    check_page(page)
    page.get_by_label("From").fill("2026-03-02")
    page.get_by_label("To").fill("2026-03-01")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_label("To")).to_have_accessible_description(
        "Please choose a day on or after the From day."
    )
    check_page(page)


def test_export_and_delete_a_couple(
    page: Page, signed_in: Callable[..., int], make_couple: Callable[..., int], clock
):
    couple_id = make_couple(signed_in(page), "Sam & Alex", ("Sam", "Alex"))
    page.goto(f"/couples/{couple_id}")
    clock.advance(minutes=6)
    page.get_by_role("link", name="Export").click()
    expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
    check_page(page)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Export Sam & Alex")).to_be_visible()
    check_page(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the zip").click()
    name = download.value.suggested_filename
    assert re.fullmatch(rf"couple-{couple_id}-\d{{4}}-\d\d-\d\d\.zip", name)

    page.goto(f"/couples/{couple_id}")
    page.get_by_role("link", name="Delete").click()
    check_page(page)
    page.get_by_label("Type the couple's name to confirm").fill("Sam and Alex")
    page.get_by_role("button", name="Delete Sam & Alex for good").click()
    expect(page.get_by_label("Type the couple's name to confirm")).to_have_attribute(
        "aria-invalid", "true"
    )
    check_page(page)
    page.get_by_label("Type the couple's name to confirm").fill("Sam & Alex")
    page.get_by_role("button", name="Delete Sam & Alex for good").click()
    expect(page.get_by_role("status")).to_have_text(
        "Sam & Alex and everything about them is deleted."
    )
    expect(page.get_by_role("heading", name="No couples yet")).to_be_visible()


def test_change_the_password(page: Page, signed_in: Callable[..., int]):
    signed_in(page, name="Dana Reyes")
    page.get_by_role("link", name="Your account").click()
    page.get_by_role("link", name="Change your password").click()
    expect(page.get_by_role("heading", name="Change your password")).to_be_visible()
    expect(page.get_by_label("Your password now")).to_be_focused()
    check_page(page)
    _change_password(page, PASSWORD, "a new and longer phrase", "a new and longer phrase!")
    expect(page.get_by_label("New password again")).to_have_accessible_description(
        "The two passwords differ."
    )
    expect(page.get_by_role("alert")).to_be_focused()
    check_page(page)
    _change_password(page, "not my password", "a new and longer phrase", "a new and longer phrase")
    expect(page.get_by_label("Your password now")).to_have_accessible_description(
        "That is not your password."
    )
    _change_password(page, PASSWORD, "a new and longer phrase", "a new and longer phrase")
    expect(page.get_by_role("status")).to_have_text(
        "Your password is changed. Any other device or browser signed in as you is signed out."
    )
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    check_page(page)


def _change_password(page: Page, now: str, new: str, again: str) -> None:
    page.get_by_label("Your password now").fill(now)
    page.get_by_label("New password", exact=True).fill(new)
    page.get_by_label("New password again").fill(again)
    page.get_by_role("button", name="Change the password").click()
