"""Benchmark the session summary PDF: make bench (or .venv/bin/python bench/pdf.py).

Renders in one process, several times each:
- the text floor: the typical summary's visible characters as plain paragraphs, on the same pages;
- the typical summary: 3 worksheets x 2 partners (24, 22 and 29 answer rows), guesses, scores,
  three notes and next steps;
- the typical summary with two trend charts (a repeated worksheet), for information;
- the worst cases the size guard accepts: every text answer at its longest (half of them, or all
  of them, one unbroken 'word'; or every long answer and note a column of two-letter lines),
  notes of 4,000 characters, up to the character limit; and the most rows the guard allows.
Peak memory is measured for each worst case in a fresh process.
Goals: typical <= 2x the text floor; worst <= 5 s and <= 400 MB. Ends with one line per figure.
"""

from __future__ import annotations

import argparse
import html
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from string import ascii_lowercase
from typing import Any, Literal

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from clinic.summaries.document import Copy, OverviewLine, SummaryDocument  # noqa: E402
from clinic.worksheets.compare import Trend, TrendPoint, WorksheetReview, build_review  # noqa: E402
from clinic.worksheets.loader import load_file  # noqa: E402
from clinic.worksheets.model import Question, Worksheet  # noqa: E402

Kind = Literal["typical", "typical_trends", "worst", "worst_unbroken", "worst_lines", "worst_rows"]
WORST: tuple[Kind, ...] = ("worst", "worst_unbroken", "worst_lines", "worst_rows")
KINDS: tuple[Kind, ...] = ("typical", "typical_trends", *WORST)
WORKSHEETS = ROOT / "worksheets"
TYPICAL = ("physical-closeness", "emotional-intimacy", "balancing-both")
WORDS = (
    "we talk more when we walk after dinner and I feel closer to you then but the week gets busy "
    "and I miss the small things like a hug in the morning or a kind word when I come home tired "
    "I would like us to plan one quiet evening each week without phones and to ask before we "
    "assume what the other one wants"
).split()
NAMES = ("Sam", "Alex")
SEEK_HELP = (
    "If you feel unsafe at home, or one of you is thinking of self-harm, do not wait for the next "
    "session. Call your local emergency number, or a crisis line in your area, at any hour."
)
NOTE_LENGTH = 4000


def worksheet(slug: str) -> Worksheet:
    return load_file(WORKSHEETS / f"{slug}.toml")


def prose(rng: random.Random, length: int) -> str:
    """Plain sentences of at most length characters."""
    out: list[str] = []
    size = 0
    while True:
        word = rng.choice(WORDS)
        if size + len(word) + 1 > length:
            break
        out.append(word)
        size += len(word) + 1
    text = " ".join(out)
    return (text[:1].upper() + text[1:] + ".")[:length] if text else "Yes."[:length]


def prose_exact(rng: random.Random, length: int) -> str:
    """Sentences of exactly length characters."""
    text = prose(rng, length)
    return (text + " " + "and we try" * length)[: length - 1].rstrip().ljust(length - 1, "o") + "."


def unbroken(rng: random.Random, length: int) -> str:
    """One 'word' of length letters: no break opportunity anywhere."""
    return "".join(rng.choice(ascii_lowercase) for _ in range(length))


def answers(
    ws: Worksheet, rng: random.Random, *, text: Callable[[Question], str]
) -> dict[str, Any]:
    """One partner's synthetic answers to every question of ws."""
    out: dict[str, Any] = {}
    for q in ws.questions:
        if q.kind == "scale":
            out[q.id] = rng.randint(q.min or 0, q.max or 0)
        elif q.kind == "matrix":
            out[q.id] = {i.id: rng.randint(q.min or 0, q.max or 0) for i in q.items}
        elif q.kind == "choice":
            out[q.id] = rng.choice(q.options).value
        elif q.kind == "multi":
            out[q.id] = [o.value for o in q.options if rng.random() < 0.4] or [q.options[0].value]
        elif answer := text(q):
            out[q.id] = answer
    return out


def typical_text(rng: random.Random) -> Callable[[Question], str]:
    def text(q: Question) -> str:
        return prose(rng, rng.randint(300, 600) if q.kind == "long_text" else rng.randint(40, 160))

    return text


