"""A worksheet's blank to print: every question and choice on paper, boxes and lines, the locked
renderer (no fetch, tagged, qpdf-clean), the same bytes for the same version, and who may print
it."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader

from clinic import create_app
from clinic.catalog import worksheets
from clinic.printables import blank_filename, blank_html, render_blank
from clinic.summaries.pdf import make_fetcher
from clinic.worksheets.loader import load_file
from clinic.worksheets.model import Worksheet

from .conftest import PASSWORD

ROOT = Path(__file__).resolve().parent.parent
SHEETS = Path(__file__).resolve().parent / "worksheets"
SLUGS = sorted(p.stem for p in (ROOT / "worksheets").glob("*.toml")) + ["every-kind"]
PRIVATE_NOTE = "Only your counselor will see this answer."


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def render_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """An app that knows the test worksheets too; rendering a blank touches no database."""
    folder = tmp_path_factory.mktemp("blank")
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{folder / 'unused.sqlite3'}",
            "SECRET_KEY": "test-" + "k" * 40,
            "WORKSHEET_DIRS": [str(SHEETS)],
            "PRACTICE_NAME": "Riverside Counseling",
        }
    )


@pytest.fixture(scope="module")
def blanks(render_app: Flask) -> Iterator[dict[str, tuple[Worksheet, bytes, list[str]]]]:
    """Each worksheet, its blank, and what the fetcher was asked for while rendering it."""
    out = {}
    with render_app.test_request_context():
        for slug in SLUGS:
            worksheet = worksheets()[slug]
            fetcher = make_fetcher()
            pdf = render_blank(worksheet, fetcher=fetcher)
            out[slug] = (worksheet, pdf, [*fetcher.refused, *fetcher.served])
    yield out


def pdf_text(pdf: bytes) -> str:
    return words(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


@pytest.mark.parametrize("slug", SLUGS)
def test_every_question_and_choice_is_on_the_blank(blanks, slug: str) -> None:
    worksheet, pdf, asked = blanks[slug]
    assert asked == []  # nothing fetched, nothing even asked for
    text = pdf_text(pdf)
    assert text.startswith(f"RIVERSIDE COUNSELING {worksheet.title} About")
    assert "Your name Date" in text
    for piece in (worksheet.intro, *(s.title for s in worksheet.sections)):
        assert words(piece) in text
    for number, q in enumerate(worksheet.questions, start=1):
        assert f"{number}. {words(q.prompt)}" in text, q.id
        for label in [o.label for o in q.options] + [i.label for i in q.items]:
            assert words(label) in text, (q.id, label)
        for point, label in q.labels:
            assert words(label) in text, (q.id, point, label)
    # Each private question says so once, beside the question.
    assert text.count(PRIVATE_NOTE) == sum(q.private for q in worksheet.questions)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    assert f"Page {pages} of {pages}" in text


def test_each_kind_gets_its_boxes_or_lines(render_app: Flask) -> None:
    with render_app.test_request_context():
        html = blank_html(worksheets()["every-kind"])
    worksheet = load_file(SHEETS / "every-kind.toml")
    by_kind = {q.kind: q for q in worksheet.questions}
    # Boxes: a square per scale point, per matrix cell and per option of a multiple choice; a
    # circle per option where only one may be ticked.
    squares = (
        sum(len(q.points) for q in worksheet.questions if q.kind == "scale")
        + sum(len(q.points) * len(q.items) for q in worksheet.questions if q.kind == "matrix")
        + sum(len(q.options) for q in worksheet.questions if q.kind == "multi")
    )
    circles = sum(len(q.options) for q in worksheet.questions if q.kind == "choice")
    assert html.count('<span class="box"></span>') == squares
    assert html.count('<span class="box round"></span>') == circles
    assert by_kind["scale"].points and by_kind["matrix"].items
    lines = sum({"text": 2, "long_text": 7}.get(q.kind, 0) for q in worksheet.questions)
    assert html.count('<div class="line"></div>') == lines
    assert "Tick one box." in html and "Tick all that apply." in html


def test_crisis_resources_follow_a_part_with_a_safety_question(blanks) -> None:
    for slug in ("before-we-meet", "every-kind"):
        assert "If you need help now" in pdf_text(blanks[slug][1])
        assert "Emergency services: Your local emergency number" in pdf_text(blanks[slug][1])
    assert "If you need help now" not in pdf_text(blanks["quality-time"][1])


def test_the_same_version_gives_the_same_bytes(render_app: Flask, blanks) -> None:
    with render_app.test_request_context():
        assert render_blank(worksheets()["every-kind"]) == blanks["every-kind"][1]
    # And in another process, as another app worker would make it.
    script = (
        "import sys; from clinic import create_app; from clinic.catalog import worksheets;"
        "from clinic.printables import render_blank;"
        f"app = create_app({{'TESTING': True, 'DATABASE_URL': 'sqlite://', 'SECRET_KEY': 'x' * 40,"
        f"'WORKSHEET_DIRS': [{str(SHEETS)!r}], 'PRACTICE_NAME': 'Riverside Counseling'}});"
        "ctx = app.test_request_context(); ctx.push();"
        "sys.stdout.buffer.write(render_blank(worksheets()['every-kind']))"
    )
    other = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, check=True, cwd=ROOT
    ).stdout
    assert other == blanks["every-kind"][1]


@pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf is not installed")
def test_qpdf_check_passes_and_the_pdf_is_tagged(blanks, tmp_path: Path) -> None:
    _worksheet, pdf, _asked = blanks["physical-closeness"]
    path = tmp_path / "blank.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en" and root["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in root
    assert reader.metadata.title == "Physical closeness map"
    assert reader.metadata.author == "Riverside Counseling"


@pytest.fixture
def colleague(
    make_app: Callable[..., Flask], make_counselor: Callable[..., int]
) -> Callable[[], FlaskClient]:
    """A signed-in client of a counselor who is not an admin and did not write any worksheet."""
    make_counselor("first@example.org", admin=True)
    make_counselor("second@example.org")

    def sign_in() -> FlaskClient:
        client = make_app(WORKSHEET_DIRS=[str(SHEETS)]).test_client()
        signed = client.post("/login", data={"email": "second@example.org", "password": PASSWORD})
        assert signed.status_code == 302
        return client

    return sign_in


def test_any_counselor_prints_a_blank_from_the_library(colleague) -> None:
    client = colleague()
    library = client.get("/worksheets/").get_data(as_text=True)
    assert library.count("Print blank (PDF)") == len(SLUGS)
    assert 'href="/worksheets/every-kind/blank.pdf"' in library
    preview = client.get("/worksheets/every-kind").get_data(as_text=True)
    assert 'href="/worksheets/every-kind/blank.pdf">Print blank (PDF)</a>' in preview

    response = client.get("/worksheets/every-kind/blank.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    worksheet = load_file(SHEETS / "every-kind.toml")
    assert response.headers["Content-Disposition"] == (
        f'inline; filename="{blank_filename(worksheet)}"'
    )
    assert blank_filename(worksheet).startswith("every-kind-blank-")
    assert "How much do hugs matter to you?" in pdf_text(response.data)
    # The browser may keep it and ask again: the same version answers "not modified".
    etag = response.headers["ETag"]
    again = client.get("/worksheets/every-kind/blank.pdf", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""


def test_a_visitor_is_sent_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/worksheets/before-we-meet/blank.pdf")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert not response.data.startswith(b"%PDF")


def test_an_unknown_worksheet_has_no_blank(colleague) -> None:
    response = colleague().get("/worksheets/no-such-sheet/blank.pdf")
    assert response.status_code == 404
    assert "We could not find that page" in response.get_data(as_text=True)
