"""The emailed link on a phone: a counselor assigns two worksheets, the app emails each partner
one link (a real SMTP server on loopback), and Sam answers both worksheets from that one link."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from clinic.db import get_db
from clinic.models import Couple
from tests.conftest import PASSWORD, Mailbox, free_port

from .checks import check_page
from .conftest import QUICK_EXIT_URL
from .harness import CODE, live_config, sign_in

SHEET = """title = "{title}"
summary = "One question, for the tests."
estimated_minutes = 2

[[sections]]
title = "Only part"

  [[sections.questions]]
  id = "close"
  kind = "scale"
  prompt = "{prompt}"
  min = 1
  max = 5
"""


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox(free_port())
    box.start()
    yield box
    box.stop()


@pytest.fixture
def app(make_app: Callable[..., Flask], database_url: str, tmp_path: Path, mailbox) -> Flask:
    sheets = tmp_path / "sheets"
    sheets.mkdir()
    (sheets / "walks.toml").write_text(SHEET.format(title="Walks", prompt="How are the walks?"))
    (sheets / "meals.toml").write_text(SHEET.format(title="Meals", prompt="How are the meals?"))
    return make_app(
        **live_config(
            database_url,
            QUICK_EXIT_URL=QUICK_EXIT_URL,
            WORKSHEET_DIRS=[str(sheets)],
            PRACTICE_NAME="Riverside Counseling",
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=mailbox.port,
            MAIL_USE_TLS=False,
            MAIL_DEFAULT_SENDER="care@clinic.example.org",
        )
    )


def test_a_partner_answers_two_worksheets_from_the_emailed_link(
    app: Flask,
    live_server: str,
    page: Page,
    open_tab: Callable[..., Page],
    mailbox: Mailbox,
    make_counselor: Callable[..., int],
    make_couple: Callable[..., int],
) -> None:
    app.config["PUBLIC_URL"] = live_server  # where the phone reaches the app
    make_couple(make_counselor("dana@example.org", name="Dana Reyes"))
    with app.app_context():
        couple = get_db().get(Couple, 1)
        couple.partners[0].email = "sam@example.org"
        couple.partners[1].email = "alex@example.org"
        get_db().commit()
    sign_in(page, live_server, "dana@example.org", PASSWORD)
    page.goto(f"{live_server}/couples/1/assignments/new")
    page.get_by_label("Walks (2 min)").check()
    page.get_by_label("Meals (2 min)").check()
    expect(page.get_by_label("Email Sam's link to sam@example.org, with reminders")).to_be_checked()
    check_page(page)
    page.get_by_role("button", name="Assign and make links").click()
    expect(page.get_by_text("Emailed the link to Sam and Alex.")).to_be_visible()

    (mail,) = mailbox.to("sam@example.org")
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Walks" not in text + mail["Subject"] and "Meals" not in text + mail["Subject"]
    link = re.search(rf"{re.escape(live_server)}/l/\S+", text)[0]

    sam = open_tab("phone")
    sam.goto(link)
    expect(sam.get_by_role("heading", name="Your worksheets")).to_be_visible()
    check_page(sam)
    sam.get_by_label("Choose a code of 4 to 8 digits").fill(CODE)
    with sam.expect_navigation():
        sam.get_by_role("button", name="Start").click()
    assert "/p/" in sam.url
    for title, prompt in (("Walks", "How are the walks?"), ("Meals", "How are the meals?")):
        sam.get_by_role("link", name=title).click()
        group = sam.get_by_role("group", name=prompt)
        group.get_by_role("radio", name=re.compile(r"^4( |$)")).check()
        sam.get_by_role("button", name="Send my answers").click()
        expect(sam.get_by_role("heading", name="Thank you")).to_be_visible()
        check_page(sam)
        if title == "Walks":
            sam.get_by_role("link", name=re.compile("Your other worksheets")).click()
            expect(sam.get_by_text("Sent. You can still change your answers.")).to_be_visible()
    expect(sam.get_by_text("You can close this page now.")).to_be_visible()