def short_lines(length: int) -> str:
    """length characters of two-letter lines: the most line boxes per character."""
    return ("ok\n" * length)[: length - 1] + "."


def longest_text(
    rng: random.Random, unbroken_share: float, lines: bool = False
) -> Callable[[Question], str]:
    """Every text answer at its question's max_length; a share of them one unbroken 'word'.

    With lines, long answers are short lines instead (a one-line answer cannot hold a line break).
    """

    def text(q: Question) -> str:
        limit = q.max_length or 300
        if lines and q.kind == "long_text":
            return short_lines(limit)
        return unbroken(rng, limit) if rng.random() < unbroken_share else prose_exact(rng, limit)

    return text


def trends_for(ws: Worksheet, rng: random.Random, points: int) -> tuple[Trend, ...]:
    """Two of ws's scores over points sessions, one value missing."""
    start = datetime(2026, 6, 1, tzinfo=UTC)
    return tuple(
        Trend(
            score.label,
            tuple(
                TrendPoint(
                    start + timedelta(weeks=4 * n),
                    round(rng.uniform(1.5, 4.8), 2),
                    None if (n, i) == (1, 0) else round(rng.uniform(1.5, 4.8), 2),
                )
                for n in range(points)
            ),
        )
        for i, score in enumerate(ws.scores[:2])
    )


def review_of(
    ws: Worksheet,
    rng: random.Random,
    text: Callable[[Question], str],
    *,
    include_private: bool = True,
    trends: tuple[Trend, ...] = (),
) -> WorksheetReview:
    return build_review(
        ws,
        NAMES,
        answers(ws, rng, text=text),
        answers(ws, rng, text=text),
        submitted=(
            datetime(2026, 11, 20, 18, 0, tzinfo=UTC),
            datetime(2026, 11, 24, 8, 30, tzinfo=UTC),
        ),
        include_private=include_private,
        trends=trends,
    )


def document(
    reviews: tuple[WorksheetReview, ...],
    notes: tuple[str, ...],
    *,
    copy: Copy = "counselor",
    next_steps: str = "",
    document_id: str = "S1042",
) -> SummaryDocument:
    overview = tuple(
        OverviewLine(
            r.worksheet.title,
            date(2026, 11, 13),
            date(2026, 11, 26) if n % 2 == 0 else None,
            "Submitted",
            "Submitted" if n % 3 else "In progress",
        )
        for n, r in enumerate(reviews)
    )
    return SummaryDocument(
        practice="Riverside Counseling",
        counselor="Dr. Jordan Lee",
        couple_label="Sam & Alex",
        session_date=date(2026, 11, 27),
        copy=copy,
        names=NAMES,
        overview=overview,
        reviews=reviews,
        notes=notes,
        next_steps=next_steps,
        seek_help=SEEK_HELP,
        document_id=document_id,
    )


def sample_document(kind: Kind = "typical", copy: Copy = "counselor") -> SummaryDocument:
    """A SummaryDocument built from the real worksheets with synthetic answers."""
    rng = random.Random(f"clinic-{kind}")
    if kind in ("typical", "typical_trends"):
        reviews = []
        for slug in TYPICAL:
            ws = worksheet(slug)
            repeated = kind == "typical_trends" and slug == "emotional-intimacy"
            reviews.append(
                review_of(
                    ws,
                    rng,
                    typical_text(rng),
                    include_private=copy == "counselor",
                    trends=trends_for(ws, rng, 3) if repeated else (),
                )
            )
        notes = tuple(prose(rng, rng.randint(250, 450)) for _ in range(3))
        return document(tuple(reviews), notes, copy=copy, next_steps=prose(rng, 220))
    return _worst(kind, rng, copy)


