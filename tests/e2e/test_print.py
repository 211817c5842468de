"""A counselor prints a page: the content on white paper without the app's navigation, buttons,
forms or skip links, seen through Chromium's print emulation and its PDF."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from clinic.db import get_db, utcnow
from clinic.models import Assignment, CounselingSession

CHROME = ["Skip to content", "Sign out", "Your account", "Outbox", "Mark reviewed"]


def _printed(page: Page, name: str) -> str:
    """The page as Chromium prints it: checks the screen-only parts are gone and the colours,
    and returns the text of the PDF it prints."""
    page.emulate_media(media="print")
    for selector in ("nav", ".skip-link", "form button", ".button", ".actions"):
        for element in page.locator(selector).all():
            expect(element).to_be_hidden()
    colors = page.evaluate(
        "() => [getComputedStyle(document.body).backgroundColor,"
        " getComputedStyle(document.querySelector('main')).color]"
    )
    assert colors == ["rgb(255, 255, 255)", "rgb(0, 0, 0)"]
    pdf = page.pdf(format="A4", print_background=True)
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(p.extract_text() for p in reader.pages)
    for word in CHROME:
        assert word not in text, (name, word)
    page.emulate_media(media="screen")
    return " ".join(text.split())


@pytest.fixture
def reviewed_couple(
    app: Flask,
    make_couple: Callable[..., int],
    make_assignment: Callable[..., tuple[int, list[str]]],
    submit_answers: Callable[..., None],
) -> Callable[[int], tuple[int, int, int]]:
    """Sam & Alex with "Balancing both" sent by both and a session: (couple, assignment,
    session)."""

    def make(counselor_id: int) -> tuple[int, int, int]:
        couple_id = make_couple(counselor_id)
        assignment_id, _tokens = make_assignment(couple_id, "balancing-both")
        for position, level in ((1, 2), (2, 5)):
            submit_answers(assignment_id, position, {"body_connected": level, "heart_connected": 3})
        with app.app_context():
            meeting = CounselingSession(
                couple_id=couple_id,
                held_on=utcnow().date() + timedelta(days=1),
                next_steps="Walk together on Sundays, phones at home.",
            )
            meeting.discussed = [get_db().get(Assignment, assignment_id)]
            get_db().add(meeting)
            get_db().commit()
            return couple_id, assignment_id, meeting.id

    return make


def test_printed_pages_leave_the_app_behind(
    page: Page, signed_in: Callable[..., int], reviewed_couple: Callable[[int], tuple[int, ...]]
):
    couple_id, assignment_id, session_id = reviewed_couple(signed_in(page))

    page.goto(f"/assignments/{assignment_id}/review")
    expect(page.get_by_role("button", name="Mark reviewed")).to_be_visible()
    text = _printed(page, "review")
    assert "Balancing both" in text and "Sam" in text and "Alex" in text

    page.goto(f"/couples/{couple_id}")
    text = _printed(page, "couple")
    assert "Sam & Alex" in text and "Assign worksheets" not in text

    page.goto(f"/sessions/{session_id}")
    text = _printed(page, "session")
    assert "Walk together on Sundays" in text and "Add note" not in text


def test_a_printed_preview_is_the_worksheet_alone(page: Page, signed_in: Callable[..., int]):
    signed_in(page)
    page.goto("/worksheets/physical-closeness")
    text = _printed(page, "preview")
    assert text.startswith("Our practice Physical closeness map")
    assert "All worksheets" not in text and "this is what a partner sees" not in text
    assert "How much does each kind of touch matter to you?" in text
    # A question keeps its boxes on its page.
    page.emulate_media(media="print")
    first = page.locator(".question").first
    assert first.evaluate("q => getComputedStyle(q).breakInside") == "avoid"
