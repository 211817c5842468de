"""Every other page a counselor can reach today, error states included, passes the checks."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from .checks import check_page


def _fits_the_screen(tab: Page) -> bool:
    return tab.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_worksheet_library_and_every_preview(page: Page, signed_in: Callable[..., int]):
    signed_in(page)
    page.get_by_role("link", name="Worksheets").click()
    expect(page.get_by_role("heading", name="Worksheets")).to_be_visible()
    check_page(page)

    titles = page.locator("main a[href^='/worksheets/']").all_inner_texts()
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
