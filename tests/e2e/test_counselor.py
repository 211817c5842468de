"""A counselor in a desktop browser: first run, signing in and out, adding a couple."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD

from .checks import check_page
from .harness import create_first_account


def test_first_run_setup_link_creates_the_admin(page: Page, first_run_link: Callable[[], str]):
    page.goto("/login")
    expect(page.get_by_text("This is a new installation")).to_be_visible()
    check_page(page)

    link = first_run_link()
    page.goto(link)
    expect(page.get_by_role("heading", name="Welcome")).to_be_visible()
    check_page(page)

    page.get_by_label("Name").fill("Dana Reyes")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("alert")).to_contain_text("Please check the fields marked below.")
    expect(page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
    check_page(page)

    create_first_account(page, link, name="Dana Reyes", email="dana@example.org")
    expect(page.get_by_role("heading", name="Your couples")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Your account is ready")
    expect(page.get_by_role("link", name="Counselors")).to_be_visible()  # the first is an admin
    check_page(page)

    page.goto(link)
    expect(page.get_by_role("heading", name="We could not find that page")).to_be_visible()
    check_page(page)


def test_wrong_password_then_the_right_one(page: Page, make_counselor: Callable[..., int]):
    make_counselor("dana@example.org", name="Dana Reyes")
    page.goto("/login")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
    check_page(page)

    page.get_by_label("Email").fill("dana@example.org")
    page.get_by_label("Password").fill("not my password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text(
        "That email and password do not match an account."
    )
    expect(page.get_by_label("Email")).to_have_value("dana@example.org")
    expect(page.get_by_label("Password")).to_have_value("")
    check_page(page)

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your couples")).to_be_visible()
    check_page(page)


def test_sign_in_with_the_keyboard_alone(page: Page, make_counselor: Callable[..., int]):
    make_counselor("dana@example.org")
    page.goto("/login")
    expect(page.get_by_label("Email")).to_be_focused()
    page.keyboard.type("dana@example.org")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Sign in")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your couples")).to_be_visible()

    # From the top of the page the first stop is the skip link, and it works.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    # The jump to #main is a navigation of its own: the next Tab starts from there once done.
    expect(page).to_have_url(re.compile(r"#main$"))
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Add a couple")).to_be_focused()


def test_add_a_couple_after_a_mistake(page: Page, signed_in: Callable[..., int]):
    signed_in(page)
    expect(page.get_by_role("heading", name="No couples yet")).to_be_visible()
    page.get_by_role("link", name="Add a couple").click()
    expect(page.get_by_role("heading", name="Add a couple")).to_be_visible()
    check_page(page)

    page.get_by_label("First partner's name").fill("Sam")
    page.get_by_label("Second partner's name").fill("Alex")
    page.get_by_role("button", name="Add couple").click()
    label = page.get_by_label("Couple's name")
    expect(label).to_have_attribute("aria-invalid", "true")
    expect(label).to_have_accessible_description(
        'How the couple shows on your dashboard, such as "Sam & Alex". This field is required.'
    )
    expect(page.get_by_label("First partner's name")).to_have_value("Sam")
    check_page(page)

    label.fill("Sam & Alex")
    page.get_by_label("First partner's email (optional)").fill("sam@example.org")
    page.get_by_role("button", name="Add couple").click()
    expect(page.get_by_role("heading", name="Sam & Alex")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("Sam & Alex is on your roster.")
    expect(page.get_by_text("sam@example.org")).to_be_visible()
    check_page(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Couples").click()
    card = page.get_by_role("listitem").filter(has_text="Sam & Alex")
    expect(card).to_contain_text("Sam and Alex")
    check_page(page)


def test_sign_out(page: Page, signed_in: Callable[..., int]):
    signed_in(page)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    check_page(page)

    page.goto("/")
    expect(page.get_by_role("status")).to_have_text("Please sign in to see that page.")
    expect(page).to_have_url("/login?next=%2F")