def _worst(kind: Kind, rng: random.Random, copy: Copy) -> SummaryDocument:
    """Add worksheets with answers at their longest while the guard accepts, then fill with notes
    to the character limit itself."""
    from clinic.summaries.pdf import MAX_CHARS, MAX_ROWS, NEWLINE_CHARS, summary_size

    slugs = sorted(p.stem for p in WORKSHEETS.glob("*.toml"))
    text = longest_text(rng, 1.0 if kind == "worst_unbroken" else 0.5, kind == "worst_lines")

    def note(size: int, n: int) -> str:
        if kind == "worst_lines":
            return short_lines(size)
        return unbroken(rng, size) if n % 2 else prose_exact(rng, size)

    # Short lines weigh more (see clinic.summaries.pdf.NEWLINE_CHARS): their notes are the top-up.
    notes = tuple(note(NOTE_LENGTH, n) for n in range(0 if kind == "worst_lines" else 4))
    steps = prose_exact(rng, 1000)
    if kind == "worst_rows":
        # As many rows as the guard allows: the worksheets with the most rows per character of
        # prompt, text questions left unanswered (a partner may skip optional ones), no notes.
        slugs = ["balancing-both", "physical-closeness", "mindful-moments"]

        def text(q: Question) -> str:
            return ""

        notes, steps = (), "Same time next week."
    sheets = [worksheet(s) for s in slugs]
    reviews: list[WorksheetReview] = []
    while True:
        ws = sheets[len(reviews) % len(sheets)]
        repeated = len(reviews) < len(sheets)  # the first round has a year of trends
        review = review_of(ws, rng, text, trends=trends_for(ws, rng, 12) if repeated else ())
        chars, rows = summary_size(document((*reviews, review), notes, copy=copy, next_steps=steps))
        if chars > MAX_CHARS or rows > MAX_ROWS:
            break
        reviews.append(review)
    doc = document(tuple(reviews), notes, copy=copy, next_steps=steps)
    chars, rows = summary_size(doc)
    while chars < MAX_CHARS and rows < MAX_ROWS:
        size = min(NOTE_LENGTH, MAX_CHARS - chars)
        if kind == "worst_lines":  # a line break counts as NEWLINE_CHARS + 1 characters
            size = max(2, size * 3 // (3 + NEWLINE_CHARS))
        notes += (note(size, len(notes)),)
        doc = document(tuple(reviews), notes, copy=copy, next_steps=steps)
        chars, rows = summary_size(doc)
    if chars > MAX_CHARS or rows > MAX_ROWS:  # the last note added a row over the limit
        doc = document(tuple(reviews), notes[:-1], copy=copy, next_steps=steps)
    return doc


def text_floor_html(summary_html: str) -> str:
    """The summary's visible characters as plain paragraphs, with the same page and body font.

    Each table cell, heading and line becomes a paragraph; the charts' drawings are left out. The
    same @page rule (size, margins, footer with page numbers) as the summary: the footer is text
    on every page of both, and the comparison is about how the body is laid out.
    """
    from clinic.summaries.pdf import CSS_PATH

    page = re.search(r"(?ms)^@page \{.*?^\}", CSS_PATH.read_text(encoding="utf-8"))
    assert page, "no @page rule in the summary's stylesheet"
    body = re.sub(r"(?is)<head>.*?</head>|<svg.*?</svg>", "", summary_html)
    body = re.sub(r"(?i)</(p|tr|li|h[1-6]|caption|figcaption|th|td)>", "\n", body)
    text = html.unescape(re.sub(r"<[^>]+>", "", body))
    paragraphs = (" ".join(line.split()) for line in text.splitlines())
    paras = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs if p)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>floor</title><style>'
        f'{page.group(0)} html {{ font: 9pt/1.4 "DejaVu Sans", sans-serif }}'
        "p { margin: 0 0 2mm; overflow-wrap: anywhere }</style></head><body>"
        f"{paras}</body></html>"
    )


def make_app() -> Any:
    from clinic import create_app

    tmp = tempfile.mkdtemp(prefix="clinic-bench-")
    return create_app(
        {"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3", "SECRET_KEY": "b" * 40}
    )


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, float, Any]:
    """(median wall-clock seconds, median CPU seconds, last result) over runs calls."""
    walls, cpus, result = [], [], None
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return statistics.median(walls), statistics.median(cpus), result


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB (1024 * 1024 bytes)."""
    # VmHWM belongs to this process image alone; ru_maxrss would carry over the parent's peak,
    # which a child inherits through fork and keeps across exec.
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def child(kind: Kind) -> None:
    """Render one summary in this fresh process; print its peak memory and the render's time,
    WeasyPrint's import and first font lookups included."""
    from clinic.summaries.pdf import make_fetcher, render_summary

    app = make_app()
    with app.app_context():
        doc = sample_document(kind)
        started = time.perf_counter()
        render_summary(doc, fetcher=make_fetcher())  # laid out here, where the peak is read
        took = time.perf_counter() - started
    print(f"{peak_rss_mb():.1f} {took:.3f}")


