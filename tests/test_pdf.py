"""The session summary PDF: contents, the couple's copy, fetching nothing, size limits, format."""

from __future__ import annotations

import io
import re
import shutil
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, render_template_string
from pypdf import PdfReader

from clinic import create_app
from clinic.summaries.document import OverviewLine, SummaryDocument
from clinic.summaries.fetcher import _font_path
from clinic.summaries.pdf import (
    MAX_CHARS,
    MAX_ROWS,
    SummaryTooLarge,
    breakable,
    check_size,
    make_fetcher,
    pdf_title,
    render_summary,
    render_summary_html,
    summary_filename,
)
from clinic.worksheets.compare import Trend, TrendPoint, WorksheetReview, build_review
from clinic.worksheets.loader import load_file
from clinic.worksheets.model import Worksheet

ROOT = Path(__file__).resolve().parent.parent
NAMES = ("Sam", "Alex")
A4_WIDTH = 595.28


def worksheet(slug: str) -> Worksheet:
    return load_file(ROOT / "worksheets" / f"{slug}.toml")


def answers_for(ws: Worksheet, who: str, **override: Any) -> dict[str, Any]:
    """Every question answered; each text answer is a token naming its partner and question."""
    out: dict[str, Any] = {}
    for n, q in enumerate(ws.questions):
        if q.kind == "scale":
            out[q.id] = (q.min or 0) + n % 2
        elif q.kind == "matrix":
            out[q.id] = {i.id: q.max or 0 for i in q.items}
        elif q.kind == "choice":
            out[q.id] = q.options[0].value
        elif q.kind == "multi":
            out[q.id] = [q.options[0].value]
        else:
            out[q.id] = f"{who}.{q.id}"
    out.update(override)
    return out


def review(
    slug: str,
    a: dict[str, Any] | None = None,
    b: dict[str, Any] | None = None,
    *,
    include_private: bool = True,
    trends: tuple[Trend, ...] = (),
) -> WorksheetReview:
    ws = worksheet(slug)
    return build_review(
        ws,
        NAMES,
        answers_for(ws, "Sam") if a is None else a,
        answers_for(ws, "Alex") if b is None else b,
        submitted=(datetime(2026, 11, 20, tzinfo=UTC), None),
        include_private=include_private,
        trends=trends,
    )


def summary(*reviews: WorksheetReview, **fields: Any) -> SummaryDocument:
    values: dict[str, Any] = {
        "practice": "Riverside Counseling",
        "counselor": "Jordan Lee",
        "couple_label": "Sam & Alex",
        "session_date": date(2026, 11, 27),
        "copy": "counselor",
        "names": NAMES,
        "overview": tuple(
            OverviewLine(r.worksheet.title, date(2026, 11, 13), None, "Submitted", "Opened")
            for r in reviews
        ),
        "reviews": reviews,
        "notes": ("We talked about mornings. NoteCanaryOne",),
        "next_steps": "Try the ten-minute check-in. StepsCanary",
        "seek_help": "Call your local crisis line at any hour. HelpCanary",
        "document_id": "S1042",
    }
    values.update(fields)
    return SummaryDocument(**values)


