"""Notes in a browser: a structured note, a mistake on changing it, the signing page, addenda,
and the time zone choice on a phone; each page passes the checks."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from .checks import check_page


def test_a_soap_note_signed_and_amended(
    page: Page, signed_in: Callable[..., int], make_couple: Callable[..., int]
):
    couple_id = make_couple(signed_in(page), "Sam & Alex", ("Sam", "Alex"))
    page.goto(f"/couples/{couple_id}/sessions/new")
    page.get_by_label("How notes are laid out").select_option("soap")
    page.get_by_label("A note (optional)").fill("First thoughts.")
    page.get_by_role("button", name="Save session").click()
    page.get_by_label("Subjective").fill("Mornings feel rushed.")
    page.get_by_label("Plan", exact=True).fill("Ten quiet minutes at breakfast.")
    page.get_by_role("button", name="Add note").click()
    notes = page.get_by_role("region", name="Notes")
    expect(notes.get_by_role("heading", name="Subjective")).to_be_visible()
    check_page(page)

    notes.get_by_role("link", name="Change this note").last.click()
    page.get_by_label("Subjective").fill("")
    page.get_by_label("Plan", exact=True).fill("")
    page.get_by_role("button", name="Save the note").click()
    expect(page.get_by_label("Subjective")).to_have_accessible_description(
        "Please write under at least one heading."
    )
    check_page(page)
    page.get_by_role("link", name="Cancel").click()

    page.get_by_role("link", name="Sign the session…").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sign the session of")
    check_page(page)
    page.get_by_role("button", name="Sign and lock the notes").click()
    expect(page.get_by_role("status")).to_contain_text("Session signed.")
    expect(notes.get_by_role("link", name="Change this note")).to_have_count(0)
    page.get_by_role("button", name="Add addendum").click()
    expect(page.get_by_role("textbox", name="Addendum")).to_have_accessible_description(
        "The signed notes stay as they are; this is added below them with your name and the "
        "time. Please write the addendum first."
    )
    check_page(page)
    page.get_by_role("textbox", name="Addendum").fill("Called on Friday: going well.")
    page.get_by_role("button", name="Add addendum").click()
    expect(notes.get_by_text("Called on Friday: going well.")).to_be_visible()
    check_page(page)


def test_choosing_a_time_zone_on_a_phone(phone: Page, signed_in: Callable[..., int]):
    signed_in(phone)
    phone.goto("/account/")
    phone.get_by_label("Your time zone").select_option("America/Chicago")
    phone.get_by_role("button", name="Save the time zone").click()
    expect(phone.get_by_role("status")).to_contain_text("where you are")
    expect(phone.get_by_label("Your time zone")).to_have_value("America/Chicago")
    check_page(phone)