def fresh(kind: Kind) -> tuple[float, float]:
    """(peak RSS in MB, seconds for a cold first render) of kind in a fresh process."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind], capture_output=True, text=True, check=True
    )
    peak, took = out.stdout.strip().splitlines()[-1].split()
    return float(peak), float(took)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11, help="renders per figure (default 11)")
    parser.add_argument("--child", choices=KINDS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return

    from weasyprint import HTML

    from clinic.summaries.pdf import make_fetcher, render_summary, render_summary_html, summary_size

    def describe(name: str, doc: SummaryDocument, pdf: bytes, wall: float, cpu: float) -> None:
        chars, rows = summary_size(doc)
        print(
            f"{name}: {len(doc.reviews)} worksheets, {chars:,} characters, {rows} rows, "
            f"{len(pdf):,} bytes; median {wall:.3f} s ({cpu:.3f} s CPU)"
        )

    app = make_app()
    with app.app_context():
        typical = sample_document("typical")

        def laid_out_here(doc: SummaryDocument) -> bytes:
            # A fetcher of our own has the layout done in this process, not the app's render
            # process (clinic.render_process): its CPU time is this process's to measure.
            return render_summary(doc, fetcher=make_fetcher())

        laid_out_here(typical)  # warm up: imports, fonts, template compilation
        floor_html = text_floor_html(render_summary_html(typical))

        def floor_pdf() -> bytes:
            return HTML(string=floor_html, url_fetcher=make_fetcher()).write_pdf(
                pdf_variant="pdf/ua-1"
            )

        floor_pdf()
        # Taken in turns, so that both meet the same load from anything else on the machine.
        walls: dict[str, list[float]] = {"floor": [], "typical": []}
        cpus: dict[str, list[float]] = {"floor": [], "typical": []}
        for _ in range(args.runs):
            for name, fn in (("floor", floor_pdf), ("typical", lambda: laid_out_here(typical))):
                wall, cpu, pdf = timed(fn, 1)
                walls[name].append(wall)
                cpus[name].append(cpu)
        floor, floor_cpu = statistics.median(walls["floor"]), statistics.median(cpus["floor"])
        typ, typ_cpu = statistics.median(walls["typical"]), statistics.median(cpus["typical"])
        print(f"text floor: median {floor:.3f} s ({floor_cpu:.3f} s CPU)")
        describe("typical", typical, pdf, typ, typ_cpu)
        print(f"typical CPU ratio {typ_cpu / floor_cpu:.2f} x")
        with_trends = sample_document("typical_trends")
        wall, cpu, pdf = timed(lambda: laid_out_here(with_trends), args.runs)
        describe("typical with 2 trend charts", with_trends, pdf, wall, cpu)
        worst: dict[str, float] = {}
        for kind in WORST:
            doc = sample_document(kind)
            worst[kind], cpu, pdf = timed(
                lambda doc=doc: laid_out_here(doc), max(3, args.runs // 2)
            )
            describe(kind, doc, pdf, worst[kind], cpu)
    cold = {kind: fresh(kind) for kind in WORST}
    peaks = {kind: peak for kind, (peak, _) in cold.items()}
    print(
        "fresh process each, peak RSS and cold first render: "
        + ", ".join(f"{k} {peak:.0f} MB {took:.2f} s" for k, (peak, took) in cold.items())
    )
    print(f"pdf.text_floor.median {floor:.3f} s")
    print(f"pdf.typical.median {typ:.3f} s")
    print(f"pdf.typical.ratio {typ / floor:.2f} x")
    print(f"pdf.worst.median {max(worst.values()):.2f} s")
    print(f"pdf.worst.peak_rss {max(peaks.values()):.0f} MB")


if __name__ == "__main__":
    main()