def flat(text: str) -> str:
    """Text with every space, line break and zero-width space taken out, for comparing."""
    return re.sub(r"[\s\u200b]+", "", text)


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture(scope="module")
def pdf_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """One app for the module: rendering needs an app context, never the database."""
    path = tmp_path_factory.mktemp("pdf") / "clinic.sqlite3"
    return create_app(
        {"TESTING": True, "DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "p" * 40}
    )


@pytest.fixture
def ctx(pdf_app: Flask) -> Iterator[Flask]:
    with pdf_app.app_context():
        yield pdf_app


def render(pdf_app: Flask, doc: SummaryDocument, fetcher: Any = None) -> bytes:
    with pdf_app.app_context():
        return render_summary(doc, fetcher=fetcher)


@pytest.fixture(scope="module")
def counselor_pdf(pdf_app: Flask) -> bytes:
    sam = answers_for(worksheet("physical-closeness"), "Sam", touch_satisfaction=1)
    sam["guess_sex_importance"] = 4
    alex = answers_for(worksheet("physical-closeness"), "Alex", touch_satisfaction=4)
    alex["sex_importance"] = 2
    return render(
        pdf_app,
        summary(review("physical-closeness", sam, alex), review("before-we-meet")),
    )


def test_weasyprint_is_not_imported_at_start() -> None:
    # A fresh interpreter: this test module itself imports WeasyPrint when it renders.
    code = (
        "import sys\n"
        "from clinic import create_app\n"
        "create_app({'TESTING': True, 'DATABASE_URL': 'sqlite://', 'SECRET_KEY': 'x' * 40})\n"
        "import clinic.summaries.pdf\n"
        "assert 'weasyprint' not in sys.modules, 'weasyprint imported at start-up'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_counselor_copy_holds_both_partners_answers_and_the_notes(counselor_pdf: bytes) -> None:
    text = flat(pdf_text(counselor_pdf))
    for who in NAMES:
        for qid in ("boundaries", "touch_wish", "reason", "hope_change", "private_note"):
            assert flat(f"{who}.{qid}") in text
    for canary in ("NoteCanaryOne", "StepsCanary", "HelpCanary"):
        assert canary in text
    assert flat("Session summary") in text
    assert flat("Since the last session") in text
    assert flat("When to seek more help") in text


def test_gaps_guesses_and_scores_are_shown_as_words(counselor_pdf: bytes) -> None:
    text = flat(pdf_text(counselor_pdf))
    assert "Gapof3" in text  # touch satisfaction: 1 against 4
    assert flat("Sam guessed 4 for Alex; Alex answered 2") in text
    assert flat("Off by 2") in text
    assert flat("How much touch matters") in text  # a score line


def test_every_page_says_which_copy_and_which_page(counselor_pdf: bytes) -> None:
    pages = PdfReader(io.BytesIO(counselor_pdf)).pages
    assert len(pages) > 1
    for number, page in enumerate(pages, 1):
        text = flat(page.extract_text())
        assert flat("Counselor\u2019s copy \u2014 confidential") in text
        assert flat(f"Page {number} of {len(pages)}") in text
        assert float(page.mediabox.width) == pytest.approx(A4_WIDTH, abs=0.5)


def private_prompts() -> list[str]:
    return [
        q.prompt
        for slug in ("before-we-meet", "physical-closeness")
        for q in worksheet(slug).questions
        if q.private
    ]


@pytest.mark.parametrize("include_private", [False, True], ids=["filtered", "template-only"])
def test_couple_copy_holds_no_private_question(pdf_app: Flask, include_private: bool) -> None:
    """Built as the view should (include_private=False), and, as a second line of defence,
    with private rows passed in by mistake: the template drops them."""
    ws = worksheet("before-we-meet")
    private_ids = [q.id for q in ws.questions if q.private]
    sam = answers_for(ws, "Sam", private_note="PrivateCanarySam")
    alex = answers_for(ws, "Alex", private_note="PrivateCanaryAlex")
    pdf = render(
        pdf_app,
        summary(
            review("before-we-meet", sam, alex, include_private=include_private),
            review("physical-closeness", include_private=include_private),
            copy="couple",
            notes=("Shared note for both of you.",),
        ),
    )
    text = flat(pdf_text(pdf))
    assert private_ids
    assert "PrivateCanary" not in text
    assert "Counselor only".replace(" ", "") not in text
    for prompt in private_prompts():
        assert flat(prompt) not in text
    assert flat("Sam.reason") in text and flat("Alex.hope_change") in text
    assert flat("Couple\u2019s copy") in text
    assert "confidential" not in text.split("Couple\u2019scopy")[0].lower()


def test_counselor_copy_marks_private_questions(counselor_pdf: bytes) -> None:
    text = flat(pdf_text(counselor_pdf))
    assert flat("Counselor only") in text
    assert "Alex.private_note" in text


PROBES = (
    '<img src="file:///etc/passwd">',
    '<link rel="attachment" href="file:///etc/passwd">',
    '<link rel="stylesheet" href="file:///etc/passwd">',
    "url(http://127.0.0.1:9/x)",
    "@import url(file:///etc/passwd);",
    '<style>@import url("http://127.0.0.1:{port}/css");</style>',
    '<img src="http://127.0.0.1:{port}/img">',
    '<svg><image href="http://127.0.0.1:{port}/svg"/></svg>',
    '<object data="file:///etc/hostname"></object>',
    '<div style="background: url(http://127.0.0.1:{port}/bg)">x</div>',
)


class CountingServer(socketserver.ThreadingTCPServer):
    """A stub HTTP server on 127.0.0.1 that counts every connection made to it."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self) -> None:
        self.connections = 0

        class Handler(socketserver.BaseRequestHandler):
            def handle(inner) -> None:  # noqa: N805
                self.connections += 1
                inner.request.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/css\r\n\r\nx{}")

        super().__init__(("127.0.0.1", 0), Handler)


@pytest.fixture
def stub_server() -> Iterator[CountingServer]:
    server = CountingServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_answers_and_notes_full_of_fetches_fetch_nothing(
    pdf_app: Flask, stub_server: CountingServer
) -> None:
    port = stub_server.server_address[1]
    probes = [p.format(port=port) for p in PROBES]
    ws = worksheet("physical-closeness")
    texts = [q.id for q in ws.questions if q.kind == "text"]
    sam = answers_for(ws, "Sam", **dict(zip(texts, probes, strict=False)))
    alex = answers_for(ws, "Alex", **dict(zip(texts, reversed(probes), strict=False)))
    doc = summary(
        review("physical-closeness", sam, alex),
        notes=tuple(probes),
        next_steps=" ".join(probes),
        couple_label=probes[0],
    )
    fetcher = make_fetcher()
    pdf = render(pdf_app, doc, fetcher)
    assert fetcher.refused == [] and fetcher.served == []  # nothing was even asked for
    assert stub_server.connections == 0
    text = flat(pdf_text(pdf))
    for probe in probes:
        assert flat(probe) in text
    assert "root:" not in text
    with pdf_app.app_context():
        html = render_summary_html(doc)
    assert html.count("<style>") == 1 and html.count("<img") == 0 and html.count("<link") == 0


def test_the_fetcher_refuses_what_a_document_asks_for(stub_server: CountingServer) -> None:
    """Had any markup got through, every fetch it asked for would be refused and counted."""
    from weasyprint import HTML

    port = stub_server.server_address[1]
    probes = "".join(p.format(port=port) for p in PROBES)
    fetcher = make_fetcher()
    pdf = HTML(string=f"<html><body><p>hello</p>{probes}</body></html>", url_fetcher=fetcher)
    text = pdf_text(pdf.write_pdf())
    assert stub_server.connections == 0
    assert "root:" not in text
    assert any(u.startswith("file:///etc/passwd") for u in fetcher.refused)
    assert any(u.startswith(f"http://127.0.0.1:{port}/") for u in fetcher.refused)
    assert fetcher.served == []


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "http://127.0.0.1:9/x",
        "https://example.org/font.ttf",
        "ftp://example.org/x",
        "file://example.org/etc/passwd",
        f"file://{ROOT}/clinic/static/fonts/../../../pyproject.toml",
        f"file://{ROOT}/clinic/static/clinic.css",
    ],
)
def test_fetcher_refuses_and_counts(url: str) -> None:
    fetcher = make_fetcher()
    with pytest.raises(ValueError, match="fetch nothing"):
        fetcher.fetch(url)
    assert fetcher.refused == [url]
    assert _font_path(url) is None


def test_fetcher_serves_data_urls() -> None:
    fetcher = make_fetcher()
    response = fetcher.fetch("data:text/plain;base64,aGVsbG8=")
    assert response.read() == b"hello"
    assert fetcher.refused == [] and fetcher.served == ["data:"]


def test_answer_text_never_reaches_css(ctx: Flask) -> None:
    ws = worksheet("physical-closeness")
    attack = "</style><style>body{display:none}</style>"
    doc = summary(review("physical-closeness", answers_for(ws, "Sam", boundaries=attack)))
    html = render_summary_html(doc)
    assert html.count("<style>") == 1
    assert "&lt;/style&gt;" in html
    assert not re.search(r"\sstyle=", html)


def long_word(n: int) -> str:
    return "".join("abcdefghijklmnopqrstuvwxyz"[i * 7 % 26] for i in range(n))


def test_a_long_unbroken_word_wraps_inside_the_page(pdf_app: Flask) -> None:
    word = long_word(3000)
    ws = worksheet("before-we-meet")
    doc = summary(
        review("before-we-meet", answers_for(ws, "Sam", reason=word)),
        notes=(word,),
    )
    started = time.perf_counter()
    pdf = render(pdf_app, doc)
    assert time.perf_counter() - started < 10
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) < 15
    right_edges: list[float] = []
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(A4_WIDTH, abs=0.5)

        def visit(text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
            if text.strip():
                x = tm[4] * cm[0] + cm[4]
                right_edges.append(x)

        page.extract_text(visitor_text=visit)
    assert right_edges and max(right_edges) < A4_WIDTH
    # The word runs over pages: take out the footers, the repeated column heads and the other
    # partner's answer in the same row.
    footer = flat("Counselor’s copy — confidential Session summary November 27, 2026 ·")
    text = re.sub(rf"{footer}Page\d+of\d+|QuestionSamAlex|Alex\.reason", "", flat(pdf_text(pdf)))
    assert text.count(word) == 2


def test_breakable_only_touches_long_runs() -> None:
    assert breakable("a short answer, with words") == "a short answer, with words"
    run = "x" * 40
    out = breakable(f"see {run} here")
    assert out.replace("\u200b", "") == f"see {run} here"
    assert "\u200b" in out and all(len(p) <= 8 for p in out.split()[1].split("\u200b"))


def test_oversized_summary_is_refused_at_once(ctx: Flask) -> None:
    note = "word " * 1000
    doc = summary(review("physical-closeness"), notes=(note,) * (MAX_CHARS // len(note) + 1))
    started = time.perf_counter()
    with pytest.raises(SummaryTooLarge, match="too large to make into a PDF") as raised:
        render_summary(doc)
    assert time.perf_counter() - started < 0.5
    assert raised.value.chars > MAX_CHARS
    assert f"{MAX_CHARS:,}" in str(raised.value)


def test_many_short_lines_count_as_more_than_their_characters(ctx: Flask) -> None:
    # 40,000 characters, but 20,000 line boxes: about 15 s of layout.
    doc = summary(notes=("a\n" * 20_000,))
    with pytest.raises(SummaryTooLarge):
        check_size(doc)
    check_size(summary(notes=("A paragraph of an ordinary note.\n\n" * 100,)))


def test_too_many_rows_is_refused(ctx: Flask) -> None:
    one = review("balancing-both", {}, {})
    doc = summary(*([one] * (MAX_ROWS // len(one.rows) + 1)), notes=())
    with pytest.raises(SummaryTooLarge):
        check_size(doc)


@pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf is not installed")
def test_qpdf_check_passes(counselor_pdf: bytes, tmp_path: Path) -> None:
    path = tmp_path / "summary.pdf"
    path.write_bytes(counselor_pdf)
    result = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_tagged_pdf_with_a_language(counselor_pdf: bytes) -> None:
    root = PdfReader(io.BytesIO(counselor_pdf)).trailer["/Root"]
    assert root["/Lang"] == "en"
    assert root["/MarkInfo"]["/Marked"]
    assert "/StructTreeRoot" in root


def test_metadata_and_filename_carry_no_names(counselor_pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(counselor_pdf))
    meta = reader.metadata
    assert meta.title == "Session summary 2026-11-27 #S1042"
    assert meta.author == "Riverside Counseling"
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    for text in (str(meta.title), str(meta.author), str(meta.subject or ""), xmp):
        for name in (*NAMES, "Sam & Alex", "Sam &amp; Alex", "Jordan"):
            assert name not in text
    doc = summary(review("physical-closeness"), copy="couple", document_id="7f3a-91")
    assert summary_filename(doc) == "session-summary-2026-11-27-7f3a-91-couple.pdf"
    assert pdf_title(doc) == "Session summary 2026-11-27 #7f3a-91"


@pytest.mark.parametrize("bad", ["", "Sam & Alex", "../x", "a" * 41, "-leading"])
def test_document_id_must_be_safe_for_a_file_name(bad: str) -> None:
    with pytest.raises(ValueError, match="document_id"):
        summary(document_id=bad)


def test_copy_must_be_one_of_two() -> None:
    with pytest.raises(ValueError, match="copy"):
        summary(copy="everyone")


TREND = Trend(
    "Talking openly",
    (
        TrendPoint(datetime(2026, 6, 1, tzinfo=UTC), 2.5, 3.0),
        TrendPoint(datetime(2026, 7, 1, tzinfo=UTC), None, 3.5),
        TrendPoint(datetime(2026, 8, 1, tzinfo=UTC), 4.0, 3.25),
    ),
)
CHART = '{% import "_chart.html" as chart %}{{ chart.trend_chart(trend, names) }}'


def test_trend_chart_is_accessible_and_free_of_inline_styles(ctx: Flask) -> None:
    html = render_template_string(CHART, trend=TREND, names=("<b>Sam</b>", "Alex"))
    assert 'role="img"' in html and 'aria-label="Talking openly: scores over time"' in html
    assert "<title>Talking openly: scores over time</title>" in html
    assert "<desc>" in html and "no score on Jul 1, 2026" in html
    assert "stroke-dasharray" in html and "<circle" in html and "<rect" in html
    assert "&lt;b&gt;Sam&lt;/b&gt;" in html and "<b>" not in html
    assert not re.search(r"\sstyle=", html)
    # A missing score lifts the pen: partner one's line is two moves, not one.
    path_a = re.search(r'class="series-a" d="([^"]+)"', html)
    assert path_a and path_a.group(1).count("M") == 2
    for value in ("2.5", "4", "3.25", "&#8212;"):
        assert f"<td>{value}</td>" in html


def test_trend_chart_without_scores_is_just_a_table(ctx: Flask) -> None:
    empty = Trend("Being there", (TrendPoint(datetime(2026, 6, 1, tzinfo=UTC), None, None),))
    html = render_template_string(CHART, trend=empty, names=NAMES)
    assert "<svg" not in html and "no scores yet" in html


def test_trend_table_keeps_each_name_whole(pdf_app: Flask) -> None:
    """A name the table has room for is never broken inside ("Jorda" / "n")."""
    names = ("Jordan", "Christopher")
    ws = worksheet("emotional-intimacy")
    both = build_review(
        ws,
        names,
        answers_for(ws, "Jordan"),
        answers_for(ws, "Christopher"),
        submitted=(datetime(2026, 11, 20, tzinfo=UTC), None),
        include_private=True,
        trends=(TREND,),
    )
    text = pdf_text(render(pdf_app, summary(both, names=names)))
    heads = [line.strip() for line in text.splitlines() if line.startswith("Date")]
    assert heads == ["Date Jordan Christopher"]


def test_trend_chart_data_is_in_the_pdf_text(pdf_app: Flask) -> None:
    pdf = render(pdf_app, summary(review("emotional-intimacy", trends=(TREND,))))
    text = flat(pdf_text(pdf))
    assert flat("Talking openly") in text
    assert "3.25" in text and flat("Aug 1, 2026") in text
