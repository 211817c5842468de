"""The worksheet library as a counselor sees it: the list, the read-only preview, the wording of
the shipped worksheets, version snapshots, and the check-worksheets command."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from xml.etree.ElementTree import Element

import pytest
import textstat
import tinyhtml5
from flask import Flask, render_template
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from clinic.catalog import snapshot, stored_worksheet, worksheets
from clinic.db import get_db
from clinic.models import WorksheetVersion
from clinic.worksheets.loader import load_file
from clinic.worksheets.model import Worksheet

from .conftest import PASSWORD

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "worksheets").glob("*.toml"))
SHEETS = Path(__file__).resolve().parent / "worksheets"
EVERY_KIND = (SHEETS / "every-kind.toml").read_text(encoding="utf-8")
SEVEN = {
    "physical-closeness",
    "emotional-intimacy",
    "balancing-both",
    "quality-time",
    "communicating-needs",
    "mindful-moments",
    "before-we-meet",
}
PRIVATE_NOTE = "Only your counselor will see this answer."
BROKEN = """\
title = "Broken"
summary = "Two mistakes"
estimated_minutes = 5

[[sections]]
title = "One"

  [[sections.questions]]
  id = "how"
  kind = "scale"
  prompt = "How much?"
  min = 5
  max = 1

  [[sections.questions]]
  id = "what"
  kind = "slider"
  prompt = "What?"
