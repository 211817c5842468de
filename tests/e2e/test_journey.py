"""The whole product in one journey, as the people who use it: a new practice's first counselor,
two partners on their phones (one without JavaScript), a review, a session and its PDFs."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Locator, Page, expect
from pypdf import PdfReader

from .checks import check_page
from .harness import create_first_account, start_worksheet

REASON = "Reason canary"  # each partner's answers carry their name, to find them in the review
PRIVATE_PROMPT = "Do you ever feel afraid of your partner, or unsafe at home?"
SHARED_NOTE = "Shared note canary: both named a hope."
PRIVATE_NOTE = "Counselor only canary: ask about work stress."
PDF_MS = 60_000  # how long a PDF may take to arrive (see its first download)


def _pdf_text(path: Path) -> str:
    reader = PdfReader(path)
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def _group(tab: Page, prompt: str) -> Locator:
    return tab.get_by_role("group", name=prompt)


def _point(group: Locator, point: int) -> Locator:
    """A point on a scale; its name is the number, then its label when it has one."""
    return group.get_by_role("radio", name=re.compile(rf"^{point}( |$)"))


def _answer_part_one(tab: Page, who: str) -> None:
    tab.get_by_label("In your own words, what brings you to counseling now?").fill(
        f"{REASON} {who}"
    )
    focus = _group(tab, "Which of these would you like to work on?")
    focus.get_by_label("How we talk to each other").check()
    focus.get_by_label("Time together").check()
    _group(tab, "How long have the things").get_by_label("One to three years").check()
    _group(tab, "Whose idea was it").get_by_label("We both wanted it").check()
    _group(tab, "Have you seen a counselor before?").get_by_label("No", exact=True).check()


def _finish_part_two(tab: Page, who: str, hopeful: int) -> None:
    tab.get_by_label("What is good between you that you want to keep?").fill(f"Keep canary {who}")
    _point(_group(tab, "How hopeful do you feel"), hopeful).check()
    _point(_group(tab, "How hopeful do you think your partner"), 3).check()


def _answer_private_part(tab: Page, who: str, afraid: str) -> None:
    expect(tab.get_by_role("heading", name="Just for your counselor")).to_be_visible()
    _group(tab, PRIVATE_PROMPT).get_by_label(afraid, exact=True).check()
    tab.get_by_label("Is there anything you want your counselor to know").fill(
        f"Private canary {who}"
    )


def test_from_the_first_run_to_the_session_summary(
    open_tab: Callable[..., Page], first_run_link: Callable[[], str]
):
    # -- The practice's first counselor: setup link, a couple, a worksheet, two links. --
    counselor = open_tab("desktop", permissions=["clipboard-read", "clipboard-write"])
    create_first_account(counselor, first_run_link(), name="Dana Reyes")
    counselor.get_by_role("link", name="Add a couple").click()
    counselor.get_by_label("Couple's name").fill("Sam & Alex")
    counselor.get_by_label("First partner's name").fill("Sam")
    counselor.get_by_label("Second partner's name").fill("Alex")
    counselor.get_by_role("button", name="Add couple").click()
    counselor.get_by_role("link", name="Assign worksheets").click()
    counselor.get_by_label("Before we meet (12 min)").check()
    counselor.get_by_label("A note to the couple (optional)").fill("Answer on your own, please.")
    counselor.get_by_role("button", name="Assign and make links").click()
    expect(counselor.get_by_role("heading", name="Before we meet", level=1)).to_be_visible()
    check_page(counselor)

    links = {}
    for name in ("Sam", "Alex"):
        panel = counselor.locator("section.panel").filter(
            has=counselor.get_by_role("heading", name=name, exact=True)
        )
        expect(panel.get_by_text("Not sent", exact=True)).to_be_visible()
        links[name] = panel.get_by_label(f"Private link for {name}").input_value()
        copy = panel.locator("button[data-copy]")
        expect(copy).to_have_text("Copy")
        with counselor.expect_response(re.compile(r"/links/\d+/sent$")):
            copy.click()
        expect(copy).to_have_text("Copied")
        assert counselor.evaluate("() => navigator.clipboard.readText()") == links[name]
    assert links["Sam"] != links["Alex"]
    counselor.reload()  # the links were shown once; what stays is each partner's status
    for name in ("Sam", "Alex"):
        panel = counselor.locator("section.panel").filter(
            has=counselor.get_by_role("heading", name=name, exact=True)
        )
        expect(panel.get_by_text("Sent", exact=True)).to_be_visible()
        expect(panel.get_by_label(f"Private link for {name}")).to_have_count(0)

    counselor.get_by_role("navigation", name="Main").get_by_role("link", name="Couples").click()
    unopened = counselor.locator(".attention-group").filter(has_text="Links not opened yet")
    expect(unopened).to_contain_text("Sam has not opened")
    expect(unopened).to_contain_text("Alex has not opened")
    expect(counselor.get_by_text("Both partners have answered")).to_have_count(0)

    # -- Sam, on a phone: who sees the answers, half of it, the tab closed, back to finish. --
    sam = open_tab("phone")
    sam.goto(links["Sam"])
    expect(sam.get_by_role("heading", name="Who sees your answers")).to_be_visible()
    expect(sam.get_by_text("Dana Reyes, your counselor, sees your answers.")).to_be_visible()
    expect(sam.get_by_text("Your partner does not see them here.", exact=False)).to_be_visible()
    check_page(sam)
    start_worksheet(sam)
    expect(sam.get_by_role("heading", name="What brings you here")).to_be_visible()
    expect(sam.get_by_text("Answer on your own, please.")).to_be_visible()
    check_page(sam)
    _answer_part_one(sam, "Sam")
    sam.get_by_role("button", name="Next").click()
    expect(sam.get_by_role("heading", name="What you hope for")).to_be_visible()
    sam.get_by_label("If counseling goes well").fill("Hope canary Sam")
    expect(sam.locator("[data-save-status]")).to_have_text("Saved")
    sam.close()

    sam = open_tab(beside=sam)
    sam.goto(links["Sam"])
    start_worksheet(sam)
    expect(sam.get_by_role("heading", name="What you hope for")).to_be_visible()
    expect(sam.get_by_label("If counseling goes well")).to_have_value("Hope canary Sam")
    _finish_part_two(sam, "Sam", hopeful=4)
    sam.get_by_role("button", name="Back").click()
    expect(sam.get_by_label("In your own words")).to_have_value(f"{REASON} Sam")
    sam.get_by_role("button", name="Next").click()
    expect(sam.get_by_label("What is good between you")).to_have_value("Keep canary Sam")
    sam.get_by_role("button", name="Next").click()
    _answer_private_part(sam, "Sam", afraid="Never")
    check_page(sam)
    sam.get_by_role("button", name="Send my answers").click()
    expect(sam.get_by_role("heading", name="Thank you")).to_be_visible()
    check_page(sam)

    # -- Alex, on a phone with JavaScript off: the buttons save, nothing autosaves. --
    alex = open_tab("phone", java_script_enabled=False)
    alex.goto(links["Alex"])
    start_worksheet(alex)
    _answer_part_one(alex, "Alex")
    alex.get_by_role("button", name="Next").click()
    posts: list[str] = []
    alex.on("request", lambda r: posts.append(r.post_data or "") if r.method == "POST" else None)
    alex.get_by_label("If counseling goes well").fill("Hope canary Alex")
    alex.keyboard.press("Tab")  # leaving the field is when the script, were it on, would save
    expect(alex.locator("[data-save-status]")).to_have_text("")
    assert posts == []
    alex.get_by_role("button", name="Save draft").click()
    expect(alex.get_by_role("status").first).to_have_text(
        "Saved. You can come back to it any time through your link."
    )
    assert len(posts) == 1 and "autosave" not in posts[0] and "Hope+canary+Alex" in posts[0]
    check_page(alex)
    alex.close()

    alex = open_tab(beside=alex)
    alex.goto(links["Alex"])
    start_worksheet(alex)
    expect(alex.get_by_label("If counseling goes well")).to_have_value("Hope canary Alex")
    _finish_part_two(alex, "Alex", hopeful=2)
    alex.get_by_role("button", name="Next").click()
    _answer_private_part(alex, "Alex", afraid="Sometimes")
    alex.get_by_role("button", name="Send my answers").click()
    expect(alex.get_by_role("heading", name="Thank you")).to_be_visible()

    # -- The counselor: the dashboard has changed; review side by side; mark reviewed. --
    counselor.reload()
    attention = counselor.get_by_role("region", name="Needs your attention")
    expect(attention.get_by_role("heading", name="Links not opened yet")).to_have_count(0)
    expect(attention.locator(".concern")).to_contain_text(
        "Alex answered a safety question with concern"
    )
    answered = attention.locator(".attention-group").filter(has_text="Both partners have answered")
    check_page(counselor)
    answered.get_by_role("link", name="review Before we meet").click()

    expect(counselor.get_by_role("heading", name="Before we meet", level=1)).to_be_visible()
    table = counselor.get_by_role("region", name="Answers side by side").get_by_role("table")
    expect(table.get_by_role("columnheader")).to_have_text(["Question", "Sam", "Alex"])
    for prompt, sam_says, alex_says in (
        ("In your own words", f"{REASON} Sam", f"{REASON} Alex"),
        ("How hopeful do you feel", "4", "2"),
        (PRIVATE_PROMPT, "Never", "Sometimes"),
    ):
        cells = table.get_by_role("row").filter(has_text=prompt).first.get_by_role("cell")
        expect(cells.nth(0)).to_contain_text(sam_says)
        expect(cells.nth(1)).to_contain_text(alex_says)
    expect(counselor.get_by_role("region", name="Gaps to talk about")).to_contain_text(
        "How hopeful do you feel about your relationship right now?"
    )
    check_page(counselor)
    counselor.get_by_role("button", name="Mark reviewed").click()
    expect(counselor.get_by_role("status")).to_have_text(
        "Marked as reviewed. Answers already sent are now locked."
    )
    check_page(counselor)

    # Sam's answers are now read-only.
    sam.reload()
    expect(
        sam.get_by_text("Your counselor has already looked at these answers", exact=False)
    ).to_be_visible()
    check_page(sam)
    sam.get_by_role("link", name="Read my answers").click()
    expect(sam.get_by_label("In your own words")).to_be_disabled()
    expect(sam.get_by_role("button", name="Send my answers")).to_have_count(0)
    check_page(sam)

    # -- A session with a shareable note and a counselor-only one, then both PDFs. --
    counselor.get_by_role("link", name="Sam & Alex").click()
    expect(counselor.get_by_role("row").filter(has_text="Before we meet")).to_contain_text(
        "Reviewed"
    )
    counselor.get_by_role("link", name="Record a session").click()
    counselor.get_by_label(re.compile(r"^Before we meet \(assigned")).check()
    counselor.get_by_label("Agreed next steps").fill("Next steps canary: one walk a week.")
    counselor.get_by_label("A note (optional)").fill(SHARED_NOTE)
    counselor.get_by_label("The couple may see this note").check()
    counselor.get_by_role("button", name="Save session").click()
    expect(counselor.get_by_role("status")).to_have_text("Session saved.")
    counselor.get_by_label("New note").fill(PRIVATE_NOTE)
    counselor.get_by_role("button", name="Add note").click()
    expect(counselor.get_by_role("status")).to_have_text("Note added.")
    notes = counselor.get_by_role("region", name="Notes")
    expect(notes.locator(".note").filter(has_text=SHARED_NOTE)).to_contain_text(
        "Shared with the couple"
    )
    expect(notes.locator(".note").filter(has_text=PRIVATE_NOTE)).to_contain_text("Counselor only")
    check_page(counselor)

    texts = {}
    # The first PDF starts the render process, which runs below everything else on the machine:
    # beside the unit tests on both cores it can take longer than a page's 10 seconds.
    with counselor.expect_download(timeout=PDF_MS) as download:
        counselor.get_by_role("link", name="Summary PDF: your copy").click(timeout=PDF_MS)
    assert download.value.suggested_filename.endswith(".pdf")
    texts["counselor"] = _pdf_text(Path(download.value.path()))
    # The couple's copy: first what it holds; an open safety concern asks why it is right now.
    counselor.get_by_role("link", name="Summary PDF: couple's copy").click()
    heading = counselor.get_by_role("heading", name="What goes into the couple's copy")
    expect(heading).to_be_visible()
    expect(counselor.get_by_label("If counseling goes well")).to_be_checked()
    check_page(counselor)
    counselor.get_by_role("button", name="Make the couple's copy (PDF)").click()
    expect(counselor.get_by_text("A safety concern on this couple is open.").first).to_be_visible()
    check_page(counselor)
    counselor.get_by_label("Why it is right to give the couple this copy now").fill(
        "Spoke with Alex alone; both asked for it."
    )
    with counselor.expect_download(timeout=PDF_MS) as download:
        counselor.get_by_role("button", name="Make the couple's copy (PDF)").click(timeout=PDF_MS)
    assert download.value.suggested_filename.endswith(".pdf")
    texts["couple"] = _pdf_text(Path(download.value.path()))

    mine, theirs = texts["counselor"], texts["couple"]
    for both in (
        "Sam & Alex",
        "Before we meet",
        f"{REASON} Sam",
        f"{REASON} Alex",
        "Keep canary Sam",
        "Keep canary Alex",
        SHARED_NOTE,
        "Next steps canary: one walk a week.",
    ):
        assert both in mine, f"{both!r} missing from the counselor's copy"
        assert both in theirs, f"{both!r} missing from the couple's copy"
    for private in (PRIVATE_NOTE, PRIVATE_PROMPT, "Private canary Sam", "Private canary Alex"):
        assert private in mine, f"{private!r} missing from the counselor's copy"
        assert private not in theirs, f"{private!r} is in the couple's copy"