"""
BROKEN_PROBLEMS = [
    'broken.toml: question "how": min (5) must be less than max (1)',
    'broken.toml: question "what": kind "slider" must be one of: '
    "scale, choice, multi, text, long_text, matrix",
]


def html(response: TestResponse) -> Element:
    assert response.status_code == 200, response.status
    return tinyhtml5.parse(response.get_data(as_text=True), namespace_html_elements=False)


def text(element: Element) -> str:
    return " ".join("".join(element.itertext()).split())


def with_class(root: Element, tag: str, name: str) -> list[Element]:
    return [e for e in root.iter(tag) if name in e.get("class", "").split()]


def main(page: Element) -> Element:
    found = page.find(".//main")
    assert found is not None
    return found


def label_of(page: Element, control: Element) -> str:
    """The text of the one <label for> tied to this input."""
    labels = [e for e in page.iter("label") if e.get("for") == control.get("id")]
    assert len(labels) == 1, control.attrib
    return text(labels[0])


def the_one(root: Element, tag: str, attribute: str, value: str) -> Element:
    found = [e for e in root.iter(tag) if e.get(attribute) == value]
    assert len(found) == 1, (tag, attribute, value)
    return found[0]


def question(page: Element, qid: str) -> Element:
    return the_one(page, "div", "id", f"q-{qid}")


def controls(root: Element, name: str | None = None) -> list[Element]:
    found = [e for e in root.iter() if e.tag in ("input", "textarea", "select", "button")]
    return [e for e in found if name is None or e.get("name") == name]


@pytest.fixture
def client_for(
    make_app: Callable[..., Flask], make_counselor: Callable[..., int]
) -> Callable[..., FlaskClient]:
    """A signed-in client of an app that also loads worksheets from the given folders."""
    make_counselor("ana@example.org")

    def make(*folders: Path) -> FlaskClient:
        client = make_app(WORKSHEET_DIRS=[str(f) for f in folders]).test_client()
        response = client.post("/login", data={"email": "ana@example.org", "password": PASSWORD})
        assert response.status_code == 302
        return client

    return make


def shipped() -> Iterator[Worksheet]:
    for path in SHIPPED:
        yield load_file(path)


def test_the_seven_worksheets_are_shipped() -> None:
    assert {path.stem for path in SHIPPED} == SEVEN


def test_library_lists_every_worksheet(client_for: Callable[..., FlaskClient]) -> None:
    cards = with_class(main(html(client_for().get("/worksheets/"))), "li", "card")
    assert len(cards) == len(SEVEN)
    for card, ws in zip(cards, sorted(shipped(), key=lambda w: w.title.casefold()), strict=True):
        link = card.find(".//h2/a")
        assert link is not None and text(link) == ws.title
        assert link.get("href") == f"/worksheets/{ws.slug}"
        assert text(card) == (
            f"{ws.title} {ws.summary} "
            f"About {ws.estimated_minutes} minutes · {len(ws.questions)} questions "
            f"Print blank (PDF): {ws.title}"
        )


@pytest.mark.parametrize("slug", sorted(SEVEN))
def test_preview_shows_every_question(client: FlaskClient, counselor: int, slug: str) -> None:
    ws = load_file(ROOT / "worksheets" / f"{slug}.toml")
    page = main(html(client.get(f"/worksheets/{slug}")))
    assert text(page.find(".//h1")) == ws.title
    assert [text(h) for h in page.iter("h2")] == [s.title for s in ws.sections]
    shown = with_class(page, "div", "question")
    assert [q.get("id") for q in shown] == [f"q-{q.id}" for q in ws.questions]
    for q in ws.questions:
        block = text(question(page, q.id))
        assert q.prompt in block
        for words in [o.label for o in q.options] + [i.label for i in q.items]:
            assert words in block, (q.id, words)
        for _point, words in q.labels:
            assert words in block, (q.id, words)
    # Said once per private question, even where a file repeats it as help.
    assert text(page).count(PRIVATE_NOTE) == sum(q.private for q in ws.questions)


def test_preview_renders_every_kind(client_for: Callable[..., FlaskClient]) -> None:
    page = main(html(client_for(SHEETS).get("/worksheets/every-kind")))
    ws = load_file(SHEETS / "every-kind.toml")
    assert {q.kind for q in ws.questions} == {
        "scale",
        "choice",
        "multi",
        "text",
        "long_text",
        "matrix",
    }

    hugs = question(page, "hugs")
    legend = hugs.find("./fieldset/legend")
    assert legend is not None and text(legend) == "How much do hugs matter to you?"
    radios = controls(hugs, "hugs")
    assert [(r.get("type"), r.get("value")) for r in radios] == [
        ("radio", str(n)) for n in range(1, 6)
    ]
    assert [label_of(page, r) for r in radios] == ["1 Not at all", "2", "3", "4", "5 A great deal"]
    assert "One means not at all." in text(hugs)

    touch = question(page, "touch")
    for item_id, item_label in [
        ("hands", "Holding hands"),
        ("kiss", "Kissing"),
        ("cuddle", "Cuddling on the couch"),
    ]:
        assert text(the_one(touch, "p", "id", f"q-touch-{item_id}")) == item_label
        group = the_one(touch, "div", "aria-labelledby", f"q-touch-{item_id}")
        assert group.get("role") == "radiogroup"
        radios = controls(group)
        assert {r.get("name") for r in radios} == {f"touch.{item_id}"}
        assert [label_of(page, r) for r in radios] == [
            "0 Not at all",
            "1 A little",
            "2 Some",
            "3 A lot",
            "4 Very much",
        ]

    choice = controls(question(page, "how_often"))
    assert [(c.get("type"), label_of(page, c)) for c in choice] == [
        ("radio", "Every day"),
        ("radio", "About once a week"),
        ("radio", "Now and then"),
    ]
    multi = controls(question(page, "helps"))
    assert [(c.get("type"), label_of(page, c)) for c in multi] == [
        ("checkbox", "Talking"),
        ("checkbox", "Walks together"),
        ("checkbox", "Meals at home"),
    ]
    (short,) = controls(question(page, "one_word"))
    assert (short.tag, short.get("type"), short.get("maxlength")) == ("input", "text", "300")
    assert label_of(page, short) == "One word for how you feel today (optional)"
    (long,) = controls(question(page, "wish"))
    assert (long.tag, long.get("maxlength")) == ("textarea", "2000")
    assert label_of(page, long) == "Tell us about one wish you have for the two of you."


def test_preview_is_read_only(client_for: Callable[..., FlaskClient]) -> None:
    page = html(client_for(SHEETS).get("/worksheets/every-kind"))
    assert "Nothing here can be answered or saved." in text(main(page))
    fields = controls(main(page))
    assert len(fields) == 5 + 5 + 3 * 5 + 3 + 3 + 1 + 1 + 3
    assert all(f.get("disabled") is not None for f in fields)
    assert all(f.tag != "button" for f in fields)
    assert main(page).find(".//form") is None
    # The one form on the page is the header's sign-out button.
    assert [f.get("action") for f in page.iter("form")] == ["/logout"]
    ids = [f.get("id") for f in fields]
    assert len(set(ids)) == len(ids)


def test_private_questions_say_who_sees_them(client_for: Callable[..., FlaskClient]) -> None:
    page = main(html(client_for(SHEETS).get("/worksheets/every-kind")))
    private = question(page, "safe_home")
    (note,) = with_class(private, "p", "private-note")
    assert text(note) == PRIVATE_NOTE
    fieldset = private.find("./fieldset")
    assert fieldset is not None
    assert note.get("id") in fieldset.get("aria-describedby", "").split()
    assert text(page).count(PRIVATE_NOTE) == 1


def test_a_broken_practice_worksheet_is_listed_as_skipped(
    client_for: Callable[..., FlaskClient], tmp_path: Path
) -> None:
    practice = tmp_path / "practice"
    practice.mkdir()
    (practice / "broken.toml").write_text(BROKEN, encoding="utf-8")
    (practice / "ours.toml").write_text(
        EVERY_KIND.replace("Every kind of question", "Our own sheet"), encoding="utf-8"
    )
    client = client_for(practice)
    page = main(html(client.get("/worksheets/")))
    (alert,) = with_class(page, "div", "alert")
    assert "were skipped because of problems" in text(alert)
    assert [text(li) for li in alert.iter("li")] == BROKEN_PROBLEMS
    titles = [text(a) for a in page.iter("a")]
    assert "Our own sheet" in titles and "Broken" not in titles
    assert len(with_class(page, "li", "card")) == len(SEVEN) + 1
    assert client.get("/worksheets/broken").status_code == 404


def test_unknown_worksheet_is_not_found(client: FlaskClient, counselor: int) -> None:
    response = client.get("/worksheets/no-such-sheet")
    assert response.status_code == 404
    assert "We could not find that page" in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/worksheets/", "/worksheets/before-we-meet"])
def test_library_pages_need_sign_in(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert "Before we meet" not in response.get_data(as_text=True)


def partner_text(ws: Worksheet) -> Iterator[str]:
    """Every piece of a worksheet that a partner reads."""
    yield ws.title
    yield ws.intro
    for section in ws.sections:
        yield section.title
        yield section.intro
        for q in section.questions:
            yield q.prompt
            yield q.help
            yield from (words for _point, words in q.labels)
            yield from (o.label for o in q.options)
            yield from (i.label for i in q.items)


def as_sentence(piece: str) -> str:
    # A label or option stands on its own line of the page, so it is read as its own sentence.
    piece = " ".join(piece.split())
    return piece if piece[-1] in ".?!:" else piece + "."


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_reading_grade_is_eight_or_below(path: Path) -> None:
    ws = load_file(path)
    prose = " ".join(as_sentence(p) for p in partner_text(ws) if p.strip())
    assert textstat.flesch_kincaid_grade(prose) <= 8


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_worksheet_shape(path: Path) -> None:
    ws = load_file(path)
    assert 5 <= ws.estimated_minutes <= 15
    assert any(q.flag_gap is not None for q in ws.questions)
    assert any(q.guesses is not None for q in ws.questions)


def test_before_we_meet_asks_private_questions_with_a_concern() -> None:
    ws = load_file(ROOT / "worksheets" / "before-we-meet.toml")
    flagged = [q for q in ws.questions if q.private and q.concern]
    assert len(flagged) >= 2
    assert any("safe" in q.prompt or "afraid" in q.prompt for q in flagged)


def test_no_word_of_the_advertising_heading() -> None:
    files = [*SHIPPED, *(ROOT / "templates").rglob("*.html"), ROOT / "docs" / "worksheets.md"]
    assert len(files) > len(SHIPPED)
    for path in files:
        assert not re.search("escort", path.read_text(encoding="utf-8"), re.IGNORECASE), path


def test_a_changed_file_is_a_new_version_and_the_old_one_still_renders(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    old_prompt = "How much do hugs matter to you?"
    new_prompt = "How much do long hugs matter to you?"
    practice = tmp_path / "practice"
    practice.mkdir()
    path = practice / "hugs-check.toml"
    path.write_text(EVERY_KIND, encoding="utf-8")
    first = make_app(WORKSHEET_DIRS=[str(practice)])
    with first.app_context():
        old = worksheets()["hugs-check"]
        row_id = snapshot(old).id
        get_db().commit()
        assert snapshot(old).id == row_id

    path.write_text(EVERY_KIND.replace(old_prompt, new_prompt), encoding="utf-8")
    second = make_app(WORKSHEET_DIRS=[str(practice)])
    with second.app_context():
        new = worksheets()["hugs-check"]
        assert new.version != old.version
        assert new.question("hugs").prompt == new_prompt
        stored = stored_worksheet(get_db().get(WorksheetVersion, row_id))
        assert stored.version == old.version
        assert stored.question("hugs").prompt == old_prompt
        snapshot(new)
        get_db().commit()
        count = select(func.count()).select_from(WorksheetVersion).filter_by(slug="hugs-check")
        assert get_db().scalar(count) == 2
    with second.test_request_context():
        page = render_template("library/preview.html", worksheet=stored)
    assert old_prompt in page and new_prompt not in page


def test_check_worksheets_names_every_problem(runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(BROKEN, encoding="utf-8")
    result = runner.invoke(args=["check-worksheets", str(path)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == BROKEN_PROBLEMS
    assert "Every worksheet is fine." not in result.output


@pytest.mark.parametrize("args", [[], [str(SHEETS)], [str(p) for p in SHIPPED]])
def test_check_worksheets_on_good_files(runner: FlaskCliRunner, args: list[str]) -> None:
    result = runner.invoke(args=["check-worksheets", *args])
    assert result.exit_code == 0, result.output
    assert result.output == "Every worksheet is fine.\n"
